import Configuration
import Foundation
import OpsideCore

/// How mcde works costs out.
///
/// Keys:
/// - `costs.allocation` (`by_value`): how freight, duty and other charges are spread over an
///   invoice's lines for the landed cost: `by_value` (in proportion to each line's amount) or
///   `by_quantity` (the same per unit).
/// - `costs.anomalyThreshold` (3.5): the robust z-score (median absolute deviation) past which a
///   unit cost is flagged against the SKU's history (Iglewicz and Hoaglin's cut-off).
public struct MCDESettings: Sendable {
    public enum Allocation: String, Sendable, CaseIterable {
        case byValue = "by_value"
        case byQuantity = "by_quantity"
    }

    public var allocation: Allocation
    public var anomalyThreshold: Double

    public init(allocation: Allocation = .byValue, anomalyThreshold: Double = 3.5) {
        self.allocation = allocation
        self.anomalyThreshold = anomalyThreshold
    }

    /// - Throws: `ConfigurationError` naming the key that does not read.
    public init(reader: ConfigReader) throws {
        let text = reader.string(forKey: "costs.allocation", default: Allocation.byValue.rawValue)
        guard let allocation = Allocation(rawValue: text) else {
            throw ConfigurationError(key: "costs.allocation", reason: "must be by_value or by_quantity, not '\(text)'")
        }
        self.allocation = allocation
        anomalyThreshold = reader.double(forKey: "costs.anomalyThreshold", default: 3.5)
        guard anomalyThreshold > 0 else { throw ConfigurationError(key: "costs.anomalyThreshold", reason: "must be above 0") }
    }
}
