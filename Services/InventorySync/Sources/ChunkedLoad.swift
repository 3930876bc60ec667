import Foundation
import OpsideAmazonData
import OpsideCore
import Logging
import NIOCore
import PostgresNIO

/// What a chunk's task did.
struct ChunkResult: Sendable {
    let stage: String
    let merged: Bool
    var counts = MergeCounts()
    /// The first-load decisions, including those this chunk made.
    var firstLoad: [String: Bool] = [:]
}

/// Cuts one source of a day-chunked table into chunks and loads each in a task (a new stage,
/// COPY, then the merge unless the source has turned out not to be day-ordered) while the next
/// chunk fills. One task at a time: they share the transaction's connection.
final class ChunkedLoad {
    private unowned let session: StagingSession
    let table: AmazonTable
    let dayPosition: Int
    /// The running chunk's task.
    private var running: Task<ChunkResult, any Error>?
    /// "marketplace U+001F day" of the rows in the filling chunk, and its marketplaces.
    private var days: Set<String> = []
    private var marketplaces: Set<String> = []
    private var lastDay: String?
    /// The day and marketplace of the row that closed the filling chunk: the next chunk's first.
    private var opening: (day: String, marketplace: String?)?
    /// Whether a row returned to a day of a closed chunk: from then on chunks are staged only.
    private(set) var late = false

    init(session: StagingSession, table: AmazonTable, dayPosition: Int) {
        self.session = session
        self.table = table
        self.dayPosition = dayPosition
    }

    /// Notes `row`'s day; true when the filling chunk (`bytes` long) must close before the row
    /// joins it: at a day the chunk has not seen, once it is full (or at any row once late).
    func closes(before row: [String?], marketplace: String?, bytes: Int) -> Bool {
        let day = (marketplace ?? "") + "\u{1F}" + (row[dayPosition] ?? "")
        var newDay = false
        if day != lastDay {
            lastDay = day
            newDay = !days.contains(day)
            if newDay, !late, session.load(of: table).closedDays.contains(day) { late = true }
        }
        if bytes >= session.chunkBytes, late || newDay {
            opening = (day, marketplace)
            return true
        }
        if bytes >= session.dayCutBytes {
            // One day larger than a chunk may be: cut it here. Its rows from now on are late.
            late = true
            opening = (day, marketplace)
            return true
        }
        if newDay { days.insert(day) }
        if let marketplace { marketplaces.insert(marketplace) }
        return false
    }

    /// Hands a full chunk to a task, once the previous one is done, and opens the next chunk
    /// with the row that closed this one.
    func close(_ chunk: ByteBuffer) async throws {
        try await awaitRunning()
        let closedDays = days, closedMarketplaces = marketplaces
        days.removeAll(keepingCapacity: true)
        marketplaces.removeAll(keepingCapacity: true)
        if let (day, marketplace) = opening {
            days.insert(day)
            if let marketplace { marketplaces.insert(marketplace) }
            opening = nil
        }
        guard chunk.readableBytes > 0 else { return }
        session.close(days: closedDays, of: table)
        let stage = session.nextStageName(table)
        let loader = session.loader, table = self.table, merge = !late
        let known = session.load(of: table)
        let locked = known.locked, decided = known.firstLoad
        running = Task {
            try await loader.createStage(stage, for: table)
            try await loader.copy(into: stage, table: table) { writer in try await writer.write(chunk) }
            guard merge else { return ChunkResult(stage: stage, merged: false) }
            if !locked { try await loader.lock(table) }
            let (first, firstLoad) = try await loader.isFirstLoad(table, of: closedMarketplaces, decided: decided)
            let counts = try await loader.merge(table, stages: [stage], after: [], firstLoad: first, numbered: true)
            return ChunkResult(stage: stage, merged: true, counts: counts, firstLoad: firstLoad)
        }
    }

    /// Waits for the running chunk and records it.
    func awaitRunning() async throws {
        guard let task = running else { return }
        running = nil
        session.record(try await task.value, of: table)
    }

    /// After a failure: waits for the running chunk, whatever its outcome.
    func abandon() async {
        _ = await running?.result
        running = nil
    }
}
