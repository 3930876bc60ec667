import Foundation
import OpsideDocuments
import OpsideDocumentSamples
import OpsideInvoices

/// A corpus of rendered sample documents with their planted truth, run through the real pipeline:
/// `DocumentParsing` (the `opside-document-parser` subprocess under its limits) then
/// `InvoiceExtractor`, exactly as evidence-engine does with an upload.
struct PipelineCorpus: Sendable {
    /// One corpus file and what became of it.
    struct Outcome: Sendable {
        var entry: SampleManifestEntry
        /// The file's path.
        var url: URL
        var result: Result<ParsedDocument, DocumentRejection>
        var seconds: Double

        /// The extractor's reading of the parsed document, as evidence-engine calls it.
        var fields: InvoiceFields? {
            guard case .success(let parsed) = result else { return nil }
            return InvoiceExtractor().extract(InvoiceDocument(pages: parsed.pages, tables: parsed.tables.map(\.rows)))
        }
    }

    /// Writes the corpus into subfolders of `folder`, `parts.count` at once (rendering a scan is
    /// the slow part and `SampleCorpus.write` renders one file after another), each part its own
    /// seed and `truth.json`.
    /// - Returns: Every entry with its file's URL, read back from the parts' `truth.json`.
    static func write(parts: [(seed: UInt64, counts: SampleCorpus.Counts)], into folder: PipelineFolder,
                      scanDPI: Double) async throws -> [(entry: SampleManifestEntry, url: URL)] {
        try await withThrowingTaskGroup(of: [(entry: SampleManifestEntry, url: URL)].self) { group in
            for (index, part) in parts.enumerated() {
                let directory = try folder.folder("corpus-\(index)")
                group.addTask {
                    try await offCooperativePool {
                        try SampleCorpus.write(to: directory, seed: part.seed, counts: part.counts, scanDPI: scanDPI)
                        // Read back rather than trust the return value: the manifest on disk is
                        // what a benchmark or a person would use.
                        return try SampleCorpus.manifest(in: directory).entries.map { ($0, directory.appendingPathComponent($0.file)) }
                    }
                }
            }
            var all: [(entry: SampleManifestEntry, url: URL)] = []
            for try await part in group { all += part }
            return all
        }
    }

    /// Parses every file with at most `width` parses at once (one per core: each parse is a
    /// single-threaded process).
    static func parse(_ files: [(entry: SampleManifestEntry, url: URL)], with parsing: DocumentParsing,
                      width: Int) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            // The slowest first (a scanned PDF is drawn again at 300 dpi, then OCR'd), so no core
            // sits idle at the end while one scan is still being read.
            var pending = files.sorted { cost($0.entry.kind) > cost($1.entry.kind) }[...]
            func startNext() {
                guard let file = pending.popFirst() else { return }
                group.addTask {
                    let started = ContinuousClock.now
                    let result: Result<ParsedDocument, DocumentRejection>
                    do throws(DocumentRejection) {
                        result = .success(try await parsing.parse(fileAt: file.url))
                    } catch {
                        result = .failure(error)
                    }
                    let elapsed = ContinuousClock.now - started
                    return Outcome(entry: file.entry, url: file.url, result: result,
                                   seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                }
            }
            for _ in 0..<width { startNext() }
            var outcomes: [Outcome] = []
            for await outcome in group {
                outcomes.append(outcome)
                startNext()
            }
            return outcomes.sorted { $0.url.path < $1.url.path }
        }
    }

    /// How long a file of `kind` takes to parse, roughly, for ordering.
    static func cost(_ kind: SampleDocumentKind) -> Int {
        switch kind {
        case .scannedPDF: 3
        case .scannedPNG, .photoPNG, .blankScan: 2
        case .textPDF, .malformedPDF: 1
        case .csv, .xlsx, .zipBombXLSX, .largeFile: 0
        }
    }
}
