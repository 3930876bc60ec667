import Foundation
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
@testable import OpsideTransport
import Testing

/// What main-api keeps of cacheable answers: per owner and tenant, forgotten on a change, never an
/// answer fetched across a change, expired after its lifetime, bounded, and one fetch per burst.
@Suite struct GatewayResponseCacheTests {
    final class Time: @unchecked Sendable {
        let now = NIOLockedValueBox(Duration.zero)
        func advance(_ by: Duration) { now.withLockedValue { $0 += by } }
    }

    static func answer(_ text: String) -> GatewayResponseCache.Answer {
        GatewayResponseCache.Answer(headers: [("content-type", "application/json")], body: ByteBuffer(string: text))
    }

    static func text(_ answer: GatewayResponseCache.Answer?) -> String? {
        answer.map { String(buffer: $0.body) }
    }

    @Test func keptPerTenantUntilAChangeOrItsLifetime() {
        let time = Time()
        let cache = GatewayResponseCache(lifetime: .seconds(30), elapsed: { time.now.withLockedValue { $0 } })
        let (a, b) = (UUID(), UUID())
        let keyA = GatewayResponseCache.key(.claimDetector, a, target: "/internal/claims?limit=50", accept: nil)
        let keyB = GatewayResponseCache.key(.claimDetector, b, target: "/internal/claims?limit=50", accept: nil)
        cache.store(Self.answer("A1"), .claimDetector, a, key: keyA, generation: cache.generation(.claimDetector, a))
        cache.store(Self.answer("B1"), .claimDetector, b, key: keyB, generation: cache.generation(.claimDetector, b))
        #expect(Self.text(cache.answer(.claimDetector, a, key: keyA)) == "A1")
        #expect(Self.text(cache.answer(.claimDetector, b, key: keyB)) == "B1", "each tenant has its own")
        // A change of tenant A forgets A's answers only.
        cache.invalidate(service: .claimDetector, tenant: a)
        #expect(cache.answer(.claimDetector, a, key: keyA) == nil)
        #expect(Self.text(cache.answer(.claimDetector, b, key: keyB)) == "B1")
        // An answer fetched before a change and stored after it is not kept.
        let before = cache.generation(.claimDetector, a)
        cache.invalidate(service: .claimDetector, tenant: a)
        cache.store(Self.answer("A-stale"), .claimDetector, a, key: keyA, generation: before)
        #expect(cache.answer(.claimDetector, a, key: keyA) == nil)
        // Past its lifetime an answer is gone, changed or not.
        time.advance(.seconds(31))
        #expect(cache.answer(.claimDetector, b, key: keyB) == nil)
        #expect(cache.count == 0)
    }

    @Test func boundedInEntriesAndSize() {
        let cache = GatewayResponseCache(maximumEntries: 4, maximumBytes: 1 << 20, maximumEntryBytes: 8)
        let tenant = UUID()
        for index in 0..<6 {
            let key = GatewayResponseCache.key(.claimDetector, tenant, target: "/internal/claims?page=\(index)", accept: nil)
            cache.store(Self.answer("a\(index)"), .claimDetector, tenant, key: key, generation: 0)
        }
        #expect(cache.count <= 4)
        let big = GatewayResponseCache.key(.claimDetector, tenant, target: "/internal/claims?big", accept: nil)
        cache.store(Self.answer("more than eight bytes"), .claimDetector, tenant, key: big, generation: 0)
        #expect(cache.answer(.claimDetector, tenant, key: big) == nil, "an answer past the entry limit is not kept")
    }

    @Test func aBurstOfMissesMakesOneFetch() async throws {
        let cache = GatewayResponseCache()
        let tenant = UUID()
        let key = GatewayResponseCache.key(.claimDetector, tenant, target: "/internal/claims", accept: nil)
        let fetches = NIOLockedValueBox(0)
        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    Self.text(try await cache.answer(.claimDetector, tenant, key: key) {
                        fetches.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(200))
                        return Self.answer("list")
                    })
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0 == "list" })
        #expect(fetches.withLockedValue { $0 } == 1, "one request to the owner for twenty callers")
        // A refusal (nil) is not kept: the next caller asks again.
        let refused = GatewayResponseCache.key(.claimDetector, tenant, target: "/internal/claims?bad", accept: nil)
        _ = try await cache.answer(.claimDetector, tenant, key: refused) { nil }
        #expect(cache.answer(.claimDetector, tenant, key: refused) == nil)
    }
}
