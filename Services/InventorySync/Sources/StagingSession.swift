import Foundation
import Logging
import OpsideAmazonData
import OpsideCore
import PostgresNIO

/// Loads one run's rows inside ONE transaction: rows are COPied into temporary staging tables
/// (dropped at commit), then merged into the `amazon` tables. Nothing is visible to anyone until
/// the caller's transaction commits, so a download that breaks half way leaves no trace: the
/// transaction rolls back and the staging tables go with it.
///
/// Most tables are staged whole and merged by `merge()`. A table with a `chunkDay` (the
/// inventory ledger, by far the largest report) is merged while it is still being read: the
/// source is cut into chunks at day boundaries, and each chunk is COPied into a stage of its own
/// and merged in a task while the parser fills the next one, so parsing (Swift, one core) runs
/// beside the merge (PostgreSQL, the other core) instead of before it. Identical rows always
/// share their day, so in a day-ordered source (Amazon's ledger is) a chunk's occurrence numbers
/// are final when it is merged. A source that returns to a day already merged ("late" rows)
/// stops the early merging: its remaining chunks are only staged, and `merge()` numbers them
/// after the occurrences already merged.
///
/// Not Sendable on purpose: it lives inside one `withTransaction` closure; only `StageLoader`,
/// which owns no state, crosses into the chunk tasks.
final class StagingSession {
    let loader: StageLoader
    let dataset: String
    /// A chunk of a day-chunked table closes at the first day change past this many bytes of
    /// COPY text; two chunks (one loading, one filling) are what the load holds in memory.
    let chunkBytes: Int
    private var tables: [AmazonTable: TableLoad] = [:]
    private var sequence = 0
    private(set) var quarantine: [QuarantinedLine] = []
    private(set) var quarantinedCount = 0
    /// The first `warningLimit` warnings, and how many rows had one.
    private(set) var warnings: [RowWarning] = []
    private(set) var warnedCount = 0
    static let warningLimit = 100
    /// Chunks merged while their source was still being read, and chunks of late rows left to `merge()`.
    private(set) var chunksMergedWhileStaging = 0
    private(set) var chunksStagedLate = 0
    /// Malformed lines beyond this many are counted but their text is not kept (a wrong file
    /// would otherwise copy itself into the quarantine).
    static let quarantineTextLimit = 10_000
    static let defaultChunkBytes = 8 << 20

    /// One table's load in this session.
    struct TableLoad {
        var count = 0
        var marketplaces: Set<String> = []
        /// Stages holding rows not merged yet (merged by `merge()`), in source order.
        var pending: [String] = []
        /// Stages merged while staging, kept until commit: late rows are numbered after them.
        var merged: [String] = []
        /// "marketplace U+001F day" of every closed chunk: a row of one of these days is late.
        var closedDays: Set<String> = []
        /// Per marketplace, whether the target held none of its rows for this connection before
        /// this load; decided under the table's lock before the marketplace's first merge.
        var firstLoad: [String: Bool] = [:]
        var locked = false
        var counts = MergeCounts()
        var stages = 0
    }

    init(connection: PostgresConnection, logger: Logger, tenantID: UUID, connectionID: UUID, runID: UUID, dataset: String,
         chunkBytes: Int = StagingSession.defaultChunkBytes, dayCutBytes: Int? = nil) {
        self.loader = StageLoader(connection: connection, logger: logger, tenantID: tenantID, connectionID: connectionID, runID: runID)
        self.dataset = dataset
        self.chunkBytes = chunkBytes
        let bound = chunkBytes > Int.max / 4 ? Int.max : max(4 * chunkBytes, 32 << 20)
        self.dayCutBytes = dayCutBytes ?? bound
    }

    /// A chunk still in one day closes anyway past this many bytes: a single day of a million
    /// rows must not be held whole. The rest of that day is then staged as late rows (numbered
    /// after the part merged), so memory stays at two chunks whatever the file's days.
    let dayCutBytes: Int

    var connection: PostgresConnection { loader.connection }
    var logger: Logger { loader.logger }

    /// A name for the table's next stage.
    func nextStageName(_ table: AmazonTable) -> String {
        tables[table, default: TableLoad()].stages += 1
        return "stage_\(table.name)_\(tables[table]!.stages)"
    }

    func load(of table: AmazonTable) -> TableLoad { tables[table, default: TableLoad()] }

    /// COPies a batch of rows (values in `table.stagedColumns` order) into the table's stage.
    func stage(_ table: AmazonTable, rows: [[String?]]) async throws {
        guard !rows.isEmpty else { return }
        try await stageStream(table) { sink in
            for row in rows { try await sink.append(row) }
        }
    }

    /// Stages rows as `produce` hands them over. Memory stays flat whatever the size of the
    /// source: rows stream into one COPY (flushed every 256 KiB), or, for a day-chunked table,
    /// into chunks of `chunkBytes`.
    func stageStream(_ table: AmazonTable, _ produce: (RowSink) async throws -> Void) async throws {
        let startSequence = sequence
        let sink: RowSink
        if let chunkDay = table.chunkDay {
            let chunks = ChunkedLoad(session: self, table: table, dayPosition: table.stagedColumns.firstIndex(of: chunkDay)!)
            sink = RowSink(table: table, startSequence: startSequence, chunks: chunks)
            do {
                try await produce(sink)
                try await sink.finishChunks()
            } catch {
                // The task loading a chunk uses the transaction's connection: it must be over
                // before the error rolls the transaction back.
                await chunks.abandon()
                throw error
            }
        } else {
            let stage = nextStageName(table)
            try await loader.createStage(stage, for: table)
            tables[table]!.pending.append(stage)
            var copied: RowSink?
            try await loader.copy(into: stage, table: table) { writer in
                let rows = RowSink(table: table, startSequence: startSequence, writer: writer)
                try await produce(rows)
                try await rows.flush()
                copied = rows
            }
            guard let copied else { return }
            sink = copied
        }
        sequence = sink.sequence
        tables[table, default: TableLoad()].count += sink.count
        tables[table, default: TableLoad()].marketplaces.formUnion(sink.marketplaces)
    }

    /// Records what a chunk's task did.
    func record(_ chunk: ChunkResult, of table: AmazonTable) {
        var load = tables[table, default: TableLoad()]
        if chunk.merged {
            chunksMergedWhileStaging += 1
            load.merged.append(chunk.stage)
            load.locked = true
            load.counts = load.counts + chunk.counts
            load.firstLoad = chunk.firstLoad
        } else {
            chunksStagedLate += 1
            load.pending.append(chunk.stage)
        }
        tables[table] = load
    }

    func close(days: Set<String>, of table: AmazonTable) {
        tables[table, default: TableLoad()].closedDays.formUnion(days)
    }

    /// Keeps a malformed line for the quarantine table: its first `quarantineLineBytes` bytes,
    /// enough to see what is wrong (a line may be a megabyte long).
    func quarantine(line: Int, reason: String, raw: String) {
        quarantinedCount += 1
        if quarantine.count < Self.quarantineTextLimit {
            let kept = raw.utf8.count <= Self.quarantineLineBytes ? raw : String(decoding: raw.utf8.prefix(Self.quarantineLineBytes), as: UTF8.self)
            quarantine.append(QuarantinedLine(lineNumber: line, reason: reason, rawLine: kept))
        }
    }
    static let quarantineLineBytes = 4096

    /// Notes the values of optional columns a row loads without.
    func warn(line: Int, _ values: [(column: String, value: String, reason: String)]) {
        guard !values.isEmpty else { return }
        warnedCount += 1
        for value in values where warnings.count < Self.warningLimit {
            let kept = String(decoding: value.value.utf8.prefix(256), as: UTF8.self)
            warnings.append(RowWarning(lineNumber: line, column: value.column, value: kept, reason: value.reason))
        }
    }

    /// The warnings as the `sync_runs.warnings` column keeps them.
    var warningsJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(warnings)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Merges what is still staged into the `amazon` tables, writes the quarantine, and returns
    /// what the whole session changed (chunks merged while staging included).
    func merge() async throws -> MergeCounts {
        var counts = MergeCounts()
        // Always in the same order: each merge takes its table's lock until commit, and two
        // sessions taking two locks in opposite orders would deadlock. (Day-chunked tables lock
        // while staging, before any of these; the ledger is the only one, and its loads stage
        // nothing else.)
        for (table, load) in tables.sorted(by: { $0.key.name < $1.key.name }) {
            var merged = load.counts
            merged.staged = load.count
            if !load.pending.isEmpty {
                if !load.locked { try await loader.lock(table) }
                let (first, _) = try await loader.isFirstLoad(table, of: load.marketplaces, decided: load.firstLoad)
                merged = merged + (try await loader.merge(table, stages: load.pending, after: load.merged, firstLoad: first))
            }
            counts = counts + merged
            try await loader.drop(load.pending + load.merged)
        }
        if !quarantine.isEmpty {
            let lines = quarantine.map { Int32(clamping: $0.lineNumber) }
            let reasons = quarantine.map(\.reason)
            let raws = quarantine.map { $0.rawLine.replacingOccurrences(of: "\u{0}", with: "") }
            try await connection.query("""
                INSERT INTO amazon.sync_quarantine (tenant_id, connection_id, run_id, dataset, line_number, reason, raw_line)
                SELECT \(loader.tenantID), \(loader.connectionID), \(loader.runID), \(dataset), l, r, w
                FROM unnest(\(lines)::integer[], \(reasons)::text[], \(raws)::text[]) AS q(l, r, w)
                """, logger: logger)
        }
        counts.quarantined = quarantinedCount
        counts.warned = warnedCount
        tables.removeAll()
        return counts
    }
}
