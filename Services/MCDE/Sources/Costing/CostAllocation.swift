import Foundation
import OpsideInvoices

/// How freight, duty and other charges are spread over an invoice's lines.
public enum ChargeAllocationMethod: String, Codable, Sendable, CaseIterable {
    /// In proportion to each line's value (the usual choice: dearer goods carry more of the
    /// insurance and duty, which are charged on value).
    case byValue
    /// In proportion to units (closer for freight when units weigh alike).
    case byQuantity
}

/// An invoice line with the SKU it maps to (nil: unmapped, still carries its share of charges).
public struct MappedInvoiceLine: Sendable, Equatable {
    public var line: InvoiceLine
    public var sku: String?

    public init(line: InvoiceLine, sku: String?) {
        self.line = line
        self.sku = sku
    }
}

public enum CostAllocationError: Error, Equatable, CustomStringConvertible {
    case missingCurrency
    case unknownCurrency(String)
    case noAllocatableLines

    public var description: String {
        switch self {
        case .missingCurrency: "The invoice has no currency; costs cannot be computed in unknown units."
        case .unknownCurrency(let code): "'\(code)' is not an ISO 4217 currency."
        case .noAllocatableLines: "No line has a quantity and a value to carry costs."
        }
    }
}

/// Computes manufacturing and landed unit costs per SKU from an invoice whose lines are mapped.
///
/// Charges are split in integer minor units by the largest-remainder method: each line gets the
/// whole minor units of its exact share, and the units left over go one each to the lines with
/// the largest fractions (ties to the earlier line), so the shares of a charge always add up to
/// the charge exactly.
public enum CostAllocation {
    /// As `allocate(invoice:lines:method:applyInvoiceDiscount:)` with the mapper's results, one per
    /// invoice line: a line whose mapping needs review counts as unmapped.
    public static func allocate(invoice: InvoiceFields, mappings: [SKUMapping], method: ChargeAllocationMethod,
                                applyInvoiceDiscount: Bool = true) throws(CostAllocationError) -> CostAllocationResult {
        let lines = invoice.lines.enumerated().map { index, line in
            MappedInvoiceLine(line: line, sku: index < mappings.count ? mappings[index].acceptedSKU : nil)
        }
        return try allocate(invoice: invoice, lines: lines, method: method, applyInvoiceDiscount: applyInvoiceDiscount)
    }

    /// - Parameters:
    ///   - invoice: the extracted invoice (currency, charges, discount).
    ///   - lines: its lines with their SKUs.
    ///   - method: how charges are spread.
    ///   - applyInvoiceDiscount: an invoice-level discount lowers manufacturing cost (by value).
    /// - Throws: `CostAllocationError`.
    public static func allocate(invoice: InvoiceFields, lines: [MappedInvoiceLine], method: ChargeAllocationMethod,
                                applyInvoiceDiscount: Bool = true) throws(CostAllocationError) -> CostAllocationResult {
        guard let currency = invoice.currency else { throw .missingCurrency }
        guard let digits = CurrencyDigits.digits(for: currency) else { throw .unknownCurrency(currency) }
        func money(_ value: Decimal) -> String { DecimalArithmetic.text(value, fractionDigits: digits) }
        func unit(_ value: Decimal) -> String { DecimalArithmetic.text(value, fractionDigits: max(digits, 4)) }
        let minorScale = pow(Decimal(10), digits)

        // Lines that can carry cost: a positive quantity and a value.
        var usable: [(index: Int, mapped: MappedInvoiceLine, quantity: Int, value: Decimal)] = []
        var skipped: [Int] = []
        for (index, mapped) in lines.enumerated() {
            guard let quantity = mapped.line.quantity, quantity > 0, let value = mapped.line.netAmount else {
                skipped.append(index)
                continue
            }
            usable.append((index, mapped, quantity, value))
        }
        guard !usable.isEmpty else { throw .noAllocatableLines }
        let totalValue = usable.reduce(Decimal(0)) { $0 + $1.value }
        let totalUnits = usable.reduce(0) { $0 + $1.quantity }

        /// Splits `amount` over the usable lines by `weights`, in minor units.
        func split(_ amount: Decimal, weights: [Decimal]) -> [Int64] {
            let minor = (try? MinorUnitAmount(amount, currency: currency, digits: digits))?.amountMinor ?? 0
            let magnitude = Decimal(abs(minor))
            let weightTotal = weights.reduce(0, +)
            guard weightTotal > 0, minor != 0 else { return Array(repeating: 0, count: weights.count) }
            var floors: [Int64] = []
            var fractions: [(index: Int, fraction: Decimal)] = []
            for (index, weight) in weights.enumerated() {
                let exact = magnitude * weight / weightTotal
                var down = Decimal()
                var value = exact
                NSDecimalRound(&down, &value, 0, .down)
                floors.append(Int64(down.description) ?? 0)
                fractions.append((index, exact - down))
            }
            var remainder = Int64(abs(minor)) - floors.reduce(0, +)
            for entry in fractions.sorted(by: { $0.fraction != $1.fraction ? $0.fraction > $1.fraction : $0.index < $1.index }) where remainder > 0 {
                floors[entry.index] += 1
                remainder -= 1
            }
            return minor < 0 ? floors.map { -$0 } : floors
        }
        let valueWeights = usable.map(\.value)
        let chargeWeights = method == .byValue ? valueWeights : usable.map { Decimal($0.quantity) }
        let freightShares = split(invoice.freight ?? 0, weights: chargeWeights)
        let dutyShares = split(invoice.duty ?? 0, weights: chargeWeights)
        let otherShares = split(invoice.otherCharges ?? 0, weights: chargeWeights)
        let discountShares = applyInvoiceDiscount ? split(invoice.discount ?? 0, weights: valueWeights) : Array(repeating: 0, count: usable.count)

        var shares: [CostAllocationResult.LineShare] = []
        var bySKU: [String: (quantity: Int, manufacturing: Decimal, freight: Decimal, duty: Decimal, other: Decimal, steps: [String])] = [:]
        var order: [String] = []
        let basis = method == .byValue ? "by value" : "by quantity"
        let whole = method == .byValue ? money(totalValue) : "\(totalUnits) units"
        for (position, entry) in usable.enumerated() {
            let freight = Decimal(freightShares[position]) / minorScale
            let duty = Decimal(dutyShares[position]) / minorScale
            let other = Decimal(otherShares[position]) / minorScale
            let discount = Decimal(discountShares[position]) / minorScale
            shares.append(.init(lineIndex: entry.index, sku: entry.mapped.sku, freightMinor: freightShares[position],
                                dutyMinor: dutyShares[position], otherMinor: otherShares[position], discountMinor: discountShares[position]))
            guard let sku = entry.mapped.sku else { continue }
            let part = method == .byValue ? money(entry.value) : "\(entry.quantity) units"
            var steps: [String] = []
            let line = entry.mapped.line
            var goods = "Line \(entry.index + 1): \(entry.quantity) × \(unit(line.unitPrice))"
            if let percent = line.discountPercent { goods += " less \(percent)%" }
            if let amount = line.discountAmount { goods += " less \(money(amount))" }
            steps.append(goods + " = \(money(entry.value))")
            if discount != 0 {
                steps.append("Invoice discount \(money(invoice.discount ?? 0)) allocated by value: \(money(entry.value)) / \(money(totalValue)) × \(money(invoice.discount ?? 0)) = \(money(discount))")
            }
            for (name, charge, share) in [("Freight", invoice.freight, freight), ("Duty", invoice.duty, duty), ("Other charges", invoice.otherCharges, other)] {
                guard let charge, charge != 0 else { continue }
                steps.append("\(name) \(money(charge)) allocated \(basis): \(part) / \(whole) × \(money(charge)) = \(money(share)) over \(entry.quantity) units = \(unit(share / Decimal(entry.quantity))) per unit")
            }
            if bySKU[sku] == nil { order.append(sku) }
            var totals = bySKU[sku] ?? (0, 0, 0, 0, 0, [])
            totals.quantity += entry.quantity
            totals.manufacturing += entry.value - discount
            totals.freight += freight
            totals.duty += duty
            totals.other += other
            totals.steps += steps
            bySKU[sku] = totals
        }
        var costs: [SKUCost] = []
        for sku in order {
            let totals = bySKU[sku]!
            let quantity = Decimal(totals.quantity)
            let manufacturingUnit = DecimalArithmetic.rounded(totals.manufacturing / quantity, scale: 4)
            let landed = totals.manufacturing + totals.freight + totals.duty + totals.other
            let landedUnit = DecimalArithmetic.rounded(landed / quantity, scale: 4)
            var steps = totals.steps
            steps.append("Manufacturing cost: \(money(totals.manufacturing)) / \(totals.quantity) units = \(unit(manufacturingUnit)) per unit")
            steps.append("Landed cost: \(money(totals.manufacturing)) + freight \(money(totals.freight)) + duty \(money(totals.duty)) + other \(money(totals.other)) = \(money(landed)) / \(totals.quantity) units = \(unit(landedUnit)) per unit")
            costs.append(SKUCost(sku: sku, currency: currency, quantity: totals.quantity, manufacturingTotal: totals.manufacturing,
                                 manufacturingUnitCost: manufacturingUnit, freight: totals.freight, duty: totals.duty,
                                 otherCharges: totals.other, landedTotal: landed, landedUnitCost: landedUnit, steps: steps))
        }
        var notes: [String] = []
        if let rule = invoice.incoterm?.rule {
            if rule.includesImportDuty {
                notes.append("Incoterm \(rule.rawValue): the unit prices already include carriage and import duty, which Amazon's manufacturing cost excludes; the manufacturing cost here may overstate it.")
            } else if rule.includesMainCarriage {
                notes.append("Incoterm \(rule.rawValue): the unit prices already include the main carriage, which Amazon's manufacturing cost excludes.")
            }
        }
        if !skipped.isEmpty {
            notes.append("Lines \(skipped.map { String($0 + 1) }.joined(separator: ", ")) carry no cost: no quantity or no value.")
        }
        return CostAllocationResult(currency: currency, method: method, costs: costs, shares: shares, skippedLines: skipped, notes: notes)
    }
}
