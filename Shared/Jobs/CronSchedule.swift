import Foundation
import OpsideCore

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
        let text = String(expression.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
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
            // Plain arithmetic on minutes since 1970 (UTC) rather than Calendar: no time-zone
            // tables, and a day or an hour that cannot match is skipped whole.
            var minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1
            // A year and a day bounds the search for any satisfiable expression.
            let limit = minute + 367 * 24 * 60
            while minute < limit {
                let day = Self.floorDivide(minute, 1440)
                let civil = CivilDate(daysSince1970: Int(day))
                let weekday = Int(((day % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
                let dayMatches: Bool = switch (dayRestricted, weekdayRestricted) {
                case (true, true): days.contains(civil.day) || weekdays.contains(weekday)
                case (true, false): days.contains(civil.day)
                case (false, true): weekdays.contains(weekday)
                case (false, false): true
                }
                guard months.contains(civil.month), dayMatches else {
                    minute = (day + 1) * 1440
                    continue
                }
                let minuteOfDay = Int(minute - day * 1440)
                guard hours.contains(minuteOfDay / 60) else {
                    minute = day * 1440 + Int64(minuteOfDay / 60 + 1) * 60
                    continue
                }
                if minutes.contains(minuteOfDay % 60) { return Date(timeIntervalSince1970: Double(minute * 60)) }
                minute += 1
            }
            return Date.distantFuture
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
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
