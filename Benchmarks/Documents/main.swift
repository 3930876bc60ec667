// opside-documents-bench: how fast the document pipeline reads pages, beside the tools it wraps.
//
//   opside-documents-bench [--ocr-pages 20] [--text-pages 200] [--dpi 200] [--concurrency 2]
//
// (a) OCR: N scanned invoice pages (PNG, rendered by OpsideDocumentSamples) read through
//     `DocumentParsing` (the opside-document-parser subprocess under prlimit, tesseract inside),
//     beside `tesseract <png> stdout --psm 3 tsv` run directly on the same pages: the floor.
// (b) Text PDFs: N one-page invoice PDFs through `DocumentParsing` (pdfinfo + pdftotext inside),
//     beside `pdftotext -layout <pdf> -` run directly on the same files.
// Each one after another and `--concurrency` at once, with pages per second, the overhead ratio
// (our time / the floor's), and peak resident memory of this process (VmHWM, reset per phase)
// and of the largest child process.
// Figures are printed, never asserted: not a test. Needs opside-document-parser built beside
// this executable (`swift build -c release` builds both) or named by OPSIDE_DOCUMENT_PARSER,
// and tesseract and poppler-utils on PATH. In release:
//   swift run -c release opside-documents-bench --ocr-pages 20 --text-pages 200
import ArgumentParser

/// Starts `command` through ArgumentParser's asynchronous entry point: in top-level code the
/// synchronous `main()` of `ParsableCommand` would be chosen, which cannot run an async `run()`.
func runAsynchronously<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main()
}

await runAsynchronously(DocumentsBenchmark.self)
