import ClaimDetector
import Foundation
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

/// Detection on its own: `sync.completed` gives one detection per connection a settle delay
/// later however many datasets completed, and the daily tick detects every known connection as
/// of each marketplace's today, both by the injected clock.
@Suite struct DetectionJobsTests {
    @Test func twoSyncCompletedEventsGiveOneDetectionJobASettleDelayLater() async throws {
        let database = try await ClaimStack.migrated()
        let clock = ManualWallClock(Date())
        let start = clock.now
        let claimDetector = try await RunningService.start(.claimDetector, database: database, clocks: ServiceClocks(wall: clock))
        defer { Task { await claimDetector.stop() } }
        let tenant = UUID(), connection = UUID(), searchesOnly = UUID()

        // inventory-sync announces two datasets of one sync, as it does, from its own transactions.
        let inventorySync = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await inventorySync.client.run() }
            defer { group.cancelAll() }
            let outbox = EventOutbox(producer: .inventorySync, redis: nil, logger: TestEnvironment.logger)
            for dataset in ["ledger_detail", "reimbursements"] {
                try await inventorySync.withTransaction(tenant: tenant) { db in
                    try await outbox.publish(SyncCompleted(connectionId: connection, runId: UUID(), dataset: dataset, state: "succeeded",
                                                           rowsInserted: 10, rowsUpdated: 0, rowsQuarantined: 0), tenantId: tenant, on: db)
                }
            }
            // Another connection's search queries: no claim comes from them, so no detection either.
            try await inventorySync.withTransaction(tenant: tenant) { db in
                try await outbox.publish(SyncCompleted(connectionId: searchesOnly, runId: UUID(), dataset: "search_query_performance_weekly",
                                                       state: "succeeded", rowsInserted: 500, rowsUpdated: 0, rowsQuarantined: 0),
                                         tenantId: tenant, on: db)
            }
        }
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("""
                SELECT count(*) FROM platform.jobs WHERE kind = '\(EventConsumers.detectAfterSync.job)' AND state = 'completed'
                """) == 3
        }, "the three events were handled")
        #expect(try await database.count("SELECT count(*) FROM claims.known_connections WHERE connection_id = '\(searchesOnly)'") == 0)
        let detections = try await database.strings("""
            SELECT state::text || ' ' || floor(extract(epoch FROM scheduled_at))::bigint::text || ' ' || (args->>'connectionId') || ' ' || (args->>'trigger')
            FROM platform.jobs WHERE kind = '\(DetectionJobs.detectKind)'
            """)
        let due = Int64(start.timeIntervalSince1970) + 60
        #expect(detections == ["scheduled \(due) \(connection.uuidString.lowercased()) sync"], "one detection, 60 s after the (injected) now")
        #expect(try await database.count("SELECT count(*) FROM claims.known_connections WHERE connection_id = '\(connection)'") == 1)
    }

    @Test func aSyncCompletedWhileTheConnectionsDetectionRunsQueuesOneMoreBehindIt() async throws {
        try await ClaimStack.with { stack in
            let jobs = DetectionJobs(detection: stack.parts.detection, store: stack.parts.store, database: stack.db,
                                     jobQueue: JobQueue(database: stack.db, redis: nil, logger: TestEnvironment.logger),
                                     settings: ClaimDetectorSettings(dailySchedule: try CronSchedule("0 6 * * *"), approvalTrainingSchedule: try CronSchedule("30 5 * * *")), clocks: .system)
            let tenant = UUID(), connection = UUID()
            let logger = TestEnvironment.logger
            #expect(try await jobs.scheduleAfterSync(tenant: tenant, connection: connection, logger: logger))
            #expect(try await !jobs.scheduleAfterSync(tenant: tenant, connection: connection, logger: logger), "one waits already")
            let key = DetectionJobs.uniqueKey(tenant: tenant, connection: connection)
            _ = try await stack.database.count("UPDATE platform.jobs SET state = 'running' WHERE unique_key = '\(key)' RETURNING 0::bigint")
            #expect(try await jobs.scheduleAfterSync(tenant: tenant, connection: connection, logger: logger), "one more behind the running one")
            #expect(try await !jobs.scheduleAfterSync(tenant: tenant, connection: connection, logger: logger), "and only one")
            #expect(try await stack.database.strings("SELECT state::text FROM platform.jobs ORDER BY id") == ["running", "scheduled"])
        }
    }

    @Test func theDailyTicksDetectionsAreSpreadOverTheDayAndDoNotHoldBackASyncsDetection() async throws {
        let tick = try Date("2026-12-08T06:00:00Z", strategy: .iso8601)
        let clock = ManualWallClock(tick)
        try await ClaimStack.with(clocks: ServiceClocks(wall: clock)) { stack in
            let settings = ClaimDetectorSettings(dailySchedule: try CronSchedule("0 6 * * *"), approvalTrainingSchedule: try CronSchedule("30 5 * * *"))
            let jobs = DetectionJobs(detection: stack.parts.detection, store: stack.parts.store, database: stack.db,
                                     jobQueue: JobQueue(database: stack.db, redis: nil, logger: TestEnvironment.logger),
                                     settings: settings, clocks: ServiceClocks(wall: clock))
            let connections = (0..<400).map { _ in (tenant: UUID(), connection: UUID()) }
            for known in connections {
                try await stack.parts.store.remember(tenant: known.tenant, connection: known.connection, at: tick)
            }
            #expect(try await jobs.enqueueEveryKnownConnection(logger: TestEnvironment.logger) == 400)
            let offsets = try await stack.database.strings("""
                SELECT floor(extract(epoch FROM scheduled_at - '2026-12-08T06:00:00Z'::timestamptz))::bigint::text
                FROM platform.jobs WHERE kind = '\(DetectionJobs.detectKind)'
                """).compactMap { Int($0) }
            #expect(offsets.count == 400)
            #expect(offsets.allSatisfy { $0 >= 0 && Double($0) < settings.dailySpreadSeconds }, "within the 23 hours after the tick")
            // 400 connections over 23 hours: every hour has some, none has a crowd (about 17 each).
            let perHour = Dictionary(grouping: offsets, by: { $0 / 3600 }).mapValues(\.count)
            #expect(perHour.count == 23 && (perHour.values.max() ?? 0) <= 40, "\(perHour.sorted { $0.key < $1.key })")
            let first = connections[0]
            #expect(try await stack.database.strings("""
                SELECT floor(extract(epoch FROM scheduled_at))::bigint::text FROM platform.jobs
                WHERE args->>'connectionId' = '\(first.connection.uuidString.lowercased())'
                """) == [String(Int64(jobs.dailyStart(tenant: first.tenant, connection: first.connection, tick: tick).timeIntervalSince1970))])

            // The next tick while some still wait adds none twice.
            #expect(try await jobs.enqueueEveryKnownConnection(logger: TestEnvironment.logger) == 0)
            // A sync meanwhile still gets its detection a settle delay later, not at the daily time.
            #expect(try await jobs.scheduleAfterSync(tenant: first.tenant, connection: first.connection, logger: TestEnvironment.logger))
            #expect(try await stack.database.count("""
                SELECT count(*) FROM platform.jobs WHERE args->>'connectionId' = '\(first.connection.uuidString.lowercased())'
                  AND args->>'trigger' = 'sync' AND scheduled_at = '2026-12-08T06:01:00Z'::timestamptz
                """) == 1)
        }
    }

    @Test func theDailyTickDetectsEveryKnownConnectionAsOfEachMarketplacesToday() async throws {
        let database = try await ClaimStack.migrated()
        let tenant = UUID(), connection = UUID()
        try await ClaimStack.seed(database, tenant: tenant, connection: connection)
        try await ClaimStack.with(database: database) { stack in
            try await stack.parts.store.remember(tenant: tenant, connection: connection, at: Date())
        }
        // A minute before the 06:00 UTC tick of March 2nd: still March 1st in Los Angeles.
        let tick = CivilDate(year: 2026, month: 3, day: 2).utcMidnight.addingTimeInterval(6 * 3600)
        let clock = ManualWallClock(tick.addingTimeInterval(-60))
        let detector = ScriptedDetector()
        detector.script(connection, [Claims.lost(connection, reference: "REF-1", on: CivilDate(year: 2026, month: 2, day: 1))])
        let claimDetector = try await RunningService.start(.claimDetector, database: database, clocks: ServiceClocks(wall: clock),
                                                           detector: detector)
        defer { Task { await claimDetector.stop() } }
        #expect(try await database.count("SELECT count(*) FROM claims.detection_runs") == 0, "nothing before the tick")
        clock.advance(by: 120)
        #expect(try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM claims.detection_runs WHERE trigger = 'schedule' AND state = 'succeeded'") == 1
        }, "the tick's detection ran")
        #expect(detector.requests.withLock { $0.map(\.asOf) } == [CivilDate(year: 2026, month: 3, day: 1)])
        // 28 days after the loss: claimable as of that day.
        #expect(try await database.strings("SELECT status FROM claims.claims") == ["claimable"])
    }
}
