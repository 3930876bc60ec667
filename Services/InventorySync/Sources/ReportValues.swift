import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// Values in the text form COPY reads, validated here so a bad field quarantines its row
/// instead of failing the whole COPY.
enum ReportValues {
    /// Money in minor units of `currency`.
    /// - Throws: when the amount is finer than the currency's minor unit.
    static func minor(_ amount: ReportAmount?, _ currency: Currency) throws(ReportRowError) -> String? {
        guard let amount else { return nil }
        do throws(MoneyError) {
            return String(try amount.money(in: currency).amountMinor)
        } catch {
            throw ReportRowError(error.description)
        }
    }

    /// A report's currency column.
    /// - Throws: for a code that is not ISO 4217's.
    static func currency(_ code: String) throws(ReportRowError) -> Currency {
        do throws(MoneyError) {
            return try Currency(code: code)
        } catch {
            throw ReportRowError(error.description)
        }
    }

    static func decimal(_ value: Decimal?) -> String? {
        value.map { NSDecimalNumber(decimal: $0).stringValue }
    }

    /// A date as PostgreSQL writes it (`yyyy-mm-dd`), from `yyyy-mm-dd…`, `yyyy/mm/dd`,
    /// `mm/dd/yyyy` or `dd/mm/yyyy` (as `dayOrder` says, unless a number over 12 says
    /// otherwise) or `dd.mm.yyyy`; a day the calendar lacks (2024-02-30) is refused here rather
    /// than by COPY.
    static func date(_ text: String?, dayOrder: AmazonMarketplace.DayOrder) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        guard let day = utf8.withUTF8({ CivilDate(reportText: $0, dayOrder: dayOrder) }) else { throw ReportRowError("not a date: \(text)") }
        return String(unsafeUninitializedCapacity: CivilDate.textLength) { day.write(to: $0) }
    }

    /// A timestamp as PostgreSQL writes a timestamptz in UTC (`2024-03-01 10:00:00.5+00`), from
    /// a date as `date` reads it, with or without a time and a zone (UTC assumed): ISO 8601
    /// with an offset or `Z`, or a zone abbreviation Amazon's downloads use (`PST`, `CET`…).
    /// Written in PostgreSQL's own form so that the ledger's event keys, hashed here from the
    /// staged text, equal those the database computes from the stored values. Checked byte by
    /// byte (no regex, no Foundation): it runs for every row of multi-million-row files.
    static func timestamp(_ text: String?, dayOrder: AmazonMarketplace.DayOrder) throws(ReportRowError) -> String? {
        guard let text, !text.isEmpty else { return nil }
        var utf8 = text
        switch utf8.withUTF8({ ReportInstant.read($0, dayOrder: dayOrder) }) {
        case .instant(let instant): return instant.text
        case .notADate: throw ReportRowError("not a date: \(text)")
        case .notATimestamp: throw ReportRowError("not a timestamp: \(text)")
        }
    }
}

/// A calendar day as reports write it and as PostgreSQL writes it.
extension CivilDate {
    static let textLength = 10

    /// From the first ten bytes of a date or timestamp: `yyyy-mm-dd`, `yyyy/mm/dd`,
    /// `mm/dd/yyyy` or `dd/mm/yyyy`, `dd.mm.yyyy`; nil for anything else or a day the calendar
    /// lacks. Which of the first two numbers is the month: the one that can be (a day over 12
    /// cannot), else the marketplace's order; with dots, the day always comes first.
    init?(reportText bytes: UnsafeBufferPointer<UInt8>, dayOrder: AmazonMarketplace.DayOrder) {
        guard bytes.count >= 10 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (0x30...0x39).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 0x30)
            }
            return value
        }
        if bytes[4] == bytes[7], bytes[4] == 0x2D || bytes[4] == 0x2F, let year = number(0..<4), let month = number(5..<7),
           let day = number(8..<10) {
            self.init(year: year, month: month, day: day)
        } else if bytes[2] == bytes[5], bytes[2] == 0x2F || bytes[2] == 0x2E, let first = number(0..<2), let second = number(3..<5),
                  let year = number(6..<10) {
            let dayFirst = first > 12 || (second <= 12 && (bytes[2] == 0x2E || dayOrder == .dayFirst))
            self.init(year: year, month: dayFirst ? second : first, day: dayFirst ? first : second)
        } else {
            return nil
        }
        guard year >= 1, exists else { return nil }
    }

    /// Writes `yyyy-mm-dd`; returns its length.
    func write(to output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = ReportDigits.write(year, width: 4, to: output, at: 0)
        output[written] = 0x2D
        written = ReportDigits.write(month, width: 2, to: output, at: written + 1)
        output[written] = 0x2D
        return ReportDigits.write(day, width: 2, to: output, at: written + 1)
    }
}
