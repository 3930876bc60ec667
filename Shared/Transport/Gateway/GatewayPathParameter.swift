import Foundation

/// What a path parameter may hold, decided by its name so a route stays one line: a name ending
/// in `Id` is a UUID (sent on lowercased); `sku` (or a name ending in `Sku`) is a seller's SKU,
/// which Amazon lets hold nearly anything (`msku`: 1 to 255 characters; dots, spaces and slashes
/// are common), sent on percent-encoded so it stays one path segment (its owner reads it with
/// `GatewayPathParameter.decoded`); any other is a short identifier (letters, digits, `_`, `-`),
/// such as a dataset name. Nothing else reaches a path the owner parses.
public enum GatewayPathParameter {
    /// Characters a SKU keeps as they are in a path segment: RFC 3986's unreserved ones.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The value to put into the internal path, or the error the client gets.
    /// - Parameter value: the segment as the client sent it (percent-encoded).
    public static func check(name: String, value: String) throws -> String {
        if name.hasSuffix("Id") {
            guard let id = UUID(uuidString: value) else {
                throw APIError.badRequest("`\(name)` must be a UUID such as 3f2c8a9e-5b1d-4c47-9a0e-2d6f1b7c8e90",
                                          details: [name: "not a UUID"])
            }
            return id.uuidString.lowercased()
        }
        if name == "sku" || name.hasSuffix("Sku") {
            guard let text = value.removingPercentEncoding, (1...255).contains(text.count),
                  !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }),
                  let encoded = text.addingPercentEncoding(withAllowedCharacters: unreserved) else {
                throw APIError.validation("`\(name)` must be a SKU of 1 to 255 characters, percent-encoded in the path",
                                          details: [name: "not a SKU"])
            }
            return encoded
        }
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                  || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw APIError.validation("unknown \(name) '\(value.prefix(64))'", details: [name: "not a known value"])
        }
        return value
    }

    /// Free text (a SKU) as one path segment: the unreserved characters kept, every other encoded.
    public static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A free-text parameter (a SKU) as its owner's router hands it over, still percent-encoded,
    /// read back.
    /// - Throws: `APIError` 400 for an encoding that does not read.
    public static func decoded(_ name: String, _ raw: String) throws -> String {
        guard let text = raw.removingPercentEncoding, !text.isEmpty else {
            throw APIError.badRequest("`\(name)` is not percent-encoded text", details: [name: "not readable"])
        }
        return text
    }
}
