import Foundation
import InventorySync
import InventorySyncTesting
import OpsideAmazonData
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import NIOHTTP1
import OpsideTesting
import PostgresNIO
import Testing

/// inventory-sync end to end: a generated sandbox seller, real Postgres and Redis, the service
/// booted through its composition root.
@Suite(.serialized) struct InventorySyncTests {
    /// Counts of what the sandbox serves for a seller, dataset by dataset.
    static func groundTruth(_ sandbox: InventorySyncSandbox, _ seller: InventorySyncSandbox.Seller) async throws -> [String: Int] {
        var truth: [String: Int] = [:]
        let reports: [(String, String, Bool)] = [
            ("ledger_detail", "GET_LEDGER_DETAIL_VIEW_DATA", true), ("ledger_summary", "GET_LEDGER_SUMMARY_VIEW_DATA", true),
            ("reimbursements", "GET_FBA_REIMBURSEMENTS_DATA", true), ("customer_returns", "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA", true),
            ("replacements", "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA", true),
            ("removal_orders", "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA", true),
            ("removal_shipments", "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA", true),
            ("estimated_fees", "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA", false), ("listings", "GET_MERCHANT_LISTINGS_ALL_DATA", false),
        ]
        for (table, type, ranged) in reports {
            truth[table] = try await sandbox.reportRows(seller, type: type, ranged: ranged).count
        }
        let api = sandbox.api(for: seller)
        var orders = 0
        for try await page in api.allOrders(OrdersQuery(marketplaceIDs: seller.marketplaceIds,
                                                        createdAfter: Date().addingTimeInterval(-540 * 86_400).formatted(.iso8601))) {
            orders += page.Orders.count
        }
        truth["orders"] = orders
        truth["order_items"] = orders  // the sandbox sells one item per order
        var shipments = 0, refunds = 0, adjustments = 0, fees = 0, safet = 0, removalShipments = 0
        var cursor = Date().addingTimeInterval(-740 * 86_400)
        let end = Date().addingTimeInterval(-300)
        while cursor < end {
            let next = min(end, cursor.addingTimeInterval(170 * 86_400))
            for try await page in api.allFinancialEvents(postedAfter: cursor.formatted(.iso8601), postedBefore: next.formatted(.iso8601)) {
                let events = page.FinancialEvents
                shipments += (events?.ShipmentEventList ?? []).reduce(0) { $0 + ($1.ShipmentItemList?.count ?? 0) }
                refunds += (events?.RefundEventList ?? []).reduce(0) { $0 + ($1.ShipmentItemAdjustmentList?.count ?? 0) }
                adjustments += (events?.AdjustmentEventList ?? []).reduce(0) { $0 + max(1, $1.AdjustmentItemList?.count ?? 0) }
                fees += events?.ServiceFeeEventList?.count ?? 0
                safet += events?.SAFETReimbursementEventList?.count ?? 0
                removalShipments += events?.RemovalShipmentEventList?.count ?? 0
            }
            cursor = next
        }
        truth["financial_shipment_events"] = shipments
        truth["financial_refund_events"] = refunds
        truth["financial_adjustment_events"] = adjustments
        truth["financial_service_fee_events"] = fees
        truth["financial_safet_events"] = safet
        truth["financial_removal_shipment_events"] = removalShipments
        var summaries = 0
        for try await page in api.allInventorySummaries(marketplaceID: seller.marketplaceIds[0]) {
            summaries += page.payload?.inventorySummaries.count ?? 0
        }
        truth["inventory_summaries"] = summaries
        var inbound = 0, inboundItems = 0
        for try await page in api.allInboundShipments(marketplaceID: seller.marketplaceIds[0], statuses: ["WORKING", "IN_TRANSIT", "RECEIVING", "CLOSED"]) {
            for shipment in page.ShipmentData ?? [] {
                inbound += 1
                inboundItems += try await api.getInboundShipmentItems(shipmentID: shipment.ShipmentId!).ItemData?.count ?? 0
            }
        }
        truth["inbound_shipments"] = inbound
        truth["inbound_shipment_items"] = inboundItems
        return truth
    }

    static func tableCounts(_ database: TestDatabase, connection: UUID, tables: [String]) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await database.count("SELECT count(*) FROM amazon.\(table) WHERE connection_id = '\(connection)'")
        }
        return counts
    }

    @Test func fullSyncLoadsExactlyWhatTheSandboxHoldsAndAgainChangesNothing() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        try await sandbox.freezeClock()
        let seller = try await sandbox.createSeller(seed: 4101, skus: 3, months: 3)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)

        let first = try await service.syncAndWait(tenant: tenant, connection: connection)
        #expect(first.count == SyncDataset.scheduledWithConnection.count)
        for run in first { #expect(run.state == "succeeded", "\(run.dataset): \(run.errorMessage ?? "")") }
        // Inbound items came a page of many shipments at a time (getShipmentItems by date range),
        // none shipment by shipment: every shipment had an item in the range.
        let stats = try JSONSerialization.jsonObject(with: try await sandbox.admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/stats"))
        let calls = (stats as? [String: Any])?["requests"] as? [String: Any] ?? [:]
        #expect(calls["fulfillmentInboundV0.getShipmentItems"] as? Int ?? 0 >= 1, "\(calls)")
        #expect(calls["fulfillmentInboundV0.getShipmentItemsByShipmentId"] == nil, "\(calls)")

        let truth = try await Self.groundTruth(sandbox, seller)
        let counts = try await Self.tableCounts(database, connection: connection, tables: Array(truth.keys))
        for (table, expected) in truth.sorted(by: { $0.key < $1.key }) {
            #expect(counts[table] == expected, "\(table): loaded \(counts[table] ?? -1), the sandbox holds \(expected)")
        }
        #expect(truth["ledger_detail", default: 0] > 50 && truth["orders", default: 0] > 10, "the seller has real volume: \(truth)")
        #expect(truth["financial_safet_events", default: 0] > 0 && truth["financial_removal_shipment_events", default: 0] > 0,
                "every finance event type is exercised: \(truth)")

        // The ledger rows themselves, not just their number.
        let ledger = try await sandbox.reportRows(seller, type: "GET_LEDGER_DETAIL_VIEW_DATA")
        let expectedLedger = ledger.map { [$0.string("FNSKU"), $0.string("Event Type"), $0.string("Reference ID"), $0.string("Quantity"),
                                           $0.string("Date and Time")].map { $0 ?? "" }.joined(separator: "|") }.sorted()
        let loadedLedger = try await database.strings("""
            SELECT concat_ws('|', fnsku, event_type, coalesce(reference_id, ''), quantity::text,
                             to_char(event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
            FROM amazon.ledger_detail WHERE connection_id = '\(connection)'
            """).sorted()
        #expect(loadedLedger == expectedLedger)
        let tenants = try await database.strings("SELECT DISTINCT tenant_id::text FROM amazon.ledger_detail")
        #expect(tenants == [tenant.uuidString.lowercased()])

        // The inbound items themselves: what each shipment lists when asked for by id.
        let api = sandbox.api(for: seller)
        var expectedItems: [String] = []
        for try await page in api.allInboundShipments(marketplaceID: seller.marketplaceIds[0], statuses: SellingPartnerAPI.inboundShipmentStatuses) {
            for shipment in page.ShipmentData ?? [] {
                let id = try #require(shipment.ShipmentId)
                for item in try await api.getInboundShipmentItems(shipmentID: id).ItemData ?? [] {
                    expectedItems.append("\(id)|\(item.SellerSKU)|\(item.QuantityShipped)|\(item.QuantityReceived ?? -1)")
                }
            }
        }
        let loadedItems = try await database.strings("""
            SELECT concat_ws('|', shipment_id, seller_sku, quantity_shipped::text, coalesce(quantity_received, -1)::text)
            FROM amazon.inbound_shipment_items WHERE connection_id = '\(connection)'
            """)
        #expect(!expectedItems.isEmpty && loadedItems.sorted() == expectedItems.sorted())

        // With the history in, every family of claims is covered.
        let overview = try await service.call(.GET, "/internal/amazon/connections/\(connection)/schedules", tenant: tenant)
        let coverage = (try overview.json()["claimCoverage"] as? [[String: Any]]) ?? []
        #expect(coverage.count == ClaimCoverage.families.count && coverage.allSatisfy { $0["covered"] as? Bool == true }, "\(coverage)")

        // Again: nothing inserted, nothing updated, same counts.
        let second = try await service.syncAndWait(tenant: tenant, connection: connection)
        for run in second {
            #expect(run.state == "succeeded")
            // Orders read again by call gain what the All Orders report of the first sync lacks
            // (Prime, the order type): updated, never inserted twice.
            #expect(run.rowsInserted == 0 && (run.rowsUpdated == 0 || run.dataset == "orders"),
                    "\(run.dataset) changed \(run.rowsInserted)+\(run.rowsUpdated) rows on a re-sync")
        }
        let again = try await Self.tableCounts(database, connection: connection, tables: Array(truth.keys))
        #expect(again == counts)
        let completed = try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'sync.completed'")
        // Two explicit syncs of 13 datasets; a scheduled tick may add more while a slow machine runs this.
        #expect(completed >= 26)
    }

    @Test func faultsLeaveEveryDatasetLoadedFailedOrFlaggedNeverHalfLoaded() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        try await sandbox.freezeClock()
        let seller = try await sandbox.createSeller(seed: 4202, skus: 3, months: 2)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        let truth = try await Self.groundTruth(sandbox, seller)

        try await sandbox.admin(.PUT, "/_sandbox/faults", [
            "sellingPartnerId": seller.sellingPartnerId, "seed": 7,
            "throttle": ["rate": 0.25], "serverError": ["rate": 0.1, "status": 503],
            "truncateGzip": ["count": 3], "malformedRows": ["rate": 1.0],
        ])
        let runs = try await service.syncAndWait(tenant: tenant, connection: connection, timeout: .seconds(180))
        #expect(runs.count == SyncDataset.scheduledWithConnection.count)
        for run in runs {
            #expect(["succeeded", "failed", "needs_reauthorization"].contains(run.state))
            if run.state == "failed" { #expect(run.errorMessage?.isEmpty == false, "\(run.dataset) failed without a reason") }
        }
        // Every report that loaded loaded whole: each row the sandbox serves was loaded or quarantined, and
        // nothing else was loaded. (A row on the day two windows share comes in both documents: one copy may
        // be quarantined while the other loads, so loaded + quarantined may pass the count by such rows.)
        for run in runs where run.state == "succeeded" {
            guard let table = ["ledger_detail", "reimbursements", "customer_returns", "removal_orders", "removal_shipments",
                               "replacements", "estimated_fees", "listings", "ledger_summary"].first(where: { $0 == run.dataset }) else { continue }
            let loaded = try await database.count("SELECT count(*) FROM amazon.\(table) WHERE connection_id = '\(connection)'")
            let quarantined = try await database.count("SELECT count(*) FROM amazon.sync_quarantine WHERE run_id = '\(run.runId)'")
            #expect(quarantined == run.rowsQuarantined)
            let served = truth[table] ?? -1
            #expect(loaded <= served && loaded + quarantined >= served, "\(table): \(loaded) loaded + \(quarantined) quarantined vs \(served) served")
            if truth[table, default: 0] > 7 { #expect(quarantined > 0, "\(table): the malformed rows were quarantined") }
        }
        let lines = try await database.strings("SELECT reason || ' @' || line_number FROM amazon.sync_quarantine LIMIT 3")
        #expect(lines.allSatisfy { $0.contains("fields for") }, "quarantine keeps reason and line: \(lines)")

        // A revoked refresh token: the connection is flagged, every dataset says so, nothing retries forever.
        try await sandbox.admin(.DELETE, "/_sandbox/faults")
        try await sandbox.admin(.POST, "/_sandbox/sellers/\(seller.sellingPartnerId)/revoke")
        let revoked = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "reimbursements")
        #expect(revoked.map(\.state) == ["needs_reauthorization"])
        let status = try await database.strings("SELECT status FROM amazon.connections WHERE connection_id = '\(connection)'")
        #expect(status == ["needs_reauthorization"])
        let alerts = try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'sync.reauthorization_required'")
        #expect(alerts == 1)
    }

    @Test func twoTenantsSyncingAtOnceNeverSeeEachOthersRows() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let sellerA = try await sandbox.createSeller(seed: 4301, skus: 2, months: 2)
        let sellerB = try await sandbox.createSeller(seed: 4302, skus: 2, months: 2)
        let tenantA = UUID(), tenantB = UUID(), connectionA = UUID(), connectionB = UUID()
        tokens.register(connectionID: connectionA, tenantID: tenantA, seller: sellerA)
        tokens.register(connectionID: connectionB, tenantID: tenantB, seller: sellerB)

        async let runsA = service.syncAndWait(tenant: tenantA, connection: connectionA, dataset: "ledger_detail")
        async let runsB = service.syncAndWait(tenant: tenantB, connection: connectionB, dataset: "ledger_detail")
        let (a, b) = try await (runsA, runsB)
        #expect(a.map(\.state) == ["succeeded"] && b.map(\.state) == ["succeeded"])

        // A tenant cannot even reach the other's connection through the API.
        let foreign = try await service.call(.GET, "/internal/amazon/syncs/\(b[0].runId)", tenant: tenantA)
        #expect(foreign.status == 404)
        let foreignTrigger = try await service.call(.POST, "/internal/amazon/connections/\(connectionB)/syncs", tenant: tenantA,
                                                    json: #"{"dataset":"ledger_detail"}"#)
        #expect(foreignTrigger.status == 404)

        // What claim-detector's role sees, tenant by tenant.
        for (tenant, own, other) in [(tenantA, connectionA, connectionB), (tenantB, connectionB, connectionA)] {
            let seen = try await Self.asReader(database, tenant: tenant,
                                               "SELECT count(*) FILTER (WHERE connection_id = '\(own)'), count(*) FILTER (WHERE connection_id = '\(other)'), count(DISTINCT tenant_id) FROM amazon.ledger_detail")
            #expect(seen[0] > 0 && seen[1] == 0 && seen[2] == 1, "tenant \(tenant) sees \(seen)")
        }
        let total = try await database.count("SELECT count(*) FROM amazon.ledger_detail")
        let own = try await Self.asReader(database, tenant: tenantA, "SELECT count(*), 0, 0 FROM amazon.ledger_detail")[0]
            + Self.asReader(database, tenant: tenantB, "SELECT count(*), 0, 0 FROM amazon.ledger_detail")[0]
        #expect(own == total)
    }

    /// Runs a three-integer query as `opside_claim_detector` with `tenant` set, as that service would.
    static func asReader(_ database: TestDatabase, tenant: UUID?, _ sql: String) async throws -> [Int] {
        let configuration = PostgresConnection.Configuration(host: database.host, port: database.port, username: "opside_claim_detector",
                                                             password: nil, database: database.name, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: TestEnvironment.logger)
        defer { Task { try? await connection.close() } }
        try await connection.query("BEGIN", logger: TestEnvironment.logger)
        if let tenant {
            try await connection.query("SELECT set_config('opside.tenant_id', \(tenant.uuidString.lowercased()), true)", logger: TestEnvironment.logger)
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        var values: [Int] = []
        for try await (x, y, z) in rows.decode((Int64, Int64, Int64).self) { values = [Int(x), Int(y), Int(z)] }
        try await connection.query("COMMIT", logger: TestEnvironment.logger)
        return values
    }

    @Test func claimDetectorCanReadTheAmazonSchemaButNeverWrite() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: SandboxAccessTokenSource(sandbox: sandbox))
        await service.stop()
        await sandbox.stop()
        let tenant = UUID()
        _ = try await database.withSuperuser { connection in
            try await connection.query("""
                INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku) VALUES (\(tenant), \(UUID()), 'ATVPDKIKX0DER', 'SKU-1')
                """, logger: TestEnvironment.logger)
        }
        let seen = try await Self.asReader(database, tenant: tenant, "SELECT count(*), 0, 0 FROM amazon.listings")
        #expect(seen[0] == 1)
        let hidden = try await Self.asReader(database, tenant: UUID(), "SELECT count(*), 0, 0 FROM amazon.listings")
        #expect(hidden[0] == 0)
        await #expect(throws: (any Error).self) {
            _ = try await Self.asReader(database, tenant: tenant,
                "WITH i AS (INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku) VALUES ('\(tenant)', gen_random_uuid(), 'X', 'Y') RETURNING 1) SELECT count(*), 0, 0 FROM i")
        }
        let denied = try await database.strings("""
            SELECT has_table_privilege('opside_claim_detector', 'amazon.ledger_detail', 'INSERT')::text
            UNION ALL SELECT has_table_privilege('opside_refund_engine', 'amazon.reimbursements', 'UPDATE')::text
            UNION ALL SELECT has_table_privilege('opside_mcde', 'amazon.orders', 'SELECT')::text
            """)
        #expect(denied == ["false", "false", "true"])
        // The loader's table descriptions match the migration.
        for table in AmazonTables.all {
            let columns = Set(try await database.strings("SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'amazon' AND table_name = '\(table.name)'"))
            for column in table.stagedColumns + table.key + ["tenant_id", "connection_id", "first_run_id", "last_run_id"] {
                #expect(columns.contains(column), "amazon.\(table.name) has \(column)")
            }
        }
    }
}

@Suite(.serialized) struct InventorySyncScheduleTests {
    @Test func amazonConnectedBackfillsEverythingAndDueSchedulesRunAgain() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens,
                                                           overrides: ["sync.scheduleTick": "@every 1s"])
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4701, skus: 2, months: 2)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)

        // integrations announces the connection; inventory-sync backfills every dataset.
        let payload = #"{"connectionId":"\#(connection.uuidString.lowercased())","sellingPartnerId":"\#(seller.sellingPartnerId)","region":"na","marketplaceIds":["\#(seller.marketplaceIds[0])"]}"#
        _ = try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO platform.outbox (event_id, type, tenant_id, producer, payload)
                VALUES (\(UUID()), 'amazon.connected', \(tenant), 'integrations', \(payload)::jsonb)
                """, logger: TestEnvironment.logger)
        }
        let backfilled = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'backfill' AND state = 'succeeded'") == SyncDataset.backfilledOnConnect.count
        }
        let states = try await database.strings("SELECT dataset || '=' || state FROM amazon.sync_runs")
        #expect(backfilled, "\(states)")
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail") > 0)

        // Defaults, and an operator's change.
        let intervals = try await database.strings("SELECT dataset || '=' || interval_seconds FROM amazon.sync_schedules ORDER BY dataset")
        #expect(intervals.contains("inventory_summaries=14400") && intervals.contains("orders=3600") && intervals.contains("listings=86400"))
        let changed = try await service.call(.PUT, "/internal/amazon/connections/\(connection)/schedules/orders", tenant: tenant,
                                             json: #"{"intervalSeconds": 900}"#)
        #expect(changed.status == 200, "\(changed.text)")
        #expect(try await database.strings("SELECT interval_seconds || ':' || changed_by FROM amazon.sync_schedules WHERE dataset = 'orders'") == ["900:main-api"])
        let tooOften = try await service.call(.PUT, "/internal/amazon/connections/\(connection)/schedules/orders", tenant: tenant,
                                              json: #"{"intervalSeconds": 5}"#)
        #expect(tooOften.status == 422)

        // A schedule that comes due runs by itself, incrementally.
        _ = try await database.withSuperuser { db in
            try await db.query("UPDATE amazon.sync_schedules SET next_run_at = now() - interval '1 minute' WHERE dataset = 'inventory_summaries'",
                               logger: TestEnvironment.logger)
        }
        let scheduled = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'schedule' AND dataset = 'inventory_summaries' AND state = 'succeeded'") == 1
        }
        #expect(scheduled)
        // Next due at the connection's own slot of the four hours, at least half an interval on.
        let next = try await database.count("SELECT (next_run_at > now() + interval '2 hours')::int FROM amazon.sync_schedules WHERE dataset = 'inventory_summaries'")
        #expect(next == 1)
        #expect(try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'schedule'") == 1)
        // Reconciliation ran after the inventory sync: the sandbox's summaries equal its ledger, so nothing differs.
        let discrepancies = try await service.call(.GET, "/internal/amazon/connections/\(connection)/discrepancies", tenant: tenant)
        #expect(discrepancies.status == 200 && discrepancies.text.contains(#""discrepancies":[]"#), "\(discrepancies.text)")
    }
}

@Suite struct InventorySyncReconciliationTests {
    @Test func discrepanciesArePerFNSKUBetweenSummariesAndLedgerBalances() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: SandboxAccessTokenSource(sandbox: sandbox))
        await service.stop()
        await sandbox.stop()
        let tenant = UUID(), connection = UUID()
        _ = try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO amazon.inventory_summaries (tenant_id, connection_id, marketplace_id, seller_sku, fnsku, total_quantity)
                VALUES (\(tenant), \(connection), 'ATVPDKIKX0DER', 'SKU-A', 'FN-A', 10), (\(tenant), \(connection), 'ATVPDKIKX0DER', 'SKU-B', 'FN-B', 5)
                """, logger: TestEnvironment.logger)
            try await db.query("""
                INSERT INTO amazon.ledger_detail (tenant_id, connection_id, marketplace_id, event_key, occurrence, event_date, fnsku, event_type, quantity)
                VALUES (\(tenant), \(connection), 'ATVPDKIKX0DER', 'a1', 1, '2026-01-01', 'FN-A', 'Receipts', 12),
                       (\(tenant), \(connection), 'ATVPDKIKX0DER', 'a2', 1, '2026-01-02', 'FN-A', 'Adjustments', -5),
                       (\(tenant), \(connection), 'ATVPDKIKX0DER', 'b1', 1, '2026-01-01', 'FN-B', 'Receipts', 5),
                       (\(tenant), \(connection), 'ATVPDKIKX0DER', 'c1', 1, '2026-01-01', 'FN-C', 'Receipts', 2)
                """, logger: TestEnvironment.logger)
        }
        let postgres = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        let found = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask { await postgres.client.run(); return nil }
            defer { group.cancelAll() }
            let reconciler = InventoryPostgresReconciler(database: postgres, logger: TestEnvironment.logger)
            let count = try await reconciler.reconcile(tenantID: tenant, connectionID: connection)
            // Idempotent: a second pass replaces, never accumulates.
            return try await reconciler.reconcile(tenantID: tenant, connectionID: connection) == count ? count : -1
        }
        #expect(found == 2)
        let rows = try await database.strings("SELECT fnsku || ':' || summary_quantity || '-' || ledger_quantity || '=' || difference FROM amazon.inventory_discrepancies ORDER BY fnsku")
        #expect(rows == ["FN-A:10-7=3", "FN-C:0-2=-2"])
    }
}
