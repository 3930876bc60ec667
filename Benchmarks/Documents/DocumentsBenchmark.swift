import ArgumentParser
import Foundation
import OpsideDocuments

/// `opside-documents-bench`: pages per second through `DocumentParsing` beside the bare tools.
struct DocumentsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opside-documents-bench",
        abstract: "OCR and text-PDF pages per second through DocumentParsing, beside tesseract and pdftotext run directly.")

    @Option(help: "Scanned pages (PNG) to OCR.") var ocrPages = 20
    @Option(help: "One-page text PDFs to read.") var textPages = 200
    @Option(help: "Resolution the scanned pages are rendered at.") var dpi = 200.0
    @Option(help: "Parses (and tool runs) at once in the concurrent rounds.") var concurrency = 2
    @Option(help: "Seed of the sample invoices.") var seed: UInt64 = 2026

    /// One measured round: a pipeline or a floor over a set of pages, some at once.
    struct Round {
        var name: String
        var pages: Int
        var width: Int
        var seconds: Double
        var failures: Int
        var firstFailure: String?
        /// VmHWM of this process during the round, in MiB.
        var peakMebibytes: Double?

        var pagesPerSecond: Double { Double(pages - failures) / seconds }
    }

    func validate() throws {
        guard ocrPages >= 0, textPages >= 0, ocrPages + textPages > 0 else { throw ValidationError("Ask for some pages.") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1.") }
        guard dpi >= 72, dpi <= 600 else { throw ValidationError("--dpi must be between 72 and 600.") }
    }

    func run() async throws {
        let parsing = DocumentParsing(parserExecutable: DocumentParsing.parserExecutableBesideRunningExecutable())
        guard FileManager.default.isExecutableFile(atPath: parsing.parserExecutable.path) else {
            throw ValidationError("No parser at \(parsing.parserExecutable.path): build opside-document-parser beside this benchmark "
                                  + "(swift build -c release) or name it with \(DocumentParsing.parserExecutableEnvironmentKey).")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-documents-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var parsingInFolder = parsing
        parsingInFolder.temporaryDirectory = folder

        let clock = ContinuousClock()
        let prepared = clock.now
        let (scans, pdfs) = try await Self.offCooperativePool { [ocrPages, textPages, dpi, seed] in
            (try BenchmarkDocuments.scannedPages(count: ocrPages, dpi: dpi, seed: seed, in: folder),
             try BenchmarkDocuments.textPDFs(count: textPages, seed: seed ^ 0x7E47, in: folder))
        }
        print("opside-documents-bench: \(scans.count) scanned pages at \(Int(dpi)) dpi and \(pdfs.count) one-page text PDFs "
              + "made in \(Self.format(Self.seconds(clock.now - prepared))) s; parser \(parsing.parserExecutable.path)")

        let tesseract = ToolFloor(tool: "tesseract", arguments: { [$0.path, "stdout", "--psm", "3", "tsv"] }, outputFolder: folder)
        let pdftotext = ToolFloor(tool: "pdftotext", arguments: { ["-layout", "-enc", "UTF-8", $0.path, "-"] }, outputFolder: folder)
        let widths = concurrency == 1 ? [1] : [1, concurrency]
        var rounds: [(ours: Round, floor: Round)] = []
        for (label, files, floor) in [("OCR, PNG", scans, tesseract), ("text PDF", pdfs, pdftotext)] where !files.isEmpty {
            // One untimed run of each first: tesseract's language data and the binaries come off
            // disk once, which neither side should be charged for.
            _ = await Self.parse([files[0]], with: parsingInFolder, width: 1)
            _ = await floor.run(on: [files[0]], width: 1)
            for width in widths {
                let floorRound = await Self.measure("\(floor.tool) alone", pages: files.count, width: width) {
                    await floor.run(on: files, width: width)
                }
                let ourRound = await Self.measure("\(label) via DocumentParsing", pages: files.count, width: width) {
                    await Self.parse(files, with: parsingInFolder, width: width)
                }
                rounds.append((ourRound, floorRound))
            }
        }
        print(Self.table(rounds))
        print("Peak RSS of the largest child process (a parser or a tool): \(Self.format(ProcessMemory.largestChildMebibytes())) MiB")
    }

    /// Times `body`, with this process's peak memory over it.
    static func measure(_ name: String, pages: Int, width: Int,
                        _ body: () async -> (failures: Int, first: String?)) async -> Round {
        ProcessMemory.resetPeak()
        let clock = ContinuousClock()
        let started = clock.now
        let (failures, first) = await body()
        return Round(name: name, pages: pages, width: width, seconds: seconds(clock.now - started), failures: failures,
                     firstFailure: first, peakMebibytes: ProcessMemory.peakMebibytes())
    }

    /// Parses every file, `width` at once.
    /// - Returns: How many were refused, with the first refusal.
    static func parse(_ files: [URL], with parsing: DocumentParsing, width: Int) async -> (failures: Int, first: String?) {
        await withTaskGroup(of: String?.self) { group in
            var pending = files[...]
            func startNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    do {
                        let document = try await parsing.parse(fileAt: file)
                        return document.pages.allSatisfy(\.isEmpty) ? "\(file.lastPathComponent): no text" : nil
                    } catch {
                        return "\(file.lastPathComponent): \(error)"
                    }
                }
            }
            for _ in 0..<width { startNext() }
            var failures = 0
            var first: String?
            for await failure in group {
                if let failure {
                    failures += 1
                    if first == nil { first = failure }
                }
                startNext()
            }
            return (failures, first)
        }
    }

    static func table(_ rounds: [(ours: Round, floor: Round)]) -> String {
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var text = "round".padding(toLength: 32, withPad: " ", startingAt: 0) + cell("pages", 6) + cell("at once", 9) + cell("seconds", 9)
            + cell("pages/s", 9) + cell("ms/page", 9) + cell("peak RSS MiB", 14) + cell("ours/floor", 12) + "\n"
        for (ours, floor) in rounds {
            for round in [floor, ours] {
                let ratio = round.name == ours.name ? format(ours.seconds / floor.seconds, digits: 2) + "×" : ""
                text += round.name.padding(toLength: 32, withPad: " ", startingAt: 0) + cell("\(round.pages)", 6) + cell("\(round.width)", 9)
                    + cell(format(round.seconds, digits: 2), 9) + cell(format(round.pagesPerSecond), 9)
                    + cell(format(round.seconds * 1000 / Double(round.pages), digits: 0), 9)
                    + cell(round.peakMebibytes.map { format($0) } ?? "n/a", 14) + cell(ratio, 12) + "\n"
                if round.failures > 0 {
                    text += "  \(round.failures) of \(round.pages) failed (not counted in pages/s); first: \(round.firstFailure ?? "")\n"
                }
            }
        }
        return text
    }

    /// Runs blocking rendering off Swift's cooperative pool.
    static func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
}
