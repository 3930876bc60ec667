import Foundation
import OpsideCore

/// Which waiting cases to file today, under a daily limit per seller.
///
/// When today's capacity covers the queue, everything files, earliest deadline first. When it
/// does not, the plan gives each future day the same capacity and places cases by expected value
/// (amount × approval probability), each on the latest free day that still makes its deadline —
/// the greedy that maximises the value filed for unit jobs with deadlines. The cases placed on
/// today are filed now, earliest deadline first; a case that finds no day before its deadline is
/// one that will be missed unless capacity grows, and the plan names it. Room left today goes to
/// the earliest deadlines placed later, so no day's capacity is wasted.
public struct FilingPlan: Sendable, Equatable {
    /// To file now, in order.
    public var today: [UUID]
    /// Placed on a later day.
    public var later: [UUID]
    /// No day before its deadline has room left.
    public var wouldMiss: [UUID]

    public struct Candidate: Sendable, Equatable {
        public var id: UUID
        public var deadline: CivilDate
        public var expectedValue: Double

        public init(id: UUID, deadline: CivilDate, expectedValue: Double) {
            self.id = id
            self.deadline = deadline
            self.expectedValue = expectedValue
        }
    }

    /// - Parameters:
    ///   - capacityToday: filings left today (the limit less those already filed today).
    ///   - dailyLimit: filings on each later day.
    public static func make(_ candidates: [Candidate], today: CivilDate, capacityToday: Int, dailyLimit: Int) -> FilingPlan {
        let byDeadline = candidates.sorted { ($0.deadline, $0.id.uuidString) < ($1.deadline, $1.id.uuidString) }
        let open = byDeadline.filter { $0.deadline >= today }
        let late = byDeadline.filter { $0.deadline < today }.map(\.id)
        if open.count <= capacityToday { return FilingPlan(today: open.map(\.id), later: [], wouldMiss: late) }
        let horizon = (open.map { $0.deadline.daysSince1970 }.max() ?? today.daysSince1970) - today.daysSince1970
        var free = [max(0, capacityToday)] + Array(repeating: dailyLimit, count: max(0, horizon))
        /// The latest day at or before `day` that still has room; -1 when none has.
        func latestFree(_ day: Int) -> Int {
            var day = day
            while day >= 0, free[day] == 0 { day -= 1 }
            return day
        }
        var placed: [UUID: Int] = [:]
        var wouldMiss = late
        let byValue = open.sorted { ($0.expectedValue, $1.deadline, $1.id.uuidString) > ($1.expectedValue, $0.deadline, $0.id.uuidString) }
        for candidate in byValue {
            let day = latestFree(candidate.deadline.daysSince1970 - today.daysSince1970)
            guard day >= 0 else {
                wouldMiss.append(candidate.id)
                continue
            }
            free[day] -= 1
            placed[candidate.id] = day
        }
        // The greedy puts each case on its latest possible day; today's room left over takes the
        // earliest deadlines from later days (filing earlier never breaks a deadline).
        var todays = open.filter { placed[$0.id] == 0 }.map(\.id)
        var later = open.filter { (placed[$0.id] ?? 0) > 0 }.map(\.id)
        let room = max(0, capacityToday - todays.count)
        if room > 0 {
            let pulled = Set(later.prefix(room))
            todays = open.filter { placed[$0.id] == 0 || pulled.contains($0.id) }.map(\.id)
            later.removeAll { pulled.contains($0) }
        }
        return FilingPlan(today: todays, later: later, wouldMiss: wouldMiss)
    }
}
