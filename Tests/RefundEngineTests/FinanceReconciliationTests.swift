import Foundation
import InventorySync
import OpsideAmazonData
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import RefundEngine
import Testing

/// Finances adjustment events beside the reimbursements report, on rows written as inventory-sync
/// loads them: an event the report lists confirms its line, an event it does not list yet is
/// money of its own, a merged report line replaces the events it adds up, a settlement file's
/// copy of an event never adds, and money the report never lists stays.
@Suite struct FinanceReconciliationTests {
    static let logger = TestEnvironment.logger
    static let approved = Date(timeIntervalSince1970: 1_790_000_000)

    struct Stack {
        let database: TestDatabase
        let reconciler: Reconciler
        let tenant = UUID()
        let connection = UUID()

        func reimbursement(_ id: String, sku: String, minor: Int64, daysAfter: Double = 0, caseId: String? = nil) async throws {
            try await database.withSuperuser { db in
                try await db.query("""
                    INSERT INTO amazon.reimbursements (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                        approval_date, case_id, reason, currency, amount_per_unit_minor, amount_total_minor, quantity_cash, quantity_inventory,
                        quantity_total)
                    VALUES (\(tenant), \(connection), 'ATVPDKIKX0DER', \(id), \(sku), \("X-" + sku), '',
                        \(approved.addingTimeInterval(daysAfter * 86_400)), \(caseId), 'Lost_Warehouse', 'USD', \(minor), \(minor), 1, 0, 1)
                    """, logger: logger)
            }
        }

        func adjustment(_ key: String, sku: String, minor: Int64, daysAfter: Double = 0, type: String = "WAREHOUSE_LOST",
                        source: String = "finances_api") async throws {
            try await database.withSuperuser { db in
                try await db.query("""
                    INSERT INTO amazon.financial_adjustment_events (tenant_id, connection_id, marketplace_id, event_key, occurrence,
                        adjustment_type, posted_at, seller_sku, fnsku, quantity, per_unit_minor, total_minor, currency, source)
                    VALUES (\(tenant), \(connection), 'ATVPDKIKX0DER', \(key), 1, \(type), \(approved.addingTimeInterval(daysAfter * 86_400)),
                        \(sku), \("X-" + sku), 1, \(minor), \(minor), 'USD', \(source))
                    """, logger: logger)
            }
        }

        func entries() async throws -> [String] {
            try await database.strings("""
                SELECT source || ' ' || reimbursement_id || ' ' || amount_minor::text || ' ' || confirmed_by_finance::text
                       || ' ' || cardinality(replaced_entry_ids)::text
                FROM cases.recoveries ORDER BY source, reimbursement_id
                """)
        }

        func received() async throws -> [String] {
            try await database.strings("""
                SELECT (payload->>'reimbursementId') || ' ' || coalesce(payload->>'source', '') || ' ' || (payload->'amount'->>'amountMinor')
                       || ' ' || coalesce(payload->'replacedAmount'->>'amountMinor', '-')
                FROM platform.outbox WHERE type = 'reimbursement.received' ORDER BY 1
                """)
        }
    }

    static func with(_ body: @escaping @Sendable (Stack) async throws -> Void) async throws {
        let database = try await TestDatabase.create()
        for (service, migrators) in [(OpsideService.inventorySync, [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators())),
                                     (.refundEngine, try RefundEngineService.migrators())] {
            let db = Database(settings: database.settings(for: service), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await db.client.run() }
                defer { group.cancelAll() }
                for migrator in migrators { _ = try await migrator.apply(on: db) }
            }
        }
        let db = Database(settings: database.settings(for: .refundEngine), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await db.client.run() }
            defer { group.cancelAll() }
            let store = CaseStore(database: db, outbox: EventOutbox(producer: .refundEngine, redis: nil, logger: logger), logger: logger)
            let reconciler = Reconciler(reader: AmazonDataReader(database: db), store: store, database: db, clocks: .system, logger: logger)
            try await body(Stack(database: database, reconciler: reconciler))
        }
    }

    @Test func anEventTheReportListsConfirmsItsLineAndAddsNothing() async throws {
        try await Self.with { stack in
            try await stack.reimbursement("R1", sku: "A", minor: 1500)
            try await stack.adjustment("E1", sku: "A", minor: 1500, daysAfter: 1)
            try await stack.adjustment("E1-file", sku: "A", minor: 1500, daysAfter: 1, source: "settlement_report")
            let pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.entered == 1 && pass.confirmedByFinance == 1 && pass.addedFromFinance == 0)
            #expect(try await stack.entries() == ["report R1 1500 true 0"])
        }
    }

    @Test func moneyTheReportDoesNotListYetIsEnteredAndItsLineLaterReplacesIt() async throws {
        try await Self.with { stack in
            try await stack.adjustment("E1", sku: "A", minor: 1500)
            // A settlement file's copy of the same event is the same money: it never adds.
            try await stack.adjustment("E1-file", sku: "A", minor: 1500, source: "settlement_report")
            // Not a reimbursement at all.
            try await stack.adjustment("E2", sku: "A", minor: 999, type: "POSTAGE_BILLING")
            var pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.addedFromFinance == 1)
            #expect(try await stack.entries() == ["finances finances:E1#1 1500 true 0"])
            pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.addedFromFinance == 0 && pass.entered == 0, "a second pass adds nothing")

            // Five days on the report lists it, at a corrected amount: the line replaces the entry.
            try await stack.reimbursement("R1", sku: "A", minor: 1490, daysAfter: 5)
            pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.entered == 1 && pass.replacedFinanceEntries == 1 && pass.addedFromFinance == 0)
            #expect(try await stack.entries() == ["report R1 1490 true 1"])
            pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.entered == 0 && pass.addedFromFinance == 0, "the replaced event is never entered again")
            #expect(try await stack.received() == ["R1 report 1490 1500", "finances:E1#1 finances 1500 -"])
        }
    }

    @Test func aMergedReportLineReplacesTheEventsItAddsUpAndMoneyItNeverListsStays() async throws {
        try await Self.with { stack in
            // Two same-day reimbursements of one item, and a non-itemized correction the report never lists.
            try await stack.adjustment("E1", sku: "A", minor: 1000)
            try await stack.adjustment("E2", sku: "A", minor: 700)
            try await stack.adjustment("E3", sku: "B", minor: 250, type: "CS_ERROR_NON_ITEMIZED")
            var pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.addedFromFinance == 3)
            // The report merges the two into one line.
            try await stack.reimbursement("R1", sku: "A", minor: 1700, daysAfter: 4)
            pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.replacedFinanceEntries == 2)
            #expect(try await stack.entries() == ["finances finances:E3#1 250 true 0", "report R1 1700 true 2"])
            #expect(try await stack.database.count("SELECT sum(amount_minor)::bigint FROM cases.recoveries") == 1950, "each cent once")

            // Merged lines that arrive before their events: the events are the report's money already.
            try await stack.reimbursement("R2", sku: "C", minor: 900, daysAfter: 10)
            try await stack.adjustment("E4", sku: "C", minor: 400, daysAfter: 10)
            try await stack.adjustment("E5", sku: "C", minor: 500, daysAfter: 10)
            pass = try await stack.reconciler.reconcile(tenant: stack.tenant, connection: stack.connection)
            #expect(pass.entered == 1 && pass.addedFromFinance == 0)
            #expect(try await stack.database.count("SELECT sum(amount_minor)::bigint FROM cases.recoveries") == 2850)
        }
    }
}
