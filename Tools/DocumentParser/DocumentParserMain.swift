import Foundation
import OpsideDocuments

/// `opside-document-parser <kind> <input-path>`: parses one untrusted document and prints one
/// JSON object; see `DocumentParserCommand` for the contract. Services run it through
/// `DocumentParsing`, which sets its limits.
@main
struct DocumentParserMain {
    static func main() async {
        exit(await DocumentParserCommand.main(arguments: CommandLine.arguments))
    }
}
