import Foundation
import Testing
@testable import OpsideDocuments

@Suite("Limits checked before parsing")
struct LimitsTests {
    @Test func twoHundredMegabyteFileIsRefusedBySizeWithoutBeingRead() async throws {
        let folder = try TestFolder()
        // Sparse: 200 MB on paper, a few bytes on disk, and it starts like a real PDF.
        let file = folder.file("huge.pdf")
        try TestPDF.text(pages: [["Invoice"]]).write(to: file)
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 200 * 1_048_576)
        try handle.close()

        let readBefore = try Self.bytesReadByThisProcess()
        let rejection = await #expect(throws: DocumentRejection.self) {
            try await TestParser.parsing().parse(fileAt: file)
        }
        let readDuring = try Self.bytesReadByThisProcess() - readBefore

        #expect(rejection?.code == .tooLarge)
        #expect(rejection?.message == "The file is 200 MB; the limit is 25 MB per file.")
        // Reading the file would add 200 MB; other tests running alongside read a few MB.
        #expect(readDuring < 100 * 1_048_576)
    }

    @Test func requestIsRefusedForTooManyFilesOrTooManyBytesInAll() {
        let limits = DocumentLimits.standard
        let tooMany = #expect(throws: DocumentRejection.self) { try limits.checkRequest(fileSizes: Array(repeating: 1000, count: 21)) }
        #expect(tooMany?.code == .tooManyFiles)
        #expect(tooMany?.message.contains("21 files; the limit is 20") == true)

        let tooBig = #expect(throws: DocumentRejection.self) { try limits.checkRequest(fileSizes: Array(repeating: 24 * 1_048_576, count: 11)) }
        #expect(tooBig?.code == .tooLarge)
        #expect(tooBig?.message.contains("264 MB in all; the limit is 256 MB per upload") == true)

        #expect(throws: Never.self) { try limits.checkRequest(fileSizes: [1_048_576, 2_048_000]) }
    }

    @Test func sizesInMessagesNeverReadAsEqualToTheLimit() {
        let justOver = #expect(throws: DocumentRejection.self) { try DocumentLimits.standard.checkFileSize(25 * 1_048_576 + 300_000) }
        #expect(justOver?.message == "The file is 25.3 MB; the limit is 25 MB per file.")
        let empty = #expect(throws: DocumentRejection.self) { try DocumentLimits.standard.checkFileSize(0) }
        #expect(empty?.code == .malformed)
    }

    @Test func limitsTravelAsJSON() throws {
        var limits = DocumentLimits()
        limits.parseSeconds = 2.5
        limits.maxPages = 3
        let decoded = try JSONDecoder().decode(DocumentLimits.self, from: JSONEncoder().encode(limits))
        #expect(decoded == limits)
        #expect(decoded != DocumentLimits.standard)
    }

    /// `rchar` from /proc/self/io: every byte this process has read through read(2) and friends.
    static func bytesReadByThisProcess() throws -> Int {
        let io = try String(contentsOfFile: "/proc/self/io", encoding: .utf8)
        guard let line = io.split(separator: "\n").first(where: { $0.hasPrefix("rchar:") }),
              let value = Int(line.split(separator: " ").last ?? "") else {
            throw TestTool.Failure(description: "no rchar in /proc/self/io")
        }
        return value
    }
}

@Suite("Content hash and display name")
struct ContentHashAndNameTests {
    @Test func hashIsSHA256HexOfTheBytes() {
        #expect(ContentHash(of: Data("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash(of: Data()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hashingAFileInChunksMatchesHashingItsBytes() throws {
        let folder = try TestFolder()
        // Over three 1 MiB chunks, with a partial last one.
        let bytes = Data((0..<(3 * 1_048_576 + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let file = try folder.write(bytes, named: "upload.bin")
        #expect(try ContentHash(ofFileAt: file) == ContentHash(of: bytes))
        #expect(try ContentHash(ofFileAt: file) != ContentHash(of: bytes.dropLast()))
    }

    @Test func displayNameLosesPathsControlCharactersAndDotDot() {
        #expect(StoredName(uploadedName: "../../etc/passwd").displayName == "passwd")
        #expect(StoredName(uploadedName: "C:\\Users\\me\\Invoices\\INV-2024.pdf").displayName == "INV-2024.pdf")
        #expect(StoredName(uploadedName: "invoice\u{202E}fdp.exe").displayName == "invoicefdp.exe")
        #expect(StoredName(uploadedName: "bad\u{0}name\n\t.pdf").displayName == "badname.pdf")
        #expect(StoredName(uploadedName: "price..list.xlsx").displayName == "price.list.xlsx")
        #expect(StoredName(uploadedName: "..").displayName == "document")
        #expect(StoredName(uploadedName: "   ").displayName == "document")
        #expect(StoredName(uploadedName: ".hidden.csv").displayName == "hidden.csv")
    }

    @Test func longNamesAreShortenedKeepingTheExtension() {
        let name = StoredName(uploadedName: String(repeating: "Lieferantenrechnung ", count: 20) + "März.PDF")
        #expect(name.displayName.count == StoredName.maxLength)
        #expect(name.displayName.hasSuffix(".PDF"))
        #expect(name.displayExtension == "pdf")
        #expect(StoredName(uploadedName: "README").displayExtension == nil)
    }
}
