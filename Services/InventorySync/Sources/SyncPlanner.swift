import Foundation
import OpsideAmazonSPAPI
import OpsideCore

/// One window of a dataset: loaded and committed whole, the unit of progress and of resumption.
struct SyncWindow: Sendable, Equatable {
    /// nil for snapshot datasets (inventory, listings, fees, the first inbound sync).
    let start: Date?
    let end: Date?
    /// An incremental window of orders or inbound: "changed since `start`", no upper bound.
    let changedSince: Bool
}

/// Where a dataset's sync stands for a connection (`amazon.sync_watermarks`, kept by `SyncRunRepository`).
struct SyncWatermark: Sendable, Equatable {
    /// Everything up to here is loaded.
    let syncedThrough: Date?
    /// An interrupted run and the end of its last committed window: that run resumes there.
    let resumeRunID: UUID?
    let resumeFrom: Date?
}

/// Plans a run's windows from the watermark. Pure: the same watermark, run and "now" always
/// give the same windows, which is what lets an interrupted run resume without gap or overlap.
enum SyncPlanner {
    struct Plan {
        let total: Int
        let remaining: [SyncWindow]
        let syncedThrough: Date?
    }

    static let day: TimeInterval = 86_400
    /// Minimum age of the upper bound Finances accepts (`PostedBefore` must be > 2 minutes old).
    static let financeLag: TimeInterval = 180

    /// The windows of this run. A first sync reaches back `backfillDays`; later ones start
    /// `overlapDays` before the watermark. A run that was interrupted skips the windows it
    /// committed (its resume point).
    static func plan(dataset: SyncDataset, watermark: SyncWatermark, runID: UUID, now: Date) -> Plan {
        let resuming = watermark.resumeRunID == runID ? watermark.resumeFrom : nil
        let windowLength = Double(dataset.windowDays) * day
        switch dataset.source {
        case .searchQueries(let period):
            return searchQueryPlan(period: period, backfillPeriods: dataset.backfillPeriods, watermark: watermark, resuming: resuming, now: now)
        case .inventory, .report(_, ranged: false):
            return Plan(total: 1, remaining: resuming == nil ? [SyncWindow(start: nil, end: nil, changedSince: false)] : [],
                        syncedThrough: now)
        case .inbound:
            let window = watermark.syncedThrough.map {
                SyncWindow(start: $0.addingTimeInterval(-Double(dataset.overlapDays) * day), end: nil, changedSince: true)
            } ?? SyncWindow(start: nil, end: nil, changedSince: false)
            return Plan(total: 1, remaining: resuming == nil ? [window] : [], syncedThrough: now)
        case .orders:
            // After the first sync, orders are read by "changed since" (status changes, refunds).
            if let through = watermark.syncedThrough {
                let start = through.addingTimeInterval(-Double(dataset.overlapDays) * day)
                return Plan(total: 1, remaining: resuming == nil ? [SyncWindow(start: start, end: nil, changedSince: true)] : [],
                            syncedThrough: now)
            }
            fallthrough
        case .finances, .report(_, ranged: true), .adsSpend:
            let end = dataset == .financialEvents || dataset == .orders ? now.addingTimeInterval(-financeLag) : now
            var start = watermark.syncedThrough?.addingTimeInterval(-Double(dataset.overlapDays) * day)
                ?? now.addingTimeInterval(-Double(dataset.backfillDays) * day)
            if dataset == .financialEvents {
                // A fixed grid, so a window fetched again has the same bounds.
                start = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / windowLength).rounded(.down) * windowLength)
            }
            func windows(from first: Date) -> [SyncWindow] {
                var windows: [SyncWindow] = []
                var cursor = first
                while cursor < end {
                    var next = min(end, cursor.addingTimeInterval(windowLength))
                    if dataset == .financialEvents {
                        let gridEnd = ((cursor.timeIntervalSince1970 / windowLength).rounded(.down) + 1) * windowLength
                        next = min(end, Date(timeIntervalSince1970: gridEnd))
                    }
                    windows.append(SyncWindow(start: cursor, end: next, changedSince: false))
                    cursor = next
                }
                return windows
            }
            let all = windows(from: start)
            guard let resuming else { return Plan(total: all.count, remaining: all, syncedThrough: end) }
            // Resume exactly where the last committed window ended: a plan recomputed from a later
            // "now" must leave no gap between that point and its own window bounds.
            let remaining = windows(from: max(start, resuming))
            let done = all.filter { ($0.end ?? end) <= resuming }.count
            return Plan(total: done + remaining.count, remaining: remaining, syncedThrough: end)
        }
    }

    /// Search Query Performance: one window per complete period, from the last period loaded
    /// (read again: Amazon may still correct it) or `backfillPeriods` back, through the newest
    /// period whose data is ready (`Period.available`). The watermark is the first day after the
    /// last period loaded, so a backfill that lowers it makes the next run start earlier.
    static func searchQueryPlan(period: SearchQueryPerformance.Period, backfillPeriods: Int, watermark: SyncWatermark,
                                resuming: Date?, now: Date) -> Plan {
        let last = period.latestAvailable(at: now)
        var first: CivilDate
        if let through = watermark.syncedThrough {
            first = period.previous(before: period.start(containing: CivilDate(utcDayOf: through)))
        } else {
            first = last
            for _ in 1..<max(1, backfillPeriods) { first = period.previous(before: first) }
        }
        first = min(first, last)
        var all: [SyncWindow] = []
        var cursor = first
        while cursor <= last {
            let next = period.next(after: cursor)
            all.append(SyncWindow(start: cursor.startInstant, end: next.startInstant, changedSince: false))
            cursor = next
        }
        let remaining = resuming.map { point in all.filter { ($0.start ?? point) >= point } } ?? all
        return Plan(total: all.count, remaining: remaining, syncedThrough: period.next(after: last).startInstant)
    }
}
