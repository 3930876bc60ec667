import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `opside-document-parser` program: `opside-document-parser <kind> <input-path>`.
///
/// - `kind` is one of `pdf png jpeg tiff heic xlsx csv` (as sniffed by the caller).
/// - The ``DocumentLimits`` come as one JSON object on standard input (what ``DocumentParsing``
///   sends); empty input, or a terminal, means the defaults.
/// - Prints one JSON object: `{"document": …}` or `{"rejection": {"code": …, "message": …}}`,
///   and exits 0 in both cases. Exit 64 means the caller used it wrongly. Anything else (a
///   signal, a limit) is judged by the caller.
/// - Temporary files go to `TMPDIR`, which the caller points at a folder it removes afterwards.
package enum DocumentParserCommand {
    package static let usage = """
        usage: opside-document-parser <pdf|png|jpeg|tiff|heic|xlsx|csv> <input-path>
        Limits (DocumentLimits as JSON) on standard input; empty input means the defaults.
        Prints {"document": ...} or {"rejection": {"code": ..., "message": ...}} and exits 0.
        """

    package static let usageExitCode: Int32 = 64

    package static func main(arguments: [String]) async -> Int32 {
        guard arguments.count == 3, let kind = DocumentKind(rawValue: arguments[1]) else {
            FileHandle.standardError.write(Data((usage + "\n").utf8))
            return usageExitCode
        }
        guard let limits = readLimits() else {
            FileHandle.standardError.write(Data("opside-document-parser: standard input is not DocumentLimits JSON\n".utf8))
            return usageExitCode
        }
        let extraction = DocumentExtraction(limits: limits)
        let output: ParserOutput
        do {
            output = .document(try await extraction.extract(fileAt: URL(fileURLWithPath: arguments[2]), kind: kind))
        } catch {
            output = .rejection(error)
        }
        FileHandle.standardOutput.write(encode(output, limits: limits))
        return 0
    }

    private static func readLimits() -> DocumentLimits? {
        if isatty(STDIN_FILENO) == 1 { return .standard }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        if input.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .standard }
        return try? JSONDecoder().decode(DocumentLimits.self, from: input)
    }

    /// The JSON line, kept within ``DocumentLimits/parseOutputBytes``: a document whose text is
    /// larger becomes a `too_large` rejection rather than a cut-off answer.
    static func encode(_ output: ParserOutput, limits: DocumentLimits) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(output)) ?? Data()
        if data.count > limits.parseOutputBytes || data.isEmpty {
            let rejection = data.isEmpty
                ? DocumentRejection(.malformed, "The document's text could not be written out; it may contain damaged characters.")
                : DocumentRejection(.tooLarge, "The document holds \(ByteCountText.describe(data.count)) of text; the limit is \(ByteCountText.describe(limits.parseOutputBytes)). Please split it into smaller files.")
            data = (try? encoder.encode(ParserOutput.rejection(rejection))) ?? Data()
        }
        data.append(0x0A)
        return data
    }
}
