import Foundation

/// The one JOSE header the suite's tokens carry, checked before a signature is: `alg` HS256 and
/// the key id the authority signs with. JWTKit picks its default key for an unknown `kid` and
/// never compares `alg` with the key, so a token that names another algorithm or key would
/// otherwise be judged by the default one; pinned, such a token is refused outright.
struct JWTHeaderPin: Sendable {
    let keyID: String

    struct Header: Decodable {
        let alg: String?
        let kid: String?
        let typ: String?
        let crit: [String]?
    }

    /// - Throws: `JWTHeaderPin.Mismatch` unless the header is exactly `alg` HS256 with `keyID`.
    func check(_ token: String) throws {
        guard let dot = token.utf8.firstIndex(of: UInt8(ascii: ".")),
              let data = Self.base64URLDecode(Substring(token.utf8[..<dot])),
              let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw Mismatch(reason: "the token's header is not readable")
        }
        guard header.alg == "HS256" else { throw Mismatch(reason: "the token's algorithm is not HS256") }
        guard header.kid == keyID else { throw Mismatch(reason: "the token names an unknown key") }
        guard header.crit == nil, header.typ == nil || header.typ == "JWT" else {
            throw Mismatch(reason: "the token's header has fields this service does not accept")
        }
    }

    struct Mismatch: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        guard text.utf8.count <= 4096 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
