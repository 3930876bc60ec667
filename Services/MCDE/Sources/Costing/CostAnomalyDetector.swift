import Foundation
import OpsideInvoices

/// Something about a cost observation a person should look at before it goes to Amazon.
public struct CostAnomaly: Codable, Sendable, Equatable {
    public enum Code: String, Codable, Sendable, CaseIterable {
        /// The unit cost is far from the SKU's usual one (robust z-score, or relative deviation
        /// when every earlier cost was the same).
        case unitCostOutlier
        /// A currency other than the SKU's usual one.
        case currencyChange
        /// Zero or negative units.
        case quantityNotPositive
        /// More than `quantityFactor` × the SKU's median units.
        case quantityOutlier
        /// The invoice is dated after the loss it is meant to prove.
        case invoiceAfterLoss
    }

    public var code: Code
    public var sku: String
    public var invoiceId: String
    public var message: String
    /// The figures behind it ("median": "2.3500", "mad": "0.0500", "z": "7.42").
    public var figures: [String: String]
}

/// Flags cost observations that do not fit a SKU's history.
///
/// Outliers use Iglewicz and Hoaglin's modified z-score, 0.6745 × (x − median) / MAD, flagged
/// above 3.5 by default: the median and the median absolute deviation are not dragged by the
/// outliers they look for, as a mean and standard deviation would be.
public struct CostAnomalyDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// |modified z| above this is an outlier (Iglewicz–Hoaglin recommend 3.5).
        public var threshold: Double
        /// Earlier observations needed before costs are scored at all.
        public var minimumHistory: Int
        /// When MAD is 0 (all earlier costs equal), a relative deviation above this is an outlier.
        public var relativeDeviation: Decimal
        /// Units above this multiple of the SKU's median are flagged.
        public var quantityFactor: Int

        public init(threshold: Double = 3.5, minimumHistory: Int = 4, relativeDeviation: Decimal = Decimal(string: "0.25")!,
                    quantityFactor: Int = 100) {
            self.threshold = threshold
            self.minimumHistory = minimumHistory
            self.relativeDeviation = relativeDeviation
            self.quantityFactor = quantityFactor
        }
    }

    public let settings: Settings

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// The anomalies of `observation` against the SKU's other observations in `history`.
    /// - Parameter lossDate: the day of the loss the invoice should prove, if it proves one.
    public func check(_ observation: CostObservation, history: [CostObservation], lossDate: InvoiceDate? = nil) -> [CostAnomaly] {
        var anomalies: [CostAnomaly] = []
        func flag(_ code: CostAnomaly.Code, _ message: String, _ figures: [String: String]) {
            anomalies.append(CostAnomaly(code: code, sku: observation.sku, invoiceId: observation.invoiceId, message: message, figures: figures))
        }
        let others = history.filter { $0.sku == observation.sku && $0.invoiceId != observation.invoiceId }
        if let lossDate, observation.date > lossDate {
            flag(.invoiceAfterLoss,
                 "Invoice \(observation.invoiceId) is dated \(observation.date), after the loss on \(lossDate): it cannot show what the unit cost when it was lost.",
                 ["invoiceDate": observation.date.description, "lossDate": lossDate.description])
        }
        if let quantity = observation.quantity {
            if quantity <= 0 {
                flag(.quantityNotPositive, "Invoice \(observation.invoiceId) lists \(quantity) units of \(observation.sku).", ["quantity": String(quantity)])
            } else {
                let quantities = others.compactMap(\.quantity).filter { $0 > 0 }.map { Decimal($0) }
                if quantities.count >= settings.minimumHistory, let median = Self.median(quantities),
                   Decimal(quantity) > median * Decimal(settings.quantityFactor) {
                    flag(.quantityOutlier,
                         "Invoice \(observation.invoiceId) lists \(quantity) units of \(observation.sku), more than \(settings.quantityFactor) × the usual \(median).",
                         ["quantity": String(quantity), "medianQuantity": median.description, "factor": String(settings.quantityFactor)])
                }
            }
        }
        // The SKU's usual currency: the most frequent, ties to the alphabetically first.
        let counts = Dictionary(grouping: others, by: \.currency).mapValues(\.count)
        if let usual = counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).first?.key,
           usual != observation.currency {
            flag(.currencyChange,
                 "Invoice \(observation.invoiceId) is in \(observation.currency); \(observation.sku)'s other invoices are in \(usual).",
                 ["currency": observation.currency, "usualCurrency": usual])
            return anomalies
        }
        let sameCurrency = others.filter { $0.currency == observation.currency }.map(\.unitCost)
        guard sameCurrency.count >= settings.minimumHistory else { return anomalies }
        let sample = sameCurrency + [observation.unitCost]
        guard let median = Self.median(sample), let mad = Self.median(sample.map { abs($0 - median) }) else { return anomalies }
        let deviation = observation.unitCost - median
        let text: (Decimal) -> String = { DecimalArithmetic.text($0, fractionDigits: 4, grouping: false) }
        if mad == 0 {
            guard median != 0 else { return anomalies }
            let relative = abs(deviation) / median
            if relative > settings.relativeDeviation {
                let percent = DecimalArithmetic.text(relative * 100, fractionDigits: 1, grouping: false)
                flag(.unitCostOutlier,
                     "Unit cost \(text(observation.unitCost)) \(observation.currency) on invoice \(observation.invoiceId) differs by \(percent)% from \(observation.sku)'s cost of \(text(median)), which every other invoice shows (MAD is 0, so the relative deviation decides).",
                     ["unitCost": text(observation.unitCost), "median": text(median), "mad": "0", "relativeDeviation": percent + "%"])
            }
            return anomalies
        }
        let z = 0.6745 * NSDecimalNumber(decimal: deviation / mad).doubleValue
        if abs(z) > settings.threshold {
            let zText = String(format: "%.2f", z)
            flag(.unitCostOutlier,
                 "Unit cost \(text(observation.unitCost)) \(observation.currency) on invoice \(observation.invoiceId) is far from \(observation.sku)'s median \(text(median)): modified z = 0.6745 × (\(text(observation.unitCost)) − \(text(median))) / \(text(mad)) = \(zText), beyond ±\(settings.threshold).",
                 ["unitCost": text(observation.unitCost), "median": text(median), "mad": text(mad), "z": zText])
        }
        return anomalies
    }

    /// Every observation of `history` checked against the others of its SKU.
    public func audit(_ history: [CostObservation], lossDates: [String: InvoiceDate] = [:]) -> [CostAnomaly] {
        history.flatMap { check($0, history: history, lossDate: lossDates[$0.invoiceId]) }
    }

    static func median(_ values: [Decimal]) -> Decimal? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
