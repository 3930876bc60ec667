import Crypto
import Foundation
import Logging
import NIOCore
import OpsideCore
import PostgresNIO

/// A malformed source line kept in `amazon.sync_quarantine`.
public struct QuarantinedLine: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let reason: String
    public let rawLine: String
}

/// A value of an optional column that a row loaded without (kept NULL) because no reader
/// understood it: the row is kept, and the run's result names the value.
public struct RowWarning: Sendable, Equatable, Codable {
    public let lineNumber: Int
    public let column: String
    public let value: String
    public let reason: String

    public init(lineNumber: Int, column: String, value: String, reason: String) {
        self.lineNumber = lineNumber
        self.column = column
        self.value = value
        self.reason = reason
    }
}

/// What one merge changed.
public struct MergeCounts: Sendable, Equatable, Codable {
    public var staged = 0
    public var inserted = 0
    public var updated = 0
    public var quarantined = 0
    /// Rows that loaded without a value of theirs (see `RowWarning`).
    public var warned = 0

    static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        MergeCounts(staged: lhs.staged + rhs.staged, inserted: lhs.inserted + rhs.inserted,
                    updated: lhs.updated + rhs.updated, quarantined: lhs.quarantined + rhs.quarantined,
                    warned: lhs.warned + rhs.warned)
    }
}

/// Rows in PostgreSQL's COPY text format, built straight into a buffer (no per-field strings
/// beyond the values themselves), so a 2-million-row file streams at COPY speed.
struct CopyTextEncoder {
    var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)

    /// Appends values, each followed by a tab; `endRow` ends the row. The values are written in
    /// one reservation of the buffer (a write per field cost more than the fields).
    mutating func append(_ fields: [String?]) {
        // Room for the worst case: every byte escaped into two, or `\N`, and a tab.
        var capacity = 0
        for field in fields { capacity += 2 * (field?.utf8.count ?? 1) + 1 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { output in
            var written = 0
            for field in fields { written += Self.write(field, into: UnsafeMutableRawBufferPointer(rebasing: output[written...])) }
            return written
        }
    }

    /// Appends one value followed by a tab.
    mutating func append(_ field: String) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * field.utf8.count + 1) { Self.write(field, into: $0) }
    }

    /// Appends a non-negative integer followed by a tab.
    mutating func append(_ value: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            let written = Self.writeDecimal(value, into: output)
            output[written] = UInt8(ascii: "\t")
            return written + 1
        }
    }

    /// Ends the row with its sequence number, the last column.
    mutating func endRow(sequence: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            let written = Self.writeDecimal(sequence, into: output)
            output[written] = UInt8(ascii: "\n")
            return written + 1
        }
    }

    /// Writes a value (`\N` for NULL) and a tab; returns the bytes written.
    private static func write(_ field: String?, into output: UnsafeMutableRawBufferPointer) -> Int {
        var written = 2
        if var field {
            written = field.withUTF8 { escape($0, into: output) }
        } else {
            output[0] = UInt8(ascii: "\\")
            output[1] = UInt8(ascii: "N")
        }
        output[written] = UInt8(ascii: "\t")
        return written + 1
    }

    /// Writes `value` escaped for COPY text (backslash, tab, LF, CR); returns the bytes written.
    private static func escape(_ value: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Int {
        // Fast path: nothing to escape (almost every field), one scan and one copy.
        guard value.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            output.copyMemory(from: UnsafeRawBufferPointer(value))
            return value.count
        }
        var written = 0
        for byte in value {
            let escaped: UInt8? = switch byte {
            case 0x5C: UInt8(ascii: "\\")
            case 0x09: UInt8(ascii: "t")
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            default: nil
            }
            if let escaped {
                output[written] = UInt8(ascii: "\\")
                output[written + 1] = escaped
                written += 2
            } else {
                output[written] = byte
                written += 1
            }
        }
        return written
    }

    /// Writes a non-negative integer in decimal; returns the bytes written.
    private static func writeDecimal(_ value: Int, into output: UnsafeMutableRawBufferPointer) -> Int {
        var digits = 1, rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var remaining = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            output[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return digits
    }
}

/// An event's key: the MD5 (hex) of its identity values as text, joined by U+001F, NULL spelled
/// `\N` (so (a, NULL) ≠ (NULL, a)). Hashed in SQL from the stored values, or while staging from
/// the staged text where a table's sources give PostgreSQL's own text form (`eventKeyWhileStaging`).
enum EventKey {
    /// The key of the row in SQL, from the columns of `table.identity`.
    static func sql(_ table: AmazonTable) -> String {
        "md5(concat_ws(chr(31), " + table.identity.map { "coalesce(\($0)::text, '\\N')" }.joined(separator: ", ") + "))"
    }

    /// The key of a staged row whose identity values are at `positions`; `text` is scratch
    /// space kept between rows.
    static func hash(_ row: [String?], at positions: [Int], text: inout [UInt8]) -> String {
        text.removeAll(keepingCapacity: true)
        for (index, position) in positions.enumerated() {
            if index > 0 { text.append(0x1F) }
            if var value = row[position] {
                value.withUTF8 { text.append(contentsOf: $0) }
            } else {
                text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            }
        }
        let digest = Insecure.MD5.hash(data: text)
        let hexDigits = HexDigits.lowercase
        return String(unsafeUninitializedCapacity: 2 * Insecure.MD5.byteCount) { output in
            var written = 0
            for byte in digest {
                output[written] = hexDigits[Int(byte >> 4)]
                output[written + 1] = hexDigits[Int(byte & 0x0F)]
                written += 2
            }
            return written
        }
    }
}

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
    fileprivate func nextStageName(_ table: AmazonTable) -> String {
        tables[table, default: TableLoad()].stages += 1
        return "stage_\(table.name)_\(tables[table]!.stages)"
    }

    fileprivate func load(of table: AmazonTable) -> TableLoad { tables[table, default: TableLoad()] }

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
    fileprivate func record(_ chunk: ChunkResult, of table: AmazonTable) {
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

    fileprivate func close(days: Set<String>, of table: AmazonTable) {
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

/// The database side of a staging session. It holds no state, so a chunk can load in a task of
/// its own while the session goes on parsing.
struct StageLoader: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    let tenantID: UUID
    let connectionID: UUID
    let runID: UUID

    /// What a stage holds besides the source's values: the event key when the loader hashes it,
    /// a day-chunked table's occurrence numbers within the chunk, then each row's position in the load.
    static func loaderColumns(_ table: AmazonTable) -> [(name: String, type: String)] {
        (table.eventKeyWhileStaging ? [("event_key", "text")] : []) + (table.chunkDay != nil ? [("chunk_occurrence", "integer")] : [])
            + [("stage_seq", "bigint")]
    }

    func createStage(_ stage: String, for table: AmazonTable) async throws {
        let columns = table.stagedColumns.joined(separator: ", ")
        try await connection.query("""
            CREATE TEMP TABLE \(unescaped: stage) ON COMMIT DROP AS
            SELECT \(unescaped: columns) FROM amazon.\(unescaped: table.name) WITH NO DATA
            """, logger: logger)
        let added = Self.loaderColumns(table).map { "ADD COLUMN \($0.name) \($0.type) NOT NULL" }.joined(separator: ", ")
        try await connection.query("ALTER TABLE \(unescaped: stage) \(unescaped: added)", logger: logger)
    }

    /// COPies rows in COPY text format into `stage`, as `write` hands them to the writer.
    func copy(into stage: String, table: AmazonTable, _ write: (PostgresCopyFromWriter) async throws -> Void) async throws {
        try await connection.copyFrom(table: stage, columns: table.stagedColumns + Self.loaderColumns(table).map(\.name),
                                      logger: logger, writeData: write)
    }

    func drop(_ stages: [String]) async throws {
        guard !stages.isEmpty else { return }
        try await connection.query("DROP TABLE \(unescaped: stages.joined(separator: ", "))", logger: logger)
    }

    /// Loads of one connection's table take turns until commit, so that "nothing there yet"
    /// still holds when a plain insert runs (ON CONFLICT used to settle such races row by row).
    func lock(_ table: AmazonTable) async throws {
        try await connection.query("""
            SELECT pg_advisory_xact_lock(hashtextextended(\("amazon." + table.name + ":" + connectionID.uuidString), 0))
            """, logger: logger)
    }

    /// Whether rows of `marketplaces` are a first load (the table held none of them for this
    /// connection when the load began), from the decisions already `decided` in this load and,
    /// for marketplaces not decided yet, the table itself; returns the decisions so far.
    func isFirstLoad(_ table: AmazonTable, of marketplaces: Set<String>,
                     decided: [String: Bool]) async throws -> (Bool, decisions: [String: Bool]) {
        var decisions = decided
        let undecided = marketplaces.subtracting(decided.keys)
        if !undecided.isEmpty { decisions.merge(try await firstLoads(table, marketplaces: undecided)) { old, _ in old } }
        return (marketplaces.allSatisfy { decisions[$0] == true }, decisions)
    }

    /// For each marketplace, whether the table holds none of its rows for this connection.
    private func firstLoads(_ table: AmazonTable, marketplaces: Set<String>) async throws -> [String: Bool] {
        let rows = try await connection.query("""
            SELECT m, NOT EXISTS (SELECT 1 FROM amazon.\(unescaped: table.name) WHERE connection_id = \(connectionID) AND marketplace_id = m)
            FROM unnest(\(Array(marketplaces))::text[]) AS m
            """, logger: logger)
        var firstLoads: [String: Bool] = [:]
        for try await (marketplace, first) in rows.decode((String, Bool).self) { firstLoads[marketplace] = first }
        return firstLoads
    }

    /// Merges `stages` into the table. Without `ON CONFLICT`, which cost more than the inserts
    /// themselves: a first load (the target holds nothing of these marketplaces for this
    /// connection, so every row is new) is one plain `INSERT … SELECT`; any later load updates
    /// the rows that changed, then inserts the rows that are new.
    ///
    /// Event tables key on `event_key` (see `EventKey`) and `occurrence`, the n-th identical row
    /// of this load in source order, so identical rows stay separate rows and the same window
    /// loaded again finds them; rows of `earlier` stages (merged before, same load) count first.
    /// A chunk merged while staging is `numbered` already: the loader counted occurrences within
    /// it (final, since identical rows share their day), so the merge inserts in source order
    /// without sorting, which made a chunk's merge about a quarter faster.
    /// In tables with a natural key, a key may repeat within one source (a corrected line): the
    /// last one wins. Volatile columns are stored but do not count as a change, and an unchanged
    /// row is not rewritten.
    func merge(_ table: AmazonTable, stages: [String], after earlier: [String], firstLoad: Bool,
               numbered: Bool = false) async throws -> MergeCounts {
        let staged = Self.relation(stages)
        let target = "amazon." + table.name
        // The key a row is matched on: the stored unique key (a chunked table's leads with the day).
        let matchKey = ["marketplace_id"] + (table.chunkDay.map { [$0] } ?? []) + table.key
        let columns = ["marketplace_id"] + table.key + table.columns
        let latest: String
        if numbered {
            precondition(earlier.isEmpty && table.chunkDay != nil, "only a chunk merged while staging is numbered")
            latest = "SELECT keyed.*, keyed.chunk_occurrence AS occurrence FROM \(staged) AS keyed"
        } else if table.isEventTable {
            let keyed = table.eventKeyWhileStaging ? "\(staged) AS keyed"
                : "(SELECT s.*, \(EventKey.sql(table)) AS event_key FROM \(staged) AS s) AS keyed"
            // Sorted as the target's unique index is (the day, then the key in byte order: it is
            // hex, so the sort compares abbreviated keys, which PostgreSQL does not use for text
            // in a libc collation), and the index receives the rows in its own order.
            let partition = (["keyed.marketplace_id"] + (table.chunkDay.map { ["keyed.\($0)"] } ?? []) + ["keyed.event_key COLLATE \"C\""])
                .joined(separator: ", ")
            var occurrence = "row_number() OVER (PARTITION BY \(partition) ORDER BY keyed.stage_seq)"
            var earlierCounts = ""
            if !earlier.isEmpty {
                precondition(table.eventKeyWhileStaging, "only stages with their event keys are merged in parts")
                occurrence += " + coalesce(earlier.n, 0)"
                earlierCounts = """
                     LEFT JOIN (SELECT marketplace_id, event_key, count(*) AS n FROM \(Self.relation(earlier)) AS e
                                GROUP BY marketplace_id, event_key) AS earlier
                       ON earlier.marketplace_id = keyed.marketplace_id AND earlier.event_key = keyed.event_key
                    """
            }
            latest = "SELECT keyed.*, \(occurrence) AS occurrence FROM \(keyed)\(earlierCounts)"
        } else {
            let naturalKey = matchKey.joined(separator: ", ")
            latest = "SELECT DISTINCT ON (\(naturalKey)) * FROM \(staged) AS keyed ORDER BY \(naturalKey), stage_seq DESC"
        }
        let insert = """
            INSERT INTO \(target) (tenant_id, connection_id, \(columns.joined(separator: ", ")), first_run_id, last_run_id)
            SELECT $1, $2, \(columns.joined(separator: ", ")), $3, $3 FROM latest
            """
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(tenantID)
        bindings.append(connectionID)
        bindings.append(runID)
        // The merge sorts its rows once (occurrence numbers, de-duplication): in memory, not on disk.
        try await connection.query("SET LOCAL work_mem = '256MB'", logger: logger)
        var counts = MergeCounts()
        if firstLoad {
            // The command tag counts the rows (the future-returning query is the API that hands it over).
            let inserted: EventLoopFuture<PostgresQueryResult> = connection.query(
                PostgresQuery(unsafeSQL: "WITH latest AS (\(latest)) \(insert)", binds: bindings), logger: logger)
            counts.inserted = try await inserted.get().metadata.rows ?? 0
        } else {
            let sameKey = (["target.connection_id = $2"] + matchKey.map { "target.\($0) = latest.\($0)" }).joined(separator: " AND ")
            // A column some sources lack keeps its stored value when this source has none.
            func incoming(_ column: String) -> String {
                table.keptWhenAbsent.contains(column) ? "coalesce(latest.\(column), target.\(column))" : "latest.\(column)"
            }
            let compared = table.columns.filter { !table.volatile.contains($0) }
            let changed = compared.isEmpty ? "false" :
                "(\(compared.map { "target.\($0)" }.joined(separator: ", ")), NULL) IS DISTINCT FROM (\(compared.map(incoming).joined(separator: ", ")), NULL)"
            let assignments = (table.columns.map { "\($0) = \(incoming($0))" } + ["last_run_id = $3", "updated_at = now()"]).joined(separator: ", ")
            // Both statements see the table as it was before this one: the insert skips exactly
            // the rows that were there, updated or not.
            let sql = """
                WITH latest AS MATERIALIZED (\(latest)),
                updated AS (UPDATE \(target) AS target SET \(assignments) FROM latest
                            WHERE \(sameKey) AND \(changed)
                            RETURNING 1),
                inserted AS (\(insert) WHERE NOT EXISTS (SELECT 1 FROM \(target) AS target WHERE \(sameKey))
                             RETURNING 1)
                SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)
                """
            let result = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await (inserted, updated) in result.decode((Int64, Int64).self) {
                counts.inserted = Int(inserted)
                counts.updated = Int(updated)
            }
        }
        return counts
    }

    /// One stage, or several read as one.
    private static func relation(_ stages: [String]) -> String {
        stages.count == 1 ? stages[0] : "(" + stages.map { "SELECT * FROM \($0)" }.joined(separator: " UNION ALL ") + ")"
    }
}

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

/// Where a source hands its rows during `stageStream`.
final class RowSink {
    let width: Int
    /// The stage's COPY, or the chunks of a day-chunked table.
    private let writer: PostgresCopyFromWriter?
    private let chunks: ChunkedLoad?
    /// Positions of the identity values in a row, for a table whose event keys are hashed here.
    private let identity: [Int]?
    private var encoder = CopyTextEncoder()
    private var keyText: [UInt8] = []
    /// For a day-chunked table: how often each event key occurred so far in the filling chunk.
    private var occurrences: [String: Int] = [:]
    private(set) var sequence: Int
    private(set) var count = 0
    /// The marketplaces of the rows (always the first staged column).
    private(set) var marketplaces: Set<String> = []
    private var lastMarketplace: String?

    init(table: AmazonTable, startSequence: Int, writer: PostgresCopyFromWriter? = nil, chunks: ChunkedLoad? = nil) {
        self.writer = writer
        self.chunks = chunks
        self.width = table.stagedColumns.count
        self.identity = table.eventKeyWhileStaging ? table.identity.compactMap { table.stagedColumns.firstIndex(of: $0) } : nil
        self.sequence = startSequence
    }

    func append(_ row: [String?]) async throws {
        guard row.count == width else { throw LoadError.rowWidth(expected: width, got: row.count) }
        if let marketplace = row[0], marketplace != lastMarketplace {
            marketplaces.insert(marketplace)
            lastMarketplace = marketplace
        }
        if let chunks, chunks.closes(before: row, marketplace: row[0], bytes: encoder.buffer.readableBytes) {
            try await handOverChunk(chunks)
        }
        sequence += 1
        count += 1
        encoder.append(row)
        if let identity {
            let key = EventKey.hash(row, at: identity, text: &keyText)
            encoder.append(key)
            if chunks != nil {
                let occurrence = occurrences[key, default: 0] + 1
                occurrences[key] = occurrence
                encoder.append(occurrence)
            }
        }
        encoder.endRow(sequence: sequence)
        if writer != nil, encoder.buffer.readableBytes >= 256 << 10 { try await flush() }
    }

    func flush() async throws {
        guard let writer, encoder.buffer.readableBytes > 0 else { return }
        try await writer.write(encoder.buffer)
        encoder.buffer.clear()
    }

    private func handOverChunk(_ chunks: ChunkedLoad) async throws {
        let chunk = encoder.buffer
        // A new buffer for the next chunk (the full one is the task's until its COPY is done),
        // with room for a chunk and the rest of its last day.
        encoder.buffer = ByteBufferAllocator().buffer(capacity: chunk.readableBytes + chunk.readableBytes / 4)
        occurrences.removeAll(keepingCapacity: true)
        try await chunks.close(chunk)
    }

    /// Loads the last chunk and waits for it.
    func finishChunks() async throws {
        guard let chunks else { return }
        try await chunks.close(encoder.buffer)
        encoder.buffer.clear()
        try await chunks.awaitRunning()
    }
}
