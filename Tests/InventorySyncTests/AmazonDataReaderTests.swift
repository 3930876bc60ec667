import Foundation
import InventorySync
import InventorySyncTesting
import OpsideAmazonData
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Testing

/// The shared catalog of the `amazon` schema is the schema inventory-sync's migrations create.
@Suite struct AmazonCatalogTests {
    @Test func everyCatalogColumnExistsWithItsTypeAndEveryTableIsCatalogued() async throws {
        let database = try await TestDatabase.create()
        let db = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: db) }
            group.cancelAll()
        }
        // table|column|type|nullable for every user column of the schema.
        let live = Set(try await database.strings("""
            SELECT c.relname || '|' || a.attname || '|' || t.typname || '|' || (NOT a.attnotnull)::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE n.nspname = 'amazon' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """))
        #expect(live.count > 300, "the schema was migrated")
        for table in AmazonTables.all {
            let described = Set(table.allColumns.map { "\(table.name)|\($0.name)|\($0.type.rawValue)|\($0.nullable)" })
            let stored = live.filter { $0.hasPrefix(table.name + "|") }
            #expect(described.subtracting(stored).isEmpty, "catalog columns the table lacks or types differently: \(described.subtracting(stored).sorted())")
            #expect(stored.subtracting(described).isEmpty, "columns of amazon.\(table.name) the catalog lacks: \(stored.subtracting(described).sorted())")
        }
        let tables = Set(live.map { String($0.split(separator: "|")[0]) })
        let catalogued = Set(AmazonTables.all.map(\.name) + AmazonTables.inventorySyncOwn + ["schema_migrations"])
        #expect(tables.subtracting(catalogued).isEmpty, "amazon tables missing from the catalog: \(tables.subtracting(catalogued).sorted())")
        #expect(catalogued.subtracting(tables).isEmpty, "catalogued tables the schema lacks: \(catalogued.subtracting(tables).sorted())")
    }

    @Test func filtersOnColumnsTheTableLacksAreRefusedBeforeAnySQL() throws {
        let reader = AmazonDataReader(database: Database(settings: PostgresSettings(host: "127.0.0.1", port: 1, database: "none", user: "none"),
                                                         logger: TestEnvironment.logger))
        #expect(throws: AmazonDataError.unknownColumn(table: "ledger_detail", column: "sku")) {
            _ = try reader.records(LedgerEventRecord.self, tenant: UUID(), where: [.equals(column: "sku", value: "X")])
        }
        #expect(throws: AmazonDataError.filterType(table: "ledger_detail", column: "fnsku", expected: "date")) {
            _ = try reader.records(LedgerEventRecord.self, tenant: UUID(), where: [.onOrAfter(column: "fnsku", day: CivilDate(year: 2024, month: 1, day: 1))])
        }
        #expect(throws: AmazonDataError.unknownColumn(table: "listings", column: "x\"; DROP TABLE y; --")) {
            _ = try reader.records(ListingRecord.self, tenant: UUID(), orderedBy: ["x\"; DROP TABLE y; --"])
        }
    }
}

/// What inventory-sync loaded, read back through the shared read model as claim-detector would.
@Suite(.serialized) struct AmazonDataReaderTests {
    @Test func everyTableReadsBackWhatTheSyncLoadedForItsTenantOnly() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let tenantA = UUID(), tenantB = UUID(), connectionA = UUID(), connectionB = UUID()
        tokens.register(connectionID: connectionA, tenantID: tenantA, seller: try await sandbox.createSeller(seed: 5101, skus: 3, months: 2))
        tokens.register(connectionID: connectionB, tenantID: tenantB, seller: try await sandbox.createSeller(seed: 5102, skus: 2, months: 2))
        for (tenant, connection) in [(tenantA, connectionA), (tenantB, connectionB)] {
            var runs = try await service.syncAndWait(tenant: tenant, connection: connection)
            #expect(!runs.isEmpty)
            // Under a loaded test run, a sync run's job has been seen to end without ending its run (not
            // understood yet); the sweep fails such a run, and syncing that dataset again loads it. This
            // test is about reading back what was loaded, so it asks once more for what did not load.
            for failed in runs where failed.state != "succeeded" {
                print("reader test: \(failed.dataset) ended \(failed.state) (\(failed.errorMessage ?? "")); syncing it again")
                runs += try await service.syncAndWait(tenant: tenant, connection: connection, dataset: failed.dataset)
            }
            let outcome = Dictionary(runs.map { ($0.dataset, $0.state) }, uniquingKeysWith: { _, last in last })
            #expect(outcome.values.allSatisfy { $0 == "succeeded" }, "\(outcome)")
        }

        // claim-detector's role, small pages so that every read crosses page boundaries.
        let db = Database(settings: database.settings(for: .claimDetector), logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            let reader = AmazonDataReader(database: db, pageSize: 7)
            for (tenant, own) in [(tenantA, connectionA), (tenantB, connectionB)] {
                let read: [(String, [UUID])] = [
                    ("ledger_detail", try await Self.connections(reader.ledgerEvents(tenant: tenant))),
                    ("ledger_summary", try await Self.connections(reader.ledgerSummaries(tenant: tenant))),
                    ("reimbursements", try await Self.connections(reader.reimbursements(tenant: tenant))),
                    ("customer_returns", try await Self.connections(reader.customerReturns(tenant: tenant))),
                    ("replacements", try await Self.connections(reader.replacements(tenant: tenant))),
                    ("removal_orders", try await Self.connections(reader.removalOrders(tenant: tenant))),
                    ("removal_shipments", try await Self.connections(reader.removalShipments(tenant: tenant))),
                    ("estimated_fees", try await Self.connections(reader.estimatedFees(tenant: tenant))),
                    ("listings", try await Self.connections(reader.listings(tenant: tenant))),
                    ("inventory_summaries", try await Self.connections(reader.inventorySummaries(tenant: tenant))),
                    ("orders", try await Self.connections(reader.orders(tenant: tenant))),
                    ("order_items", try await Self.connections(reader.orderItems(tenant: tenant))),
                    ("financial_shipment_events", try await Self.connections(reader.shipmentEvents(tenant: tenant))),
                    ("financial_refund_events", try await Self.connections(reader.refundEvents(tenant: tenant))),
                    ("financial_adjustment_events", try await Self.connections(reader.adjustmentEvents(tenant: tenant))),
                    ("financial_service_fee_events", try await Self.connections(reader.serviceFeeEvents(tenant: tenant))),
                    ("financial_safet_events", try await Self.connections(reader.safetEvents(tenant: tenant))),
                    ("financial_removal_shipment_events", try await Self.connections(reader.removalShipmentEvents(tenant: tenant))),
                    ("inbound_shipments", try await Self.connections(reader.inboundShipments(tenant: tenant))),
                    ("inbound_shipment_items", try await Self.connections(reader.inboundShipmentItems(tenant: tenant))),
                    ("search_query_performance", try await Self.connections(reader.searchQueryPerformance(tenant: tenant))),
                    // Empty here (no Ads account is connected); AdsSpendTests reads it back filled.
                    ("ads_spend", try await Self.connections(reader.adsSpend(tenant: tenant))),
                ]
                #expect(Set(read.map(\.0)) == Set(AmazonTables.all.map(\.name)), "every table has a named read")
                for (table, connections) in read {
                    let stored = try await database.count("SELECT count(*) FROM amazon.\(table) WHERE tenant_id = '\(tenant)'")
                    #expect(connections.count == stored, "\(table): read \(connections.count) of the tenant's \(stored) rows")
                    #expect(connections.allSatisfy { $0 == own }, "\(table): only the tenant's own connection")
                }
                let loaded = read.filter { !$0.1.isEmpty }.map(\.0)
                #expect(loaded.count >= 12, "the sandbox seller filled most tables: \(loaded)")
            }

            // One FNSKU's ledger over a date range, against the table read by the superuser.
            let pick = try await database.strings("""
                SELECT fnsku || '|' || min(event_date)::text || '|' || max(event_date)::text FROM amazon.ledger_detail
                WHERE tenant_id = '\(tenantA)' GROUP BY fnsku ORDER BY count(*) DESC, fnsku LIMIT 1
                """)[0].split(separator: "|").map(String.init)
            let (fnsku, first, last) = (pick[0], try Self.day(pick[1]), try Self.day(pick[2]))
            let from = CivilDate(daysSince1970: first.daysSince1970 + 3), through = CivilDate(daysSince1970: last.daysSince1970 - 3)
            let expected = try await database.strings("""
                SELECT event_date::text || '|' || event_type || '|' || quantity || '|' || coalesce(disposition, '') || '|' || event_key || '|' || occurrence
                FROM amazon.ledger_detail WHERE tenant_id = '\(tenantA)' AND connection_id = '\(connectionA)' AND fnsku = '\(fnsku)'
                  AND event_date BETWEEN '\(Self.text(from))' AND '\(Self.text(through))'
                ORDER BY event_date, marketplace_id, event_key, occurrence
                """)
            var streamed: [String] = []
            for try await event in reader.ledgerEvents(tenant: tenantA, connection: connectionA, fnsku: fnsku, from: from, through: through) {
                #expect(event.fnsku == fnsku && event.connectionID == connectionA)
                streamed.append("\(Self.text(event.eventDate))|\(event.eventType)|\(event.quantity)|\(event.disposition ?? "")|\(event.eventKey)|\(event.occurrence)")
            }
            #expect(expected.count > 7, "the range spans more than one page")
            #expect(streamed == expected)
            #expect(try await Self.connections(reader.ledgerEvents(tenant: tenantB, fnsku: fnsku)).allSatisfy { $0 == connectionB },
                    "tenant B's stream of the same FNSKU never holds tenant A's rows")

            // Money and dates arrive typed, as stored.
            let reimbursement = try await database.strings("""
                SELECT reimbursement_id || '|' || coalesce(amount_total_minor::text, '') || '|' || coalesce(currency, '') || '|'
                       || coalesce(extract(epoch FROM approval_date)::bigint::text, '')
                FROM amazon.reimbursements WHERE tenant_id = '\(tenantA)' ORDER BY connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id LIMIT 1
                """)
            let firstReimbursement = try await reader.reimbursements(tenant: tenantA).collect().first
            if let row = firstReimbursement {
                let approval = row.approvalDate.map { String(Int64($0.timeIntervalSince1970)) } ?? ""
                #expect(reimbursement == ["\(row.reimbursementID)|\(row.amountTotal.map { String($0.amountMinor) } ?? "")|\(row.currency ?? "")|\(approval)"])
            }
            group.cancelAll()
        }
    }

    @Test func theReadersTransactionRefusesWritesEvenForARoleThatMayWrite() async throws {
        let database = try await TestDatabase.create()
        // inventory-sync's own role owns the schema and may write it: the transaction still refuses.
        let db = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        let tenant = UUID()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: db) }
            do {
                try await db.withReadOnlyTransaction(tenant: tenant) { connection in
                    try await connection.query("""
                        INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku)
                        VALUES (\(tenant), \(UUID()), 'ATVPDKIKX0DER', 'SKU-1')
                        """, logger: TestEnvironment.logger)
                }
                Issue.record("the insert went through")
            } catch let error as PSQLError {
                #expect(error.serverInfo?[.sqlState] == "25006", "read_only_sql_transaction, not \(String(reflecting: error))")
            }
            // The same insert outside the reader's transaction is allowed: the refusal was the transaction's.
            _ = try await db.withTransaction(tenant: tenant) { connection in
                try await connection.query("""
                    INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku)
                    VALUES (\(tenant), \(UUID()), 'ATVPDKIKX0DER', 'SKU-2')
                    """, logger: TestEnvironment.logger)
            }
            let reader = AmazonDataReader(database: db)
            #expect(try await reader.listings(tenant: tenant).collect().map(\.sellerSKU) == ["SKU-2"])
            #expect(try await reader.listings(tenant: UUID()).collect().isEmpty, "another tenant sees nothing")
            group.cancelAll()
        }
    }

    static func connections<Record: AmazonRecord>(_ stream: AmazonRecordStream<Record>) async throws -> [UUID] {
        var connections: [UUID] = []
        for try await record in stream {
            connections.append(record.connectionID)
        }
        return connections
    }

    static func day(_ text: String) throws -> CivilDate {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { throw UnwrapError(what: "a date, not \(text)") }
        return CivilDate(year: parts[0], month: parts[1], day: parts[2])
    }

    static func text(_ day: CivilDate) -> String {
        String(format: "%04d-%02d-%02d", day.year, day.month, day.day)
    }
}
