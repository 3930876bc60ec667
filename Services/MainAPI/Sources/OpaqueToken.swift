import Crypto
import Foundation

/// The secrets main-api hands out to hold and bring back: refresh tokens, reset and invitation
/// links, the consent flow's browser binding. 32 random bytes, base64url without padding (safe in
/// cookies and URLs); only their SHA-256 is ever stored.
enum OpaqueToken {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What is stored of a token: its SHA-256 (a `bytea` of 32 bytes).
    static func hash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }
}
