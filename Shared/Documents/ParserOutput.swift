/// The one JSON object `opside-document-parser` prints: `{"document": {...}}` or
/// `{"rejection": {"code": "...", "message": "..."}}`.
public enum ParserOutput: Codable, Sendable, Hashable {
    case document(ParsedDocument)
    case rejection(DocumentRejection)

    private enum CodingKeys: String, CodingKey {
        case document
        case rejection
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let document = try container.decodeIfPresent(ParsedDocument.self, forKey: .document) {
            self = .document(document)
        } else {
            self = .rejection(try container.decode(DocumentRejection.self, forKey: .rejection))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .document(let document): try container.encode(document, forKey: .document)
        case .rejection(let rejection): try container.encode(rejection, forKey: .rejection)
        }
    }
}
