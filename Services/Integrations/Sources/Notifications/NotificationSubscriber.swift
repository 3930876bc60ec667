import Foundation
import Logging
import OpsideAWS
import OpsideAmazonSPAPI

/// Subscribes a connected seller to the notification types we read, on the destination of our
/// queue (made once per region, grantlessly, and found again by its queue's ARN afterwards).
///
/// Run by a job on `amazon.connected`, so a reconnection subscribes again; Amazon answers 409 to a
/// subscription that exists, which is then read back, so a repeat is harmless.
struct NotificationSubscriber: Sendable {
    let settings: AmazonNotificationSettings
    let sqs: SQSClient
    let spapi: SPAPIClient
    let connector: AmazonConnector
    let inbox: NotificationInbox
    let now: @Sendable () -> Date

    /// - Returns: the subscription ids by type (empty when notifications are off).
    @discardableResult
    func subscribe(connectionID: UUID, tenantID: UUID, logger: Logger) async throws -> [String: String] {
        guard settings.transport == .sqs else { return [:] }
        let connection = try await connector.activeConnection(id: connectionID, tenantID: tenantID)
        let destinationID = try await destination(region: connection.region)
        let settings = self.settings
        let made: [(type: String, id: String, destination: String, version: String)] =
            try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { _, api in
                var made: [(type: String, id: String, destination: String, version: String)] = []
                for type in settings.types {
                    let version = AmazonNotificationSettings.payloadVersions[type] ?? "1.0"
                    let subscription: NotificationSubscription
                    do {
                        subscription = try await api.createSubscription(notificationType: type,
                                                                        CreateSubscriptionRequest(payloadVersion: version, destinationId: destinationID))
                    } catch SPAPIError.api(_, 409, _, _) {
                        subscription = try await api.getSubscription(notificationType: type)
                    }
                    made.append((type, subscription.subscriptionId, subscription.destinationId, subscription.payloadVersion))
                }
                return made
            }
        try await inbox.recordSubscriptions(made, connectionID: connectionID, tenantID: tenantID, at: now())
        logger.info("subscribed to Amazon's notifications", metadata: ["connection": "\(connectionID)", "types": "\(made.map(\.type))"])
        return Dictionary(made.map { ($0.type, $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    /// Our queue's destination in the region: found by the queue's ARN, made when missing.
    func destination(region: AmazonRegion) async throws -> String {
        let attributes = try await sqs.queueAttributes(queueURL: settings.queueURL, names: ["QueueArn"])
        guard let arn = attributes["QueueArn"] else {
            throw SQSError(code: "MissingQueueArn", message: "GetQueueAttributes gave no QueueArn for \(settings.queueURL)", status: nil)
        }
        let api = spapi.api(for: .grantless(region: region, scopes: [notificationsGrantlessScope]))
        if let existing = try await api.getDestinations().first(where: { $0.resource.sqs?.arn == arn }) { return existing.destinationId }
        do {
            return try await api.createDestination(.sqs(name: settings.destinationName, arn: arn)).destinationId
        } catch SPAPIError.api(_, 409, _, _) {
            // Made meanwhile by another replica's job.
            guard let existing = try await api.getDestinations().first(where: { $0.resource.sqs?.arn == arn }) else { throw SPAPIError.api(
                operation: SPAPIOperations.notifications("createDestination"), status: 409, errors: [], requestID: nil) }
            return existing.destinationId
        }
    }
}
