import Foundation
import Hummingbird
import OpsideAmazonSPAPI

/// A notification destination: an SQS queue or an EventBridge partner source (the only two kinds
/// the model knows; there is no HTTPS webhook).
struct SandboxDestination: Sendable {
    let id: String
    let name: String
    let sqsARN: String?
    let eventBridgeRegion: String?
    let eventBridgeAccountID: String?
}

/// A seller's subscription to one notification type.
struct SandboxSubscription: Sendable {
    let id: String
    let sellingPartnerID: String
    let notificationType: String
    let payloadVersion: String
    let destinationID: String
    let processingDirective: JSONValue?
    /// Sandbox time it was made: Amazon tells a subscription only of what happens after it.
    let createdAt: Date
}

/// Notifications v1: destinations belong to the application and are grantless (a client_credentials
/// token with scope `sellingpartnerapi::notifications`), subscriptions are made with the seller's
/// authorization and then read or deleted grantlessly by id, as in the model's descriptions.
struct SandboxNotifications: Sendable {
    let state: SandboxState
    static let api = "notifications"
    static let scope = "sellingpartnerapi::notifications"
    /// Types Amazon delivers only through EventBridge; every other type needs an SQS destination.
    static let eventBridgeOnly: Set<String> = [
        "BRANDED_ITEM_CONTENT_CHANGE", "ITEM_PRODUCT_TYPE_CHANGE", "LISTINGS_ITEM_STATUS_CHANGE", "LISTINGS_ITEM_ISSUES_CHANGE",
        "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "PRODUCT_TYPE_DEFINITIONS_CHANGE",
    ]

    func register(_ route: SandboxRouteRegistrar) {
        route(.post, "/notifications/v1/destinations", Self.api, "createDestination", Self.scope) { request, _, _ in
            try await createDestination(request)
        }
        route(.get, "/notifications/v1/destinations", Self.api, "getDestinations", Self.scope) { _, _, _ in
            let destinations = state.withLock { Array($0.destinations.values) }.sorted { $0.id < $1.id }
            return SandboxResponse.json(["payload": destinations.map(json)])
        }
        route(.get, "/notifications/v1/destinations/{destinationId}", Self.api, "getDestination", Self.scope) { _, context, _ in
            let id = try context.parameters.require("destinationId")
            guard let destination = state.withLock({ $0.destinations[id] }) else { return Self.notFound("destination", id) }
            return SandboxResponse.json(["payload": json(destination)])
        }
        route(.delete, "/notifications/v1/destinations/{destinationId}", Self.api, "deleteDestination", Self.scope) { _, context, _ in
            let id = try context.parameters.require("destinationId")
            let outcome: Response? = state.withLock { inner in
                guard inner.destinations[id] != nil else { return Self.notFound("destination", id) }
                if inner.subscriptions.values.contains(where: { $0.destinationID == id }) {
                    return SandboxResponse.error(.conflict, code: "Conflict", message: "The destination \(id) still has subscriptions; delete them first.")
                }
                inner.destinations[id] = nil
                return nil
            }
            return outcome ?? SandboxResponse.json([String: Any]())
        }
        route(.post, "/notifications/v1/subscriptions/{notificationType}", Self.api, "createSubscription", nil) { request, context, caller in
            try await createSubscription(try context.parameters.require("notificationType"), request, caller)
        }
        route(.get, "/notifications/v1/subscriptions/{notificationType}", Self.api, "getSubscription", nil) { request, context, caller in
            let type = try context.parameters.require("notificationType")
            let version = request.uri.queryParameters.get("payloadVersion")
            let found = state.withLock { $0.subscriptions.values }
                .filter { $0.sellingPartnerID == caller.sellingPartnerID && $0.notificationType == type && (version == nil || $0.payloadVersion == version) }
                .min { $0.id < $1.id }
            guard let found else { return Self.notFound("subscription to", type) }
            return SandboxResponse.json(["payload": json(found)])
        }
        route(.get, "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", Self.api, "getSubscriptionById", Self.scope) { _, context, _ in
            let type = try context.parameters.require("notificationType")
            let id = try context.parameters.require("subscriptionId")
            guard let found = state.withLock({ $0.subscriptions[id] }), found.notificationType == type else { return Self.notFound("subscription", id) }
            return SandboxResponse.json(["payload": json(found)])
        }
        route(.delete, "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}", Self.api, "deleteSubscriptionById", Self.scope) { _, context, _ in
            let type = try context.parameters.require("notificationType")
            let id = try context.parameters.require("subscriptionId")
            let removed = state.withLock { inner -> Bool in
                guard inner.subscriptions[id]?.notificationType == type else { return false }
                inner.subscriptions[id] = nil
                return true
            }
            return removed ? SandboxResponse.json([String: Any]()) : Self.notFound("subscription", id)
        }
    }

    static func notFound(_ what: String, _ id: String) -> Response {
        SandboxResponse.error(.notFound, code: "NotFound", message: "The \(what) \(id) was not found.")
    }

    func json(_ destination: SandboxDestination) -> [String: Any] {
        var resource: [String: Any] = [:]
        if let arn = destination.sqsARN { resource["sqs"] = ["arn": arn] }
        if let region = destination.eventBridgeRegion, let account = destination.eventBridgeAccountID {
            resource["eventBridge"] = ["name": "aws.partner/sellingpartnerapi.amazon/\(account)/\(destination.id)", "region": region, "accountId": account]
        }
        return ["destinationId": destination.id, "name": destination.name, "resource": resource]
    }

    func json(_ subscription: SandboxSubscription) -> [String: Any] {
        var json: [String: Any] = ["subscriptionId": subscription.id, "payloadVersion": subscription.payloadVersion,
                                   "destinationId": subscription.destinationID]
        json["processingDirective"] = subscription.processingDirective?.foundationObject
        return json
    }

    struct DestinationBody: Decodable {
        struct Specification: Decodable {
            struct SQS: Decodable { let arn: String }
            struct EventBridge: Decodable {
                let region: String
                let accountId: String
            }
            let sqs: SQS?
            let eventBridge: EventBridge?
        }
        let name: String
        let resourceSpecification: Specification
    }

    func createDestination(_ request: Request) async throws -> Response {
        let body = try await SandboxResponse.decode(DestinationBody.self, from: request)
        let specification = body.resourceSpecification
        guard (specification.sqs == nil) != (specification.eventBridge == nil) else {
            throw SandboxInputError(message: "resourceSpecification must name exactly one of sqs or eventBridge")
        }
        guard !body.name.isEmpty, body.name.count <= 256 else { throw SandboxInputError(message: "name must be 1 to 256 characters") }
        if let arn = specification.sqs?.arn {
            let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
            guard arn.count <= 1000, parts.count == 6, parts[0] == "arn", parts[1] == "aws", parts[2] == "sqs",
                  parts[3...].allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
                throw SandboxInputError(message: "sqs.arn must be an SQS queue ARN (arn:aws:sqs:region:account:queue)")
            }
        }
        let destination = SandboxDestination(id: UUID().uuidString.lowercased(), name: body.name, sqsARN: specification.sqs?.arn,
                                             eventBridgeRegion: specification.eventBridge?.region,
                                             eventBridgeAccountID: specification.eventBridge?.accountId)
        let conflict = state.withLock { inner -> Bool in
            let duplicate = inner.destinations.values.contains {
                ($0.sqsARN != nil && $0.sqsARN == destination.sqsARN)
                    || ($0.eventBridgeAccountID != nil && $0.eventBridgeAccountID == destination.eventBridgeAccountID
                        && $0.eventBridgeRegion == destination.eventBridgeRegion)
            }
            if !duplicate { inner.destinations[destination.id] = destination }
            return duplicate
        }
        guard !conflict else {
            return SandboxResponse.error(.conflict, code: "Conflict", message: "A destination for this resource already exists.")
        }
        return SandboxResponse.json(["payload": json(destination)])
    }

    struct SubscriptionBody: Decodable {
        let payloadVersion: String
        let destinationId: String
        let processingDirective: JSONValue?
    }

    func createSubscription(_ type: String, _ request: Request, _ caller: SPAPICaller) async throws -> Response {
        guard let seller = caller.sellingPartnerID else { throw SandboxInputError(message: "Grantless access is not allowed") }
        guard !type.isEmpty, type.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
            throw SandboxInputError(message: "\(type) is not a notification type")
        }
        let body = try await SandboxResponse.decode(SubscriptionBody.self, from: request)
        if let directive = body.processingDirective {
            if directive["eventFilter"] != nil, directive["filterExpression"] != nil {
                throw SandboxInputError(message: "processingDirective takes eventFilter or filterExpression, not both")
            }
            if case .string(let expression)? = directive["filterExpression"], !(1...256).contains(expression.count) {
                throw SandboxInputError(message: "filterExpression must be 1 to 256 characters")
            }
        }
        guard let destination = state.withLock({ $0.destinations[body.destinationId] }) else {
            throw SandboxInputError(message: "The destination \(body.destinationId) does not exist")
        }
        let needsEventBridge = Self.eventBridgeOnly.contains(type)
        guard needsEventBridge == (destination.eventBridgeAccountID != nil) else {
            throw SandboxInputError(message: "\(type) is delivered through \(needsEventBridge ? "EventBridge" : "SQS") only")
        }
        let subscription = SandboxSubscription(id: UUID().uuidString.lowercased(), sellingPartnerID: seller, notificationType: type,
                                               payloadVersion: body.payloadVersion, destinationID: body.destinationId,
                                               processingDirective: body.processingDirective, createdAt: caller.now)
        let conflict = state.withLock { inner -> Bool in
            let duplicate = inner.subscriptions.values.contains {
                $0.sellingPartnerID == seller && $0.notificationType == type && $0.destinationID == body.destinationId
                    && $0.payloadVersion == body.payloadVersion
            }
            if !duplicate {
                inner.subscriptions[subscription.id] = subscription
                // Amazon tells what changes after the subscription: the units on hand now are the baseline.
                if type == SandboxNotificationFeed.inventoryChanged, let history = caller.history {
                    inner.notificationCursors[subscription.id] = SandboxNotificationCursor(
                        ordersUntil: caller.now, fulfillable: SandboxNotificationFeed.fulfillable(history, at: caller.now))
                }
            }
            return duplicate
        }
        guard !conflict else {
            return SandboxResponse.error(.conflict, code: "Conflict", message: "A subscription for \(type) to this destination already exists.")
        }
        return SandboxResponse.json(["payload": json(subscription)])
    }
}
