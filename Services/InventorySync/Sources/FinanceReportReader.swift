import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// The payment reports a seller downloads from Seller Central, whose lines become the financial
/// events the Finances API returns: item charges and fees of orders, refunds, and the
/// reimbursements Amazon pays as adjustments.
enum FinanceReportFormat: Sendable {
    /// `GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`: one line per amount of a settlement.
    case settlement
    /// `GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA`: the Date Range transaction report, one line
    /// per transaction with its amounts in columns.
    case transactions

    var reportType: String {
        switch self {
        case .settlement: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
        case .transactions: "GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA"
        }
    }

    /// The `source` its rows carry.
    var source: AmazonTables.FinancialEventSource {
        switch self {
        case .settlement: .settlementReport
        case .transactions: .transactionReport
        }
    }

    func makeReader(marketplace: AmazonMarketplace) -> any FinanceReportReading {
        switch self {
        case .settlement: SettlementReportReader(marketplace: marketplace)
        case .transactions: TransactionReportReader(marketplace: marketplace)
        }
    }

    /// Whether an unknown header is the Date Range transaction report in a language other than
    /// English (Amazon localises its column names in the EU and Japan): the importer reads the
    /// US and UK English form only, and says so rather than "unknown report". Recognised by
    /// the localised names of its first columns (date/time, settlement id).
    static func isLocalizedTransactionReport(_ header: ReportHeader) -> Bool {
        localizedTransactionColumns.contains { header.index(of: $0) != nil }
    }

    static let localizedTransactionColumns = [
        "Datum/Uhrzeit", "Abrechnungsnummer",                // German
        "date/heure", "numéro de versement",                 // French
        "Data/Ora:", "Data/Ora", "Numero pagamento",         // Italian
        "fecha y hora", "identificador de pago",             // Spanish
        "日付/時間", "決済番号",                                // Japanese
    ]
}

/// Reads a payment report's lines and hands over the financial event rows they make.
protocol FinanceReportReading {
    /// Takes one line. Lines of transactions the event tables do not keep (transfers, service
    /// fees, reserves: not claim evidence, and not in the Finances API's item, refund and
    /// adjustment events either) are passed over.
    /// - Throws: `ReportRowError` when the line cannot be read; it is quarantined.
    mutating func read(_ record: ReportRecord) throws(ReportRowError)

    /// The rows of every line read, and the lines refused after reading (a report whose events
    /// span several lines refuses all of an event's lines when one of them is unreadable).
    mutating func finish() -> (rows: FinanceRows, refused: [QuarantinedLine])
}

/// Amounts and instants of the payment reports.
enum FinanceReportValues {
    /// An amount as `Money`, read by `Money(parsing:)`: decimal text with optional thousands
    /// separators. With `decimalComma`, the local form of the EU's settlement files (`95,00`,
    /// `1.234,56`) is read too: a comma followed by exactly the currency's fraction digits, and
    /// no point after it, is the decimal separator (a US `1,234` has three digits after it).
    /// - Throws: `ReportRowError` naming the column and the text.
    static func money(_ text: String, column: String, currency: Currency, decimalComma: Bool = false) throws(ReportRowError) -> Money {
        do throws(MoneyError) {
            return try Money(parsing: text, currency: currency)
        } catch {
            if decimalComma, let converted = pointDecimal(text, digits: currency.minorUnitDigits),
               let money = try? Money(parsing: converted, currency: currency) {
                return money
            }
            throw ReportRowError("\(column): \(error.description)")
        }
    }

    /// `1.234,56` as `1234.56`; nil when the text is not in that form.
    static func pointDecimal(_ text: String, digits: Int) -> String? {
        guard digits > 0, let comma = text.lastIndex(of: ",") else { return nil }
        let fraction = text[text.index(after: comma)...]
        guard fraction.count == digits, fraction.allSatisfy(\.isASCII), fraction.allSatisfy(\.isNumber) else { return nil }
        return text[..<comma].replacingOccurrences(of: ".", with: "") + "." + fraction
    }

    /// An amount in the Finances API's shape (its components' JSON), from `Money`.
    static func currency(_ money: Money) -> FinancesCurrency {
        FinancesCurrency(CurrencyCode: money.currency.code, CurrencyAmount: Decimal(string: money.decimalString))
    }

    /// A required instant in PostgreSQL's UTC text.
    /// - Throws: `ReportRowError` when absent or unreadable.
    static func instant(_ text: String?, column: String, dayOrder: AmazonMarketplace.DayOrder) throws(ReportRowError) -> String {
        guard let instant = try ReportValues.timestamp(text, dayOrder: dayOrder) else { throw ReportRowError("missing \(column)") }
        return instant
    }

    /// An adjustment's amount per unit: the total over the units when they divide it exactly
    /// (the reports give the total only); nil otherwise.
    static func perUnit(_ total: Money, quantity: Int?) -> String? {
        guard let quantity, quantity != 0, total.amountMinor % Int64(quantity) == 0 else { return nil }
        return String(total.amountMinor / Int64(quantity))
    }

    /// A quantity column: a whole number, nil when empty.
    static func quantity(_ record: ReportRecord, _ column: String) throws(ReportRowError) -> Int? {
        guard let text = record.string(column) else { return nil }
        guard let quantity = Int(text.replacingOccurrences(of: ",", with: "")) else {
            throw ReportRowError("\(column) is not a whole number: \(text)")
        }
        return quantity
    }

    /// An adjustment row, in `FinanceRows.adjustments`' column order.
    static func adjustmentRow(marketplace: String, type: String, postedAt: String, sku: String?, transactionNumber: String?,
                              quantity: Int?, total: Money, source: AmazonTables.FinancialEventSource) -> [String?] {
        [marketplace, type, postedAt, nil, sku, nil, nil, nil, transactionNumber, quantity.map(String.init),
         perUnit(total, quantity: quantity), String(total.amountMinor), total.currency.code, source.rawValue]
    }
}
