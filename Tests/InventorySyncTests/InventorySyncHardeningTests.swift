import AsyncHTTPClient
import Foundation
import InventorySync
import InventorySyncTesting
import NIOCore
import NIOHTTP1
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsideTesting
import Synchronization
import Testing

/// Issue 9's holes in inventory-sync: no request may trap the process or make it hold a
/// hostile file in memory; the same ledger event is one row whichever path brought it; files
/// Seller Central really produces (UTF-16, header only) load; a refused file leaves nothing
/// behind; manual triggers and run history are bounded.
@Suite(.serialized) struct InventorySyncHardeningTests {
    /// Holds an exclusive lock on `amazon.ledger_detail` from another session until the returned closure is called,
    /// so a load's merge waits on it; returns once the lock is held.
    static func holdLedgerLock(_ database: TestDatabase) async throws -> @Sendable () async throws -> Void {
        let locked = SharedValue<CheckedContinuation<Void, Never>?>(nil)
        let holder = Task {
            try await database.withSuperuser { db in
                try await db.query("BEGIN", logger: TestEnvironment.logger)
                try await db.query("LOCK TABLE amazon.ledger_detail IN ACCESS EXCLUSIVE MODE", logger: TestEnvironment.logger)
                await withCheckedContinuation { continuation in locked.withLock { $0 = continuation } }
                try await db.query("ROLLBACK", logger: TestEnvironment.logger)
            }
        }
        #expect(try await eventually(timeout: .seconds(10)) { locked.withLock { $0 != nil } })
        return {
            locked.withLock { $0?.resume() }
            try await holder.value
        }
    }

    /// `prefix`, then `megabytes` MiB of `a`, gzipped by the system's gzip (streamed, never in memory).
    static func gzipBomb(megabytes: Int, prefix: String = "") throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString).gz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", #"{ printf '%s' "$1"; head -c "$2" /dev/zero | tr '\0' a; } | gzip -9 > "$0""#,
                           path, prefix, String(megabytes << 20)]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// The built inventory-sync executable takes hostile requests one after the other: each is
    /// refused with a 4xx naming the limit, the process never traps, and its peak resident
    /// memory stays far below what the inputs would inflate to.
    @Test func hostileInputsAreRefusedWithoutTrappingOrGrowingTheProcess() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let vault = try await FakeTokenVault.start(tokens: tokens) { _ in nil }
        let service = try InventorySyncProcess(database: database, sandbox: sandbox, vault: vault,
                                               overrides: ["import.maxDecompressedBytes": String(16 << 20)])
        defer { service.terminate() }
        #expect(try await service.waitUntilReady())
        let tenant = UUID(), connection = UUID()
        // A service token lives a minute; this test may take longer on a loaded machine.
        func auth() async throws -> [String: String] { try await inventorySyncHeaders(tenant: tenant) }
        func alive() async throws -> Bool {
            guard service.process.isRunning else { return false }
            return try await TestHTTP.request(.GET, service.baseURL + "/health/live", timeout: .seconds(5)).status == 200
        }
        /// The status, the error of a refused upload, and the run of an accepted one once it ended.
        func upload(_ body: Data) async throws -> (Int, TestHTTP.ErrorEnvelopeShape?, SyncRun?) {
            let reply = try await TestHTTP.request(.POST, service.baseURL + "/internal/amazon/connections/\(connection)/imports",
                                                   body: body, headers: try await auth(), timeout: .seconds(120))
            guard reply.status == 202 else {
                let error = try? JSONDecoder().decode(TestHTTP.ErrorEnvelopeShape.self, from: reply.body)
                #expect(error != nil, "the error envelope: \(reply.text)")
                return (reply.status, error, nil)
            }
            return (reply.status, nil, try await waitForImport(baseURL: service.baseURL, reply: reply, tenant: tenant).0)
        }

        // 1. Schedule intervals beyond what the column holds (2^31 trapped an Int32 conversion).
        for interval in ["2147483648", "9223372036854775807", "-1", "0"] {
            let reply = try await TestHTTP.request(.PUT, service.baseURL + "/internal/amazon/connections/\(connection)/schedules/listings",
                                                   json: #"{"intervalSeconds": \#(interval)}"#, headers: try await auth())
            #expect(reply.status == 422, "intervalSeconds \(interval): \(reply.status) \(reply.text)")
            #expect(try await alive(), "inventory-sync survived intervalSeconds \(interval)")
        }

        // 2. A gzip bomb: a ledger header, then 256 MiB of `a` without a line end, about 256 KiB gzipped.
        let bomb = try Self.gzipBomb(megabytes: 256, prefix: InventorySyncMergeTests.ledgerHeader.joined(separator: "\t") + "\n")
        #expect(bomb.count < 1 << 20)
        // Its header is a ledger's: accepted, then the load stops at the line limit.
        let (bombStatus, _, bombRun) = try await upload(bomb)
        #expect(bombStatus == 202 && bombRun?.state == "failed" && bombRun?.errorMessage?.contains("longer than 1048576 bytes") == true,
                "\(bombStatus) \(String(describing: bombRun))")
        #expect(try await alive())

        // 3. Well-formed lines past the decompressed limit (16 MiB here): the run fails, nothing is kept.
        let header = InventorySyncMergeTests.ledgerHeader.joined(separator: "\t") + "\n"
        let line = InventorySyncMergeTests.ledgerLine(1).joined(separator: "\t") + "\n"
        let manyLines = try await InventorySyncImportTests.gzip(Array((header + String(repeating: line, count: (32 << 20) / line.utf8.count)).utf8))
        let (largeStatus, _, largeRun) = try await upload(manyLines)
        #expect(largeStatus == 202 && largeRun?.state == "failed" && largeRun?.errorMessage?.contains("larger than 16777216 bytes once decompressed") == true,
                "\(largeStatus) \(String(describing: largeRun))")
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail") == 0)

        // 4. Wide headers, refused before anything is recorded: 160,000 columns (over the
        //    header's bytes), 5,000 short ones (over the columns).
        let wide = (0..<160_000).map { "c\($0)" }.joined(separator: "\t") + "\n"
        let (wideStatus, wideError, _) = try await upload(Data(wide.utf8))
        #expect(wideStatus == 422 && wideError?.error.details["code"] == "header_too_long", "\(wideStatus) \(String(describing: wideError))")
        let many = (0..<5_000).map { "c\($0)" }.joined(separator: "\t") + "\n"
        let (manyStatus, manyError, _) = try await upload(Data(many.utf8))
        #expect(manyStatus == 422 && manyError?.error.details["code"] == "too_many_columns", "\(manyStatus) \(String(describing: manyError))")
        #expect(try await alive())

        // Refused files leave no connection behind; the two that failed while loading, their runs.
        #expect(try await database.count("SELECT count(*) FROM amazon.connections") == 0)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE state = 'failed'") == 2)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE state <> 'failed'") == 0)

        // Inflated whole, the bomb alone would be 256 MiB (1.14 GB resident before the limits).
        let peak = try service.peakResidentBytes()
        #expect(peak < 200 << 20, "peak resident memory \(peak >> 20) MiB")
        await vault.stop()
        await sandbox.stop()
    }

    /// A ledger synced from the API, then imported as Seller Central downloads it (with its
    /// `Date and Time` column and without it), is stored once: the time of day is not part of
    /// an event's identity, and a file without it keeps the time the API gave.
    @Test func ledgerEventsArrivingByAPIAndByFileWithOrWithoutTheirTimeAreStoredOnce() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4901, skus: 3, months: 2)
        let marketplace = seller.marketplaceIds[0]
        let tenant = UUID(), connection = UUID(), fileFirst = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        #expect(try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "ledger_detail").map(\.state) == ["succeeded"])
        let stored = "SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'"
        let events = try await database.count(stored)
        let units = try await database.count("SELECT coalesce(sum(quantity), 0) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'")
        let timed = try await database.count(stored + " AND event_at IS NOT NULL")
        #expect(events > 20 && timed == events)

        let text = String(decoding: try await sandbox.reportText(seller, type: "GET_LEDGER_DETAIL_VIEW_DATA"), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.components(separatedBy: "\t") }
        let timeColumn = try #require(lines[0].firstIndex(of: "Date and Time"))
        let withTime = lines.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        let withoutTime = lines.map { fields in
            var fields = fields
            fields.remove(at: timeColumn)
            return fields.joined(separator: "\t")
        }.joined(separator: "\n") + "\n"
        #expect(lines.count - 1 == events)

        for (name, file) in [("with Date and Time", withTime), ("without Date and Time", withoutTime)] {
            let upload = try await service.importAndWait(tenant: tenant, connection: connection, query: "?marketplaceId=\(marketplace)",
                                                         body: Data(file.utf8))
            let result = try upload.result.unwrap("\(name): \(upload.reply.text) \(String(describing: upload.run))")
            #expect(result.rowsLoaded == events && result.rowsInserted == 0, "\(name): \(result)")
            #expect(try await database.count(stored) == events, "\(name) doubled the ledger")
            #expect(try await database.count("SELECT coalesce(sum(quantity), 0) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'") == units)
            #expect(try await database.count(stored + " AND event_at IS NOT NULL") == timed, "\(name) erased the times")
        }

        // The other way round: a file without times first, then with them, then the API's own.
        for file in [withoutTime, withTime] {
            let upload = try await service.importAndWait(tenant: tenant, connection: fileFirst, query: "?marketplaceId=\(marketplace)",
                                                         body: Data(file.utf8))
            #expect(upload.run?.state == "succeeded", "\(upload.reply.text) \(String(describing: upload.run))")
        }
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(fileFirst)'") == events)
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(fileFirst)' AND event_at IS NOT NULL") == events)
        let columns = "event_key, occurrence, event_date, event_at, fnsku, event_type, reference_id, quantity, marketplace_id"
        #expect(try await InventorySyncImportTests.rows(database, "ledger_detail", fileFirst, columns: columns)
                == (try await InventorySyncImportTests.rows(database, "ledger_detail", connection, columns: columns)))
    }

    /// Files Seller Central produces load: a report of a quiet period (its header only), a
    /// UTF-16 "Unicode text" export. A refused file leaves no connection (and no run) behind. An import's
    /// `finished_at` is when it finished, not when its transaction began.
    @Test func headerOnlyAndUTF16FilesLoadAndARefusedFileLeavesNoConnection() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let tenant = UUID(), quiet = UUID(), unicode = UUID(), refused = UUID()
        let marketplace = InventorySyncMergeTests.marketplace
        let header = InventorySyncMergeTests.ledgerHeader.joined(separator: "\t")

        let empty = try await service.importAndWait(tenant: tenant, connection: quiet, query: "?marketplaceId=\(marketplace)",
                                                    body: Data((header + "\r\n").utf8))
        let emptyResult = try empty.result.unwrap("the header-only import: \(empty.reply.text) \(String(describing: empty.run))")
        #expect(emptyResult.dataset == "ledger_detail" && emptyResult.rowsLoaded == 0 && emptyResult.rowsInserted == 0)

        let lines = InventorySyncMergeTests.ledgerLines.map { $0.joined(separator: "\t") }
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in ([header] + lines).joined(separator: "\r\n").utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let unicodeUpload = try await service.importAndWait(tenant: tenant, connection: unicode, query: "?marketplaceId=\(marketplace)",
                                                            body: Data(utf16))
        let unicodeResult = try unicodeUpload.result.unwrap("the UTF-16 import: \(unicodeUpload.reply.text) \(String(describing: unicodeUpload.run))")
        #expect(unicodeResult.rowsLoaded == lines.count && unicodeResult.rowsInserted == lines.count && unicodeResult.rowsQuarantined == 0)
        // Finished after its rows were written (the rows carry the transaction's start).
        #expect(try await database.count("""
            SELECT (r.finished_at > (SELECT max(updated_at) FROM amazon.ledger_detail WHERE connection_id = '\(unicode)'))::int
            FROM amazon.sync_runs r WHERE r.run_id = '\(unicodeResult.runId)'
            """) == 1)

        let unknown = try await service.call(.POST, "/internal/amazon/connections/\(refused)/imports", tenant: tenant,
                                             body: Data("not\ta\treport\n1\t2\t3\n".utf8))
        #expect(unknown.status == 422, "\(unknown.text)")
        #expect(try await database.count("SELECT count(*) FROM amazon.connections WHERE connection_id = '\(refused)'") == 0)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE connection_id = '\(refused)'") == 0)
        // Connections whose files loaded stay.
        #expect(try await database.count("SELECT count(*) FROM amazon.connections WHERE connection_id IN ('\(quiet)', '\(unicode)')") == 2)
    }

    /// Manual triggers within the cooldown answer with the run already started; each dataset's
    /// history keeps its newest finished runs only.
    @Test func manualTriggersWithinTheCooldownAreOneRunAndHistoryIsBounded() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens,
                                                           overrides: ["sync.manualCooldownSeconds": "3600", "sync.runHistoryKept": "5"])
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4902, skus: 2, months: 1)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        struct Runs: Decodable { let runs: [SyncRun] }

        let first = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "listings")
        #expect(first.map(\.state) == ["succeeded"])
        for _ in 0..<20 {
            let again = try await service.call(.POST, "/internal/amazon/connections/\(connection)/syncs", tenant: tenant,
                                               json: #"{"dataset":"listings"}"#)
            #expect(again.status == 202)
            #expect(try JSONDecoder.opside.decode(Runs.self, from: again.body).runs.map(\.runId) == first.map(\.runId))
        }
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE dataset = 'listings'") == 1)

        // Thirty old finished runs of another dataset, with quarantined lines: a new run keeps five.
        _ = try await database.withSuperuser { db in
            try await db.query("""
                WITH old AS (
                    INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, queued_at, finished_at)
                    SELECT gen_random_uuid(), '\(unescaped: tenant.uuidString)', '\(unescaped: connection.uuidString)', 'estimated_fees',
                           'schedule', 'succeeded', now() - make_interval(days => n), now() - make_interval(days => n)
                    FROM generate_series(1, 30) AS n RETURNING run_id)
                INSERT INTO amazon.sync_quarantine (tenant_id, connection_id, run_id, dataset, line_number, reason, raw_line)
                SELECT '\(unescaped: tenant.uuidString)', '\(unescaped: connection.uuidString)', run_id, 'estimated_fees', 2, 'test', 'x' FROM old
                """, logger: TestEnvironment.logger)
        }
        let fees = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "estimated_fees")
        #expect(fees.map(\.state) == ["succeeded"])
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE dataset = 'estimated_fees'") == 6)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_quarantine WHERE dataset = 'estimated_fees'") == 5)
    }

    /// The deadline answers even when the work ignores cancellation (as a COPY stuck on a broken
    /// connection does): time is moved on a manual clock, never waited for.
    @Test func aDeadlineAnswersWhenTheWorkNeverDoes() async throws {
        let clock = ManualClock()
        let stuck = SharedValue<CheckedContinuation<Void, Never>?>(nil)
        let outcome = Task {
            try await withDeadline(.seconds(60), clock: clock) {
                await withCheckedContinuation { continuation in stuck.withLock { $0 = continuation } }
                return "finished"
            }
        }
        #expect(try await eventually(timeout: .seconds(10)) { clock.sleepers == 1 && stuck.withLock { $0 != nil } })
        clock.advance(by: .seconds(59))
        #expect(clock.sleepers == 1)
        clock.advance(by: .seconds(1))
        await #expect(throws: DeadlineExceeded(after: .seconds(60))) { try await outcome.value }
        stuck.withLock { $0?.resume() }
        // Work that finishes in time is the answer, and leaves no timer behind.
        let quick = try await withDeadline(.seconds(60), clock: clock) { "finished" }
        #expect(quick == "finished")
        #expect(try await eventually(timeout: .seconds(10)) { clock.sleepers == 0 })
    }

    /// An import stuck in its transaction (here: waiting for a lock another session holds) is
    /// answered at its deadline and its run failed; the sweep ends a run whose process died
    /// and deletes the upload it left, once their deadline has passed on the sweep's clock.
    @Test func aStuckImportIsAnsweredAtItsDeadlineAndTheSweepEndsWhatADeadProcessLeft() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let tenant = importer.tenant, connection = UUID()
        let path = try InventorySyncMergeTests.write(InventorySyncMergeTests.ledgerHeader, InventorySyncMergeTests.ledgerLines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        let database = importer.database
        // Another session holds the ledger: the import's merge waits for it.
        let releaseLedger = try await Self.holdLedgerLock(database)
        let outcome = Task {
            try await importer.withDatabase { db in
                try await ReportImporter(database: db, logger: TestEnvironment.logger, deadline: .seconds(600), clock: clock)
                    .importFile(path: path, tenantID: tenant, connectionID: connection, marketplaceID: InventorySyncMergeTests.marketplace)
            }
        }
        let waiting = try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'amazon.ledger_detail'::regclass") == 1
                && clock.sleepers == 1
        }
        #expect(waiting, "the import waits for the ledger's lock, its deadline armed")
        clock.advance(by: .seconds(600))
        await #expect(throws: DeadlineExceeded.self) { try await outcome.value }
        #expect(try await database.strings("SELECT state || ':' || error_kind FROM amazon.sync_runs WHERE connection_id = '\(connection)'")
                == ["failed:transient"])
        try await releaseLedger()

        // A process died mid-import: its run is `running`, its upload on disk.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let upload = folder.appendingPathComponent(RunSweeper.uploadPrefix + UUID().uuidString).path
        let unrelated = folder.appendingPathComponent("keep-me").path
        #expect(FileManager.default.createFile(atPath: upload, contents: Data("x".utf8)))
        #expect(FileManager.default.createFile(atPath: unrelated, contents: Data("x".utf8)))
        let orphan = UUID()
        _ = try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, started_at, deadline_at)
                VALUES (\(orphan), \(tenant), \(UUID()), 'import', 'import', 'running', now(), now() + interval '30 minutes')
                """, logger: TestEnvironment.logger)
        }
        let runState = "SELECT state FROM amazon.sync_runs WHERE run_id = '\(orphan)'"
        func sweep(at now: @escaping @Sendable () -> Date) async throws -> (runs: Int, files: Int) {
            try await importer.withDatabase { db in
                try await RunSweeper(database: db, outbox: EventOutbox(producer: .inventorySync, redis: nil, logger: TestEnvironment.logger),
                                     logger: TestEnvironment.logger, importDirectory: folder.path, deadline: .seconds(1800), now: now).sweep()
            }
        }
        let early = try await sweep { Date() }
        #expect(early.runs == 0 && early.files == 0)
        #expect(try await database.strings(runState) == ["running"])
        #expect(FileManager.default.fileExists(atPath: upload))
        let later = try await sweep { Date().addingTimeInterval(31 * 60) }
        #expect(later.runs == 1 && later.files == 1)
        #expect(try await database.strings(runState) == ["failed"])
        #expect(!FileManager.default.fileExists(atPath: upload))
        #expect(FileManager.default.fileExists(atPath: unrelated))
    }

    /// A sync run whose job the queue gave up on (its worker lost on every attempt) is failed by
    /// the sweep with `sync.failed`, instead of showing `running` forever; a run whose job is
    /// still live is left alone.
    @Test func theSweepFailsASyncRunWhoseJobIsGoneAndLeavesALiveOneRunning() async throws {
        let importer = try await InventorySyncMergeTests.Importer.make()
        let database = importer.database
        let tenant = UUID(), abandoned = UUID(), live = UUID(), abandonedConnection = UUID(), liveConnection = UUID()
        _ = try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, started_at)
                VALUES (\(abandoned), \(tenant), \(abandonedConnection), 'ledger_detail', 'manual', 'running', now()),
                       (\(live), \(tenant), \(liveConnection), 'ledger_detail', 'manual', 'running', now())
                """, logger: TestEnvironment.logger)
            for (connection, state) in [(abandonedConnection, "discarded"), (liveConnection, "running")] {
                let key = "inventory-sync:\(connection.uuidString.lowercased()):ledger_detail"
                try await db.query("""
                    INSERT INTO platform.jobs (queue, kind, args, tenant_id, state, unique_key, finalized_at)
                    VALUES ('inventory-sync', 'inventory-sync.sync-dataset', '{}', \(tenant), \(state)::platform.job_state, \(key),
                            CASE WHEN \(state) = 'discarded' THEN now() END)
                    """, logger: TestEnvironment.logger)
            }
        }
        let ended = try await importer.withDatabase { db in
            let sweeper = RunSweeper(database: db, outbox: EventOutbox(producer: .inventorySync, redis: nil, logger: TestEnvironment.logger),
                                     logger: TestEnvironment.logger, importDirectory: FileManager.default.temporaryDirectory.path,
                                     deadline: .seconds(1800))
            let first = try await sweeper.endAbandonedSyncRuns()
            let again = try await sweeper.endAbandonedSyncRuns()
            return first * 10 + again
        }
        #expect(ended == 10, "one run ended by the first sweep, none by the second")
        #expect(try await database.strings("SELECT state || ':' || left(error_message, 10) FROM amazon.sync_runs WHERE run_id = '\(abandoned)'")
                == ["failed:abandoned:"])
        #expect(try await database.strings("SELECT state FROM amazon.sync_runs WHERE run_id = '\(live)'") == ["running"])
        #expect(try await database.count("""
            SELECT count(*) FROM platform.outbox WHERE type = 'sync.failed' AND tenant_id = '\(tenant)' AND payload->>'runId' = lower('\(abandoned)')
            """) == 1)
    }

    /// An upload is answered (202, the run to watch) before its load ends: here the load waits
    /// for a lock another session holds. A tenant may have two imports loading; a third is
    /// refused with 429, while another tenant's upload is still accepted.
    @Test func uploadsAreAnsweredBeforeTheirLoadAndEachTenantsImportsInFlightAreCapped() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens,
                                                           overrides: ["import.maxConcurrentPerTenant": "2"])
        defer { Task { await service.stop(); await sandbox.stop() } }
        let tenant = UUID(), otherTenant = UUID()
        let file = try InventorySyncMergeTests.write(InventorySyncMergeTests.ledgerHeader, InventorySyncMergeTests.ledgerLines)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let body = try Data(contentsOf: URL(fileURLWithPath: file))
        let query = "?marketplaceId=\(InventorySyncMergeTests.marketplace)"

        let releaseLedger = try await Self.holdLedgerLock(database)

        var accepted: [(UUID, TestHTTP.Reply)] = []
        for (owner, connection) in [(tenant, UUID()), (tenant, UUID()), (otherTenant, UUID())] {
            let reply = try await service.call(.POST, "/internal/amazon/connections/\(connection)/imports\(query)", tenant: owner, body: body)
            #expect(reply.status == 202, "\(reply.text)")
            #expect(reply.text.contains(#""state":"running""#) && reply.text.contains("GET_LEDGER_DETAIL_VIEW_DATA"))
            accepted.append((owner, reply))
        }
        let third = try await service.call(.POST, "/internal/amazon/connections/\(UUID())/imports\(query)", tenant: tenant, body: body)
        #expect(third.status == 429 && third.text.contains("too_many_requests"), "\(third.status) \(third.text)")
        // (The ledger itself cannot be read while the lock is held: the runs say where the imports are.)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'import' AND state = 'running'") == 3)

        try await releaseLedger()
        for (owner, reply) in accepted {
            let (run, result) = try await waitForImport(baseURL: service.baseURL, reply: reply, tenant: owner)
            #expect(run.state == "succeeded" && result?.rowsInserted == InventorySyncMergeTests.ledgerLines.count, "\(run)")
        }
        // A place is free again.
        let fourth = try await service.importAndWait(tenant: tenant, connection: UUID(), query: query, body: body)
        #expect(fourth.run?.state == "succeeded")
    }

    /// main-api passes uploads through as they stream (never holding one), refuses one past the
    /// size limit while it streams (413), and lets a tenant have two uploads in flight: a third
    /// is refused (429) until one ends.
    @Test func mainAPIStreamsUploadsThroughAndCapsEachTenantsUploadsInFlight() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        // Uploads reaching inventory-sync land in a folder of this test's own.
        let uploadsFolder = FileManager.default.temporaryDirectory.appendingPathComponent("uploads-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: uploadsFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: uploadsFolder) }
        let inventory = try await RunningService.start(.inventorySync, database: database, overrides: RunningInventorySync.fastSettings(sandbox: sandbox)
            .merging(["import.directory": uploadsFolder.path]) { $1 })
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: ["services.inventorySync.url": inventory.baseURL])
        defer { Task { await mainAPI.stop(); await inventory.stop(); await sandbox.stop() } }
        let (session, _) = try await TestSignUp.signUp(mainAPI, email: "uploads@acme.test")
        let file = try InventorySyncMergeTests.write(InventorySyncMergeTests.ledgerHeader, InventorySyncMergeTests.ledgerLines)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let ledger = try Data(contentsOf: URL(fileURLWithPath: file))
        let path = "/api/v1/amazon/connections/\(UUID())/imports?marketplaceId=\(InventorySyncMergeTests.marketplace)"

        /// An upload whose body the test hands over piece by piece.
        func openUpload() -> (Task<(Int, String), any Error>, AsyncStream<ByteBuffer>.Continuation) {
            let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
            var request = HTTPClientRequest(url: mainAPI.baseURL + path)
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(session)")
            request.body = .stream(stream, length: .unknown)
            let task = Task {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
                let body = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), String(buffer: body))
            }
            return (task, continuation)
        }

        // Two uploads stay open, half sent.
        let half = ledger.count / 2
        let open = (0..<2).map { _ in openUpload() }
        for (_, body) in open { body.yield(ByteBuffer(bytes: ledger.prefix(half))) }
        // Both are through main-api once inventory-sync is storing them; a third is refused.
        let inFlight = try await eventually(timeout: .seconds(60)) {
            (try FileManager.default.contentsOfDirectory(atPath: uploadsFolder.path)).filter { $0.hasPrefix(RunSweeper.uploadPrefix) }.count == 2
        }
        #expect(inFlight, "both uploads reached inventory-sync")
        let third = try await TestHTTP.request(.POST, mainAPI.baseURL + path, body: ledger, headers: ["authorization": "Bearer \(session)"])
        #expect(third.status == 429 && third.text.contains("too_many_requests"), "\(third.status) \(third.text)")
        for (_, body) in open {
            body.yield(ByteBuffer(bytes: ledger.suffix(from: half)))
            body.finish()
        }
        for (task, _) in open {
            let (status, text) = try await task.value
            #expect(status == 202 && text.contains("GET_LEDGER_DETAIL_VIEW_DATA"), "\(status) \(text)")
        }

        // Past 64 MiB while streaming (no length announced): 413, and the place is given back.
        let (large, body) = openUpload()
        body.yield(ByteBuffer(bytes: ledger))
        let megabyte = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1 << 20)
        for _ in 0..<65 { body.yield(megabyte) }
        body.finish()
        let (largeStatus, largeText) = try await large.value
        #expect(largeStatus == 413 && largeText.contains("payload_too_large"), "\(largeStatus) \(largeText)")
        // main-api gave the place back at once; inventory-sync may still be loading the first two
        // files in the background (its own limit, "imports loading"), which only time ends.
        var again = try await TestHTTP.request(.POST, mainAPI.baseURL + path, body: ledger, headers: ["authorization": "Bearer \(session)"])
        for _ in 0..<300 where again.status == 429 && again.text.contains("imports loading") {
            try await Task.sleep(for: .milliseconds(200))
            again = try await TestHTTP.request(.POST, mainAPI.baseURL + path, body: ledger, headers: ["authorization": "Bearer \(session)"])
        }
        #expect(again.status == 202, "\(again.text)")
    }
}
