import Foundation
import OpsideStripe

/// A webhook delivery still to make (or to retry).
struct WebhookDelivery: Sendable {
    let eventId: String
    let endpointId: String
    var attempt: Int
    /// Sandbox time (Unix seconds) at which it is due.
    var dueAt: Int
    /// Held by `/_sandbox/webhooks` until released.
    var held: Bool
}

/// One delivery attempt, as the sandbox's log keeps it (`GET /_sandbox/webhooks/attempts`).
struct DeliveryAttempt: Sendable {
    let eventId: String
    let endpointId: String
    let attempt: Int
    let status: Int?
    let at: Int
}

/// What `/_sandbox/webhooks` asks of deliveries: hold them, then release them reversed and duplicated.
struct WebhookFaults: Sendable {
    var holding = false
}

/// A delivery ready to send: the ticker posts it outside the actor.
struct OutgoingWebhook: Sendable {
    let eventId: String
    let endpointId: String
    let attempt: Int
    /// Sandbox time (Unix seconds) the attempt was sent: its retry counts from here, not from when
    /// the answer came back, so a clock moved while the request was in flight cannot push the
    /// retry further out.
    let sentAt: Int
    let url: String
    let body: String
    let signatureHeader: String
}

extension StripeSandboxState {
    // MARK: Emitting

    /// Records an event about `object` and queues its delivery to every enabled endpoint that
    /// listens for its type: Connect endpoints get the events of connected accounts (`account`
    /// set), account endpoints the platform's own.
    @discardableResult
    func emit(_ type: String, _ object: StripeObject, previous: StripeObject? = nil, account: String? = nil) -> String {
        let id = newId("evt")
        var data = StripeObject([("object", .object(object))])
        if let previous { data["previous_attributes"] = .object(previous) }
        let endpoints = (idsByType["webhook_endpoint"] ?? []).compactMap { objects[$0] }.filter { endpoint in
            guard endpoint["status"]?.string == "enabled" else { return false }
            guard connectEndpoints.contains(endpoint.id) == (account != nil) else { return false }
            let enabled = endpoint["enabled_events"]?.array?.compactMap(\.string) ?? []
            return enabled.contains("*") || enabled.contains(type)
        }
        var event = StripeObject([
            ("id", .string(id)), ("object", "event"), ("api_version", .string(StripeSandboxSettings.apiVersion)),
            ("created", .int(now)), ("data", .object(data)), ("livemode", false),
            ("pending_webhooks", .int(endpoints.count)),
            ("request", .object(StripeObject([("id", .optional(currentRequest?.id)),
                                              ("idempotency_key", .optional(currentRequest?.idempotencyKey))]))),
            ("type", .string(type)),
        ])
        if let account { event["account"] = .string(account) }
        store(event, owner: account ?? "")
        for endpoint in endpoints {
            deliveries.append(WebhookDelivery(eventId: id, endpointId: endpoint.id, attempt: 0, dueAt: now, held: webhookFaults.holding))
        }
        return id
    }

    // MARK: Delivering

    /// The deliveries due now, signed with every live secret of their endpoint.
    func dueWebhooks() -> [OutgoingWebhook] {
        let current = now
        var outgoing: [OutgoingWebhook] = []
        for index in deliveries.indices where !deliveries[index].held && deliveries[index].dueAt <= current {
            let delivery = deliveries[index]
            guard let event = objects[delivery.eventId], let endpoint = objects[delivery.endpointId],
                  let url = endpoint["url"]?.string else { continue }
            let body = StripeJSON.object(event).serialized()
            let secrets = liveSecrets(endpoint: delivery.endpointId)
            outgoing.append(OutgoingWebhook(eventId: delivery.eventId, endpointId: delivery.endpointId, attempt: delivery.attempt,
                                            sentAt: current, url: url, body: body,
                                            signatureHeader: StripeWebhookSignature.header(payload: Data(body.utf8), secrets: secrets,
                                                                                           timestamp: current)))
            // In flight: not due again until its result comes back (or a minute passes).
            deliveries[index].dueAt = current + 60
        }
        return outgoing
    }

    /// Records how a delivery went: a 2xx ends it, anything else schedules the next retry, and
    /// after the last one the event stops waiting on this endpoint.
    func recordDelivery(_ webhook: OutgoingWebhook, status: Int?) {
        deliveryLog.append(DeliveryAttempt(eventId: webhook.eventId, endpointId: webhook.endpointId, attempt: webhook.attempt,
                                           status: status, at: now))
        if deliveryLog.count > 10_000 { deliveryLog.removeFirst(deliveryLog.count - 10_000) }
        guard let index = deliveries.firstIndex(where: {
            $0.eventId == webhook.eventId && $0.endpointId == webhook.endpointId && $0.attempt == webhook.attempt
        }) else { return }
        let succeeded = status.map { (200..<300).contains($0) } ?? false
        if succeeded || deliveries[index].attempt >= settings.webhookRetrySeconds.count {
            deliveries.remove(at: index)
            if var event = objects[webhook.eventId], let pending = event["pending_webhooks"]?.int {
                event["pending_webhooks"] = .int(max(0, pending - 1))
                objects[webhook.eventId] = event
            }
        } else {
            let wait = settings.webhookRetrySeconds[deliveries[index].attempt]
            deliveries[index].attempt += 1
            deliveries[index].dueAt = webhook.sentAt + Int(wait.rounded(.up))
        }
    }

    func liveSecrets(endpoint: String) -> [String] {
        let current = now
        return (endpointSecrets[endpoint] ?? []).filter { ($0.expiresAt ?? Int.max) > current }.map(\.secret)
    }

    // MARK: Faults on deliveries

    func holdWebhooks() {
        webhookFaults.holding = true
    }

    /// Lets held deliveries go: in reverse order of their events when asked (Stripe does not
    /// promise order), each sent `copies` times (Stripe delivers at least once).
    func releaseWebhooks(reversed: Bool, copies: Int) -> Int {
        webhookFaults.holding = false
        var held = deliveries.filter(\.held)
        deliveries.removeAll(where: \.held)
        if reversed { held.reverse() }
        var released: [WebhookDelivery] = []
        for var delivery in held {
            delivery.held = false
            delivery.dueAt = now
            released.append(delivery)
        }
        deliveries.append(contentsOf: released)
        // The copies are fresh deliveries of the same events, as a resend from Stripe's dashboard is.
        for _ in 1..<max(1, copies) {
            for delivery in released {
                deliveries.append(WebhookDelivery(eventId: delivery.eventId, endpointId: delivery.endpointId, attempt: 0,
                                                  dueAt: now, held: false))
                if var event = objects[delivery.eventId], let pending = event["pending_webhooks"]?.int {
                    event["pending_webhooks"] = .int(pending + 1)
                    objects[delivery.eventId] = event
                }
            }
        }
        return released.count * max(1, copies)
    }

    /// Delivers an event again to every endpoint that listens for it (the Dashboard's "Resend").
    func resend(eventId: String) throws(StripeAPIError) -> Int {
        guard let event = objects[eventId], event.objectType == "event" else { throw .noSuch("event", eventId) }
        let type = event["type"]?.string ?? ""
        let isConnect = event["account"] != nil
        var count = 0
        for id in idsByType["webhook_endpoint"] ?? [] {
            guard let endpoint = objects[id], endpoint["status"]?.string == "enabled",
                  connectEndpoints.contains(id) == isConnect else { continue }
            let enabled = endpoint["enabled_events"]?.array?.compactMap(\.string) ?? []
            guard enabled.contains("*") || enabled.contains(type) else { continue }
            deliveries.append(WebhookDelivery(eventId: eventId, endpointId: id, attempt: 0, dueAt: now, held: false))
            count += 1
        }
        return count
    }

    /// Rolls an endpoint's secret: the new one signs from now on, the old one beside it until
    /// `overlapSeconds` pass (Stripe's Dashboard offers up to 24 hours).
    func rollSecret(endpoint: String, overlapSeconds: Int) throws(StripeAPIError) -> String {
        guard objects[endpoint]?.objectType == "webhook_endpoint" else { throw .noSuch("webhook endpoint", endpoint) }
        let expiry = now + max(0, overlapSeconds)
        var secrets = (endpointSecrets[endpoint] ?? []).map { EndpointSecret(secret: $0.secret, expiresAt: min($0.expiresAt ?? expiry, expiry)) }
        let fresh = "whsec_" + Self.randomBase62(32)
        secrets.append(EndpointSecret(secret: fresh, expiresAt: nil))
        endpointSecrets[endpoint] = secrets
        return fresh
    }

    // MARK: The API

    func routeEvents(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count, path[0]) {
        case ("GET", 1, "events"):
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "type", "types", "created", "delivery_success"])
            let type = try parameters.string("type")
            let types = try parameters.stringList("types")
            return try list(type: "event", url: "/v1/events", parameters: parameters, account: request.account) { event in
                let eventType = event["type"]?.string ?? ""
                if let type {
                    if type.hasSuffix("*") { if !eventType.hasPrefix(type.dropLast()) { return false } } else if eventType != type { return false }
                }
                if let types, !types.contains(eventType) { return false }
                return true
            }
        case ("GET", 2, "events"):
            return .object(try find(path[1], type: "event", resource: "event", account: request.account))
        case ("POST", 1, "webhook_endpoints"):
            try parameters.allowOnly(["url", "enabled_events", "connect", "api_version", "description", "metadata"])
            let url = try parameters.requiredString("url")
            guard URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
                throw .invalidValue("url", "Invalid URL: \(url)")
            }
            guard let enabled = try parameters.stringList("enabled_events"), !enabled.isEmpty else {
                throw .missingParameter("enabled_events")
            }
            let id = newId("we")
            let secret = "whsec_" + Self.randomBase62(32)
            endpointSecrets[id] = [EndpointSecret(secret: secret, expiresAt: nil)]
            var endpoint = StripeObject([
                ("id", .string(id)), ("object", "webhook_endpoint"), ("api_version", .optional(try parameters.string("api_version"))),
                ("application", nil), ("created", .int(now)),
                ("description", .optional(try parameters.string("description"))),
                ("enabled_events", .array(enabled.map(StripeJSON.string))), ("livemode", false),
                ("metadata", .object(try parameters.metadata() ?? StripeObject())), ("status", "enabled"), ("url", .string(url)),
            ])
            store(endpoint)
            // Whether it is a Connect endpoint is not part of the object Stripe returns.
            if try parameters.boolean("connect") == true { connectEndpoints.insert(id) }
            // The secret is shown once, when the endpoint is made.
            endpoint["secret"] = .string(secret)
            return .object(endpoint)
        case ("GET", 1, "webhook_endpoints"):
            try parameters.allowOnly(["limit", "starting_after", "ending_before"])
            return try list(type: "webhook_endpoint", url: "/v1/webhook_endpoints", parameters: parameters, account: nil)
        case ("GET", 2, "webhook_endpoints"):
            return .object(try find(path[1], type: "webhook_endpoint", resource: "webhook endpoint", account: nil))
        case ("POST", 2, "webhook_endpoints"):
            try parameters.allowOnly(["url", "enabled_events", "disabled", "description", "metadata"])
            var endpoint = try find(path[1], type: "webhook_endpoint", resource: "webhook endpoint", account: nil)
            if let url = try parameters.string("url") { endpoint["url"] = .string(url) }
            if let enabled = try parameters.stringList("enabled_events") { endpoint["enabled_events"] = .array(enabled.map(StripeJSON.string)) }
            if let disabled = try parameters.boolean("disabled") { endpoint["status"] = disabled ? "disabled" : "enabled" }
            if let description = try parameters.string("description") { endpoint["description"] = .string(description) }
            if let metadata = try parameters.metadata() { endpoint["metadata"] = .object(merged(endpoint["metadata"], metadata)) }
            store(endpoint)
            return .object(endpoint)
        case ("DELETE", 2, "webhook_endpoints"):
            var endpoint = try find(path[1], type: "webhook_endpoint", resource: "webhook endpoint", account: nil)
            endpoint["deleted"] = true
            endpoint["status"] = "disabled"
            store(endpoint)
            deliveries.removeAll { $0.endpointId == endpoint.id }
            return .object(StripeObject([("id", .string(endpoint.id)), ("object", "webhook_endpoint"), ("deleted", true)]))
        default:
            throw unrecognized(request)
        }
    }

    /// Stripe's metadata update: given keys set, a key set to "" removed, others kept; `metadata=`
    /// (an empty hash) clears it all.
    func merged(_ existing: StripeJSON?, _ update: StripeObject) -> StripeObject {
        guard !update.keys.isEmpty else { return StripeObject() }
        var result = existing?.object ?? StripeObject()
        for key in update.keys {
            if update[key]?.string == "" { result[key] = nil } else { result[key] = update[key] }
        }
        return result
    }
}
