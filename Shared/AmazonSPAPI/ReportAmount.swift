import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// An amount as a report writes it, checked to be decimal text but not yet in a currency: a
/// row's currency may be a column of its own or the marketplace's.
public struct ReportAmount: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    /// - Throws: `MoneyError.notAnAmount` when `text` is not decimal text.
    public init(_ text: String) throws(MoneyError) {
        try Money.checkDecimalText(text)
        self.text = text
    }

    private init(unchecked text: String) { self.text = text }

    /// What a report's empty amount column means where the amount is not optional.
    public static let zero = ReportAmount(unchecked: "0")

    public var description: String { text }

    /// The amount in `currency`.
    /// - Throws: `MoneyError.tooManyFractionDigits` when it is finer than the currency's minor unit.
    public func money(in currency: Currency) throws(MoneyError) -> Money {
        try Money(parsing: text, currency: currency)
    }
}
