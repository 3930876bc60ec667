import AsyncHTTPClient
import Foundation
import OpsideAWS
import OpsideAmazonSPAPI
import OpsideSchemaValidation
import OpsideTesting
import Testing

/// The sandbox's SQS endpoint (the JSON protocol, SigV4 checked) and the notifications it delivers
/// there, which must match Amazon's payload schemas.
@Suite struct SandboxQueueTests {
    static let key = (id: "AKIAOPSIDESANDBOXSQS", secret: "opside-sandbox-sqs-secret")

    static func sqs(_ harness: SandboxHarness, secret: String = key.secret) -> SQSClient {
        SQSClient(endpoint: URL(string: harness.baseURL)!, region: "us-east-1", accessKeyId: key.id, secretAccessKey: secret,
                  httpClient: harness.httpClient)
    }

    @Test func messagesAreReceivedHiddenGivenAgainAndDeleted() async throws {
        try await SandboxHarness.with { harness in
            let sqs = Self.sqs(harness)
            let queue = try await sqs.createQueue(name: "queue-tests")
            #expect(queue == harness.baseURL + "/000000000000/queue-tests")
            #expect(try await sqs.queueURL(name: "queue-tests") == queue)
            #expect(try await sqs.queueAttributes(queueURL: queue, names: ["QueueArn"]) == ["QueueArn": "arn:aws:sqs:us-east-1:000000000000:queue-tests"])

            let id = try await sqs.sendMessage(queueURL: queue, body: #"{"hello":"wörld"}"#)
            let first = try await sqs.receiveMessages(queueURL: queue, maxMessages: 10, waitSeconds: 0)
            #expect(first.map(\.messageId) == [id])
            #expect(first.first?.bodyIsIntact == true && first.first?.receiveCount == 1 && first.first?.body == #"{"hello":"wörld"}"#)
            // Hidden while in flight; visible again once its visibility is set to 0.
            #expect(try await sqs.receiveMessages(queueURL: queue, waitSeconds: 0).isEmpty)
            let handle = try #require(first.first?.receiptHandle)
            try await sqs.changeMessageVisibility(queueURL: queue, receiptHandle: handle, seconds: 0)
            let again = try await sqs.receiveMessages(queueURL: queue, waitSeconds: 1)
            #expect(again.map(\.messageId) == [id] && again.first?.receiveCount == 2 && again.first?.receiptHandle != handle)
            try await sqs.deleteMessage(queueURL: queue, receiptHandle: try #require(again.first?.receiptHandle))
            #expect(try await sqs.queueAttributes(queueURL: queue, names: ["All"])["ApproximateNumberOfMessagesNotVisible"] == "0")

            // A wrong secret, an unknown queue, a handle never issued: refused as AWS refuses them.
            let forged = await #expect(throws: SQSError.self) {
                try await Self.sqs(harness, secret: "not-the-secret").receiveMessages(queueURL: queue, waitSeconds: 0)
            }
            #expect(forged?.code == "InvalidSignatureException" && forged?.status == 400 && forged?.isTransient == false)
            let missing = await #expect(throws: SQSError.self) {
                try await sqs.receiveMessages(queueURL: harness.baseURL + "/000000000000/no-such-queue", waitSeconds: 0)
            }
            #expect(missing?.code == "QueueDoesNotExist")
            let invalid = await #expect(throws: SQSError.self) { try await sqs.deleteMessage(queueURL: queue, receiptHandle: "forged") }
            #expect(invalid?.code == "ReceiptHandleIsInvalid")
        }
    }

    @Test func amazonsNotificationsArriveOnTheSubscribedQueueInTheirSchemas() async throws {
        try await SandboxHarness.with { harness in
            let seller = try await harness.createSeller(seed: 7_301, skus: 5, months: 1)
            let (client, _) = harness.client()
            let api = client.api(for: harness.connection(for: seller))
            let grantless = client.api(for: .grantless(region: .northAmerica, scopes: [notificationsGrantlessScope]))
            let sqs = Self.sqs(harness)
            let queue = try await sqs.createQueue(name: "seller-notifications")
            let arn = try #require(try await sqs.queueAttributes(queueURL: queue, names: ["QueueArn"])["QueueArn"])
            let destination = try await grantless.createDestination(.sqs(name: "opside", arn: arn))
            var subscriptions: [String: String] = [:]
            for (type, version) in [("REPORT_PROCESSING_FINISHED", "2020-09-04"), ("ORDER_CHANGE", "1.0"),
                                    ("FBA_INVENTORY_AVAILABILITY_CHANGES", "1.0")] {
                subscriptions[type] = try await api.createSubscription(
                    notificationType: type, CreateSubscriptionRequest(payloadVersion: version, destinationId: destination.destinationId)).subscriptionId
            }
            // A report is asked for; then days pass.
            let report = try await api.createReport(CreateReportSpecification(reportType: "GET_LEDGER_DETAIL_VIEW_DATA",
                                                                                marketplaceIDs: seller.marketplaceIds))
            _ = try await harness.admin("POST", "/_sandbox/clock", ["advanceSeconds": 3 * 86_400], expect: 200)
            var bodies: [String] = []
            while true {
                let messages = try await sqs.receiveMessages(queueURL: queue, maxMessages: 10, waitSeconds: 0)
                if messages.isEmpty { break }
                for message in messages {
                    #expect(message.bodyIsIntact)
                    bodies.append(message.body)
                    try await sqs.deleteMessage(queueURL: queue, receiptHandle: message.receiptHandle)
                }
            }
            var byType: [String: [JSONValue]] = [:]
            for body in bodies {
                let value = try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                let type = Self.text(value["NotificationType"] ?? value["notificationType"]) ?? "?"
                byType[type, default: []].append(value)
            }
            #expect(Set(byType.keys) == ["REPORT_PROCESSING_FINISHED", "ORDER_CHANGE", "FBA_INVENTORY_AVAILABILITY_CHANGES"], "\(byType.keys)")
            let reportNotification = try #require(byType["REPORT_PROCESSING_FINISHED"]?.first)
            #expect(Self.text(reportNotification["payload"]?["reportProcessingFinishedNotification"]?["reportId"]) == report.reportId)
            #expect(Self.text(reportNotification["notificationMetadata"]?["subscriptionId"]) == subscriptions["REPORT_PROCESSING_FINISHED"])
            let ids = bodies.compactMap { body -> String? in
                let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
                let metadata = value?["NotificationMetadata"] ?? value?["notificationMetadata"]
                return Self.text(metadata?["NotificationId"] ?? metadata?["notificationId"])
            }
            #expect(ids.count == bodies.count && Set(ids).count == ids.count, "every notification has its own id")

            for (type, file) in [("REPORT_PROCESSING_FINISHED", "ReportProcessingFinishedNotification.json"),
                                 ("ORDER_CHANGE", "OrderChangeNotification.json"),
                                 ("FBA_INVENTORY_AVAILABILITY_CHANGES", "FBAInventoryAvailabilityChangeNotification.json")] {
                let schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: SwaggerModel.directory.appendingPathComponent(file)))
                let validator = JSONSchemaValidator(definitions: [:])
                for notification in byType[type] ?? [] {
                    let violations = validator.validate(notification, against: schema)
                    #expect(violations.isEmpty, "\(type): \(violations)")
                }
            }
            // Nothing is told twice: a later look finds nothing new.
            #expect(try await sqs.receiveMessages(queueURL: queue, waitSeconds: 0).isEmpty)
        }
    }

    /// boto3, the client AWS's users read queues with, against the same endpoint
    /// (Tests/Clients/boto3_sqs_sandbox.py): its signatures, JSON protocol and MD5 checks pass,
    /// and what SQS refuses it reports with SQS's codes.
    @Test func boto3ReadsTheSandboxQueuesAsItReadsSQS() async throws {
        try await SandboxHarness.with { harness in
            let seller = try await harness.createSeller(seed: 7_303, skus: 5, months: 1)
            let (client, _) = harness.client()
            let api = client.api(for: harness.connection(for: seller))
            let grantless = client.api(for: .grantless(region: .northAmerica, scopes: [notificationsGrantlessScope]))
            let destination = try await grantless.createDestination(.sqs(name: "opside", arn: "arn:aws:sqs:us-east-1:000000000000:opside-notifications"))
            _ = try await api.createSubscription(notificationType: "REPORT_PROCESSING_FINISHED",
                                                 CreateSubscriptionRequest(payloadVersion: "2020-09-04", destinationId: destination.destinationId))
            _ = try await api.createReport(CreateReportSpecification(reportType: "GET_LEDGER_DETAIL_VIEW_DATA", marketplaceIDs: seller.marketplaceIds))
            _ = try await harness.admin("POST", "/_sandbox/clock", ["advanceSeconds": 3_600], expect: 200)

            let result = try JSONDecoder().decode(JSONValue.self, from: try await ClientScripts.run("boto3_sqs_sandbox.py", settings: [
                "endpoint": harness.baseURL, "region": "us-east-1", "accessKeyId": Self.key.id, "secretAccessKey": Self.key.secret,
                "queueName": "boto3-queue", "notificationsQueueUrl": harness.baseURL + "/000000000000/opside-notifications",
            ]))
            #expect(Self.text(result["queueUrl"]) == harness.baseURL + "/000000000000/boto3-queue")
            #expect(Self.text(result["queueUrlByName"]) == Self.text(result["queueUrl"]))
            #expect(Self.text(result["queueArn"]) == "arn:aws:sqs:us-east-1:000000000000:boto3-queue")
            #expect(result["firstBodies"] == .array([.string(#"{"greeting":"héllo"}"#)]))
            #expect(result["firstCounts"] == .array([.string("1")]) && result["againCounts"] == .array([.string("2")]))
            #expect(result["againIds"] == .array([result["sentId"] ?? .null]))
            #expect(result["hiddenWhileInFlight"] == .bool(true) && result["leftAfterDelete"] == .number(0))
            #expect(Self.text(result["wrongSecret"]) == "InvalidSignatureException")
            #expect(Self.text(result["missingQueue"]) == "AWS.SimpleQueueService.NonExistentQueue")
            #expect(Self.text(result["emptyBody"]) == "InvalidParameterValue")
            #expect(result["notificationTypes"] == .array([.string("REPORT_PROCESSING_FINISHED")]))
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }
}
