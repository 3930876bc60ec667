import Foundation
import JWTKit

/// A signed-in user's short-lived session: who (`sub`), which tenant, which role.
public struct SessionClaims: JWTPayload, Equatable, TimedClaims {
    public var sub: SubjectClaim
    public var tenant: String
    public var role: String
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    /// The sign-in this token was issued for (main-api's `app.session_families`): a token outlives
    /// neither a sign-out nor a revoked sign-in. Absent from tokens made outside a sign-in.
    public var sid: String?

    public var userID: UUID? { UUID(uuidString: sub.value) }
    public var tenantID: UUID? { UUID(uuidString: tenant) }
    public var sessionID: UUID? { sid.flatMap(UUID.init(uuidString:)) }

    /// Nothing to check here: JWTKit would judge `exp` by the machine's clock, while the suite
    /// judges every time claim by the authority's injected clock (`JWTHeaderPin.verify`). A
    /// wall-clock check here expired tokens a test's manual clock still considered fresh.
    public func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Issues and checks session tokens (HS256 with `security.sessionTokenSecret`).
public struct SessionTokenAuthority: Sendable {
    public let lifetime: TimeInterval
    /// The `kid` every session token names.
    static let keyID = "opside-session-1"
    private let keys: JWTKeyCollection
    private let headerPin = JWTHeaderPin(keyID: keyID)
    private let now: @Sendable () -> Date

    public init(secret: String, lifetime: TimeInterval = 15 * 60, now: @escaping @Sendable () -> Date = Date.init) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: Self.keyID))
        self.keys = keys
        self.lifetime = lifetime
        self.now = now
    }

    public func issue(userID: UUID, tenantID: UUID, role: String, sessionID: UUID? = nil) async throws -> (token: String, expiresAt: Date) {
        let now = self.now()
        let expiresAt = now.addingTimeInterval(lifetime)
        let claims = SessionClaims(sub: SubjectClaim(value: userID.uuidString.lowercased()), tenant: tenantID.uuidString.lowercased(),
                                   role: role, exp: ExpirationClaim(value: expiresAt), iat: IssuedAtClaim(value: now),
                                   sid: sessionID?.uuidString.lowercased())
        return (try await keys.sign(claims, kid: JWKIdentifier(string: Self.keyID)), expiresAt)
    }

    /// - Throws: when the header, signature, expiry or issue time is wrong.
    public func verify(_ token: String) async throws -> SessionClaims {
        try await headerPin.verify(token, as: SessionClaims.self, keys: keys, now: now())
    }
}
