import Foundation
import JWTKit

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

    /// Checks the header, then the signature, then the times: expired, or issued further ahead of
    /// `now` than the clock skew allows, is refused.
    /// - Throws: `JWTHeaderPin.Mismatch` or JWTKit's error.
    func verify<Claims: TimedClaims>(_ token: String, as type: Claims.Type, keys: JWTKeyCollection, now: Date) async throws -> Claims {
        try check(token)
        let claims = try await keys.verify(token, as: Claims.self)
        guard claims.exp.value > now else {
            throw JWTError.claimVerificationFailure(failedClaim: claims.exp, reason: "expired")
        }
        guard claims.iat.value <= now.addingTimeInterval(Self.clockSkewAllowance) else {
            throw JWTError.claimVerificationFailure(failedClaim: claims.iat, reason: "issued in the future")
        }
        return claims
    }

    /// How far a token's issue time may lie ahead of this machine's clock (clock skew between
    /// machines); a token from further in the future was not issued by a sane peer.
    static let clockSkewAllowance: TimeInterval = 5

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

/// Claims that carry an expiry and an issue time, judged by `JWTHeaderPin.verify`.
protocol TimedClaims: JWTPayload {
    var exp: ExpirationClaim { get }
    var iat: IssuedAtClaim { get }
}
