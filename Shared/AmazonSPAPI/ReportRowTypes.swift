import Foundation

// Typed rows of the flat-file reports the suite reads. Columns are looked up by name (any
// spelling: `Event Type`, `event-type`, `EventType`); columns are those listed in
// amazon-spapi.md §5.2. Amounts stay decimal text (`ReportAmount`); callers make `Money` of
// them in the row's or the marketplace's currency.

/// GET_LEDGER_DETAIL_VIEW_DATA: one inventory event.
public struct LedgerDetailRow: ReportRow, Equatable {
    public static let reportType = "GET_LEDGER_DETAIL_VIEW_DATA"
    public let date: String
    public let fnsku: String
    public let asin: String?
    public let msku: String?
    public let title: String?
    /// `Shipments`, `Receipts`, `CustomerReturns`, `VendorReturns`, `WhseTransfers`, `Adjustments`.
    public let eventType: String
    public let referenceID: String?
    /// Signed units.
    public let quantity: Int
    public let fulfillmentCenter: String?
    public let disposition: String?
    /// The adjustment reason code (M, 5, E, F, N…), for Adjustments rows.
    public let reason: String?
    public let country: String?
    public let reconciledQuantity: Int?
    public let unreconciledQuantity: Int?

    public init(record: ReportRecord) throws(ReportRowError) {
        // `Date and Time` is optional: left empty in a row, the required `Date` answers.
        if let dateTime = record.string("Date and Time") { date = dateTime } else { date = try record.required("Date") }
        fnsku = try record.required("FNSKU")
        asin = record.string("ASIN")
        msku = record.string("MSKU", "SKU")
        title = record.string("Title")
        eventType = try record.required("Event Type")
        referenceID = record.string("Reference ID")
        guard let quantity = try record.int("Quantity") else { throw ReportRowError("missing Quantity") }
        self.quantity = quantity
        fulfillmentCenter = record.string("Fulfillment Center")
        disposition = record.string("Disposition")
        reason = record.string("Reason")
        country = record.string("Country")
        reconciledQuantity = try record.int("Reconciled Quantity")
        unreconciledQuantity = try record.int("Unreconciled Quantity")
    }
}

/// GET_LEDGER_SUMMARY_VIEW_DATA: balances and movements per FNSKU, disposition and location.
public struct LedgerSummaryRow: ReportRow, Equatable {
    public static let reportType = "GET_LEDGER_SUMMARY_VIEW_DATA"
    public let date: String
    public let fnsku: String
    public let asin: String?
    public let msku: String?
    public let disposition: String?
    public let startingWarehouseBalance: Int
    public let inTransitBetweenWarehouses: Int
    public let receipts: Int
    public let customerShipments: Int
    public let customerReturns: Int
    public let vendorReturns: Int
    public let warehouseTransferInOut: Int
    public let found: Int
    public let lost: Int
    public let damaged: Int
    public let disposed: Int
    public let otherEvents: Int
    public let endingWarehouseBalance: Int
    public let unknownEvents: Int
    public let location: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        date = try record.required("Date")
        fnsku = try record.required("FNSKU")
        asin = record.string("ASIN")
        msku = record.string("MSKU")
        disposition = record.string("Disposition")
        startingWarehouseBalance = try record.int("Starting Warehouse Balance") ?? 0
        inTransitBetweenWarehouses = try record.int("In Transit Between Warehouses") ?? 0
        receipts = try record.int("Receipts") ?? 0
        customerShipments = try record.int("Customer Shipments") ?? 0
        customerReturns = try record.int("Customer Returns") ?? 0
        vendorReturns = try record.int("Vendor Returns") ?? 0
        warehouseTransferInOut = try record.int("Warehouse Transfer In/Out") ?? 0
        found = try record.int("Found") ?? 0
        lost = try record.int("Lost") ?? 0
        damaged = try record.int("Damaged") ?? 0
        disposed = try record.int("Disposed") ?? 0
        otherEvents = try record.int("Other Events") ?? 0
        endingWarehouseBalance = try record.int("Ending Warehouse Balance") ?? 0
        unknownEvents = try record.int("Unknown Events") ?? 0
        location = record.string("Location")
    }
}

/// GET_FBA_REIMBURSEMENTS_DATA: one reimbursement line (a reversal links its original).
public struct ReimbursementRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_REIMBURSEMENTS_DATA"
    public let approvalDate: String
    public let reimbursementID: String
    public let caseID: String?
    public let amazonOrderID: String?
    public let reason: String
    public let sku: String?
    public let fnsku: String?
    public let asin: String?
    public let condition: String?
    public let currency: String
    public let amountPerUnit: ReportAmount
    public let amountTotal: ReportAmount
    public let quantityReimbursedCash: Int
    public let quantityReimbursedInventory: Int
    public let quantityReimbursedTotal: Int
    public let originalReimbursementID: String?
    public let originalReimbursementType: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        approvalDate = try record.required("approval-date")
        reimbursementID = try record.required("reimbursement-id")
        caseID = record.string("case-id")
        amazonOrderID = record.string("amazon-order-id")
        reason = try record.required("reason")
        sku = record.string("sku")
        fnsku = record.string("fnsku")
        asin = record.string("asin")
        condition = record.string("condition")
        currency = try record.required("currency-unit")
        amountPerUnit = try record.amount("amount-per-unit") ?? .zero
        amountTotal = try record.amount("amount-total") ?? .zero
        quantityReimbursedCash = try record.int("quantity-reimbursed-cash") ?? 0
        quantityReimbursedInventory = try record.int("quantity-reimbursed-inventory") ?? 0
        quantityReimbursedTotal = try record.int("quantity-reimbursed-total") ?? 0
        originalReimbursementID = record.string("original-reimbursement-id")
        originalReimbursementType = record.string("original-reimbursement-type")
    }
}

/// GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA.
public struct CustomerReturnRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"
    public let returnDate: String
    public let orderID: String
    public let sku: String?
    public let asin: String?
    public let fnsku: String?
    public let productName: String?
    public let quantity: Int
    public let fulfillmentCenterID: String?
    public let detailedDisposition: String?
    public let reason: String?
    public let status: String?
    public let licensePlateNumber: String?
    public let customerComments: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        returnDate = try record.required("return-date")
        orderID = try record.required("order-id")
        sku = record.string("sku")
        asin = record.string("asin")
        fnsku = record.string("fnsku")
        productName = record.string("product-name")
        quantity = try record.int("quantity") ?? 0
        fulfillmentCenterID = record.string("fulfillment-center-id")
        detailedDisposition = record.string("detailed-disposition")
        reason = record.string("reason")
        status = record.string("status")
        licensePlateNumber = record.string("license-plate-number")
        customerComments = record.string("customer-comments")
    }
}

/// GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA.
public struct ReplacementRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA"
    public let shipmentDate: String
    public let sku: String?
    public let asin: String?
    public let fulfillmentCenterID: String?
    public let originalFulfillmentCenterID: String?
    public let quantity: Int
    public let replacementReasonCode: String?
    public let replacementAmazonOrderID: String
    public let originalAmazonOrderID: String

    public init(record: ReportRecord) throws(ReportRowError) {
        shipmentDate = try record.required("shipment-date")
        sku = record.string("sku")
        asin = record.string("asin")
        fulfillmentCenterID = record.string("fulfillment-center-id")
        originalFulfillmentCenterID = record.string("original-fulfillment-center-id")
        quantity = try record.int("quantity") ?? 0
        replacementReasonCode = record.string("replacement-reason-code")
        replacementAmazonOrderID = try record.required("replacement-amazon-order-id")
        originalAmazonOrderID = try record.required("original-amazon-order-id")
    }
}

/// GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA.
public struct RemovalOrderDetailRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA"
    public let requestDate: String
    public let orderID: String
    /// `Return` or `Disposal`.
    public let orderType: String?
    public let orderStatus: String?
    public let lastUpdatedDate: String?
    public let sku: String?
    public let fnsku: String?
    public let disposition: String?
    public let requestedQuantity: Int
    public let cancelledQuantity: Int
    public let disposedQuantity: Int
    public let shippedQuantity: Int
    public let inProcessQuantity: Int
    public let removalFee: ReportAmount?
    public let currency: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        requestDate = try record.required("request-date")
        orderID = try record.required("order-id")
        orderType = record.string("order-type")
        orderStatus = record.string("order-status")
        lastUpdatedDate = record.string("last-updated-date")
        sku = record.string("sku")
        fnsku = record.string("fnsku")
        disposition = record.string("disposition")
        requestedQuantity = try record.int("requested-quantity") ?? 0
        cancelledQuantity = try record.int("cancelled-quantity") ?? 0
        disposedQuantity = try record.int("disposed-quantity") ?? 0
        shippedQuantity = try record.int("shipped-quantity") ?? 0
        inProcessQuantity = try record.int("in-process-quantity") ?? 0
        removalFee = try record.amount("removal-fee")
        currency = record.string("currency")
    }
}

/// GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA.
public struct RemovalShipmentDetailRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"
    public let requestDate: String
    public let orderID: String
    public let shipmentDate: String?
    public let sku: String?
    public let fnsku: String?
    public let disposition: String?
    public let shippedQuantity: Int
    public let carrier: String?
    public let trackingNumber: String?
    public let removalOrderType: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        requestDate = try record.required("request-date")
        orderID = try record.required("order-id")
        shipmentDate = record.string("shipment-date")
        sku = record.string("sku")
        fnsku = record.string("fnsku")
        disposition = record.string("disposition")
        shippedQuantity = try record.int("shipped-quantity") ?? 0
        carrier = record.string("carrier")
        trackingNumber = record.string("tracking-number")
        removalOrderType = record.string("removal-order-type")
    }
}

/// GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA: the fee preview (columns differ by marketplace).
public struct EstimatedFeeRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA"
    public let sku: String
    public let fnsku: String?
    public let asin: String?
    public let yourPrice: ReportAmount?
    public let longestSide: Decimal?
    public let medianSide: Decimal?
    public let shortestSide: Decimal?
    public let unitOfDimension: String?
    public let itemPackageWeight: Decimal?
    public let unitOfWeight: String?
    public let sizeTier: String?
    public let currency: String?
    public let estimatedFeeTotal: ReportAmount?
    public let estimatedReferralFeePerUnit: ReportAmount?
    public let expectedFulfillmentFeePerUnit: ReportAmount?

    public init(record: ReportRecord) throws(ReportRowError) {
        sku = try record.required("sku")
        fnsku = record.string("fnsku")
        asin = record.string("asin")
        yourPrice = try record.amount("your-price")
        longestSide = try record.decimal("longest-side")
        medianSide = try record.decimal("median-side")
        shortestSide = try record.decimal("shortest-side")
        unitOfDimension = record.string("unit-of-dimension")
        itemPackageWeight = try record.decimal("item-package-weight")
        unitOfWeight = record.string("unit-of-weight")
        sizeTier = record.string("product-size-tier", "product-size-weight-band")
        currency = record.string("currency")
        estimatedFeeTotal = try record.amount("estimated-fee-total")
        estimatedReferralFeePerUnit = try record.amount("estimated-referral-fee-per-unit")
        expectedFulfillmentFeePerUnit = try record.amount("expected-fulfillment-fee-per-unit", "expected-domestic-fulfilment-fee-per-unit")
    }
}

/// GET_MERCHANT_LISTINGS_ALL_DATA.
public struct MerchantListingRow: ReportRow, Equatable {
    public static let reportType = "GET_MERCHANT_LISTINGS_ALL_DATA"
    public let itemName: String?
    public let listingID: String?
    public let sellerSKU: String
    public let price: ReportAmount?
    public let quantity: Int?
    public let openDate: String?
    public let asin: String?
    public let fulfillmentChannel: String?
    public let status: String?

    public init(record: ReportRecord) throws(ReportRowError) {
        itemName = record.string("item-name")
        listingID = record.string("listing-id")
        sellerSKU = try record.required("seller-sku")
        price = try record.amount("price")
        quantity = try record.int("quantity")
        openDate = record.string("open-date")
        asin = record.string("asin1")
        fulfillmentChannel = record.string("fulfillment-channel")
        status = record.string("status")
    }
}

/// GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA: Manage FBA Inventory.
public struct ManageInventoryRow: ReportRow, Equatable {
    public static let reportType = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
    public let sku: String
    public let fnsku: String?
    public let asin: String?
    public let productName: String?
    public let condition: String?
    public let yourPrice: ReportAmount?
    public let afnWarehouseQuantity: Int
    public let afnFulfillableQuantity: Int
    public let afnUnsellableQuantity: Int
    public let afnReservedQuantity: Int
    public let afnTotalQuantity: Int
    public let afnInboundWorkingQuantity: Int
    public let afnInboundShippedQuantity: Int
    public let afnInboundReceivingQuantity: Int
    public let afnResearchingQuantity: Int

    public init(record: ReportRecord) throws(ReportRowError) {
        sku = try record.required("sku")
        fnsku = record.string("fnsku")
        asin = record.string("asin")
        productName = record.string("product-name")
        condition = record.string("condition")
        yourPrice = try record.amount("your-price")
        afnWarehouseQuantity = try record.int("afn-warehouse-quantity") ?? 0
        afnFulfillableQuantity = try record.int("afn-fulfillable-quantity") ?? 0
        afnUnsellableQuantity = try record.int("afn-unsellable-quantity") ?? 0
        afnReservedQuantity = try record.int("afn-reserved-quantity") ?? 0
        afnTotalQuantity = try record.int("afn-total-quantity") ?? 0
        afnInboundWorkingQuantity = try record.int("afn-inbound-working-quantity") ?? 0
        afnInboundShippedQuantity = try record.int("afn-inbound-shipped-quantity") ?? 0
        afnInboundReceivingQuantity = try record.int("afn-inbound-receiving-quantity") ?? 0
        afnResearchingQuantity = try record.int("afn-researching-quantity") ?? 0
    }
}

/// GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL and …_BY_LAST_UPDATE_GENERAL: one line
/// per item of an order, every fulfillment channel and status (docs/amazon-reports-backfill.md
/// §1). Columns are read by name: real files carry more, in another order, than Amazon's list.
/// Amounts are the totals for the line's quantity, not unit prices; discounts are negative.
/// There is no order item id: an order's items are told apart by SKU.
public struct AllOrdersRow: ReportRow, Equatable {
    public static let reportType = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
    public static let byLastUpdateReportType = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
    public let amazonOrderID: String
    public let merchantOrderID: String?
    public let purchaseDate: String
    public let lastUpdatedDate: String?
    /// `Pending`, `Shipped`, `Cancelled`…
    public let orderStatus: String?
    /// `Amazon` (or `AFN`) and `Merchant` (or `MFN`).
    public let fulfillmentChannel: String?
    public let salesChannel: String?
    public let productName: String?
    public let sku: String
    public let asin: String?
    /// `Shipped`, `Unshipped`, `Cancelled`…
    public let itemStatus: String?
    public let quantity: Int
    /// Empty on a pending self-fulfilled order's line, whose price Amazon does not show yet.
    public let currency: String?
    public let itemPrice: ReportAmount?
    public let itemTax: ReportAmount?
    public let shippingPrice: ReportAmount?
    public let shippingTax: ReportAmount?
    public let giftWrapPrice: ReportAmount?
    public let giftWrapTax: ReportAmount?
    /// Negative, as Amazon writes discounts in this report.
    public let itemPromotionDiscount: ReportAmount?
    public let shipPromotionDiscount: ReportAmount?
    public let isBusinessOrder: Bool?

    public init(record: ReportRecord) throws(ReportRowError) {
        amazonOrderID = try record.required("amazon-order-id")
        merchantOrderID = record.string("merchant-order-id")
        purchaseDate = try record.required("purchase-date")
        lastUpdatedDate = record.string("last-updated-date")
        orderStatus = record.string("order-status")
        fulfillmentChannel = record.string("fulfillment-channel")
        salesChannel = record.string("sales-channel")
        productName = record.string("product-name")
        sku = try record.required("sku")
        asin = record.string("asin")
        itemStatus = record.string("item-status")
        guard let quantity = try record.int("quantity") else { throw ReportRowError("missing quantity") }
        self.quantity = quantity
        currency = record.string("currency")
        itemPrice = try record.amount("item-price")
        itemTax = try record.amount("item-tax")
        shippingPrice = try record.amount("shipping-price")
        shippingTax = try record.amount("shipping-tax")
        giftWrapPrice = try record.amount("gift-wrap-price")
        giftWrapTax = try record.amount("gift-wrap-tax")
        itemPromotionDiscount = try record.amount("item-promotion-discount")
        shipPromotionDiscount = try record.amount("ship-promotion-discount")
        switch record.string("is-business-order")?.lowercased() {
        case "true": isBusinessOrder = true
        case "false": isBusinessOrder = false
        case nil: isBusinessOrder = nil
        case let other?: throw ReportRowError("is-business-order is not true or false: \(other)")
        }
    }
}
