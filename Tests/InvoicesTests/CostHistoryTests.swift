import Foundation
import Testing
@testable import OpsideInvoices

@Suite struct CostHistoryTests {
    func day(_ iso: String) -> InvoiceDate { InvoiceDate(iso: iso)! }

    let history = CostHistory([
        CostObservation(sku: "A", date: InvoiceDate(iso: "2025-06-01")!, unitCost: Decimal(string: "2.10")!, currency: "USD", invoiceId: "INV-1", quantity: 500),
        CostObservation(sku: "A", date: InvoiceDate(iso: "2025-11-15")!, unitCost: Decimal(string: "2.35")!, currency: "USD", invoiceId: "INV-2", quantity: 800),
        CostObservation(sku: "A", date: InvoiceDate(iso: "2025-11-15")!, unitCost: Decimal(string: "2.60")!, currency: "USD", invoiceId: "INV-3", quantity: 50),
        CostObservation(sku: "A", date: InvoiceDate(iso: "2026-02-01")!, unitCost: Decimal(string: "2.4567")!, currency: "USD", invoiceId: "INV-4", quantity: 600),
        CostObservation(sku: "B", date: InvoiceDate(iso: "2025-09-01")!, unitCost: Decimal(string: "15.5")!, currency: "CNY", invoiceId: "INV-5"),
    ])

    @Test func theCostInForceIsTheLatestInvoiceOnOrBeforeTheDay() {
        #expect(history.costInForce(sku: "A", on: day("2025-05-31")) == nil)
        #expect(history.costInForce(sku: "A", on: day("2025-06-01"))?.invoiceId == "INV-1")
        #expect(history.costInForce(sku: "A", on: day("2026-01-31"))?.invoiceId == "INV-2")
        #expect(history.costInForce(sku: "A", on: day("2026-03-01"))?.invoiceId == "INV-4")
        #expect(history.costInForce(sku: "B", on: day("2026-03-01"), currency: "USD") == nil)
    }

    @Test func onOneDayTheLargerPurchaseSetsTheCost() {
        #expect(history.costInForce(sku: "A", on: day("2025-11-15"))?.unitCost == Decimal(string: "2.35"))
    }

    @Test func manufacturingCostRowsUseTheLatestCostInTheMarketplaceCurrency() {
        let (rows, otherCurrency) = history.manufacturingCostRows(marketplaceCurrency: "usd")
        #expect(rows == [ManufacturingCostRow(sku: "A", cost: Decimal(string: "2.46")!, currency: "USD", effectiveDate: day("2026-02-01"),
                                              sourceInvoiceId: "INV-4")])
        #expect(otherCurrency == ["B"])
        let earlier = history.manufacturingCostRows(marketplaceCurrency: "USD", asOf: day("2025-12-31")).rows
        #expect(earlier.first?.sourceInvoiceId == "INV-2")
    }
}
