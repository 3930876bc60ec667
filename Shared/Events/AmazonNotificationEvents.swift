import Foundation
import OpsideJobs

// The changes Amazon's notifications announce (issue 16). integrations reads the notifications from
// SQS, checks and de-duplicates them, and publishes one of these per connection of the seller;
// inventory-sync applies it to the synced data when it is newer than what the data holds, and
// the dashboard's realtime feed shows it.

/// FBA_INVENTORY_AVAILABILITY_CHANGES: a SKU's units changed in Amazon's warehouses.
public struct AmazonInventoryChanged: OpsideEvent, Equatable {
    public static let name = "amazon.inventory_changed"

    /// One marketplace's quantities, as the notification gives them.
    public struct Marketplace: Codable, Sendable, Equatable {
        public var marketplaceId: String
        public var itemName: String?
        public var fulfillable: Int
        public var unfulfillable: Int
        public var researching: Int
        public var reserved: Int
        public var inboundWorking: Int
        public var inboundShipped: Int
        public var inboundReceiving: Int

        public init(marketplaceId: String, itemName: String?, fulfillable: Int, unfulfillable: Int, researching: Int, reserved: Int,
                    inboundWorking: Int, inboundShipped: Int, inboundReceiving: Int) {
            self.marketplaceId = marketplaceId
            self.itemName = itemName
            self.fulfillable = fulfillable
            self.unfulfillable = unfulfillable
            self.researching = researching
            self.reserved = reserved
            self.inboundWorking = inboundWorking
            self.inboundShipped = inboundShipped
            self.inboundReceiving = inboundReceiving
        }
    }

    @LowercasedUUID public var connectionId: UUID
    public var notificationId: String
    /// When Amazon says the change happened: what "newer" is judged by.
    public var eventTime: Date
    public var sellerSku: String
    public var fnsku: String
    public var asin: String
    public var marketplaces: [Marketplace]

    public init(connectionId: UUID, notificationId: String, eventTime: Date, sellerSku: String, fnsku: String, asin: String,
                marketplaces: [Marketplace]) {
        self.connectionId = connectionId
        self.notificationId = notificationId
        self.eventTime = eventTime
        self.sellerSku = sellerSku
        self.fnsku = fnsku
        self.asin = asin
        self.marketplaces = marketplaces
    }
}

/// ORDER_CHANGE: an order's status (or a buyer's request about it) changed.
public struct AmazonOrderChanged: OpsideEvent, Equatable {
    public static let name = "amazon.order_changed"
    @LowercasedUUID public var connectionId: UUID
    public var notificationId: String
    /// `OrderChangeTrigger.TimeOfOrderChange`: what "newer" is judged by.
    public var changedAt: Date
    public var amazonOrderId: String
    public var marketplaceId: String
    /// `OrderStatusChange`, `BuyerRequestedChange` or `DeliveryTipChange`.
    public var changeType: String
    public var changeReason: String?
    public var orderStatus: String
    /// `AFN` or `MFN`.
    public var fulfillmentType: String?
    public var purchaseDate: Date?
    public var itemsShipped: Int?
    public var itemsUnshipped: Int?

    public init(connectionId: UUID, notificationId: String, changedAt: Date, amazonOrderId: String, marketplaceId: String, changeType: String,
                changeReason: String?, orderStatus: String, fulfillmentType: String?, purchaseDate: Date?, itemsShipped: Int?,
                itemsUnshipped: Int?) {
        self.connectionId = connectionId
        self.notificationId = notificationId
        self.changedAt = changedAt
        self.amazonOrderId = amazonOrderId
        self.marketplaceId = marketplaceId
        self.changeType = changeType
        self.changeReason = changeReason
        self.orderStatus = orderStatus
        self.fulfillmentType = fulfillmentType
        self.purchaseDate = purchaseDate
        self.itemsShipped = itemsShipped
        self.itemsUnshipped = itemsUnshipped
    }
}

/// REPORT_PROCESSING_FINISHED: a report the seller's syncs asked for is ready (or will never be),
/// so nobody needs to keep polling `getReport` for it.
public struct AmazonReportFinished: OpsideEvent, Equatable {
    public static let name = "amazon.report_finished"
    @LowercasedUUID public var connectionId: UUID
    public var notificationId: String
    public var eventTime: Date
    public var reportId: String
    public var reportType: String
    /// `DONE`, `CANCELLED` or `FATAL`.
    public var processingStatus: String
    public var reportDocumentId: String?

    public init(connectionId: UUID, notificationId: String, eventTime: Date, reportId: String, reportType: String, processingStatus: String,
                reportDocumentId: String?) {
        self.connectionId = connectionId
        self.notificationId = notificationId
        self.eventTime = eventTime
        self.reportId = reportId
        self.reportType = reportType
        self.processingStatus = processingStatus
        self.reportDocumentId = reportDocumentId
    }
}
