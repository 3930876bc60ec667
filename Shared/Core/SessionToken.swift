import Foundation
import JWTKit

/// A signed-in user's short-lived session: who (`sub`), which tenant, which role.
public struct SessionClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var tenant: String
    public var role: String
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim

    public var userID: UUID? { UUID(uuidString: sub.value) }
    public var tenantID: UUID? { UUID(uuidString: tenant) }

    public func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and checks session tokens (HS256 with `security.sessionTokenSecret`).
public struct SessionTokenAuthority: Sendable {
    public let lifetime: TimeInterval
    private let keys: JWTKeyCollection

    public init(secret: String, lifetime: TimeInterval = 15 * 60) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    public func issue(userID: UUID, tenantID: UUID, role: String, now: Date = Date()) async throws -> (token: String, expiresAt: Date) {
        let expiresAt = now.addingTimeInterval(lifetime)
        let claims = SessionClaims(sub: SubjectClaim(value: userID.uuidString.lowercased()), tenant: tenantID.uuidString.lowercased(),
                                   role: role, exp: ExpirationClaim(value: expiresAt), iat: IssuedAtClaim(value: now))
        return (try await keys.sign(claims), expiresAt)
    }

    public func verify(_ token: String) async throws -> SessionClaims {
        try await keys.verify(token, as: SessionClaims.self)
    }
}
