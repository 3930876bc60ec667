import Foundation
import JWTKit

/// The claims of a token one service presents when calling another.
///
/// It names the calling service (`iss`), the tenant the call acts for (`tenant`, absent for
/// system calls) and expires within a minute, so a leaked token is worth little.
public struct ServiceTokenClaims: JWTPayload, Equatable, TimedClaims {
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var tenant: String?

    public var issuer: String { iss.value }
    public var tenantID: UUID? { tenant.flatMap(UUID.init(uuidString:)) }

    /// Nothing to check here: JWTKit would judge `exp` by the machine's clock, while the suite
    /// judges every time claim by the authority's injected clock (`JWTHeaderPin.verify`). A
    /// wall-clock check here expired tokens a test's manual clock still considered fresh.
    public func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Signs and verifies service tokens with a key shared by the suite (HS256).
public struct ServiceTokenAuthority: Sendable {
    /// Tokens live at most this long; DESIGN.md asks for a minute at most.
    public static let lifetime: TimeInterval = 60
    /// The `kid` every service token names; a new id goes with a rotation of the secret.
    static let keyID = "opside-service-1"
    private let keys: JWTKeyCollection
    private let headerPin = JWTHeaderPin(keyID: keyID)
    private let now: @Sendable () -> Date
    public let service: OpsideService

    /// - Parameters:
    ///   - secret: `security.serviceTokenSecret`, at least 32 bytes.
    ///   - service: the service that signs with this authority.
    ///   - now: the clock tokens are issued and judged by.
    public init(secret: String, service: OpsideService, now: @escaping @Sendable () -> Date = Date.init) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: Self.keyID))
        self.keys = keys
        self.service = service
        self.now = now
    }

    /// Signs a token naming this service as the caller of `audience`, acting for `tenantID`.
    public func token(for audience: OpsideService, tenantID: UUID?) async throws -> String {
        let now = self.now()
        let claims = ServiceTokenClaims(
            iss: IssuerClaim(value: service.name), aud: AudienceClaim(value: [audience.name]),
            exp: ExpirationClaim(value: now.addingTimeInterval(Self.lifetime)), iat: IssuedAtClaim(value: now),
            tenant: tenantID?.uuidString.lowercased())
        return try await keys.sign(claims, kid: JWKIdentifier(string: Self.keyID))
    }

    /// Verifies a token addressed to this service.
    /// - Throws: when the signature, expiry, audience or lifetime is wrong.
    public func verify(_ token: String) async throws -> ServiceTokenClaims {
        let claims = try await headerPin.verify(token, as: ServiceTokenClaims.self, keys: keys, now: now())
        if let tenant = claims.tenant, UUID(uuidString: tenant) == nil {
            // A tenant that does not parse must not read as "no tenant", which means a system caller.
            throw JWTError.claimVerificationFailure(failedClaim: claims.iss, reason: "token names a tenant that is not a UUID")
        }
        guard claims.aud.value.contains(service.name) else {
            throw JWTError.claimVerificationFailure(failedClaim: claims.aud, reason: "token is not addressed to \(service.name)")
        }
        guard claims.exp.value.timeIntervalSince(claims.iat.value) <= Self.lifetime + 1 else {
            throw JWTError.claimVerificationFailure(failedClaim: claims.exp, reason: "token lives longer than a minute")
        }
        return claims
    }
}
