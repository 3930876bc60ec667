import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore

/// An instant read from a report, to the microsecond, as PostgreSQL reads it.
struct ReportInstant {
    /// Microseconds since 1970-01-01 00:00 UTC.
    let microseconds: Int

    enum Reading {
        case instant(ReportInstant)
        case notADate
        case notATimestamp
    }

    static let microsecondsPerSecond = 1_000_000
    static let secondsPerDay = 86_400

    /// A bare date (midnight UTC) or `date[T ]hh:mm[:ss[.fraction]][zone]`, the zone being blank,
    /// `Z`, `±hh`, `±hhmm`, `±hh:mm` or an abbreviation of `zoneAbbreviations`. Like PostgreSQL: 24:00:00 is the next
    /// midnight, second 60 (without a fraction) the next minute, a fraction is rounded to the
    /// microsecond, an offset is at most 15:59.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, dayOrder: AmazonMarketplace.DayOrder) -> Reading {
        guard let day = CivilDate(reportText: bytes, dayOrder: dayOrder) else { return .notADate }
        let midnight = day.daysSince1970 * secondsPerDay
        if bytes.count == 10 { return instant(seconds: midnight, fraction: 0) }
        func number(_ index: Int) -> Int? {
            guard index + 1 < bytes.count, (0x30...0x39).contains(bytes[index]), (0x30...0x39).contains(bytes[index + 1]) else { return nil }
            return Int(bytes[index] - 0x30) * 10 + Int(bytes[index + 1] - 0x30)
        }
        guard bytes[10] == 0x54 || bytes[10] == 0x20, let hour = number(11), bytes.count > 13, bytes[13] == 0x3A,
              let minute = number(14) else { return .notATimestamp }
        var second = 0, fraction = 0, end = 16
        if end < bytes.count, bytes[end] == 0x3A {
            guard let seconds = number(17) else { return .notATimestamp }
            second = seconds
            end = 19
            if end < bytes.count, bytes[end] == 0x2E {
                let digits = end + 1
                end = digits
                while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
                guard end > digits, let value = Double("0." + String(decoding: bytes[digits..<end], as: UTF8.self)) else {
                    return .notATimestamp
                }
                // PostgreSQL's rint(strtod(fraction) * 1e6).
                fraction = Int((value * Double(microsecondsPerSecond)).rounded(.toNearestOrEven))
            }
        }
        guard hour < 24 || (hour == 24 && minute == 0 && second == 0 && fraction == 0), minute < 60,
              second < 60 || (second == 60 && fraction == 0),
              let offset = offsetSeconds(UnsafeBufferPointer(rebasing: bytes[end...])) else { return .notATimestamp }
        return instant(seconds: midnight + hour * 3600 + minute * 60 + second - offset, fraction: fraction)
    }

    /// The zone abbreviations Amazon's downloads write after a time, as offsets east of UTC in
    /// seconds. An abbreviation names its offset (PST is always -8, PDT -7): the download says
    /// which one applied. Where an abbreviation names two zones the marketplace's wins: IST is
    /// India Standard Time (+5:30, Amazon.in), not Irish or Israel time; CST is US Central, not
    /// China's.
    static let zoneAbbreviations: [String: Int] = [
        "UTC": 0, "GMT": 0, "BST": 3600, "CET": 3600, "CEST": 7200,
        "PST": -8 * 3600, "PDT": -7 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600,
        "CST": -6 * 3600, "CDT": -5 * 3600, "EST": -5 * 3600, "EDT": -4 * 3600,
        "JST": 9 * 3600, "AEST": 10 * 3600, "AEDT": 11 * 3600, "IST": 5 * 3600 + 1800,
    ]

    private static func instant(seconds: Int, fraction: Int) -> Reading {
        let instant = ReportInstant(microseconds: seconds * microsecondsPerSecond + fraction)
        guard (1...9999).contains(instant.day.year) else { return .notATimestamp }
        return .instant(instant)
    }

    /// The zone's offset east of UTC in seconds; nil when it is not one of the accepted forms.
    private static func offsetSeconds(_ zone: UnsafeBufferPointer<UInt8>) -> Int? {
        withTrimmedZone(zone) { zone -> Int? in
            if zone.isEmpty || zone.elementsEqual("Z".utf8) { return 0 }
            guard let sign = zone.first, sign == 0x2B || sign == 0x2D else {
                return zone.count <= 4 ? zoneAbbreviations[String(decoding: zone, as: UTF8.self)] : nil
            }
            let digits = zone.dropFirst().filter { $0 != 0x3A }
            let colons = zone.count - 1 - digits.count
            let canonical = (zone.count == 3 && colons == 0) || (zone.count == 5 && colons == 0) || (zone.count == 6 && colons == 1 && zone[3] == 0x3A)
            guard canonical, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            let values = digits.map { Int($0 - 0x30) }
            let hours = values[0] * 10 + values[1], minutes = values.count == 4 ? values[2] * 10 + values[3] : 0
            guard hours <= 15, minutes < 60 else { return nil }
            return (sign == 0x2D ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
    }

    /// The zone without surrounding blanks. Foundation trims only text with non-ASCII bytes, the
    /// rare case where Unicode blanks other than space and tab could surround it.
    private static func withTrimmedZone<Result>(_ zone: UnsafeBufferPointer<UInt8>,
                                                _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        guard zone.allSatisfy({ $0 < 0x80 }) else {
            var trimmed = String(decoding: zone, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            return trimmed.withUTF8(body)
        }
        var start = zone.startIndex, end = zone.endIndex
        while start < end, zone[start] == 0x20 || zone[start] == 0x09 { start += 1 }
        while end > start, zone[end - 1] == 0x20 || zone[end - 1] == 0x09 { end -= 1 }
        return body(UnsafeBufferPointer(rebasing: zone[start..<end]))
    }

    private var secondsSinceEpoch: Int { microseconds >= 0 ? microseconds / Self.microsecondsPerSecond : (microseconds + 1) / Self.microsecondsPerSecond - 1 }
    var day: CivilDate {
        let seconds = secondsSinceEpoch
        return CivilDate(daysSince1970: seconds >= 0 ? seconds / Self.secondsPerDay : (seconds + 1) / Self.secondsPerDay - 1)
    }

    /// `yyyy-mm-dd hh:mm:ss[.ffffff]+00`, trailing zeros of the fraction dropped: PostgreSQL's
    /// text for a timestamptz in UTC.
    var text: String {
        let seconds = secondsSinceEpoch
        let fraction = microseconds - seconds * Self.microsecondsPerSecond
        let secondOfDay = seconds - day.daysSince1970 * Self.secondsPerDay
        return String(unsafeUninitializedCapacity: 32) { output in
            var written = day.write(to: output)
            output[written] = 0x20
            written = ReportDigits.write(secondOfDay / 3600, width: 2, to: output, at: written + 1)
            output[written] = 0x3A
            written = ReportDigits.write(secondOfDay / 60 % 60, width: 2, to: output, at: written + 1)
            output[written] = 0x3A
            written = ReportDigits.write(secondOfDay % 60, width: 2, to: output, at: written + 1)
            if fraction > 0 {
                var digits = 6, shown = fraction
                while shown % 10 == 0 { shown /= 10; digits -= 1 }
                output[written] = 0x2E
                written = ReportDigits.write(shown, width: digits, to: output, at: written + 1)
            }
            for byte in "+00".utf8 {
                output[written] = byte
                written += 1
            }
            return written
        }
    }
}

/// Zero-padded decimal numbers written into a buffer.
enum ReportDigits {
    /// Writes `value` in `width` digits at `start`; returns the index after them.
    static func write(_ value: Int, width: Int, to output: UnsafeMutableBufferPointer<UInt8>, at start: Int) -> Int {
        var remaining = value
        for index in stride(from: start + width - 1, through: start, by: -1) {
            output[index] = UInt8(0x30 + remaining % 10)
            remaining /= 10
        }
        return start + width
    }
}
