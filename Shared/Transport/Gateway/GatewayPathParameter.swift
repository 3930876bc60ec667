import Foundation

/// What a path parameter may hold, decided by its name so a route stays one line: a name ending
/// in `Id` is a UUID (sent on lowercased); any other is a short identifier (letters, digits,
/// `_`, `-`), such as a dataset name. Nothing else reaches a path the owner parses.
public enum GatewayPathParameter {
    /// The value to put into the internal path, or the error the client gets.
    public static func check(name: String, value: String) throws -> String {
        if name.hasSuffix("Id") {
            guard let id = UUID(uuidString: value) else {
                throw APIError.badRequest("`\(name)` must be a UUID such as 3f2c8a9e-5b1d-4c47-9a0e-2d6f1b7c8e90",
                                          details: [name: "not a UUID"])
            }
            return id.uuidString.lowercased()
        }
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                  || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw APIError.validation("unknown \(name) '\(value.prefix(64))'", details: [name: "not a known value"])
        }
        return value
    }
}
