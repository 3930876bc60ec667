import Foundation
import OpsideCore
import Synchronization
import Testing

/// Tokens are judged by the authority's injected clock only. JWTKit's own expiry check reads the
/// machine's clock; while it ran too, a token minted on a test's manual clock expired once a
/// slow run took longer than the token's real lifetime (IntegrationsTests failed so on a loaded
/// machine).
@Suite struct TokenClockTests {
    final class Clock: Sendable {
        let current: Mutex<Date>
        init(_ start: Date) { current = Mutex(start) }
        func now() -> Date { current.withLock { $0 } }
        func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
    }

    @Test func serviceTokensLiveAndDieByTheInjectedClock() async throws {
        // An hour ago on the wall clock: JWTKit's check alone would call every token expired.
        let clock = Clock(Date().addingTimeInterval(-3600))
        let authority = await ServiceTokenAuthority(secret: "a-secret-long-enough-for-hs256-0123456789", service: .mainAPI, now: { clock.now() })
        let token = try await authority.token(for: .mainAPI, tenantID: UUID())
        #expect(try await authority.verify(token).issuer == OpsideService.mainAPI.name)
        clock.advance(by: ServiceTokenAuthority.lifetime + 1)
        await #expect(throws: (any Error).self) { try await authority.verify(token) }
    }

    @Test func sessionTokensLiveAndDieByTheInjectedClock() async throws {
        let clock = Clock(Date().addingTimeInterval(-7200))
        let authority = await SessionTokenAuthority(secret: "a-secret-long-enough-for-hs256-0123456789", lifetime: 900, now: { clock.now() })
        let session = try await authority.issue(userID: UUID(), tenantID: UUID(), role: "owner")
        #expect(try await authority.verify(session.token).role == "owner")
        clock.advance(by: 901)
        await #expect(throws: (any Error).self) { try await authority.verify(session.token) }
    }
}
