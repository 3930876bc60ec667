import Foundation
import OpsideTesting
import Synchronization
@testable import InventorySync
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import Testing

/// The ledger is merged in chunks cut at day boundaries while its file is still being read.
/// Whatever the chunking, a load must store exactly what a load in one piece stores: the same
/// rows, the same occurrence numbers for identical events, the same counts, also when the file
/// is not in day order and identical events straddle chunks.
@Suite(.serialized) struct InventorySyncChunkedLoadTests {
    typealias Merge = InventorySyncMergeTests

    struct Load: Sendable {
        let counts: MergeCounts
        let chunksMerged: Int
        let chunksLate: Int
    }

    /// Loads `lines` through one staging session; `chunkBytes: 1` closes a chunk at every new day.
    static func load(_ importer: Merge.Importer, _ lines: [[String]], into connection: UUID, chunkBytes: Int,
                     dayCutBytes: Int? = nil) async throws -> Load {
        let path = try Merge.write(Merge.ledgerHeader, lines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tenant = importer.tenant
        return try await importer.withDatabase { database in
            try await database.withTransaction(tenant: tenant) { db in
                let session = StagingSession(connection: db, logger: TestEnvironment.logger, tenantID: tenant, connectionID: connection,
                                             runID: UUID(), dataset: "import", chunkBytes: chunkBytes, dayCutBytes: dayCutBytes)
                let mapping = try await ReportLoader.load(source: ReportFileBytes(path: path), mapping: nil,
                                                          marketplace: Merge.marketplace, session: session)
                #expect(mapping?.table == AmazonTables.ledgerDetail)
                let counts = try await session.merge()
                return Load(counts: counts, chunksMerged: session.chunksMergedWhileStaging, chunksLate: session.chunksStagedLate)
            }
        }
    }

    /// 9 days in order, 12 events a day; on every day one event happens three times, its copies
    /// apart from each other within the day.
    static let dayOrderedLines: [[String]] = (0..<9).flatMap { day in
        let events = (0..<12).map { Merge.ledgerLine(day + 9 * $0) }
        return events + [events[0], events[5], events[0]]
    }

    @Test func aDayOrderedLedgerMergedChunkByChunkStoresWhatOneLoadStores() async throws {
        let importer = try await Merge.Importer.make()
        let chunked = UUID(), whole = UUID()

        let byChunk = try await Self.load(importer, Self.dayOrderedLines, into: chunked, chunkBytes: 1)
        #expect(byChunk.chunksMerged == 9 && byChunk.chunksLate == 0)
        let inOne = try await Self.load(importer, Self.dayOrderedLines, into: whole, chunkBytes: .max)
        #expect(inOne.chunksMerged == 1)
        #expect(byChunk.counts == inOne.counts)
        #expect((byChunk.counts.staged, byChunk.counts.inserted, byChunk.counts.updated) == (135, 135, 0))

        let rows = try await importer.rows("ledger_detail", chunked, columns: Merge.ledgerColumns)
        #expect(rows.count == 135)
        #expect(rows == (try await importer.rows("ledger_detail", whole, columns: Merge.ledgerColumns)))
        // Each day's thrice-seen event is occurrences 1, 2, 3, its twice-seen one 1, 2.
        #expect(Set(try await importer.database.strings("""
            SELECT string_agg(occurrence::text, ',' ORDER BY occurrence) FROM amazon.ledger_detail
            WHERE connection_id = '\(chunked)' GROUP BY event_key HAVING count(*) > 1
            """)) == ["1,2,3", "1,2"])

        // The same file again, chunk by chunk (each chunk now a later load): nothing changes.
        let again = try await Self.load(importer, Self.dayOrderedLines, into: chunked, chunkBytes: 1)
        #expect((again.counts.inserted, again.counts.updated, again.chunksMerged) == (0, 0, 9))
        #expect(try await importer.rows("ledger_detail", chunked, columns: Merge.ledgerColumns) == rows)

        // One renamed event and one more copy of a thrice-seen one: one update, one insert.
        var changed = Self.dayOrderedLines
        changed[20] = Merge.ledgerLine(9 * 5 + 1, title: "Widget, renamed")
        changed.insert(changed[30], at: 31)
        let later = try await Self.load(importer, changed, into: chunked, chunkBytes: 1)
        #expect((later.counts.inserted, later.counts.updated) == (1, 1))
        #expect(try await importer.database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(chunked)'") == 136)
    }

    @Test func rowsReturningToAMergedDayAreNumberedAfterIt() async throws {
        let importer = try await Merge.Importer.make()
        let chunked = UUID(), whole = UUID()
        // Days cycle (1, 2, … 9, 1, 2, …) and the thrice-seen event's copies come last: they
        // return to a day whose chunk was merged long before.
        let lines = Merge.ledgerLines

        let byChunk = try await Self.load(importer, lines, into: chunked, chunkBytes: 1)
        // Days 1 to 8 merge as chunks; day 1 returning makes the rest (day 9's chunk on) late.
        #expect(byChunk.chunksMerged == 8 && byChunk.chunksLate > 0)
        let inOne = try await Self.load(importer, lines, into: whole, chunkBytes: .max)
        #expect(byChunk.counts == inOne.counts)
        #expect((byChunk.counts.staged, byChunk.counts.inserted) == (42, 42))
        #expect(try await importer.rows("ledger_detail", chunked, columns: Merge.ledgerColumns)
                == (try await importer.rows("ledger_detail", whole, columns: Merge.ledgerColumns)))
        #expect(try await importer.database.strings("""
            SELECT string_agg(occurrence::text, ',' ORDER BY occurrence) FROM amazon.ledger_detail
            WHERE connection_id = '\(chunked)' AND reference_id = 'REF-0' GROUP BY event_key
            """) == ["1,2,3"])

        // Loaded again in chunks, as a later load: the late copies find their rows.
        let again = try await Self.load(importer, lines, into: chunked, chunkBytes: 1)
        #expect((again.counts.inserted, again.counts.updated) == (0, 0))
        #expect(try await importer.database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(chunked)'") == 42)
    }

    /// A file of one single day (a million rows of one day is a real seller's peak) is cut into
    /// chunks anyway once a chunk passes its bound, and stores what a load in one piece stores,
    /// identical events straddling the cuts included.
    @Test func aSingleDayLargerThanAChunkIsCutAndStoresWhatOneLoadStores() async throws {
        let importer = try await Merge.Importer.make()
        let cut = UUID(), whole = UUID()
        // 120 events of 2024-03-01 (index multiple of 9), each event seen once, the first
        // ten of them seen again at the end.
        let day = (0..<120).map { Merge.ledgerLine(9 * $0) }
        let lines = day + day.prefix(10)
        let byCuts = try await Self.load(importer, lines, into: cut, chunkBytes: 1 << 10, dayCutBytes: 2 << 10)
        #expect(byCuts.chunksMerged + byCuts.chunksLate > 4, "cut into \(byCuts.chunksMerged) + \(byCuts.chunksLate) chunks")
        let inOne = try await Self.load(importer, lines, into: whole, chunkBytes: .max)
        #expect(inOne.chunksMerged + inOne.chunksLate == 1)
        #expect(byCuts.counts == inOne.counts)
        #expect((byCuts.counts.staged, byCuts.counts.inserted) == (130, 130))
        #expect(try await importer.rows("ledger_detail", cut, columns: Merge.ledgerColumns)
                == (try await importer.rows("ledger_detail", whole, columns: Merge.ledgerColumns)))
        let again = try await Self.load(importer, lines, into: cut, chunkBytes: 1 << 10, dayCutBytes: 2 << 10)
        #expect((again.counts.inserted, again.counts.updated) == (0, 0))
    }

    @Test func aDownloadBreakingAfterChunksWereMergedLeavesNothingBehind() async throws {
        let importer = try await Merge.Importer.make()
        let connection = UUID()
        // A gzipped day-ordered ledger whose last quarter is cut off, as a broken download is.
        let text = ([Merge.ledgerHeader] + Self.dayOrderedLines).map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        let gzipped = try await InventorySyncImportTests.gzip(Array(text.utf8))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).txt.gz").path
        try gzipped.prefix(gzipped.count * 3 / 4).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let tenant = importer.tenant
        let mergedBeforeTheBreak = Mutex(0)
        await #expect(throws: (any Error).self) {
            try await importer.withDatabase { database in
                try await database.withTransaction(tenant: tenant) { db in
                    let session = StagingSession(connection: db, logger: TestEnvironment.logger, tenantID: tenant, connectionID: connection,
                                                 runID: UUID(), dataset: "import", chunkBytes: 1)
                    defer { mergedBeforeTheBreak.withLock { $0 = session.chunksMergedWhileStaging } }
                    try await ReportLoader.load(source: GunzipSequence(ReportFileBytes(path: path)), mapping: nil,
                                                marketplace: Merge.marketplace, session: session)
                    _ = try await session.merge()
                }
            }
        }
        // Chunks were in the table before the break; the transaction took them back out.
        #expect(mergedBeforeTheBreak.withLock { $0 } > 0)
        #expect(try await importer.database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'") == 0)
    }
}
