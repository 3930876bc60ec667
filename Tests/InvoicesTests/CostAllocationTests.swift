import Foundation
import Testing
@testable import OpsideInvoices

@Suite struct CostAllocationTests {
    func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    /// Three lines worth 1,200 + 1,000 + 800 = 3,000.00 over 400 + 250 + 100 units, freight 120.00,
    /// duty 45.00, insurance 10.01 (a cent that does not split evenly).
    func invoice() -> InvoiceFields {
        InvoiceFields(documentType: .invoice, currency: "USD",
                      lines: [InvoiceLine(description: "A", quantity: 400, unitPrice: 3, lineTotal: 1200),
                              InvoiceLine(description: "B", quantity: 250, unitPrice: 4, lineTotal: 1000),
                              InvoiceLine(description: "C", quantity: 100, unitPrice: 8, lineTotal: 800)],
                      freight: 120, duty: 45, otherCharges: decimal("10.01"), subtotal: 3000, total: decimal("3175.01"))
    }

    func mapped(_ invoice: InvoiceFields, _ skus: [String?]) -> [MappedInvoiceLine] {
        zip(invoice.lines, skus).map { MappedInvoiceLine(line: $0, sku: $1) }
    }

    @Test func chargesAllocatedByValueAddUpToTheCentAndReadAsSteps() throws {
        let invoice = invoice()
        let result = try CostAllocation.allocate(invoice: invoice, lines: mapped(invoice, ["SKU-A", "SKU-B", "SKU-C"]), method: .byValue)
        // Freight 120.00 × 1200/3000 = 48.00, × 1000/3000 = 40.00, × 800/3000 = 32.00.
        #expect(result.shares.map(\.freightMinor) == [4800, 4000, 3200])
        // Duty 45.00: 18.00, 15.00, 12.00.
        #expect(result.shares.map(\.dutyMinor) == [1800, 1500, 1200])
        // Insurance 10.01 = 1001 cents: exact shares 400.4, 333.6667, 266.9333 → floors 400, 333,
        // 266 (999) and the two cents left go to the largest fractions (0.9333, then 0.6667).
        #expect(result.shares.map(\.otherMinor) == [400, 334, 267])
        #expect(result.shares.map(\.otherMinor).reduce(0, +) == 1001)
        let a = try #require(result.costs.first { $0.sku == "SKU-A" })
        #expect(a.manufacturingUnitCost == 3)
        #expect(a.freight == 48 && a.duty == 18 && a.otherCharges == 4)
        // (1200 + 48 + 18 + 4) / 400 = 3.175
        #expect(a.landedUnitCost == decimal("3.175"))
        #expect(a.steps.contains("Freight 120.00 allocated by value: 1,200.00 / 3,000.00 × 120.00 = 48.00 over 400 units = 0.1200 per unit"))
        #expect(a.steps.last == "Landed cost: 1,200.00 + freight 48.00 + duty 18.00 + other 4.00 = 1,270.00 / 400 units = 3.1750 per unit")
    }

    @Test func chargesAllocatedByQuantityFollowTheUnits() throws {
        let invoice = invoice()
        let result = try CostAllocation.allocate(invoice: invoice, lines: mapped(invoice, ["SKU-A", "SKU-B", "SKU-C"]), method: .byQuantity)
        // 750 units: freight 120.00 × 400/750 = 64.00, × 250/750 = 40.00, × 100/750 = 16.00.
        #expect(result.shares.map(\.freightMinor) == [6400, 4000, 1600])
        // Insurance 1001 cents × 400/750 = 533.87, × 250/750 = 333.67, × 100/750 = 133.47: floors
        // 533 + 333 + 133 = 999, the two cents to .87 and .67.
        #expect(result.shares.map(\.otherMinor) == [534, 334, 133])
        let c = try #require(result.costs.first { $0.sku == "SKU-C" })
        #expect(c.manufacturingUnitCost == 8)
        // (800 + 16 + 6 + 1.33) / 100 = 8.2333
        #expect(c.landedUnitCost == decimal("8.2333"))
        #expect(c.steps.contains { $0.hasPrefix("Freight 120.00 allocated by quantity: 100 units / 750 units × 120.00 = 16.00") })
    }

    @Test func linesOfOneSKUCombineAndUnmappedLinesStillCarryTheirShare() throws {
        let invoice = invoice()
        let result = try CostAllocation.allocate(invoice: invoice, lines: mapped(invoice, ["SKU-A", nil, "SKU-A"]), method: .byValue)
        #expect(result.costs.count == 1)
        let a = try #require(result.costs.first)
        #expect(a.quantity == 500)
        #expect(a.manufacturingTotal == 2000)
        #expect(a.manufacturingUnitCost == 4)
        #expect(a.freight == 80)
        #expect(result.shares[1].sku == nil && result.shares[1].freightMinor == 4000)
    }

    @Test func lineAndInvoiceDiscountsLowerManufacturingCostButChargesDoNot() throws {
        var invoice = invoice()
        invoice.lines[0] = InvoiceLine(description: "A", quantity: 400, unitPrice: decimal("3.20"), discountPercent: 10, lineTotal: nil)
        invoice.discount = 30
        let result = try CostAllocation.allocate(invoice: invoice, lines: mapped(invoice, ["SKU-A", "SKU-B", "SKU-C"]), method: .byValue)
        let a = try #require(result.costs.first { $0.sku == "SKU-A" })
        // 400 × 3.20 less 10 % = 1,152.00; discount 30.00 × 1152/2952 = 11.71 (largest remainder).
        #expect(result.shares[0].discountMinor + result.shares[1].discountMinor + result.shares[2].discountMinor == 3000)
        #expect(a.manufacturingTotal == decimal("1152") - Decimal(result.shares[0].discountMinor) / 100)
        #expect(a.steps.first == "Line 1: 400 × 3.2000 less 10% = 1,152.00")
    }

    @Test func aDDPPriceIsFlaggedAndLinesWithoutQuantityAreSkipped() throws {
        var invoice = invoice()
        invoice.incoterm = Incoterm(rule: .DDP, place: "Ontario, CA")
        invoice.lines.append(InvoiceLine(description: "Tooling", quantity: nil, unitPrice: 500, lineTotal: nil))
        let result = try CostAllocation.allocate(invoice: invoice, lines: mapped(invoice, ["SKU-A", "SKU-B", "SKU-C", "SKU-T"]), method: .byValue)
        #expect(result.skippedLines == [3])
        #expect(result.notes.contains { $0.contains("DDP") })
        #expect(result.shares.map(\.freightMinor).reduce(0, +) == 12000)
    }

    @Test func anInvoiceWithoutCurrencyCannotBeCosted() {
        var invoice = invoice()
        invoice.currency = nil
        #expect(throws: CostAllocationError.missingCurrency) {
            try CostAllocation.allocate(invoice: invoice, lines: [], method: .byValue)
        }
    }

    @Test func mapperResultsNeedingReviewCountAsUnmapped() throws {
        let invoice = invoice()
        let mappings = [SKUMapping(sku: "SKU-A", confidence: 1, reason: "", method: .exact),
                        SKUMapping(sku: "SKU-B", confidence: 0.4, reason: "", method: .fuzzyTitle, needsReview: true),
                        SKUMapping(sku: nil, confidence: 0, reason: "", method: .unmapped)]
        let result = try CostAllocation.allocate(invoice: invoice, mappings: mappings, method: .byValue)
        #expect(result.costs.map(\.sku) == ["SKU-A"])
    }
}
