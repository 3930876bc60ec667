import Foundation
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore

/// Answers of the gateway's cacheable routes (`GatewayRoute.cached`), kept per owner and tenant
/// until that tenant's data at that owner changes.
///
/// What changes it: a state-changing request of the tenant forwarded to the owner (a dismissal),
/// and the owner's own events (a detection run), which the composition root turns into
/// `invalidate(service:tenant:)`, on every instance through Redis. An answer fetched while an
/// invalidation happened is not kept (each entry remembers the generation it was fetched in), and
/// every entry also expires after `lifetime`, so a lost message costs at most that much staleness.
/// Bounded in entries and bytes; only 200 answers of at most `maximumEntryBytes` are kept.
public final class GatewayResponseCache: Sendable {
    public struct Answer: Sendable {
        public let headers: [(String, String)]
        public let body: ByteBuffer
    }

    struct Entry {
        let answer: Answer
        let generation: UInt64
        let storedAt: Duration
    }

    struct State {
        var entries: [String: Entry] = [:]
        /// Fetches under way, by key: a burst of misses for one answer makes one request to the owner.
        var fetches: [String: Task<Answer?, any Error>] = [:]
        /// Per "service tenant": bumped by each invalidation.
        var generations: [String: UInt64] = [:]
        var bytes = 0
    }

    let lifetime: Duration
    let maximumEntries: Int
    let maximumBytes: Int
    let maximumEntryBytes: Int
    /// Time on a monotonic clock (tests move it): how old an entry is.
    let elapsed: @Sendable () -> Duration
    private let state = NIOLockedValueBox(State())

    public init(lifetime: Duration = .seconds(30), maximumEntries: Int = 4096, maximumBytes: Int = 64 << 20,
                maximumEntryBytes: Int = 1 << 20, elapsed: @escaping @Sendable () -> Duration = GatewayResponseCache.processElapsed) {
        self.lifetime = lifetime
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
        self.maximumEntryBytes = maximumEntryBytes
        self.elapsed = elapsed
    }

    private static let processStart = ContinuousClock.now
    /// Time since this process started, on the continuous clock.
    public static let processElapsed: @Sendable () -> Duration = { ContinuousClock.now - processStart }

    static func scope(_ service: OpsideService, _ tenant: UUID) -> String { "\(service.name) \(tenant.uuidString)" }

    static func key(_ service: OpsideService, _ tenant: UUID, target: String, accept: String?) -> String {
        "\(scope(service, tenant)) \(target) \(accept ?? "")"
    }

    /// The generation an answer fetched from now on belongs to.
    func generation(_ service: OpsideService, _ tenant: UUID) -> UInt64 {
        state.withLockedValue { $0.generations[Self.scope(service, tenant)] ?? 0 }
    }

    /// A fresh answer of the current generation, if one is kept.
    func answer(_ service: OpsideService, _ tenant: UUID, key: String) -> Answer? {
        let now = elapsed()
        return state.withLockedValue { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.generation == state.generations[Self.scope(service, tenant)] ?? 0, now - entry.storedAt < lifetime else {
                state.entries[key] = nil
                state.bytes -= entry.answer.body.readableBytes
                return nil
            }
            return entry.answer
        }
    }

    /// Keeps `answer` unless the data changed since `generation` was read.
    func store(_ answer: Answer, _ service: OpsideService, _ tenant: UUID, key: String, generation: UInt64) {
        let size = answer.body.readableBytes
        guard size <= maximumEntryBytes else { return }
        let entry = Entry(answer: answer, generation: generation, storedAt: elapsed())
        state.withLockedValue { state in
            guard generation == state.generations[Self.scope(service, tenant)] ?? 0 else { return }
            if let old = state.entries.updateValue(entry, forKey: key) { state.bytes -= old.answer.body.readableBytes }
            state.bytes += size
            if state.entries.count > maximumEntries || state.bytes > maximumBytes {
                // Over budget: the older half goes (rare; sorting here is cheaper than tracking order on every hit).
                let oldest = state.entries.sorted { $0.value.storedAt < $1.value.storedAt }.prefix(state.entries.count / 2)
                for (key, entry) in oldest {
                    state.entries[key] = nil
                    state.bytes -= entry.answer.body.readableBytes
                }
            }
        }
    }

    /// The kept answer for `key`, or the one `fetch` gets (nil: not a 200, not to be kept), shared
    /// by every caller asking for `key` while it runs.
    func answer(_ service: OpsideService, _ tenant: UUID, key: String,
                fetch: @escaping @Sendable () async throws -> Answer?) async throws -> Answer? {
        if let kept = answer(service, tenant, key: key) { return kept }
        let generation = self.generation(service, tenant)
        let (task, started) = state.withLockedValue { state -> (Task<Answer?, any Error>, Bool) in
            if let running = state.fetches[key] { return (running, false) }
            let task = Task { try await fetch() }
            state.fetches[key] = task
            return (task, true)
        }
        defer {
            if started { _ = state.withLockedValue { $0.fetches.removeValue(forKey: key) } }
        }
        let answer = try await task.value
        if started, let answer { store(answer, service, tenant, key: key, generation: generation) }
        return answer
    }

    /// Forgets every answer of `tenant` at `service`.
    public func invalidate(service: OpsideService, tenant: UUID) {
        let scope = Self.scope(service, tenant)
        state.withLockedValue { state in
            state.generations[scope, default: 0] &+= 1
            for (key, entry) in state.entries where key.hasPrefix(scope + " ") {
                state.entries[key] = nil
                state.bytes -= entry.answer.body.readableBytes
            }
        }
    }

    var count: Int { state.withLockedValue { $0.entries.count } }
}
