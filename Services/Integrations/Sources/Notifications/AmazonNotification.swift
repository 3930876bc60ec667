import Foundation
import OpsideAmazonSPAPI
import OpsideEvents

/// A notification from Amazon, read and checked: its envelope (type, times, metadata) and the
/// change it announces.
///
/// The payload schemas (`../shared/spapi-models/*Notification.json`) spell the same envelope two
/// ways: PascalCase in the 1.0 payloads (`NotificationType`, `NotificationMetadata.NotificationId`)
/// and camelCase in the 2020-09-04 ones (`notificationType`...). Both are read.
struct AmazonNotification: Sendable, Equatable {
    enum Change: Sendable, Equatable {
        case inventory(sku: String, fnsku: String, asin: String, marketplaces: [AmazonInventoryChanged.Marketplace])
        case order(orderID: String, marketplaceID: String, changedAt: Date, changeType: String, changeReason: String?, status: String,
                   fulfillmentType: String?, purchaseDate: Date?, itemsShipped: Int?, itemsUnshipped: Int?)
        case report(reportID: String, reportType: String, processingStatus: String, documentID: String?)
    }

    let type: String
    let notificationID: String
    let subscriptionID: String
    let eventTime: Date
    /// The merchant the notification is about (`SellerId`); every type we read names it.
    let sellerID: String
    let change: Change

    /// Why a message is not a notification we can apply. Said in words an operator can act on.
    struct Rejection: Error, Equatable, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// Reads a message body.
    /// - Parameter applicationID: ours; a notification for another application is refused (a queue
    ///   shared by mistake, or a message someone else sent to it).
    static func read(_ body: String, applicationID: String) throws -> AmazonNotification {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
            throw Rejection(reason: "the message body is not a JSON object")
        }
        let envelope = Fields(object, path: "")
        let type = try envelope.string("NotificationType")
        let metadata = try envelope.object("NotificationMetadata")
        let notificationID = try metadata.string("NotificationId")
        let application = try metadata.string("ApplicationId")
        guard application == applicationID else {
            throw Rejection(reason: "NotificationMetadata.ApplicationId is \(application), not this application's (\(applicationID))")
        }
        let subscriptionID = try metadata.string("SubscriptionId")
        let eventTime = try envelope.date("EventTime")
        let payload = try envelope.object("Payload")
        let sellerID: String
        let change: Change
        switch type {
        case "FBA_INVENTORY_AVAILABILITY_CHANGES":
            sellerID = try payload.string("SellerId")
            let marketplaces = try payload.objects("FulfillmentInventoryByMarketplace").map { entry in
                let inventory = try entry.object("FulfillmentInventory")
                let inbound = try inventory.object("InboundQuantityBreakdown")
                let reserved = try inventory.object("ReservedQuantityBreakdown")
                return AmazonInventoryChanged.Marketplace(
                    marketplaceId: try entry.string("MarketplaceId"), itemName: try? entry.string("ItemName"),
                    fulfillable: try inventory.count("Fulfillable"), unfulfillable: try inventory.count("Unfulfillable"),
                    researching: try inventory.count("Researching"),
                    reserved: try reserved.count("WarehouseProcessing") + reserved.count("WarehouseTransfer") + reserved.count("PendingCustomerOrder"),
                    inboundWorking: try inbound.count("Working"), inboundShipped: try inbound.count("Shipped"),
                    inboundReceiving: try inbound.count("Receiving"))
            }
            change = .inventory(sku: try payload.string("SKU"), fnsku: try payload.string("FNSKU"), asin: try payload.string("ASIN"),
                                marketplaces: marketplaces)
        case "ORDER_CHANGE":
            let order = try payload.object("OrderChangeNotification")
            sellerID = try order.string("SellerId")
            let trigger = try order.object("OrderChangeTrigger")
            let summary = try order.object("Summary")
            change = .order(orderID: try order.string("AmazonOrderId"), marketplaceID: try summary.string("MarketplaceId"),
                            changedAt: try trigger.date("TimeOfOrderChange"), changeType: try order.string("OrderChangeType"),
                            changeReason: try? trigger.string("ChangeReason"), status: try summary.string("OrderStatus"),
                            fulfillmentType: try? summary.string("FulfillmentType"), purchaseDate: try? summary.date("PurchaseDate"),
                            itemsShipped: try? summary.count("NumberOfItemsShipped"), itemsUnshipped: try? summary.count("NumberOfItemsUnshipped"))
        case "REPORT_PROCESSING_FINISHED":
            let report = try payload.object("reportProcessingFinishedNotification")
            // A vendor's notification has only accountId; we serve sellers, whose sellerId is there.
            sellerID = try report.string("sellerId")
            let status = try report.string("processingStatus")
            guard ["DONE", "CANCELLED", "FATAL"].contains(status) else {
                throw Rejection(reason: "\(report.path)processingStatus is \(status), not DONE, CANCELLED or FATAL")
            }
            change = .report(reportID: try report.string("reportId"), reportType: try report.string("reportType"), processingStatus: status,
                             documentID: try? report.string("reportDocumentId"))
        default:
            throw Rejection(reason: "NotificationType \(type) is not one integrations reads")
        }
        return AmazonNotification(type: type, notificationID: notificationID, subscriptionID: subscriptionID, eventTime: eventTime, sellerID: sellerID,
                                  change: change)
    }

    /// The marketplaces the change concerns (routing picks the connections that sell there).
    var marketplaceIDs: [String] {
        switch change {
        case .inventory(_, _, _, let marketplaces): marketplaces.map(\.marketplaceId)
        case .order(_, let marketplace, _, _, _, _, _, _, _, _): [marketplace]
        case .report: []
        }
    }

    /// The change in a sentence, for the connection's page.
    var summary: String {
        switch change {
        case .inventory(let sku, _, _, let marketplaces):
            let counts = marketplaces.map { market in
                "\(market.fulfillable) fulfillable, \(market.inboundWorking + market.inboundShipped + market.inboundReceiving) inbound, "
                    + "\(market.reserved) reserved, \(market.unfulfillable) unfulfillable, \(market.researching) researching "
                    + "(\(AmazonMarketplace.withID(market.marketplaceId)?.countryCode ?? market.marketplaceId))"
            }
            return "\(sku): " + counts.joined(separator: "; ")
        case .order(let orderID, _, _, let changeType, let reason, let status, let channel, _, _, _):
            let what = switch changeType {
            case "BuyerRequestedChange": "the buyer asked for a change" + (reason.map { " (\($0))" } ?? "")
            case "DeliveryTipChange": "the delivery tip changed"
            default: "status changed"
            }
            return "Order \(orderID)\(channel.map { " (\($0))" } ?? ""): \(what); now \(status)"
        case .report(let reportID, let reportType, let status, _):
            let outcome = switch status {
            case "DONE": "ready"
            case "CANCELLED": "cancelled (no data for the range)"
            default: "failed at Amazon"
            }
            return "Report \(reportType) \(reportID): \(outcome)"
        }
    }

    /// What "newer" is judged by: the order's change time, else the event time.
    var changedAt: Date {
        if case .order(_, _, let changedAt, _, _, _, _, _, _, _) = change { return changedAt }
        return eventTime
    }
}

/// An object of the notification, read by field name in either spelling of its first letter.
private struct Fields {
    let object: [String: Any]
    /// Where the object sits (`Payload.OrderChangeNotification.`), for the rejection's words.
    let path: String

    init(_ object: [String: Any], path: String) {
        self.object = object
        self.path = path
    }

    func value(_ name: String) -> (key: String, value: Any)? {
        let camel = name.prefix(1).lowercased() + name.dropFirst()
        let pascal = name.prefix(1).uppercased() + name.dropFirst()
        for key in [name, pascal, camel] { if let value = object[key], !(value is NSNull) { return (key, value) } }
        return nil
    }

    func missing(_ name: String) -> AmazonNotification.Rejection {
        AmazonNotification.Rejection(reason: "\(path)\(name) is missing")
    }

    func string(_ name: String) throws -> String {
        guard let (key, value) = value(name) else { throw missing(name) }
        guard let text = value as? String, !text.isEmpty else {
            throw AmazonNotification.Rejection(reason: "\(path)\(key) must be a non-empty string")
        }
        // No text of Amazon's holds one, and PostgreSQL could not store it: refused here, not retried there.
        guard !text.contains("\u{0}") else { throw AmazonNotification.Rejection(reason: "\(path)\(key) holds a NUL character") }
        return text
    }

    func count(_ name: String) throws -> Int {
        guard let (key, value) = value(name) else { throw missing(name) }
        guard let number = value as? NSNumber, number.doubleValue == Double(number.intValue), number.intValue >= 0 else {
            throw AmazonNotification.Rejection(reason: "\(path)\(key) must be a whole number of units, not \(value)")
        }
        return number.intValue
    }

    func date(_ name: String) throws -> Date {
        let text = try string(name)
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        throw AmazonNotification.Rejection(reason: "\(path)\(name) must be an ISO 8601 date-time, not \(text)")
    }

    func object(_ name: String) throws -> Fields {
        guard let (key, value) = value(name) else { throw missing(name) }
        guard let object = value as? [String: Any] else { throw AmazonNotification.Rejection(reason: "\(path)\(key) must be an object") }
        return Fields(object, path: "\(path)\(key).")
    }

    func objects(_ name: String) throws -> [Fields] {
        guard let (key, value) = value(name) else { throw missing(name) }
        guard let array = value as? [Any] else { throw AmazonNotification.Rejection(reason: "\(path)\(key) must be an array") }
        return try array.enumerated().map { index, element in
            guard let object = element as? [String: Any] else {
                throw AmazonNotification.Rejection(reason: "\(path)\(key)[\(index)] must be an object")
            }
            return Fields(object, path: "\(path)\(key)[\(index)].")
        }
    }
}
