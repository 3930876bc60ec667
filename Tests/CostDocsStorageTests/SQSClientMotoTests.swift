import AsyncHTTPClient
import Foundation
import OpsideAWS
import OpsideTesting
import Testing

/// Our SQS client against moto's SQS (a server written from AWS's behaviour, not from our client),
/// with signature checking on: what integrations does to Amazon's notifications queue in production.
@Suite(.motoServer) struct SQSClientMotoTests {
    static func client(_ server: MotoServer, secret: String? = nil) -> SQSClient {
        SQSClient(endpoint: server.endpoint, region: server.region, accessKeyId: server.accessKeyId,
                  secretAccessKey: secret ?? server.secretAccessKey, httpClient: HTTPClient.shared)
    }

    @Test func aQueueIsReadAsIntegrationsReadsAmazonsNotifications() async throws {
        let server = try #require(MotoServer.current)
        let sqs = Self.client(server)
        let queue = try await sqs.createQueue(name: "opside-notifications-\(UUID().uuidString.prefix(8).lowercased())")
        #expect(try await sqs.queueURL(name: String(queue.split(separator: "/").last!)) == queue)
        let arn = try #require(try await sqs.queueAttributes(queueURL: queue, names: ["QueueArn"])["QueueArn"])
        #expect(arn.hasPrefix("arn:aws:sqs:us-east-1:") && arn.hasSuffix(String(queue.split(separator: "/").last!)))

        let body = #"{"NotificationType":"ORDER_CHANGE","note":"naïve ✓"}"#
        let id = try await sqs.sendMessage(queueURL: queue, body: body)
        let first = try await sqs.receiveMessages(queueURL: queue, maxMessages: 10, waitSeconds: 1)
        #expect(first.map(\.messageId) == [id] && first.first?.body == body && first.first?.bodyIsIntact == true)
        #expect(first.first?.receiveCount == 1)
        #expect(try await sqs.receiveMessages(queueURL: queue, waitSeconds: 0).isEmpty, "hidden while in flight")
        try await sqs.changeMessageVisibility(queueURL: queue, receiptHandle: try #require(first.first?.receiptHandle), seconds: 0)
        let again = try await sqs.receiveMessages(queueURL: queue, waitSeconds: 1)
        #expect(again.map(\.messageId) == [id] && again.first?.receiveCount == 2)
        try await sqs.deleteMessage(queueURL: queue, receiptHandle: try #require(again.first?.receiptHandle))
        #expect(try await sqs.receiveMessages(queueURL: queue, waitSeconds: 0).isEmpty)

        let forged = await #expect(throws: SQSError.self) {
            try await Self.client(server, secret: "not-the-secret").receiveMessages(queueURL: queue, waitSeconds: 0)
        }
        #expect(forged?.isTransient == false && forged?.status.map { (400..<500).contains($0) } == true, "\(String(describing: forged))")
        let missing = await #expect(throws: SQSError.self) { try await sqs.queueURL(name: "no-such-queue") }
        #expect(missing?.code == "QueueDoesNotExist", "\(String(describing: missing))")
    }
}
