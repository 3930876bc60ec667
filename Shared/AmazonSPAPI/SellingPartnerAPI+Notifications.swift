// MARK: Notifications v1 (notifications.json) and Tokens 2021-03-01 (tokens_2021-03-01.json).

public struct NotificationDestination: Codable, Sendable {
    public struct Resource: Codable, Sendable {
        public struct SQS: Codable, Sendable { public let arn: String }
        public struct EventBridge: Codable, Sendable {
            public let name: String
            public let region: String
            public let accountId: String
        }
        public let sqs: SQS?
        public let eventBridge: EventBridge?
    }
    public let name: String
    public let destinationId: String
    public let resource: Resource
}

public struct CreateDestinationRequest: Codable, Sendable {
    public struct Specification: Codable, Sendable {
        public struct SQS: Codable, Sendable { public let arn: String }
        public struct EventBridge: Codable, Sendable {
            public let region: String
            public let accountId: String
        }
        public let sqs: SQS?
        public let eventBridge: EventBridge?
    }
    public let resourceSpecification: Specification
    public let name: String

    /// An SQS queue destination.
    public static func sqs(name: String, arn: String) -> CreateDestinationRequest {
        CreateDestinationRequest(resourceSpecification: Specification(sqs: .init(arn: arn), eventBridge: nil), name: name)
    }

    /// An EventBridge partner event source in an AWS account.
    public static func eventBridge(name: String, region: String, accountID: String) -> CreateDestinationRequest {
        CreateDestinationRequest(resourceSpecification: Specification(sqs: nil, eventBridge: .init(region: region, accountId: accountID)), name: name)
    }
}

public struct NotificationSubscription: Codable, Sendable {
    public let subscriptionId: String
    public let payloadVersion: String
    public let destinationId: String
    public let processingDirective: JSONValue?
}

public struct CreateSubscriptionRequest: Codable, Sendable {
    public let payloadVersion: String
    public let destinationId: String
    public let processingDirective: JSONValue?

    public init(payloadVersion: String = "1.0", destinationId: String, processingDirective: JSONValue? = nil) {
        self.payloadVersion = payloadVersion
        self.destinationId = destinationId
        self.processingDirective = processingDirective
    }
}

public struct RestrictedResource: Codable, Sendable {
    public let method: String
    public let path: String
    public let dataElements: [String]?

    public init(method: String, path: String, dataElements: [String]? = nil) {
        self.method = method
        self.path = path
        self.dataElements = dataElements
    }
}

public struct RestrictedDataToken: Codable, Sendable {
    public let restrictedDataToken: String?
    public let expiresIn: Int?
}

/// The grantless scope Notifications destinations need.
public let notificationsGrantlessScope = "sellingpartnerapi::notifications"

extension SellingPartnerAPI {
    /// Destinations are grantless: call this on a `SPAPIConnection.grantless` connection.
    public func getDestinations() async throws -> [NotificationDestination] {
        try await call(SPAPIPayloadResponse<[NotificationDestination]>.self, method: .GET, path: "/notifications/v1/destinations",
                       operation: SPAPIOperations.notifications("getDestinations")).payload
    }

    public func createDestination(_ request: CreateDestinationRequest) async throws -> NotificationDestination {
        try await call(SPAPIPayloadResponse<NotificationDestination>.self, method: .POST, path: "/notifications/v1/destinations",
                       body: request, operation: SPAPIOperations.notifications("createDestination")).payload
    }

    public func getDestination(destinationID: String) async throws -> NotificationDestination {
        try await call(SPAPIPayloadResponse<NotificationDestination>.self, method: .GET,
                       path: "/notifications/v1/destinations/\(SPAPIPath.encode(destinationID))",
                       operation: SPAPIOperations.notifications("getDestination")).payload
    }

    public func deleteDestination(destinationID: String) async throws {
        _ = try await send(method: .DELETE, path: "/notifications/v1/destinations/\(SPAPIPath.encode(destinationID))",
                           operation: SPAPIOperations.notifications("deleteDestination"))
    }

    /// Subscriptions need the seller's authorization (a seller connection).
    public func createSubscription(notificationType: String, _ request: CreateSubscriptionRequest) async throws -> NotificationSubscription {
        try await call(SPAPIPayloadResponse<NotificationSubscription>.self, method: .POST,
                       path: "/notifications/v1/subscriptions/\(SPAPIPath.encode(notificationType))", body: request,
                       operation: SPAPIOperations.notifications("createSubscription")).payload
    }

    public func getSubscription(notificationType: String) async throws -> NotificationSubscription {
        try await call(SPAPIPayloadResponse<NotificationSubscription>.self, method: .GET,
                       path: "/notifications/v1/subscriptions/\(SPAPIPath.encode(notificationType))",
                       operation: SPAPIOperations.notifications("getSubscription")).payload
    }

    public func getSubscriptionByID(notificationType: String, subscriptionID: String) async throws -> NotificationSubscription {
        try await call(SPAPIPayloadResponse<NotificationSubscription>.self, method: .GET,
                       path: "/notifications/v1/subscriptions/\(SPAPIPath.encode(notificationType))/\(SPAPIPath.encode(subscriptionID))",
                       operation: SPAPIOperations.notifications("getSubscriptionById")).payload
    }

    public func deleteSubscriptionByID(notificationType: String, subscriptionID: String) async throws {
        _ = try await send(method: .DELETE,
                           path: "/notifications/v1/subscriptions/\(SPAPIPath.encode(notificationType))/\(SPAPIPath.encode(subscriptionID))",
                           operation: SPAPIOperations.notifications("deleteSubscriptionById"))
    }

    /// A Restricted Data Token for PII operations; pass it as `restrictedDataToken` to `send`.
    public func createRestrictedDataToken(_ resources: [RestrictedResource], targetApplication: String? = nil) async throws -> RestrictedDataToken {
        struct Body: Codable, Sendable {
            let restrictedResources: [RestrictedResource]
            let targetApplication: String?
        }
        return try await call(RestrictedDataToken.self, method: .POST, path: "/tokens/2021-03-01/restrictedDataToken",
                              body: Body(restrictedResources: resources, targetApplication: targetApplication),
                              operation: SPAPIOperations.tokens("createRestrictedDataToken"))
    }
}
