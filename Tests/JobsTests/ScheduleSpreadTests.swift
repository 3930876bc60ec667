import Foundation
import OpsideCore
import OpsideJobs
import Testing

/// `ScheduleSpread`: 10,000 sellers' recurring work lands on fixed slots spread over the period,
/// the same slot every period and in every process.
@Suite struct ScheduleSpreadTests {
    /// 10,000 connection ids, the same on every run (SplitMix64), written as the services write them.
    static let keys: [String] = {
        var random = SplitMix64(seed: 18)
        return (0..<10_000).map { _ in
            let high = random.next(), low = random.next()
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> ($0 * 8)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> ($0 * 8)) }
            let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                                   bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
            return uuid.uuidString.lowercased() + "|orders"
        }
    }()

    @Test func slotsAreStrictlyAfterTheInstantWithinOnePeriodAndRepeatEveryPeriod() throws {
        let start = try Date("2026-12-07T23:59:30Z", strategy: .iso8601)
        for key in Self.keys.prefix(500) {
            let slot = ScheduleSpread.nextSlot(after: start, period: 3600, key: key)
            #expect(slot > start && slot <= start.addingTimeInterval(3600), "\(key): \(slot)")
            #expect(ScheduleSpread.nextSlot(after: slot, period: 3600, key: key) == slot.addingTimeInterval(3600))
            // A tick that runs late does not move the slot: from anywhere in the hour, the same minute of the next.
            #expect(ScheduleSpread.nextSlot(after: slot.addingTimeInterval(1799), period: 3600, key: key) == slot.addingTimeInterval(3600))
        }
        #expect(ScheduleSpread.phase(of: "a") == ScheduleSpread.phase(of: "a"))
        #expect(ScheduleSpread.phase(of: "a") != ScheduleSpread.phase(of: "b"))
        #expect(ScheduleSpread.nextSlot(after: start, period: 0, key: "a") == start)
    }

    @Test func tenThousandSellersHourlyWorkIsSpreadOverTheHour() {
        // Every seller connected in the same second (an agency's import): their slots still spread.
        let now = Date(timeIntervalSince1970: 1_796_688_000)
        var perMinute = [Int](repeating: 0, count: 60)
        for key in Self.keys {
            let slot = ScheduleSpread.nextSlot(after: now, period: 3600, key: key)
            perMinute[Int(slot.timeIntervalSince(now) / 60) % 60] += 1
        }
        let mean = Double(Self.keys.count) / 60
        #expect(Double(perMinute.max() ?? 0) < mean * 1.35, "the busiest minute has \(perMinute.max() ?? 0) syncs; \(mean) on average")
        #expect(Double(perMinute.min() ?? 0) > mean * 0.65, "the quietest minute has \(perMinute.min() ?? 0)")
    }

    @Test func aCalendarTimeIsSpreadOverItsWindowAndNeverStartsBeforeIt() throws {
        let tuesday = try CronSchedule("0 8 * * 2")
        let monday = try Date("2026-12-07T10:00:00Z", strategy: .iso8601)
        let eight = try Date("2026-12-08T08:00:00Z", strategy: .iso8601)
        var perHour = [Int](repeating: 0, count: 12)
        for key in Self.keys {
            let start = ScheduleSpread.next(after: monday, calendar: tuesday, window: 12 * 3600, key: key)
            #expect(start >= eight && start < eight.addingTimeInterval(12 * 3600))
            perHour[Int(start.timeIntervalSince(eight) / 3600)] += 1
            // Asked again just after its start, the next is a week on at the same time.
            #expect(ScheduleSpread.next(after: start, calendar: tuesday, window: 12 * 3600, key: key) == start.addingTimeInterval(7 * 86_400))
        }
        #expect(Double(perHour.max() ?? 0) < Double(Self.keys.count) / 12 * 1.15, "\(perHour)")
        #expect(ScheduleSpread.offset(for: Self.keys[0], within: 0) == 0)
    }
}
