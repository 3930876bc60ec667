import Foundation

/// When a periodic job runs: a five-field cron expression in UTC (`minute hour day month weekday`,
/// with `*`, `a-b`, `*/n`, `a-b/n` and lists), `@hourly`, `@daily`, `@weekly`, or `@every 30s`
/// (`s`, `m`, `h`) for intervals a cron line cannot say.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case fields(minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>,
                    dayRestricted: Bool, weekdayRestricted: Bool)
        case every(seconds: Int)
    }

    let kind: Kind
    public let description: String

    /// - Throws: `CronScheduleError` naming the field that does not parse.
    public init(_ expression: String) throws {
        let text = expression.trimmingCharacters(in: .whitespaces)
        description = text
        switch text {
        case "@hourly": kind = try Self.parseFields("0 * * * *")
        case "@daily", "@midnight": kind = try Self.parseFields("0 0 * * *")
        case "@weekly": kind = try Self.parseFields("0 0 * * 0")
        default:
            if text.hasPrefix("@every ") {
                let value = text.dropFirst("@every ".count)
                guard let unit = value.last, let number = Int(value.dropLast()), number > 0 else {
                    throw CronScheduleError(expression: text, reason: "@every takes a number and a unit, e.g. @every 30s")
                }
                let multiplier = switch unit { case "s": 1; case "m": 60; case "h": 3600; default: 0 }
                guard multiplier > 0 else { throw CronScheduleError(expression: text, reason: "unit must be s, m or h") }
                kind = .every(seconds: number * multiplier)
            } else {
                kind = try Self.parseFields(text)
            }
        }
    }

    /// The first time strictly after `date` at which the schedule fires.
    public func next(after date: Date) -> Date {
        switch kind {
        case .every(let seconds):
            let step = Double(seconds)
            return Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / step) + 1) * step)
        case .fields(let minutes, let hours, let days, let months, let weekdays, let dayRestricted, let weekdayRestricted):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            var candidate = Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / 60) + 1) * 60)
            // A year and a day of minutes bounds the search for any satisfiable expression.
            for _ in 0..<(366 * 24 * 60) {
                let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: candidate)
                let weekday = (parts.weekday ?? 1) - 1
                let dayMatches: Bool = switch (dayRestricted, weekdayRestricted) {
                case (true, true): days.contains(parts.day ?? 0) || weekdays.contains(weekday)
                case (true, false): days.contains(parts.day ?? 0)
                case (false, true): weekdays.contains(weekday)
                case (false, false): true
                }
                if months.contains(parts.month ?? 0), dayMatches, hours.contains(parts.hour ?? 0), minutes.contains(parts.minute ?? 0) {
                    return candidate
                }
                candidate += 60
            }
            return Date.distantFuture
        }
    }

    private static func parseFields(_ text: String) throws -> Kind {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw CronScheduleError(expression: text, reason: "needs five fields: minute hour day month weekday")
        }
        let weekdays = try parseField(fields[4], range: 0...7, name: "weekday", expression: text)
        return .fields(
            minutes: try parseField(fields[0], range: 0...59, name: "minute", expression: text),
            hours: try parseField(fields[1], range: 0...23, name: "hour", expression: text),
            days: try parseField(fields[2], range: 1...31, name: "day", expression: text),
            months: try parseField(fields[3], range: 1...12, name: "month", expression: text),
            weekdays: Set(weekdays.map { $0 % 7 }),
            dayRestricted: fields[2] != "*", weekdayRestricted: fields[4] != "*")
    }

    private static func parseField(_ field: String, range: ClosedRange<Int>, name: String, expression: String) throws -> Set<Int> {
        var values = Set<Int>()
        for part in field.split(separator: ",") {
            let pieces = part.split(separator: "/", maxSplits: 1)
            let step = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let step, step > 0 else {
                throw CronScheduleError(expression: expression, reason: "bad step in \(name) field '\(field)'")
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else if let dash = pieces[0].firstIndex(of: "-"),
                      let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high {
                span = low...high
            } else if let single = Int(pieces[0]) {
                span = single...(pieces.count == 2 ? range.upperBound : single)
            } else {
                throw CronScheduleError(expression: expression, reason: "cannot read \(name) field '\(field)'")
            }
            guard range.contains(span.lowerBound), range.contains(span.upperBound) else {
                throw CronScheduleError(expression: expression, reason: "\(name) field '\(field)' is outside \(range)")
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values
    }
}

public struct CronScheduleError: Error, CustomStringConvertible {
    public let expression: String
    public let reason: String
    public var description: String { "cron schedule '\(expression)': \(reason)" }
}

/// A periodic job: at each tick of `schedule`, exactly one job made by `makeJob` is enqueued,
/// however many replicas run, because only the leader enqueues and each tick is recorded once.
public struct CronEntry: Sendable {
    public let name: String
    public let schedule: CronSchedule
    public let makeJob: @Sendable (Date) throws -> NewJob

    public init(name: String, schedule: CronSchedule, makeJob: @escaping @Sendable (Date) throws -> NewJob) {
        self.name = name
        self.schedule = schedule
        self.makeJob = makeJob
    }
}
