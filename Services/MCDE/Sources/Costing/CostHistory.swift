import Foundation
import OpsideInvoices

/// A unit cost seen on one invoice.
public struct CostObservation: Codable, Sendable, Equatable {
    public var sku: String
    public var date: InvoiceDate
    public var unitCost: Decimal
    public var currency: String
    public var invoiceId: String
    /// Units bought on that invoice, when known (the anomaly detector uses it).
    public var quantity: Int?

    public init(sku: String, date: InvoiceDate, unitCost: Decimal, currency: String, invoiceId: String, quantity: Int? = nil) {
        self.sku = sku
        self.date = date
        self.unitCost = unitCost
        self.currency = currency
        self.invoiceId = invoiceId
        self.quantity = quantity
    }
}

/// A row of the manufacturing cost file for Seller Central ("Manage Your Manufacturing Cost").
public struct ManufacturingCostRow: Codable, Sendable, Equatable {
    public var sku: String
    /// Rounded half-up to the currency's minor unit.
    public var cost: Decimal
    public var currency: String
    public var effectiveDate: InvoiceDate
    public var sourceInvoiceId: String

    public init(sku: String, cost: Decimal, currency: String, effectiveDate: InvoiceDate, sourceInvoiceId: String) {
        self.sku = sku
        self.cost = cost
        self.currency = currency
        self.effectiveDate = effectiveDate
        self.sourceInvoiceId = sourceInvoiceId
    }
}

/// Per SKU, the costs its invoices show, and which one is in force on a day.
///
/// The cost in force on a day is the one on the latest invoice dated on or before it: what the
/// seller last paid before the loss, which is what an invoice attached to the claim proves.
/// Weighted alternatives exist (the quantity-weighted average of recent purchases, FIFO of the
/// units on hand); they describe inventory valuation rather than the purchase a claim cites, and
/// an average is not a figure any single invoice shows.
public struct CostHistory: Sendable {
    private let bySKU: [String: [CostObservation]]

    public init(_ observations: [CostObservation]) {
        // Oldest first; on one day the larger purchase wins (it sets the price), then the
        // invoice id, so the order never depends on input order.
        bySKU = Dictionary(grouping: observations, by: \.sku).mapValues { list in
            list.sorted { lhs, rhs in
                if lhs.date != rhs.date { return lhs.date < rhs.date }
                if (lhs.quantity ?? 0) != (rhs.quantity ?? 0) { return (lhs.quantity ?? 0) < (rhs.quantity ?? 0) }
                return lhs.invoiceId < rhs.invoiceId
            }
        }
    }

    /// The SKU's observations, oldest first.
    public func observations(for sku: String) -> [CostObservation] { bySKU[sku] ?? [] }

    public var skus: [String] { bySKU.keys.sorted() }

    /// The observation in force on `date`: the latest dated on or before it (in `currency` when
    /// given); nil when every invoice is later.
    public func costInForce(sku: String, on date: InvoiceDate, currency: String? = nil) -> CostObservation? {
        observations(for: sku).last { $0.date <= date && (currency == nil || $0.currency == currency) }
    }

    /// The rows of a manufacturing cost file for a marketplace: per SKU, the latest cost in the
    /// marketplace's currency (as of `asOf` when given). SKUs whose invoices are all in another
    /// currency are listed apart: converting them would put an exchange rate into a figure the
    /// invoices have to prove.
    public func manufacturingCostRows(marketplaceCurrency: String, asOf: InvoiceDate? = nil)
        -> (rows: [ManufacturingCostRow], otherCurrency: [String]) {
        let code = marketplaceCurrency.uppercased()
        let digits = CurrencyDigits.digits(for: code) ?? 2
        var rows: [ManufacturingCostRow] = []
        var otherCurrency: [String] = []
        for sku in skus {
            let candidates = observations(for: sku).filter { asOf == nil || $0.date <= asOf! }
            guard !candidates.isEmpty else { continue }
            guard let latest = candidates.last(where: { $0.currency == code }) else {
                otherCurrency.append(sku)
                continue
            }
            rows.append(ManufacturingCostRow(sku: sku, cost: DecimalArithmetic.rounded(latest.unitCost, scale: digits), currency: code,
                                             effectiveDate: latest.date, sourceInvoiceId: latest.invoiceId))
        }
        return (rows, otherCurrency)
    }
}
