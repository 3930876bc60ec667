import Foundation
import OpsideCore
import PostgresNIO

/// A typed row of one `amazon` table: what `AmazonDataReader` yields.
public protocol AmazonRecord: Sendable {
    /// The catalog entry the row is read from.
    static var table: AmazonTable { get }
    /// The seller account (inventory-sync's connection) the row was synced from.
    var connectionID: UUID { get }
    var marketplaceID: String { get }
    /// Decodes one row selected with `AmazonRecordValues.selectList(for:)`.
    init(_ values: AmazonRecordValues) throws
}

/// A row's columns by name, decoded into the types the records use: `Date` for timestamps,
/// `CivilDate` for days, `Int` for quantities, `Int64` minor units for money, `Decimal` for
/// measurements, JSON text for the finance events' breakdowns.
public struct AmazonRecordValues {
    let row: PostgresRandomAccessRow

    /// The select list that yields what these accessors decode: days as their day number (so a
    /// `date` becomes a `CivilDate` without a calendar), numerics and JSON as their text.
    static func selectList(for table: AmazonTable) -> String {
        table.allColumns.map { column in
            let quoted = "\"\(column.name)\""
            return switch column.type {
            case .date: "(\(quoted) - DATE '1970-01-01') AS \(quoted)"
            case .numeric, .jsonb: "\(quoted)::text AS \(quoted)"
            default: quoted
            }
        }.joined(separator: ", ")
    }

    public func uuid(_ column: String) throws -> UUID { try row[column].decode(UUID.self) }
    public func optionalUUID(_ column: String) throws -> UUID? { try row[column].decode(UUID?.self) }
    public func text(_ column: String) throws -> String { try row[column].decode(String.self) }
    public func optionalText(_ column: String) throws -> String? { try row[column].decode(String?.self) }
    public func int(_ column: String) throws -> Int { Int(try row[column].decode(Int32.self)) }
    public func optionalInt(_ column: String) throws -> Int? { try row[column].decode(Int32?.self).map(Int.init) }
    /// A `bigint` count.
    public func optionalCount(_ column: String) throws -> Int64? { try row[column].decode(Int64?.self) }
    /// An amount: minor units in `column`, in the currency of the row's `currency` column; nil
    /// when either is missing. A currency code that is not ISO 4217 is an error, not a guess.
    public func money(_ column: String, currencyColumn: String = "currency") throws -> Money? {
        guard let minor = try row[column].decode(Int64?.self), let code = try row[currencyColumn].decode(String?.self) else { return nil }
        return Money(amountMinor: minor, currency: try Currency(code: code))
    }
    public func bool(_ column: String) throws -> Bool? { try row[column].decode(Bool?.self) }
    public func date(_ column: String) throws -> Date { try row[column].decode(Date.self) }
    public func optionalDate(_ column: String) throws -> Date? { try row[column].decode(Date?.self) }
    public func day(_ column: String) throws -> CivilDate { CivilDate(daysSince1970: Int(try row[column].decode(Int32.self))) }
    public func optionalDay(_ column: String) throws -> CivilDate? {
        try row[column].decode(Int32?.self).map { CivilDate(daysSince1970: Int($0)) }
    }
    /// A `numeric` read exactly, through its text (never through `Double`).
    public func decimal(_ column: String) throws -> Decimal? {
        try row[column].decode(String?.self).map { text in
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                throw AmazonDataError.unreadableValue(column: column, value: text)
            }
            return value
        }
    }
    /// A `jsonb` value as its JSON text, for the caller to decode into its own types.
    public func json(_ column: String) throws -> String? { try row[column].decode(String?.self) }
}

/// What can go wrong reading the `amazon` schema beyond the database's own errors.
public enum AmazonDataError: Error, CustomStringConvertible, Equatable {
    /// A filter or ordering named a column the table does not have.
    case unknownColumn(table: String, column: String)
    /// A filter compared a column with a value of another kind (a day with a timestamp column).
    case filterType(table: String, column: String, expected: String)
    /// A stored value could not be read as its type.
    case unreadableValue(column: String, value: String)

    public var description: String {
        switch self {
        case .unknownColumn(let table, let column): "amazon.\(table) has no column \(column)"
        case .filterType(let table, let column, let expected): "amazon.\(table).\(column) can only be compared with \(expected)"
        case .unreadableValue(let column, let value): "the value '\(value)' of \(column) is not readable"
        }
    }
}
