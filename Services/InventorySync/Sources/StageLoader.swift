import Foundation
import OpsideAmazonData
import OpsideCore
import Logging
import NIOCore
import PostgresNIO

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
            // A part replaced by another (an item keyed by SKU by the one keyed by Amazon's id)
            // counts as the insert of its replacement.
            if let whole = table.replacedWholeBy { try await deleteMissingParts(table, by: whole, staged: staged, matchKey: matchKey) }
            // The tenant too, though the connection implies it: the tables are partitioned by tenant,
            // and a tenant the plan can see reads one partition through its key's index.
            let sameKey = (["target.tenant_id = $1", "target.connection_id = $2"] + matchKey.map { "target.\($0) = latest.\($0)" }).joined(separator: " AND ")
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

    /// Deletes the stored parts of the things this load brings (`AmazonTable.replacedWholeBy`)
    /// that the load lacks: the load brings each thing whole.
    private func deleteMissingParts(_ table: AmazonTable, by whole: String, staged: String, matchKey: [String]) async throws {
        let target = "amazon." + table.name
        let samePart = matchKey.map { "s.\($0) = target.\($0)" }.joined(separator: " AND ")
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(connectionID)
        bindings.append(tenantID)
        try await connection.query(PostgresQuery(unsafeSQL: """
            DELETE FROM \(target) AS target
            USING (SELECT DISTINCT marketplace_id, \(whole) FROM \(staged) AS s) AS brought
            WHERE target.tenant_id = $2 AND target.connection_id = $1 AND target.marketplace_id = brought.marketplace_id AND target.\(whole) = brought.\(whole)
              AND NOT EXISTS (SELECT 1 FROM \(staged) AS s WHERE \(samePart))
            """, binds: bindings), logger: logger)
    }

    /// One stage, or several read as one.
    private static func relation(_ stages: [String]) -> String {
        stages.count == 1 ? stages[0] : "(" + stages.map { "SELECT * FROM \($0)" }.joined(separator: " UNION ALL ") + ")"
    }
}
