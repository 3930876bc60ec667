import Foundation
import Logging
import OpsideCore
import OpsideStripe
import OpsideTransport

/// Takes a webhook delivery: the signature checked against the endpoint's secrets (the body
/// exactly as received, the timestamp within the tolerance by the injected clock), the event's
/// fields read, the event kept once. Nothing unsigned, stale or malformed is kept.
public struct StripeWebhookIntake: Sendable {
    public enum Outcome: Sendable, Equatable {
        case recorded
        case duplicate
    }

    let settings: StripeWebhookSettings
    let store: any StripeEventStore
    let clock: any WallClock
    let logger: Logger

    public init(settings: StripeWebhookSettings, store: any StripeEventStore, clock: any WallClock, logger: Logger) {
        self.settings = settings
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// - Throws: `APIError` 400 for a bad signature or body (Stripe then retries, and a forged
    ///   request is refused), 503 when the endpoint has no secret configured.
    public func receive(_ payload: [UInt8], signature: String?, endpoint: StripeWebhookEndpoint) async throws -> Outcome {
        guard let secrets = settings.secrets[endpoint], !secrets.isEmpty else {
            throw APIError(status: .serviceUnavailable, code: "webhook_not_configured",
                           message: "no signing secret is configured for the \(endpoint.rawValue) endpoint (stripe.webhookSecrets.\(endpoint.rawValue))")
        }
        do {
            try StripeWebhookSignature.verify(payload: payload, header: signature, secrets: secrets,
                                              tolerance: settings.toleranceSeconds, now: clock.now)
        } catch {
            logger.warning("stripe webhook refused", metadata: ["endpoint": "\(endpoint.rawValue)", "reason": "\(error)"])
            throw APIError(status: .badRequest, code: "invalid_signature", message: error.description)
        }
        let event = try Self.parse(payload)
        if endpoint == .connect, event.account == nil {
            throw APIError(status: .badRequest, code: "invalid_event", message: "a Connect event names its account")
        }
        let first = try await store.record(event, endpoint: endpoint)
        logger.info(first ? "stripe event received" : "stripe event delivered again",
                    metadata: ["event": "\(event.id)", "type": "\(event.type)", "endpoint": "\(endpoint.rawValue)"])
        return first ? .recorded : .duplicate
    }

    /// The fields of an event body (`queues-and-stripe.md` B.1: id, object, type, created,
    /// livemode, api_version, account).
    static func parse(_ payload: [UInt8]) throws -> IncomingStripeEvent {
        guard let text = String(validating: payload, as: UTF8.self),
              let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "invalid_event", message: "the body is not a JSON object")
        }
        guard object["object"] as? String == "event", let id = object["id"] as? String, id.hasPrefix("evt_"),
              id.count <= 255, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw APIError(status: .badRequest, code: "invalid_event", message: "the body is not a Stripe event (object \"event\", id evt_…)")
        }
        guard let type = object["type"] as? String, !type.isEmpty, let created = object["created"] as? Int,
              let livemode = object["livemode"] as? Bool else {
            throw APIError(status: .badRequest, code: "invalid_event", message: "the event lacks type, created or livemode")
        }
        let account = object["account"] as? String
        if let account, !account.hasPrefix("acct_") {
            throw APIError(status: .badRequest, code: "invalid_event", message: "the event's account is not an acct_ id")
        }
        return IncomingStripeEvent(id: id, type: type, account: account, livemode: livemode, apiVersion: object["api_version"] as? String,
                                   created: Date(timeIntervalSince1970: Double(created)), payload: text)
    }
}
