import AsyncHTTPClient
import Foundation
import OpsideAWS
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

@testable import Integrations

/// Amazon's notifications end to end: a connected seller is subscribed on the destination of the
/// sandbox's SQS queue, the sandbox delivers what changes (orders shipping, units moving, reports
/// finishing), and integrations takes each in once and publishes it for inventory-sync and the
/// realtime feed; duplicates change nothing, and what is no notification of ours is kept aside.
@Suite struct NotificationsTests {
    static let applicationID = "amzn1.sellerapps.app.opside-sandbox"

    /// Polls `condition` every 200 ms for up to `seconds` (real time: the reader long-polls a real queue).
    static func eventually(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure(description: "timed out waiting until \(what)")
    }

    @Test func notificationsAreTakenInOnceAndWhatIsNotOursIsKeptAside() async throws {
        let stack = try await IntegrationsStack.start(notifications: true)
        defer { Task { await stack.stop() } }
        let seller = try await ListingsTests.Seller.connect(stack, email: "notified@acme.test", seed: 61)
        let database = stack.database

        try await Self.eventually("the seller is subscribed to the three types") {
            try await database.count("SELECT count(*) FROM integrations.notification_subscriptions WHERE connection_id = '\(seller.connection)'") == 3
        }
        // Three days pass at Amazon: orders are placed and ship, units move.
        try await stack.sandbox.advanceClock(seconds: 3 * 86_400)
        try await Self.eventually("order and inventory notifications are taken in") {
            let types = try await database.strings("SELECT DISTINCT notification_type FROM integrations.amazon_notifications")
            return Set(types).isSuperset(of: ["ORDER_CHANGE", "FBA_INVENTORY_AVAILABILITY_CHANGES"])
        }
        let sqs = SQSClient(endpoint: URL(string: stack.sandbox.baseURL)!, region: "us-east-1", accessKeyId: IntegrationsSandbox.sqsAccessKeyID,
                            secretAccessKey: IntegrationsSandbox.sqsSecretAccessKey, httpClient: HTTPClient.shared)
        let queue = stack.sandbox.notificationQueueURL
        func drained() async throws -> Bool {
            let attributes = try await sqs.queueAttributes(queueURL: queue, names: ["All"])
            return attributes["ApproximateNumberOfMessages"] == "0" && attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
        }
        try await Self.eventually("the queue is drained", drained)

        // Each notification became one event for the seller's tenant, and nothing for any other.
        let taken = try await database.count("SELECT count(*) FROM integrations.amazon_notifications")
        let events = try await database.count("""
            SELECT count(*) FROM platform.outbox WHERE type IN ('amazon.order_changed', 'amazon.inventory_changed', 'amazon.report_finished')
            """)
        let forTenant = try await database.count("""
            SELECT count(*) FROM platform.outbox WHERE type IN ('amazon.order_changed', 'amazon.inventory_changed', 'amazon.report_finished')
              AND tenant_id = '\(seller.tenant)' AND payload->>'connectionId' = '\(seller.connection)'
            """)
        #expect(taken > 1 && events == taken && forTenant == taken)

        // A second delivery of one of them (SQS delivers at least once): recognised, nothing new.
        let subscription = try #require(try await database.strings("""
            SELECT subscription_id FROM integrations.notification_subscriptions
            WHERE connection_id = '\(seller.connection)' AND notification_type = 'ORDER_CHANGE'
            """).first)
        let seen = try #require(try await database.strings("""
            SELECT notification_id FROM integrations.amazon_notifications WHERE notification_type = 'ORDER_CHANGE' LIMIT 1
            """).first)
        let copy = Self.orderChange(seller: seller.sellingPartnerID, subscription: subscription, notificationID: seen,
                                    applicationID: Self.applicationID)
        try await sqs.sendMessage(queueURL: queue, body: copy)
        // Not JSON; another application's; and a valid new one, which is taken in.
        try await sqs.sendMessage(queueURL: queue, body: "<xml>not a notification</xml>")
        try await sqs.sendMessage(queueURL: queue, body: Self.orderChange(seller: seller.sellingPartnerID, subscription: subscription,
                                                                          notificationID: "someone-elses", applicationID: "amzn1.sellerapps.app.other"))
        try await sqs.sendMessage(queueURL: queue, body: Self.orderChange(seller: seller.sellingPartnerID, subscription: subscription,
                                                                          notificationID: "fresh-order-change", applicationID: Self.applicationID))
        try await Self.eventually("the four messages are handled", drained)
        #expect(try await database.count("SELECT count(*) FROM integrations.amazon_notifications") == taken + 1)
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'amazon.order_changed' AND payload->>'notificationId' = '\(seen)'") == 1)
        let reasons = try await database.strings("SELECT reason FROM integrations.notification_rejections ORDER BY id")
        #expect(reasons.count == 2)
        #expect(reasons.first == "the message body is not a JSON object")
        #expect(reasons.last?.contains("not this application's") == true, "\(reasons)")
    }

    /// What cannot be taken in yet stays in the queue for SQS to give again; what never can is kept
    /// aside after a few receipts. The reader is driven message by message here, against the stack's
    /// database and one that is down.
    @Test func whatCannotBeTakenInYetIsLeftAndGivenUpOnlyAfterFiveReceipts() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let logger = TestEnvironment.logger
        var down = stack.database.settings(for: .integrations)
        down.port = try TestEnvironment.freePort()
        down.leaseTimeout = .milliseconds(300)
        for (settings, isUp) in [(stack.database.settings(for: .integrations), true), (down, false)] {
            let database = Database(settings: settings, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await database.client.run() }
                defer { group.cancelAll() }
                let inbox = NotificationInbox(database: database, outbox: EventOutbox(producer: .integrations, redis: nil, logger: logger),
                                              logger: logger)
                let sqs = SQSClient(endpoint: URL(string: stack.sandbox.baseURL)!, region: "us-east-1", accessKeyId: "unused",
                                    secretAccessKey: "unused", httpClient: HTTPClient.shared)
                let reader = NotificationReader(settings: AmazonNotificationSettings(transport: .sqs, queueURL: stack.sandbox.notificationQueueURL),
                                                applicationID: Self.applicationID, sqs: sqs, inbox: inbox, logger: logger, now: { Date() })
                func message(_ body: String, receipts: Int, md5: String? = nil) -> SQSMessage {
                    SQSMessage(messageId: UUID().uuidString, receiptHandle: "sandbox-receipt-x", body: body, md5OfBody: md5 ?? SQSMessage.md5(body),
                               attributes: ["ApproximateReceiveCount": String(receipts)])
                }
                let strange = Self.orderChange(seller: "A1NOBODY", subscription: "never-made", notificationID: "n-\(isUp)",
                                               applicationID: Self.applicationID)
                if isUp {
                    #expect(await reader.handle(message(strange, receipts: 1)) == .leftForLater("subscription never-made is not recorded (yet)"))
                    #expect(await reader.handle(message(strange, receipts: 5)) == .rejected("subscription never-made is none integrations made"))
                    #expect(await reader.handle(message(strange, receipts: 1, md5: "0")) == .leftForLater("the body's MD5 does not match SQS's MD5OfBody"))
                    let reasons = try await stack.database.strings("SELECT reason FROM integrations.notification_rejections")
                    #expect(reasons == ["subscription never-made is none integrations made"])
                } else {
                    // The database is down: nothing is lost, the message waits in the queue.
                    guard case .leftForLater(let reason) = await reader.handle(message(strange, receipts: 9)) else {
                        Issue.record("a notification that cannot be recorded is left in the queue")
                        return
                    }
                    #expect(reason.hasPrefix("cannot record it"))
                }
            }
        }
    }

    /// An ORDER_CHANGE as Amazon writes it (`OrderChangeNotification.json`).
    static func orderChange(seller: String, subscription: String, notificationID: String, applicationID: String) -> String {
        """
        {"NotificationVersion":"1.0","NotificationType":"ORDER_CHANGE","PayloadVersion":"1.0","EventTime":"2026-12-01T10:00:00.000Z",
         "Payload":{"OrderChangeNotification":{"NotificationLevel":"OrderLevel","SellerId":"\(seller)","AmazonOrderId":"902-0000000-0000001",
          "OrderChangeType":"BuyerRequestedChange","OrderChangeTrigger":{"TimeOfOrderChange":"2026-12-01T09:59:00.000Z","ChangeReason":"Buyer Requested Cancel"},
          "Summary":{"MarketplaceId":"ATVPDKIKX0DER","OrderStatus":"Unshipped","PurchaseDate":"2026-11-30T09:00:00.000Z","DestinationPostalCode":"48110",
           "FulfillmentType":"AFN","OrderType":"StandardOrder","OrderItems":[{"OrderItemId":"1","SellerSKU":"S","SupplySourceId":"x","Quantity":1}]}}},
         "NotificationMetadata":{"ApplicationId":"\(applicationID)","SubscriptionId":"\(subscription)",
          "PublishTime":"2026-12-01T10:00:01.000Z","NotificationId":"\(notificationID)"}}
        """
    }

    /// Both spellings of the envelope are read, and a broken notification is refused in words.
    @Test func notificationsAreReadInBothSpellingsAndRefusedInWords() throws {
        let report = """
            {"notificationVersion":"2020-09-04","notificationType":"REPORT_PROCESSING_FINISHED","payloadVersion":"2020-09-04",
             "eventTime":"2020-07-14T03:35:13.214Z","payload":{"reportProcessingFinishedNotification":{"sellerId":"A3TH9S8BH6GOGM",
             "accountId":"amzn1.merchant.o.A3TH9S8BH6GOGM","reportId":"54517018502","reportType":"GET_LEDGER_DETAIL_VIEW_DATA",
             "processingStatus":"DONE","reportDocumentId":"amzn1.tortuga.3.x"}},
             "notificationMetadata":{"applicationId":"\(Self.applicationID)","subscriptionId":"s-1","publishTime":"2020-07-13T19:42:04.284Z",
             "notificationId":"d0e9e693"}}
            """
        let read = try AmazonNotification.read(report, applicationID: Self.applicationID)
        #expect(read.sellerID == "A3TH9S8BH6GOGM" && read.notificationID == "d0e9e693" && read.subscriptionID == "s-1")
        #expect(read.change == .report(reportID: "54517018502", reportType: "GET_LEDGER_DETAIL_VIEW_DATA", processingStatus: "DONE",
                                       documentID: "amzn1.tortuga.3.x"))

        let order = try AmazonNotification.read(Self.orderChange(seller: "S1", subscription: "s-2", notificationID: "n-2",
                                                                 applicationID: Self.applicationID), applicationID: Self.applicationID)
        guard case .order(let orderID, _, let changedAt, let type, _, let status, let channel, _, _, _) = order.change else {
            Issue.record("an ORDER_CHANGE reads as an order change")
            return
        }
        #expect(orderID == "902-0000000-0000001" && type == "BuyerRequestedChange" && status == "Unshipped" && channel == "AFN")
        #expect(changedAt == order.changedAt && changedAt < order.eventTime, "newer is judged by the order's change time")

        let inventory = """
            {"NotificationVersion":"1.0","NotificationType":"FBA_INVENTORY_AVAILABILITY_CHANGES","PayloadVersion":"1.0",
             "EventTime":"2020-07-13T19:42:04.284Z","Payload":{"SellerId":"S1","FNSKU":"X001","ASIN":"B001","SKU":"SKU-1",
             "FulfillmentInventoryByMarketplace":[{"MarketplaceId":"ATVPDKIKX0DER","ItemName":"Mug","FulfillmentInventory":{
              "InboundQuantityBreakdown":{"Working":0,"Shipped":5,"Receiving":10},"Fulfillable":50,"Unfulfillable":"many","Researching":0,
              "ReservedQuantityBreakdown":{"WarehouseProcessing":5,"WarehouseTransfer":15,"PendingCustomerOrder":10},
              "FutureSupplyBuyable":10,"PendingCustomerOrderInTransit":0}}]},
             "NotificationMetadata":{"ApplicationId":"\(Self.applicationID)","SubscriptionId":"s-3","PublishTime":"2020-07-13T19:42:04.284Z",
             "NotificationId":"n-3"}}
            """
        #expect(throws: AmazonNotification.Rejection(reason: """
            Payload.FulfillmentInventoryByMarketplace[0].FulfillmentInventory.Unfulfillable must be a whole number of units, not many
            """)) {
            try AmazonNotification.read(inventory, applicationID: Self.applicationID)
        }
        let fixed = try AmazonNotification.read(inventory.replacingOccurrences(of: "\"many\"", with: "2"), applicationID: Self.applicationID)
        #expect(fixed.change == .inventory(sku: "SKU-1", fnsku: "X001", asin: "B001", marketplaces: [
            .init(marketplaceId: "ATVPDKIKX0DER", itemName: "Mug", fulfillable: 50, unfulfillable: 2, researching: 0, reserved: 30,
                  inboundWorking: 0, inboundShipped: 5, inboundReceiving: 10),
        ]))
        #expect(throws: AmazonNotification.Rejection(reason: "Payload.OrderChangeNotification.AmazonOrderId holds a NUL character")) {
            try AmazonNotification.read(Self.orderChange(seller: "S1", subscription: "s-2", notificationID: "n-4", applicationID: Self.applicationID)
                .replacingOccurrences(of: "902-0000000-0000001", with: #"902\u0000"#), applicationID: Self.applicationID)
        }
        #expect(throws: AmazonNotification.Rejection(reason: "NotificationMetadata is missing")) {
            try AmazonNotification.read(#"{"NotificationType":"ORDER_CHANGE"}"#, applicationID: Self.applicationID)
        }
        #expect(throws: AmazonNotification.Rejection(reason: "NotificationType ANY_OFFER_CHANGED is not one integrations reads")) {
            try AmazonNotification.read(report.replacingOccurrences(of: "REPORT_PROCESSING_FINISHED", with: "ANY_OFFER_CHANGED"),
                                        applicationID: Self.applicationID)
        }
    }
}
