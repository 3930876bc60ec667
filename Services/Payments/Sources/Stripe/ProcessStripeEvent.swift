import Foundation
import Logging
import OpsideJobs

/// The job that acts on a kept Stripe event: events of the other mode (a live endpoint also gets
/// test events of connected accounts) are ignored, a type with a handler is handed to it, and
/// any other type stays stored and acknowledged as `unhandled`.
public struct ProcessStripeEvent: Sendable {
    /// What acts on one event type; it gets the event's body as stored.
    public typealias Handler = @Sendable (_ payload: [String: Any], _ logger: Logger) async throws -> Void

    let store: any StripeEventStore
    let livemode: Bool
    let handlers: [String: Handler]

    /// - Parameters:
    ///   - livemode: whether our key is a live one (`sk_live_…`): only events of the same mode count.
    ///   - handlers: by event type.
    public init(store: any StripeEventStore, livemode: Bool, handlers: [String: Handler] = [:]) {
        self.store = store
        self.livemode = livemode
        self.handlers = handlers
    }

    struct Arguments: Codable, Sendable { let eventId: String }

    public func register(in jobs: inout JobRegistry) {
        jobs.register(StripeEventsPostgresStore.processJobKind, arguments: Arguments.self) { arguments, context in
            let outcome = try await process(eventId: arguments.eventId, logger: context.logger)
            context.logger.info("stripe event processed", metadata: ["event": "\(arguments.eventId)", "outcome": "\(outcome)"])
        }
    }

    /// - Returns: the outcome recorded on the event.
    @discardableResult
    public func process(eventId: String, logger: Logger) async throws -> String {
        guard let stored = try await store.event(id: eventId) else {
            throw JobOutcome.cancel(reason: "no stored Stripe event \(eventId)")
        }
        guard let payload = (try? JSONSerialization.jsonObject(with: Data(stored.payload.utf8))) as? [String: Any] else {
            throw JobOutcome.cancel(reason: "the stored body of \(eventId) is not a JSON object")
        }
        let outcome: String
        if (payload["livemode"] as? Bool) != livemode {
            outcome = "ignored: \(livemode ? "a test-mode event on a live endpoint" : "a live event on a test-mode endpoint")"
        } else if let type = payload["type"] as? String, let handler = handlers[type] {
            try await handler(payload, logger)
            outcome = "handled"
        } else {
            outcome = "unhandled"
        }
        try await store.markProcessed(id: eventId, outcome: outcome)
        return outcome
    }
}
