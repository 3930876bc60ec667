import Foundation
import OpsideAmazonSPAPI

/// What one subscription was last told.
struct SandboxNotificationCursor: Sendable {
    /// Orders whose status changed up to here were told.
    var ordersUntil: Date
    /// Fulfillable units per SKU as last told (from the subscription on: Amazon tells changes, not
    /// the state at subscription).
    var fulfillable: [String: Int]?
    var reportsTold: Set<String> = []
}

/// Amazon's notifications for the sandbox's sellers, in the payload schemas of the models
/// (`ReportProcessingFinishedNotification.json`, `FBAInventoryAvailabilityChangeNotification.json`,
/// `OrderChangeNotification.json`), delivered to the SQS queue of each subscription's destination.
///
/// The sellers' histories are functions of time, so changes are found when a queue is read: a
/// report that finished, units that moved, orders whose status changed since the last look. What
/// a notification says is what the SP-API answers at the same instant.
struct SandboxNotificationFeed: Sendable {
    let state: SandboxState
    let reports: SandboxReports

    static let reportFinished = "REPORT_PROCESSING_FINISHED"
    static let inventoryChanged = "FBA_INVENTORY_AVAILABILITY_CHANGES"
    static let orderChanged = "ORDER_CHANGE"

    func deliverDue(to queueName: String, queues: SandboxQueues) async {
        let claimed = state.withLock { inner -> Bool in
            guard !inner.deliveringNotifications else { return false }
            inner.deliveringNotifications = true
            return true
        }
        guard claimed else { return }
        defer { state.withLock { $0.deliveringNotifications = false } }
        let now = state.now
        let subscriptions = state.withLock { inner in
            inner.subscriptions.values.filter { subscription in
                inner.destinations[subscription.destinationID]?.sqsARN.flatMap(queues.queueName(arn:)) == queueName
            }
        }.sorted { $0.id < $1.id }
        for subscription in subscriptions {
            guard let history = state.history(for: subscription.sellingPartnerID) else { continue }
            var cursor = state.withLock { $0.notificationCursors[subscription.id] } ?? SandboxNotificationCursor(ordersUntil: subscription.createdAt)
            var notifications: [[String: Any]] = []
            switch subscription.notificationType {
            case Self.reportFinished:
                notifications = finishedReports(subscription, now: now, cursor: &cursor)
            case Self.inventoryChanged:
                notifications = inventoryChanges(subscription, history: history, now: now, cursor: &cursor)
            case Self.orderChanged:
                notifications = orderChanges(subscription, history: history, now: now, cursor: &cursor)
            default:
                continue
            }
            state.withLock { $0.notificationCursors[subscription.id] = cursor }
            for notification in notifications {
                guard let data = try? JSONSerialization.data(withJSONObject: notification, options: [.sortedKeys, .withoutEscapingSlashes]) else { continue }
                queues.enqueue(String(decoding: data, as: UTF8.self), in: queueName)
            }
        }
    }

    // MARK: The three kinds

    func finishedReports(_ subscription: SandboxSubscription, now: Date, cursor: inout SandboxNotificationCursor) -> [[String: Any]] {
        let candidates = state.withLock { inner in
            inner.reports.values.filter { $0.sellingPartnerID == subscription.sellingPartnerID && $0.createdAt >= subscription.createdAt }.map(\.id)
        }.filter { !cursor.reportsTold.contains($0) }.sorted()
        var notifications: [[String: Any]] = []
        for id in candidates {
            guard let job = reports.status(of: id, at: now) else { continue }
            let status = reports.processingStatus(job, now: now)
            guard ["DONE", "CANCELLED", "FATAL"].contains(status) else { continue }
            cursor.reportsTold.insert(id)
            var finished: [String: Any] = ["sellerId": subscription.sellingPartnerID, "accountId": "amzn1.merchant.o.\(subscription.sellingPartnerID)",
                                           "reportId": id, "reportType": job.type, "processingStatus": status]
            finished["reportDocumentId"] = job.documentID
            let ended = job.createdAt.addingTimeInterval(state.settings.reportProcessingSeconds)
            notifications.append([
                "notificationVersion": "2020-09-04", "notificationType": Self.reportFinished, "payloadVersion": "2020-09-04",
                "eventTime": ended.iso, "payload": ["reportProcessingFinishedNotification": finished],
                "notificationMetadata": metadata(subscription, now: now, camelCase: true),
            ])
        }
        return notifications
    }

    func inventoryChanges(_ subscription: SandboxSubscription, history: SellerHistory, now: Date,
                          cursor: inout SandboxNotificationCursor) -> [[String: Any]] {
        let current = Self.fulfillable(history, at: now)
        defer { cursor.fulfillable = current }
        guard let told = cursor.fulfillable else { return [] }
        return history.products.filter { current[$0.sku] != told[$0.sku] }.map { product in
            let inventory: [String: Any] = [
                "InboundQuantityBreakdown": ["Working": 0, "Shipped": 0, "Receiving": 0],
                "Fulfillable": current[product.sku] ?? 0, "Unfulfillable": 0, "Researching": 0,
                "ReservedQuantityBreakdown": ["WarehouseProcessing": 0, "WarehouseTransfer": 0, "PendingCustomerOrder": 0],
                "FutureSupplyBuyable": 0, "PendingCustomerOrderInTransit": 0,
            ]
            return [
                "NotificationVersion": "1.0", "NotificationType": Self.inventoryChanged, "PayloadVersion": "1.0", "EventTime": now.iso,
                "Payload": [
                    "SellerId": subscription.sellingPartnerID, "FNSKU": product.fnsku, "ASIN": product.asin, "SKU": product.sku,
                    "FulfillmentInventoryByMarketplace": [[
                        "MarketplaceId": history.marketplaceID, "ItemName": product.title, "FulfillmentInventory": inventory,
                    ] as [String: Any]],
                ] as [String: Any],
                "NotificationMetadata": metadata(subscription, now: now, camelCase: false),
            ]
        }
    }

    /// Fulfillable units per SKU at `now` (what getInventorySummaries answers).
    static func fulfillable(_ history: SellerHistory, at now: Date) -> [String: Int] {
        let balances = history.balances(at: now)
        var units: [String: Int] = [:]
        for (index, product) in history.products.enumerated() { units[product.sku] = max(0, balances[index]) }
        return units
    }

    /// Sandbox orders ship a day after purchase (the `LastUpdateDate` getOrders gives): that change
    /// of status is the one told.
    func orderChanges(_ subscription: SandboxSubscription, history: SellerHistory, now: Date,
                      cursor: inout SandboxNotificationCursor) -> [[String: Any]] {
        let since = cursor.ordersUntil
        cursor.ordersUntil = now
        return history.orders.filter { $0.purchased.addingTimeInterval(86_400) > since && $0.purchased.addingTimeInterval(86_400) <= now }
            .sorted { $0.purchased < $1.purchased }
            .map { order in
                let product = history.products[order.product]
                let changed = order.purchased.addingTimeInterval(86_400)
                let summary: [String: Any] = [
                    "MarketplaceId": history.marketplaceID, "OrderStatus": "Shipped", "PurchaseDate": order.purchased.iso,
                    "DestinationPostalCode": String(format: "%05d", order.id.utf8.reduce(0) { ($0 * 31 + Int($1)) % 100_000 }), "FulfillmentType": "AFN",
                    "OrderType": "StandardOrder", "NumberOfItemsShipped": order.quantity, "NumberOfItemsUnshipped": 0,
                    "OrderItems": [[
                        "OrderItemId": order.itemID, "SellerSKU": product.sku, "SupplySourceId": "AFN-\(history.marketplaceID)",
                        "Quantity": order.quantity, "QuantityShipped": order.quantity,
                    ] as [String: Any]],
                ]
                return [
                    "NotificationVersion": "1.0", "NotificationType": Self.orderChanged, "PayloadVersion": "1.0", "EventTime": changed.iso,
                    "Payload": ["OrderChangeNotification": [
                        "NotificationLevel": "OrderLevel", "SellerId": subscription.sellingPartnerID, "AmazonOrderId": order.id,
                        "OrderChangeType": "OrderStatusChange",
                        "OrderChangeTrigger": ["TimeOfOrderChange": changed.iso, "ChangeReason": "Order shipped by Amazon"],
                        "Summary": summary,
                    ] as [String: Any]],
                    "NotificationMetadata": metadata(subscription, now: now, camelCase: false),
                ]
            }
    }

    /// The same four fields, camelCase in the 2020-09-04 payloads and PascalCase in the 1.0 ones.
    func metadata(_ subscription: SandboxSubscription, now: Date, camelCase: Bool) -> [String: Any] {
        let values: [(String, String)] = [("ApplicationId", state.settings.applicationID), ("SubscriptionId", subscription.id),
                                          ("PublishTime", now.iso), ("NotificationId", UUID().uuidString.lowercased())]
        var metadata: [String: Any] = [:]
        for (key, value) in values { metadata[camelCase ? key.prefix(1).lowercased() + key.dropFirst() : key] = value }
        return metadata
    }
}
