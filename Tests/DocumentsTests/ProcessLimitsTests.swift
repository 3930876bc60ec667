import Foundation
import Testing
@testable import OpsideDocuments

@Suite("The parser process under limits")
struct ProcessLimitsTests {
    @Test func parseThatRunsPastTheDeadlineIsKilledWithItsOCRChild() async throws {
        let folder = try TestFolder()
        // About 60 megapixels: tesseract needs several seconds, far past the 1.5 s allowed.
        let image = try TestImages.render(TestImages.invoicePDF(in: folder), as: .png, dotsPerInch: 790, gray: true, in: folder, named: "big-scan")
        var limits = DocumentLimits()
        limits.parseSeconds = 1.5

        // The deadline's work is judged by the outcome, never by a timed assertion (a loaded CI
        // machine stretches any duration): the refusal names the limit, and nothing is left running.
        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: image) }

        #expect(rejection?.code == .timedOut)
        #expect(rejection?.message.hasPrefix("Reading the document took longer than 1.5 seconds, the limit.") == true)
        // The kill went to the whole process group: no tesseract is left reading the image.
        #expect(await Self.processesStillMentioning(image.path, after: .milliseconds(500)).isEmpty)
    }

    @Test func cancellingAParseKillsItsOCRChild() async throws {
        let folder = try TestFolder()
        let image = try TestImages.render(TestImages.invoicePDF(in: folder), as: .png, dotsPerInch: 790, gray: true, in: folder, named: "big-scan")
        let parsing = TestParser.parsing()

        let parse = Task { try await parsing.parse(fileAt: image) }
        // Cancel only once tesseract is really reading the image.
        #expect(await Self.firstProcessMentioning(image.path, within: .seconds(120)) != nil)
        parse.cancel()
        let result = await parse.result

        let rejection = try #require(result.failure as? DocumentRejection)
        #expect(rejection.message.contains("cancelled"))
        #expect(await Self.processesStillMentioning(image.path, after: .milliseconds(500)).isEmpty)
    }

    @Test func memoryLimitGivesAClearRejection() async throws {
        let folder = try TestFolder()
        let image = try TestImages.render(TestImages.invoicePDF(in: folder), as: .png, dotsPerInch: 790, gray: true, in: folder, named: "big-scan")
        var limits = DocumentLimits()
        // Enough for the parser to start (about 130 MB of address space), far too little for
        // tesseract to hold a 60-megapixel page.
        limits.parseMemoryBytes = 256 * 1_048_576

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: image) }

        #expect(rejection?.code == .outOfMemory)
        #expect(rejection?.message.hasPrefix("Reading the document needed more than 256 MB of memory, the limit.") == true)
    }

    @Test func processorTimeLimitStopsALongOCR() async throws {
        let folder = try TestFolder()
        let image = try TestImages.render(TestImages.invoicePDF(in: folder), as: .png, dotsPerInch: 790, gray: true, in: folder, named: "big-scan")
        var limits = DocumentLimits()
        // tesseract needs about 3 s of processor time for this page.
        limits.parseCPUSeconds = 1

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: image) }

        #expect(rejection?.code == .timedOut)
        #expect(rejection?.message.hasPrefix("Reading the document used more than 1 second of processor time") == true)
    }

    @Test func fileSizeLimitStopsARenderedPageThatIsTooBig() async throws {
        let folder = try TestFolder()
        let scan = try folder.write(TestPDF.scanned(pgm: TestImages.pgm(of: TestParser.invoiceLines, in: folder)), named: "scan.pdf")
        var limits = DocumentLimits()
        // The 300 dpi rendering of the page for OCR is far larger than 20 KB.
        limits.parseOutputBytes = 20_000

        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: scan) }

        #expect(rejection?.code == .tooLarge)
        #expect(rejection?.message.contains("working space") == true)
    }

    @Test func parserThatCannotEvenStartUnderTheMemoryLimitIsNotAHang() async throws {
        let folder = try TestFolder()
        let file = try folder.write(Data("a,b\n1,2\n".utf8), named: "tiny.csv")
        var limits = DocumentLimits()
        limits.parseMemoryBytes = 24 * 1_048_576
        limits.parseSeconds = 10

        // It comes back (the deadline ends a stalled start) as out of memory, not as a timeout:
        // judged by the outcome, not by a timed assertion.
        let rejection = await #expect(throws: DocumentRejection.self) { try await TestParser.parsing(limits).parse(fileAt: file) }

        #expect(rejection?.code == .outOfMemory)
    }

    @Test func parsesRunSideBySide() async throws {
        let folder = try TestFolder()
        let files = try (1...6).map { number in
            try folder.write(TestPDF.text(pages: [["Invoice number \(number)", "Total \(number * 10).00 EUR"]]), named: "invoice-\(number).pdf")
        }
        let parsing = TestParser.parsing()

        let texts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask { (index + 1, try await parsing.parse(fileAt: file).pages.joined()) }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }

        for number in 1...6 {
            #expect(texts[number]?.contains("Invoice number \(number)") == true)
            #expect(texts[number]?.contains("Total \(number * 10).00 EUR") == true)
        }
    }

    @Test func parserThatPrintsSomethingOtherThanJSONGivesMalformed() async throws {
        let folder = try TestFolder()
        let file = try folder.write(Data("a,b\n1,2\n".utf8), named: "tiny.csv")
        let chatty = try Self.script(in: folder, named: "chatty-parser", body: "echo 'Segmentation fault is not JSON'")
        let crashing = try Self.script(in: folder, named: "crashing-parser", body: "kill -SEGV $$")

        let notJSON = await #expect(throws: DocumentRejection.self) {
            try await DocumentParsing(parserExecutable: chatty, limits: .standard).parse(fileAt: file, kind: .csv)
        }
        #expect(notJSON?.code == .malformed)

        let crash = await #expect(throws: DocumentRejection.self) {
            try await DocumentParsing(parserExecutable: crashing, limits: .standard).parse(fileAt: file, kind: .csv)
        }
        #expect(crash?.code == .malformed)
        #expect(crash?.message.contains("signal 11") == true)
    }

    @Test func missingParserIsOurFaultNotTheDocuments() async throws {
        let folder = try TestFolder()
        let file = try folder.write(Data("a,b\n1,2\n".utf8), named: "tiny.csv")
        let parsing = DocumentParsing(parserExecutable: folder.file("no-such-parser"), limits: .standard)

        let rejection = await #expect(throws: DocumentRejection.self) { try await parsing.parse(fileAt: file, kind: .csv) }

        #expect(rejection?.code == .parserUnavailable)
    }

    @Test func parserIsFoundBesideTheRunningExecutableUnlessOverridden() {
        let beside = DocumentParsing.parserExecutableBesideRunningExecutable(environment: [:])
        #expect(beside.lastPathComponent == "opside-document-parser")
        #expect(FileManager.default.isExecutableFile(atPath: beside.path))
        let overridden = DocumentParsing.parserExecutableBesideRunningExecutable(environment: ["OPSIDE_DOCUMENT_PARSER": "/opt/opside/parser"])
        #expect(overridden.path == "/opt/opside/parser")
    }

    // MARK: Helpers

    /// Live processes whose command line mentions `text`, once they have had up to `grace` to
    /// finish dying: SIGKILL is delivered at once, but a process freeing 600 MB takes a moment to
    /// go, and an orphan is reaped by init, not by us.
    static func processesStillMentioning(_ text: String, after grace: Duration) async -> [String] {
        let deadline = ContinuousClock.now + grace
        var survivors = processesMentioning(text)
        while !survivors.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
            survivors = processesMentioning(text)
        }
        return survivors
    }

    /// Waits for a process whose command line mentions `text` to appear, polling /proc.
    static func firstProcessMentioning(_ text: String, within limit: Duration) async -> String? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let found = processesMentioning(text).first(where: { $0.contains("tesseract") }) { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Live (not zombie) processes whose command line mentions `text`.
    static func processesMentioning(_ text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let state = stat.split(separator: ")").last?.split(separator: " ").first, state != "Z", state != "X" else { return nil }
            let words = String(decoding: commandLine, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return words.contains(text) ? "\(pid): \(words)" : nil
        }
    }

    /// A stand-in parser program, to see how the library takes a misbehaving one.
    static func script(in folder: TestFolder, named name: String, body: String) throws -> URL {
        let file = try folder.write(Data("#!/bin/sh\n\(body)\n".utf8), named: name)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        return file
    }
}
