import Foundation
import Logging
import Metrics
import OpsideAWS
import ServiceLifecycle

/// Reads Amazon's notifications from the SQS queue for as long as the service runs: long polls,
/// checks each message, takes it in (`NotificationInbox`) and only then deletes it.
///
/// Nothing is lost on the way. A message is deleted once its notification is recorded, or once it
/// is known never to be applicable (then kept, with the reason, in `notification_rejections`).
/// Anything else (the database down, a subscription we are still recording, a body that arrived
/// damaged) leaves the message in the queue, and SQS gives it again after its visibility timeout;
/// a second delivery of a recorded notification changes nothing.
struct NotificationReader: Service {
    let settings: AmazonNotificationSettings
    let applicationID: String
    let sqs: SQSClient
    let inbox: NotificationInbox
    let logger: Logger
    let now: @Sendable () -> Date
    /// Receipts after which a message that still cannot be taken in is given up (and kept as a rejection).
    static let receiptsBeforeGivingUp = 5

    /// What happened to one message.
    enum Handling: Equatable, Sendable {
        case takenIn(NotificationInbox.Outcome)
        case rejected(String)
        /// Left in the queue to come back.
        case leftForLater(String)
    }

    func run() async throws {
        guard settings.transport == .sqs else {
            // A service that returns ends the service group: with nothing to read, wait for the end.
            try? await gracefulShutdown()
            return
        }
        logger.info("reading Amazon's notifications", metadata: ["queue": "\(settings.queueURL)"])
        await cancelWhenGracefulShutdown {
            var pause = Duration.seconds(1)
            while !Task.isCancelled {
                let messages: [SQSMessage]
                do {
                    messages = try await sqs.receiveMessages(queueURL: settings.queueURL, maxMessages: 10, waitSeconds: settings.waitSeconds)
                    pause = .seconds(1)
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("cannot read the notifications queue; trying again", metadata: ["error": "\(error)", "pause": "\(pause)"])
                    try? await Task.sleep(for: pause)
                    pause = min(pause * 2, .seconds(60))
                    continue
                }
                for message in messages { _ = await handle(message) }
            }
        }
    }

    /// Checks, takes in and deletes one message (or leaves it for later).
    func handle(_ message: SQSMessage) async -> Handling {
        let receivedAt = now()
        let givingUp = message.receiveCount >= Self.receiptsBeforeGivingUp
        let handling: Handling
        if !message.bodyIsIntact {
            handling = givingUp ? .rejected("the body's MD5 does not match SQS's MD5OfBody on \(message.receiveCount) receipts")
                : .leftForLater("the body's MD5 does not match SQS's MD5OfBody")
        } else {
            do {
                let notification = try AmazonNotification.read(message.body, applicationID: applicationID)
                switch try await inbox.takeIn(notification, messageID: message.messageId, receivedAt: receivedAt) {
                case .unknownSubscription where givingUp:
                    handling = .rejected("subscription \(notification.subscriptionID) is none integrations made")
                case .unknownSubscription:
                    handling = .leftForLater("subscription \(notification.subscriptionID) is not recorded (yet)")
                case let outcome:
                    handling = .takenIn(outcome)
                }
            } catch let rejection as AmazonNotification.Rejection {
                handling = .rejected(rejection.reason)
            } catch {
                handling = .leftForLater("cannot record it: \(error)")
            }
        }
        Counter(label: "opside_amazon_notifications_total", dimensions: [("handling", handling.metricName)]).increment()
        var metadata: Logger.Metadata = ["message": "\(message.messageId)", "receipts": "\(message.receiveCount)"]
        switch handling {
        case .takenIn(let outcome):
            logger.info("Amazon notification taken in", metadata: metadata.merging(["outcome": "\(outcome)"]) { $1 })
            await delete(message)
        case .rejected(let reason):
            metadata["reason"] = "\(reason)"
            do {
                try await inbox.reject(messageID: message.messageId, body: message.body, reason: reason, receivedAt: receivedAt)
                logger.warning("Amazon notification rejected", metadata: metadata)
                await delete(message)
            } catch {
                logger.error("cannot record a rejected notification; it stays in the queue", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        case .leftForLater(let reason):
            logger.warning("Amazon notification left in the queue for another try", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        }
        return handling
    }

    /// A failed delete only means a second delivery, which the inbox recognises.
    func delete(_ message: SQSMessage) async {
        do {
            try await sqs.deleteMessage(queueURL: settings.queueURL, receiptHandle: message.receiptHandle)
        } catch {
            logger.warning("cannot delete a handled notification; it will come again and be recognised",
                           metadata: ["message": "\(message.messageId)", "error": "\(error)"])
        }
    }
}

extension NotificationReader.Handling {
    /// The `handling` dimension of `opside_amazon_notifications_total`: what operators alert on
    /// (rejections, or messages left again and again).
    var metricName: String {
        switch self {
        case .takenIn(.published): "published"
        case .takenIn(.duplicate): "duplicate"
        case .takenIn(.unknownSubscription), .leftForLater: "left_for_later"
        case .rejected: "rejected"
        }
    }
}
