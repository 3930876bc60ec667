import Foundation

/// Days at instants: the one place a `CivilDate` meets a time zone (a marketplace's local day of
/// an event, the "today" of a detection run).
extension CivilDate {
    /// The day it is at `instant` in `timeZone` (an IANA name; UTC when Foundation lacks it).
    public init(instant: Date, timeZone: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// Midnight UTC of the day, as the day's instant in JSON that wants one.
    public var utcMidnight: Date { Date(timeIntervalSince1970: Double(daysSince1970) * 86_400) }

}
