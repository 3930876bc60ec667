import Logging
import OpsideRedis

/// What a handler gets besides its arguments.
public struct JobContext: Sendable {
    public let job: ClaimedJob
    public let logger: Logger
}

/// The handlers a process runs, by job kind, with their retry policies.
public struct JobRegistry: Sendable {
    public typealias Handler = @Sendable (ClaimedJob, JobContext) async throws -> Void

    struct Entry: Sendable {
        let handler: Handler
        let retryPolicy: RetryPolicy
    }

    private(set) var entries: [String: Entry] = [:]
    /// The events this registry consumes, as registered through `consume` (in `OpsideEvents`):
    /// compared at start with the consumers the suite declares for this service's queues.
    public private(set) var consumedEvents: [EventSubscription] = []

    public init() {}

    /// Registers the handler for `kind`.
    public mutating func register(_ kind: String, retryPolicy: RetryPolicy = .standard, handler: @escaping Handler) {
        entries[kind] = Entry(handler: handler, retryPolicy: retryPolicy)
    }

    /// Registers a handler whose arguments decode into `Arguments`.
    public mutating func register<Arguments: Decodable & Sendable>(
        _ kind: String, arguments: Arguments.Type, retryPolicy: RetryPolicy = .standard,
        handler: @escaping @Sendable (Arguments, JobContext) async throws -> Void
    ) {
        register(kind, retryPolicy: retryPolicy) { job, context in
            let decoded: Arguments
            do { decoded = try job.decodeArguments(Arguments.self) } catch {
                // Arguments that do not decode will never decode: retrying would only delay the discard.
                throw JobOutcome.cancel(reason: "arguments do not match \(Arguments.self): \(error)")
            }
            try await handler(decoded, context)
        }
    }

    /// Registers the handler of an event subscription: the job of `subscription.kind` whose
    /// arguments are the event's envelope. Call it through `JobRegistry.consume(_:handler:)`,
    /// which takes a declared consumer, so a handler never exists without its subscription.
    public mutating func register(subscription: EventSubscription, retryPolicy: RetryPolicy = .standard,
                                  handler: @escaping @Sendable (EventEnvelope, JobContext) async throws -> Void) {
        consumedEvents.removeAll { $0.kind == subscription.kind }
        consumedEvents.append(subscription)
        register(subscription.kind, arguments: EventEnvelope.self, retryPolicy: retryPolicy, handler: handler)
    }

    func entry(for kind: String) -> Entry? { entries[kind] }
    public var kinds: [String] { entries.keys.sorted() }
}
