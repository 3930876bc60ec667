import Foundation

/// What is wrong with a request body that is valid JSON but not the shape an endpoint takes,
/// said about the field in words a person can act on: "field `dataset` is required", "field
/// `limit` must be a whole number", never Foundation's "Coding key `dataset` not found".
public struct DecodingProblem: Sendable, Equatable {
    /// The field's path as the client wrote it: `dataset`, `items[2].sku`; empty for the body itself.
    public let field: String
    /// What the field must be, e.g. "is required", "must be a whole number".
    public let problem: String

    public init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            field = Self.path(context.codingPath + [key])
            problem = "is required"
        case .valueNotFound(let type, let context):
            field = Self.path(context.codingPath)
            problem = "must not be null; it must be \(Self.kind(of: type))"
        case .typeMismatch(let type, let context):
            field = Self.path(context.codingPath)
            problem = "must be \(Self.kind(of: type))"
        case .dataCorrupted(let context):
            field = Self.path(context.codingPath)
            problem = Self.corruption(context.debugDescription)
        @unknown default:
            field = ""
            problem = "could not be read"
        }
    }

    /// The sentence the envelope's message carries. Foundation names no field for some values
    /// it cannot use (a date, a number that does not fit), so those say what to look for.
    public var message: String {
        guard field.isEmpty else { return "field `\(field)` \(problem)" }
        return problem.hasPrefix("must") ? "a field in the body \(problem)" : "the body \(problem)"
    }

    public var apiError: APIError {
        APIError(status: .badRequest, code: "invalid_field", message: message,
                 details: field.isEmpty ? [:] : [field: problem])
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue, key.stringValue == String(index) || key.stringValue.hasPrefix("Index ") {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    /// The kind of JSON value a Swift type is read from, for a person.
    static func kind(of type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type: "a whole number"
        case is any BinaryFloatingPoint.Type, is Decimal.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type, is UUID.Type, is Date.Type, is URL.Type: "a string"
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        default:
            // Foundation reports containers by their generic type, e.g. Array<Any>, Dictionary<String, Any>.
            String(describing: type).hasPrefix("Array") ? "a list"
                : String(describing: type).hasPrefix("Dictionary") ? "an object" : "a value of another type"
        }
    }

    /// Foundation's reason for a value it read but could not use, in the suite's words.
    static func corruption(_ reason: String) -> String {
        if reason.contains("UUID") { return "must be a UUID such as 3f2c8a9e-5b1d-4c47-9a0e-2d6f1b7c8e90" }
        if reason.lowercased().contains("date") { return "must be an ISO 8601 date-time in UTC such as 2026-01-31T12:00:00Z" }
        if reason.contains("Cannot initialize") || reason.contains("invalid") { return "is not one of the accepted values" }
        if reason.contains("does not fit") || reason.contains("Number") { return "must be a number that fits: a whole number, in range" }
        // The strict decoder has already checked the text, so Foundation's "not valid JSON" here is
        // a number it could not fit into the field's type (1.5 for a count, say).
        if reason.contains("not valid JSON") { return "must be a number that fits: a whole number, in range" }
        return "could not be read: \(reason)"
    }
}
