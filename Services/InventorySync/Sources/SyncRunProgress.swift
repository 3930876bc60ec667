import Foundation

/// A run's progress as it loads: what the realtime feed shows and the estimate is made of.
struct SyncRunProgress {
    var runID: UUID
    var windowsTotal: Int
    var windowsDone: Int
    var pages = 0
    var rows = 0
    var startedAt = Date()

    init(run: SyncRun, windowsTotal: Int, windowsDone: Int) {
        self.runID = run.runId
        self.windowsTotal = windowsTotal
        self.windowsDone = windowsDone
        self.pages = run.pagesDone
        self.rows = run.rowsDone
    }

    /// Elapsed time per window done, times the windows left.
    var estimatedFinish: Date? {
        guard windowsDone > 0, windowsTotal > windowsDone else { return nil }
        let perWindow = Date().timeIntervalSince(startedAt) / Double(windowsDone)
        return Date().addingTimeInterval(perWindow * Double(windowsTotal - windowsDone))
    }
}
