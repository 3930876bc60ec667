import Foundation
import OpsideCore

/// One condition on the rows of an `amazon` table. Column names are checked against the
/// catalog before any SQL is written, and values are always bound parameters.
public enum AmazonFilter: Sendable, Hashable {
    /// Rows of one connection (one seller account).
    case connection(UUID)
    /// Rows of one marketplace.
    case marketplace(String)
    /// A text column equals the value (`fnsku`, `amazon_order_id`, `shipment_id`...).
    case equals(column: String, value: String)
    /// A `date` column on or after the day.
    case onOrAfter(column: String, day: CivilDate)
    /// A `date` column on or before the day.
    case onOrBefore(column: String, day: CivilDate)
    /// A `timestamptz` column at or after the instant.
    case atOrAfter(column: String, instant: Date)
    /// A `timestamptz` column before the instant.
    case before(column: String, instant: Date)

    /// The column the condition reads and the type it needs.
    var column: (name: String, type: AmazonColumnType?) {
        switch self {
        case .connection: ("connection_id", .uuid)
        case .marketplace: ("marketplace_id", .text)
        case .equals(let column, _): (column, .text)
        case .onOrAfter(let column, _), .onOrBefore(let column, _): (column, .date)
        case .atOrAfter(let column, _), .before(let column, _): (column, .timestamptz)
        }
    }
}
