import Foundation
import OpsideDocuments
import OpsideDocumentSamples
import OpsideInvoices
import Testing

/// The pipeline on documents that must be refused or survived: each bad file of a sample corpus
/// comes back as the rejection its `truth.json` kind calls for, never a crash or a hang, and the
/// same `DocumentParsing` goes on reading a good invoice afterwards.
@Suite("Document pipeline on bad documents")
struct BadDocumentPipelineTests {
    /// 200 MB (binary, as the limits count): eight times the 25 MB per-file limit, written sparse
    /// so it costs no disk.
    static let largeFileBytes: Int64 = 200 * 1_048_576

    @Test func badDocumentsAreRefusedWithTheirCodesAndTheNextInvoiceIsStillRead() async throws {
        let folder = try PipelineFolder("bad")
        // Two malformed PDFs: the corpus gives the first the `truncated` damage, the second `brokenXref`.
        let counts = SampleCorpus.Counts(textPDFs: 1, malformedPDFs: 2, blankScans: 1, zipBombs: 1, largeFiles: 1,
                                         largeFileBytes: Self.largeFileBytes)
        let files = try await PipelineCorpus.write(parts: [(0xBAD_D0C, counts)], into: folder, scanDPI: 150)
        #expect(Set(files.map(\.entry.kind)) == [.textPDF, .malformedPDF, .blankScan, .zipBombXLSX, .largeFile])

        var parsing = DocumentParsing(parserExecutable: DocumentParsing.parserExecutableBesideRunningExecutable())
        parsing.temporaryDirectory = try folder.folder("parser-work")
        // Bad documents side by side, as uploads arrive: one hostile file must not take the other down.
        let outcomes = await PipelineCorpus.parse(files.filter { $0.entry.kind != .textPDF }, with: parsing, width: 2)
        #expect(outcomes.count == 5)
        for outcome in outcomes {
            let entry = outcome.entry
            switch (entry.kind, entry.damage) {
            case (.malformedPDF, .truncated?):
                #expect(outcome.rejectionCode == .malformed, "\(entry.file): \(outcome.summary)")
            case (.malformedPDF, .brokenXref?):
                // Poppler rebuilds a lying cross-reference table from the objects, as lenient
                // readers do: the damage is in the structure, so the invoice is read intact.
                let fields = try #require(outcome.fields, "\(entry.file): \(outcome.summary)")
                #expect(fields.number == entry.truth?.number, "\(entry.file): read number \(fields.number ?? "nil")")
            case (.blankScan, _):
                #expect(outcome.rejectionCode == .noText, "\(entry.file): \(outcome.summary)")
            case (.zipBombXLSX, _):
                // Refused from its sizes while or before unpacking, not by running out of memory or time.
                #expect(outcome.rejectionCode == .zipBomb, "\(entry.file): \(outcome.summary)")
                #expect(outcome.seconds < parsing.limits.parseSeconds / 2, "\(entry.file) took \(outcome.seconds) s to refuse")
            case (.largeFile, _):
                #expect(outcome.rejectionCode == .tooLarge, "\(entry.file): \(outcome.summary)")
            default:
                Issue.record("\(entry.file) is not a bad document of the corpus")
            }
        }

        // The large file is refused from its size on disk alone: by the limits, and by a parsing
        // whose parser does not even exist (a parse that got past the size check would say
        // parser_unavailable instead).
        let large = try #require(files.first { $0.entry.kind == .largeFile })
        #expect(try FileManager.default.attributesOfItem(atPath: large.url.path)[.size] as? Int == Int(Self.largeFileBytes))
        let sizeCheck = Result { () throws(DocumentRejection) in try DocumentLimits.standard.checkFileSize(ofFileAt: large.url) }
        #expect(sizeCheck.failure?.code == .tooLarge)
        // The seller is told both figures, so they know how far over they are.
        #expect(sizeCheck.failure?.message == "The file is 200 MB; the limit is 25 MB per file.")
        let withoutParser = DocumentParsing(parserExecutable: folder.file("no-such-parser"))
        do throws(DocumentRejection) {
            let document = try await withoutParser.parse(fileAt: large.url)
            Issue.record("a 200 MB file was parsed: \(document.pageCount) pages")
        } catch {
            #expect(error.code == .tooLarge, "\(error)")
        }

        // And the pipeline still reads a good invoice after all that.
        let good = try #require(files.first { $0.entry.kind == .textPDF })
        let after = await PipelineCorpus.parse([good], with: parsing, width: 1)
        let fields = try #require(after.first?.fields, "the good invoice after the bad ones: \(after.first?.summary ?? "not parsed")")
        #expect(fields.number == good.entry.truth?.number)
        #expect(fields.total == good.entry.truth?.total)
    }
}

extension PipelineCorpus.Outcome {
    var rejectionCode: DocumentRejection.Code? {
        if case .failure(let rejection) = result { return rejection.code }
        return nil
    }

    /// What became of the file, for a failure message.
    var summary: String {
        switch result {
        case .success(let document): "parsed (\(document.method.rawValue), \(document.pageCount) pages)"
        case .failure(let rejection): "refused \(rejection.description)"
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
