import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// Reads Seller Central's Date Range transaction report (`GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA`):
/// a CSV whose explanations precede the header (the parser skips them), one line per
/// transaction, amounts in columns, in the marketplace's currency ("All amounts in USD, unless
/// specified"), dates such as `Jan 1, 2026 12:03:45 AM PST` (US) or `1 Jan 2026 00:03:45 GMT` (UK).
///
/// Each line is one event, in the Finances API's shape:
/// - `Order` and `Refund` lines are a shipment or refund item: `product sales` is the
///   `Principal` charge, the tax, shipping (UK: postage) and gift-wrap credits the other
///   charges; `selling fees` is the `Commission` fee and `fba fees` the
///   `FBAPerUnitFulfillmentFee` (the report gives each group of fees as one total: closing
///   fees are in `selling fees`, a refund's fees are net of the refunded commission), `other
///   transaction fees` an `OtherTransactionFees` fee. Promotional rebates and withheld tax are
///   not kept, as the API rows do not keep them.
/// - `Adjustment` lines that are FBA inventory reimbursements are adjustment events whose type
///   is the settlement's name for the description (`… - Damaged:Warehouse` is
///   `WAREHOUSE_DAMAGE`; a description without a known name is kept as written), with the SKU,
///   units, total and the reimbursement id (the `order id` column) as transaction number.
/// - Other lines (transfers, service fees, FBA inventory fees, other adjustments) are passed over.
struct TransactionReportReader: FinanceReportReading {
    let marketplace: AmazonMarketplace
    private var rows = FinanceRows()

    init(marketplace: AmazonMarketplace) { self.marketplace = marketplace }

    mutating func read(_ record: ReportRecord) throws(ReportRowError) {
        let type = try record.required("type").lowercased()
        switch type {
        case "order", "refund":
            let row = try itemRow(record)
            if type == "order" { rows.shipments.append(row) } else { rows.refunds.append(row) }
        case "adjustment":
            guard let description = record.string("description"), let adjustmentType = Self.reimbursementType(description) else { return }
            let total = try amount(record, "total") ?? Money.zero(marketplace.currency)
            rows.adjustments.append(FinanceReportValues.adjustmentRow(
                marketplace: marketplace.id, type: adjustmentType, postedAt: try postedAt(record), sku: record.string("sku"),
                transactionNumber: record.string("order id"), quantity: try FinanceReportValues.quantity(record, "quantity"), total: total,
                source: .transactionReport))
        default:
            return
        }
    }

    mutating func finish() -> (rows: FinanceRows, refused: [QuarantinedLine]) {
        defer { rows = FinanceRows() }
        return (rows, [])
    }

    private func itemRow(_ record: ReportRecord) throws(ReportRowError) -> [String?] {
        var charges: [ChargeComponent] = []
        let principal = try amount(record, "product sales") ?? Money.zero(marketplace.currency)
        charges.append(ChargeComponent(ChargeType: "Principal", ChargeAmount: FinanceReportValues.currency(principal)))
        for (columns, chargeType) in Self.otherCharges {
            guard let money = try amount(record, columns), money.amountMinor != 0 else { continue }
            charges.append(ChargeComponent(ChargeType: chargeType, ChargeAmount: FinanceReportValues.currency(money)))
        }
        var fees: [FeeComponent] = []
        for (columns, feeType) in Self.fees {
            guard let money = try amount(record, columns), money.amountMinor != 0 else { continue }
            fees.append(FeeComponent(FeeType: feeType, FeeAmount: FinanceReportValues.currency(money)))
        }
        let postedAt = try postedAt(record), quantity = try FinanceReportValues.quantity(record, "quantity")
        do throws(MoneyError) {
            return try FinanceRows.itemRow(
                marketplace: marketplace.id, orderID: record.string("order id"), sellerOrderID: nil, marketplaceName: record.string("marketplace"),
                postedAt: postedAt, sku: record.string("sku"), itemID: nil, quantity: quantity, charges: charges, fees: fees,
                source: .transactionReport)
        } catch {
            throw ReportRowError(error.description)
        }
    }

    /// Charges besides `Principal`: the columns (US and UK spellings) and the API's charge type.
    static let otherCharges: [([String], String)] = [
        (["product sales tax"], "Tax"),
        (["shipping credits", "postage credits"], "ShippingCharge"),
        (["shipping credits tax", "postage credits tax"], "ShippingTax"),
        (["gift wrap credits"], "GiftWrap"),
        (["giftwrap credits tax", "gift wrap credits tax"], "GiftWrapTax"),
    ]

    /// The fee columns and the API's fee type each stands for.
    static let fees: [([String], String)] = [
        (["selling fees"], "Commission"),
        (["fba fees"], "FBAPerUnitFulfillmentFee"),
        (["other transaction fees"], "OtherTransactionFees"),
    ]

    /// The first of `columns` the line has, as money of the marketplace; nil when empty.
    private func amount(_ record: ReportRecord, _ columns: String...) throws(ReportRowError) -> Money? {
        try amount(record, columns)
    }

    private func amount(_ record: ReportRecord, _ columns: [String]) throws(ReportRowError) -> Money? {
        for column in columns {
            guard let text = record.string(column) else { continue }
            return try FinanceReportValues.money(text, column: column, currency: marketplace.currency)
        }
        return nil
    }

    private func postedAt(_ record: ReportRecord) throws(ReportRowError) -> String {
        let text = try record.required("date/time")
        guard let written = Self.isoForm(text) else { throw ReportRowError("date/time is not a date and time: \(text)") }
        return try FinanceReportValues.instant(written, column: "date/time", dayOrder: marketplace.dayOrder)
    }

    /// `Jan 1, 2026 12:03:45 AM PST`, `1 Jan 2026 00:03:45 GMT` or `Jan. 1, 2026 12:03:45 a.m. PST`
    /// as `2026-01-01 00:03:45 PST` (a zone `GMT+01:00` as `+01:00`), which `ReportValues.timestamp`
    /// reads; text already in that form is returned as it is. Nil when it is neither.
    static func isoForm(_ text: String) -> String? {
        if let first = text.first, first.isNumber, text.count >= 10, text[text.index(text.startIndex, offsetBy: 4)] == "-" { return text }
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var month: Int?, day: Int?, year: Int?, time: [Int]?, meridiem: String?, zone: [String] = []
        for token in tokens {
            let letters = token.lowercased().replacingOccurrences(of: ".", with: "")
            if time == nil, month == nil, let index = months.firstIndex(of: String(letters.prefix(3))), letters.allSatisfy(\.isLetter) {
                month = index + 1
            } else if let number = Int(token), token.count <= 2, day == nil {
                day = number
            } else if let number = Int(token), token.count == 4, year == nil {
                year = number
            } else if time == nil, token.contains(":"), token.split(separator: ":").allSatisfy({ Int($0) != nil }) {
                time = token.split(separator: ":").compactMap { Int($0) }
            } else if time != nil, meridiem == nil, zone.isEmpty, letters == "am" || letters == "pm" {
                meridiem = letters
            } else if time != nil {
                zone.append(token)
            } else {
                return nil
            }
        }
        guard let month, let day, let year, let time, time.count >= 2, time.count <= 3 else { return nil }
        var hour = time[0]
        if let meridiem {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == "pm" ? 12 : 0)
        }
        var zoneText = zone.joined()
        for prefix in ["GMT", "UTC"] where zoneText.count > prefix.count && zoneText.hasPrefix(prefix) {
            zoneText = String(zoneText.dropFirst(prefix.count))
        }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let seconds = time.count == 3 ? time[2] : 0
        return "\(year)-\(two(month))-\(two(day)) \(two(hour)):\(two(time[1])):\(two(seconds))" + (zoneText.isEmpty ? "" : " " + zoneText)
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// The settlement report's name for a reimbursement adjustment's description; nil for an
    /// adjustment that is not an FBA inventory reimbursement. The pairs are inferred from the
    /// two reports' wording (Amazon documents neither list); a reimbursement description
    /// without a known pair is kept as written rather than dropped.
    static func reimbursementType(_ description: String) -> String? {
        let lowered = description.lowercased()
        guard lowered.contains("reimbursement") else { return nil }
        for (words, type) in reimbursementTypes where lowered.contains(words) { return type }
        return description
    }

    static let reimbursementTypes: [(String, String)] = [
        ("reversal", "REVERSAL_REIMBURSEMENT"),
        ("damaged:warehouse", "WAREHOUSE_DAMAGE"),
        ("lost:warehouse", "WAREHOUSE_LOST"),
        ("lost:inbound", "MISSING_FROM_INBOUND"),
        ("damaged:inbound", "INBOUND_CARRIER_DAMAGE"),
        ("removal order lost", "REMOVAL_ORDER_LOST"),
        ("fee correction", "INCORRECT_FEES_ITEMS"),
    ]
}
