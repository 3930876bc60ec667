import AsyncHTTPClient
import Foundation
import OpsideTesting
import InventorySync
import InventorySyncTesting
import Logging
import OpsideAmazonAccess
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import PostgresNIO
import Testing

/// A seller disconnecting Amazon (issue 10): before, inventory-sync kept the connection active,
/// accepted manual syncs, and every run retried against a vault that refuses it, forever.
@Suite(.serialized) struct InventorySyncDisconnectTests {
    /// Publishes `event` as its producer would, through the outbox.
    static func announce<Event: OpsideEvent>(_ event: Event, tenant: UUID, by producer: OpsideService, _ database: TestDatabase) async throws {
        _ = try await database.withSuperuser { db in
            try await EventOutbox(producer: producer, redis: nil, logger: TestEnvironment.logger).publish(event, tenantId: tenant, on: db)
        }
    }

    /// inventory-sync's repository on its own role, as its composition root builds it.
    static func withRepository<T: Sendable>(_ database: TestDatabase,
                                            _ body: @Sendable (SyncPostgresRepository) async throws -> T) async throws -> T {
        let pool = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await pool.client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(SyncPostgresRepository(database: pool, logger: TestEnvironment.logger, queue: InventorySyncService.queue,
                                                         jobKind: InventorySyncService.syncKind, maxAttempts: 3))
        }
    }

    static let live = "('queued', 'running', 'retrying')"

    @Test func disconnectingStopsSchedulesRefusesSyncsCancelsRunsInFlightAndReconnectingResumesFromTheWatermarks() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        // The scheduler runs when this test calls it, never on its own tick.
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens,
                                                           overrides: ["sync.scheduleTick": "0 0 1 1 *"])
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4911, skus: 2, months: 2)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        let connected = AmazonConnected(connectionId: connection, sellingPartnerId: seller.sellingPartnerId, region: "na",
                                        marketplaceIds: seller.marketplaceIds)
        let ofConnection = "connection_id = '\(connection)'"

        // Connected: the backfill loads every dataset and leaves a watermark for each.
        try await Self.announce(connected, tenant: tenant, by: .integrations, database)
        let backfilled = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'backfill' AND state = 'succeeded'") == SyncDataset.backfilledOnConnect.count
        }
        let firstStates = try await database.strings("SELECT dataset || '=' || state FROM amazon.sync_runs")
        #expect(backfilled, "\(firstStates)")
        let watermarks = try await database.strings(
            "SELECT dataset || '=' || synced_through::text FROM amazon.sync_watermarks WHERE \(ofConnection) AND synced_through IS NOT NULL ORDER BY dataset")
        #expect(watermarks.count == SyncDataset.backfilledOnConnect.count)
        // A run ends before its job is recorded complete; a manual trigger in between answers with
        // the run that just ended instead of starting one. Let every run and job of the backfill end.
        #expect(try await eventually(timeout: .seconds(60)) {
            let liveRuns = try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection) AND state IN \(Self.live)")
            let liveJobs = try await database.count("""
                SELECT count(*) FROM platform.jobs WHERE unique_key LIKE 'inventory-sync:\(connection.uuidString.lowercased()):%'
                  AND state IN ('available', 'scheduled', 'running', 'retryable')
                """)
            return liveRuns == 0 && liveJobs == 0
        })

        // Runs in flight: their token requests wait, so they stay `running` until cancelled.
        tokens.hold(connection)
        for dataset in ["ledger_detail", "financial_events", "orders"] {
            let reply = try await service.call(.POST, "/internal/amazon/connections/\(connection)/syncs", tenant: tenant,
                                               json: #"{"dataset":"\#(dataset)"}"#)
            #expect(reply.status == 202, "\(reply.text)")
        }
        let running = try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'manual' AND state = 'running'") == 3
        }
        #expect(running)

        // The seller disconnects.
        try await Self.announce(AmazonDisconnected(connectionId: connection, sellingPartnerId: seller.sellingPartnerId, region: "na"),
                                tenant: tenant, by: .integrations, database)
        let stopped = try await eventually(timeout: .seconds(30)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection) AND state IN \(Self.live)") == 0
        }
        #expect(stopped)
        // 3. The runs in flight ended cancelled, with the reason; their jobs are cancelled too.
        let manual = try await database.strings("""
            SELECT state || '|' || error_kind || '|' || error_message FROM amazon.sync_runs WHERE trigger = 'manual' AND \(ofConnection)
            """)
        #expect(manual == Array(repeating: "cancelled|disconnected|the seller disconnected the Amazon account; reconnect it to sync again", count: 3))
        let jobsEnded = try await eventually(timeout: .seconds(30)) {
            try await database.count("""
                SELECT count(*) FROM platform.jobs WHERE unique_key LIKE 'inventory-sync:\(connection.uuidString.lowercased()):%'
                  AND state IN ('available', 'scheduled', 'running', 'retryable')
                """) == 0
        }
        #expect(jobsEnded)
        #expect(try await database.count("""
            SELECT count(*) FROM platform.jobs WHERE unique_key LIKE 'inventory-sync:\(connection.uuidString.lowercased()):%' AND state = 'cancelled'
            """) == 3)
        #expect(try await database.strings("SELECT status FROM amazon.connections WHERE \(ofConnection)") == ["disconnected"])
        // Nothing for operators: a seller disconnecting is not a failure.
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'sync.failed'") == 0)

        // 1. No schedule runs for it, even when every one of them is due; an active connection's does.
        let other = UUID()
        try await Self.withRepository(database) { repository in
            try await repository.upsertConnection(SyncConnection(connectionId: other, tenantId: tenant, sellingPartnerId: "A2OTHER",
                                                                 region: "na", marketplaceIds: [], status: "active", statusReason: nil))
        }
        _ = try await database.withSuperuser { db in
            try await db.query("UPDATE amazon.sync_schedules SET next_run_at = now() - interval '1 minute'", logger: TestEnvironment.logger)
        }
        let runsBefore = try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection)")
        let enqueued = try await Self.withRepository(database) { try await $0.enqueueDueSchedules(limit: 500) }
        #expect(enqueued == SyncDataset.scheduledWithConnection.count, "only the active connection's schedules ran")
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection)") == runsBefore)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE connection_id = '\(other)' AND trigger = 'schedule'") == SyncDataset.scheduledWithConnection.count)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE \(ofConnection) AND paused_at IS NOT NULL") == SyncDataset.scheduledWithConnection.count)
        // The seller sees why: every schedule of the connection answers with the time it paused.
        let schedules = try await service.call(.GET, "/internal/amazon/connections/\(connection)/schedules", tenant: tenant)
        #expect(schedules.status == 200, "\(schedules.text)")
        let listed = try (try schedules.json()["schedules"] as? [[String: Any]]).unwrap("schedules")
        #expect(listed.count == SyncDataset.scheduledWithConnection.count && listed.allSatisfy { $0["pausedAt"] is String }, "\(schedules.text)")

        // 2. A manual sync is refused with the envelope and what to do.
        let refused = try await service.call(.POST, "/internal/amazon/connections/\(connection)/syncs", tenant: tenant, json: #"{"dataset":"all"}"#)
        #expect(refused.status == 409)
        let envelope = try refused.envelope()
        #expect(envelope.error.code == "connection_disconnected")
        #expect(envelope.error.message.contains("reconnect the Amazon account"))
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection)") == runsBefore)

        // The same event again (delivered twice) changes nothing.
        try await Self.announce(AmazonDisconnected(connectionId: connection, sellingPartnerId: seller.sellingPartnerId, region: "na"),
                                tenant: tenant, by: .integrations, database)
        let relayed = try await eventually(timeout: .seconds(30)) {
            try await database.count("""
                SELECT count(*) FROM platform.jobs WHERE kind = 'inventory-sync.connection-disconnected' AND state = 'completed'
                """) == 2
        }
        #expect(relayed)
        #expect(try await database.strings("SELECT status FROM amazon.connections WHERE \(ofConnection)") == ["disconnected"])

        // 4. The same seller connects again (integrations keeps the connection's id): syncing
        // resumes from the watermarks, not from a full backfill.
        tokens.release(connection)
        try await Self.announce(connected, tenant: tenant, by: .integrations, database)
        let resumed = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE \(ofConnection) AND trigger = 'backfill' AND state = 'succeeded'") == 2 * SyncDataset.backfilledOnConnect.count
        }
        let resumedStates = try await database.strings("SELECT dataset || '=' || state FROM amazon.sync_runs WHERE \(ofConnection)")
        #expect(resumed, "\(resumedStates)")
        #expect(try await database.strings("SELECT status FROM amazon.connections WHERE \(ofConnection)") == ["active"])
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE \(ofConnection) AND paused_at IS NULL") == SyncDataset.scheduledWithConnection.count)
        // The first backfill reached back its full history in many windows; the one after the
        // reconnection starts at the watermark (less its overlap): one or two windows.
        let windows = try await database.strings("""
            SELECT dataset || '=' || string_agg(windows_total::text, ',' ORDER BY queued_at) FROM amazon.sync_runs
            WHERE \(ofConnection) AND trigger = 'backfill' AND dataset IN ('ledger_detail', 'financial_events', 'orders')
            GROUP BY dataset ORDER BY dataset
            """)
        #expect(windows.count == 3)
        for line in windows {
            let counts = line.split(separator: "=")[1].split(separator: ",").compactMap { Int($0) }
            // (The first backfill's count is its plan's total: 6 for the ledger's 18 months, 25 for two
            // years of finances; one retried under load can count a window fewer.)
            #expect(counts.count == 2 && counts[0] >= 4 && counts[1] <= 2, "\(line): first backfill vs after reconnecting")
        }
        let after = try await database.strings(
            "SELECT dataset || '=' || synced_through::text FROM amazon.sync_watermarks WHERE \(ofConnection) AND synced_through IS NOT NULL ORDER BY dataset")
        #expect(after.count == SyncDataset.backfilledOnConnect.count && after != watermarks, "the watermarks moved on from where they were")
    }

    /// 5. The vault's 409 `connection_disconnected` (the event not yet arrived) is permanent:
    /// the run ends cancelled on its first attempt and the connection stops syncing.
    @Test func theVaultSayingDisconnectedEndsTheRunWithoutRetriesAndStopsTheConnection() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let tenant = UUID(), connection = UUID()
        let vault = try await FakeTokenVault.start(tokens: tokens) { $0 == connection ? tenant : nil }
        // The production token source, asking the vault over HTTP.
        let client = ServiceClient(httpClient: HTTPClient.shared,
                                   authority: await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .inventorySync),
                                   endpoints: ServiceEndpoints(baseURLs: [.integrations: vault.baseURL]), logger: TestEnvironment.logger)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox,
                                                           tokens: IntegrationsAccessTokenSource(serviceClient: client))
        defer { Task { await service.stop(); await vault.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4912, skus: 2, months: 2)
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        // Known and active, as after `amazon.connected`; no `amazon.disconnected` will come.
        try await Self.withRepository(database) { repository in
            try await repository.upsertConnection(SyncConnection(connectionId: connection, tenantId: tenant,
                                                                 sellingPartnerId: seller.sellingPartnerId, region: "na",
                                                                 marketplaceIds: seller.marketplaceIds, status: "active", statusReason: nil))
        }
        tokens.disconnect(connection)

        let runs = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "ledger_detail")
        #expect(runs.map(\.state) == ["cancelled"])
        #expect(runs.first?.errorKind == "disconnected")
        #expect(runs.first?.errorMessage == "the seller disconnected the Amazon account; reconnect it to sync again")
        // One attempt, one token request: no retry.
        #expect(try await database.count("SELECT attempts::bigint FROM amazon.sync_runs WHERE connection_id = '\(connection)'") == 1)
        #expect(tokens.requestCount(connection) == 1)
        #expect(try await database.strings("""
            SELECT state::text || ':' || attempt FROM platform.jobs WHERE unique_key LIKE 'inventory-sync:\(connection.uuidString.lowercased()):%'
            """) == ["cancelled:1"])
        #expect(try await database.strings("SELECT status FROM amazon.connections WHERE connection_id = '\(connection)'") == ["disconnected"])
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE connection_id = '\(connection)' AND paused_at IS NULL") == 0)
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type IN ('sync.failed', 'sync.reauthorization_required')") == 0)
        let refused = try await service.call(.POST, "/internal/amazon/connections/\(connection)/syncs", tenant: tenant, json: #"{"dataset":"all"}"#)
        #expect(refused.status == 409 && (try? refused.envelope().error.code) == "connection_disconnected", "\(refused.text)")
    }

    /// The relay delivers at least once and workers run events side by side, so a connection's
    /// events can be handled out of order: the one that happened last decides, whatever order
    /// they are handled in.
    @Test func connectionEventsHandledOutOfOrderLeaveTheStatusOfTheLaterOne() async throws {
        let database = try await TestDatabase.create()
        let service = try await RunningService.start(.inventorySync, database: database)  // migrates the schema
        await service.stop()
        let tenant = UUID(), connection = UUID()
        let connectedAt = Date(timeIntervalSince1970: 1_800_000_000), disconnectedAt = connectedAt.addingTimeInterval(0.5)
        let active = SyncConnection(connectionId: connection, tenantId: tenant, sellingPartnerId: "A1SELLER", region: "na",
                                    marketplaceIds: ["ATVPDKIKX0DER"], status: "active", statusReason: nil)
        try await Self.withRepository(database) { repository in
            // The disconnection is handled first, the earlier connection after it: it changes nothing.
            let stopped = try await repository.stopSyncing(tenantID: tenant, connectionID: connection, sellingPartnerId: "A1SELLER",
                                                           region: "na", reason: ConnectionDisconnection.reason, changedAt: disconnectedAt)
            #expect(stopped?.cancelledRuns.isEmpty == true && stopped?.jobs.isEmpty == true)
            #expect(try await repository.upsertConnection(active, changedAt: connectedAt) == false)
            #expect(try await repository.connection(tenantID: tenant, connectionID: connection)?.status == "disconnected")
            // Delivered again, the disconnection applies again and changes nothing.
            #expect(try await repository.stopSyncing(tenantID: tenant, connectionID: connection, sellingPartnerId: nil, region: nil,
                                                     reason: ConnectionDisconnection.reason, changedAt: disconnectedAt) != nil)
            // A reconnection after it makes the connection active, with its schedules running.
            #expect(try await repository.upsertConnection(active, changedAt: disconnectedAt.addingTimeInterval(60)))
            #expect(try await repository.connection(tenantID: tenant, connectionID: connection)?.status == "active")
            // And a stale disconnection handled late (from before that reconnection) is ignored.
            #expect(try await repository.stopSyncing(tenantID: tenant, connectionID: connection, sellingPartnerId: nil, region: nil,
                                                     reason: ConnectionDisconnection.reason, changedAt: disconnectedAt) == nil)
            #expect(try await repository.connection(tenantID: tenant, connectionID: connection)?.status == "active")
        }
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_schedules WHERE connection_id = '\(connection)' AND paused_at IS NULL") == SyncDataset.scheduledWithConnection.count)
    }
}
