import ClaimDetector
import Foundation
import InventorySync
import OpsideAmazonData
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Testing

/// A real PostgreSQL with inventory-sync's schema, seller data loaded as the seller downloads it
/// (report files through inventory-sync's `ReportImporter`), and the rules engine reading it as
/// claim-detector's own role (row-level security applies).
final class ClaimFixture: Sendable {
    static let marketplace = "ATVPDKIKX0DER"

    let database: TestDatabase
    let sync: Database
    let claims: Database
    private let clients: Task<Void, Never>

    private init(database: TestDatabase, sync: Database, claims: Database, clients: Task<Void, Never>) {
        self.database = database
        self.sync = sync
        self.claims = claims
        self.clients = clients
    }

    static func start() async throws -> ClaimFixture {
        let database = try await TestDatabase.create()
        let sync = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        let claims = Database(settings: database.settings(for: .claimDetector), logger: TestEnvironment.logger)
        let clients = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await sync.client.run() }
                group.addTask { await claims.client.run() }
            }
        }
        for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: sync) }
        return ClaimFixture(database: database, sync: sync, claims: claims, clients: clients)
    }

    func stop() {
        clients.cancel()
    }

    /// Imports one report file, written as Seller Central writes it (tab-separated, header first).
    func importReport(_ lines: [[String]], tenant: UUID, connection: UUID) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("claims-\(UUID().uuidString).txt").path
        let text = lines.map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ReportImporter(database: sync, logger: TestEnvironment.logger)
            .importFile(path: path, tenantID: tenant, connectionID: connection, marketplaceID: Self.marketplace)
        #expect(result.rowsQuarantined == 0, "quarantined lines \(result.quarantinedLines) of \(result.detectedReportType)")
        #expect(result.rowsLoaded == lines.count - 1, "\(result.detectedReportType): \(result.rowsLoaded) of \(lines.count - 1) rows")
    }

    /// Imports a settlement report (V2 flat file) of `items`: one event per item, however many
    /// amount lines it has.
    func importSettlement(_ items: [SellerFiles.SettlementItem], tenant: UUID, connection: UUID) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("settlement-\(UUID().uuidString).txt").path
        let text = SellerFiles.settlement(items).map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await ReportImporter(database: sync, logger: TestEnvironment.logger)
            .importFile(path: path, tenantID: tenant, connectionID: connection, marketplaceID: Self.marketplace)
        #expect(result.detectedReportType == "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2")
        #expect(result.rowsQuarantined == 0, "quarantined lines \(result.quarantinedLines)")
        #expect(result.rowsLoaded == items.count, "\(result.rowsLoaded) events of \(items.count) items")
    }

    /// Runs SQL as superuser: for the data no report file carries (Finances API events beside a
    /// settlement file, inbound shipments from the Fulfillment Inbound API), inserted as the sync
    /// would store them.
    func insertAsSync(_ sql: String) async throws {
        _ = try await database.withSuperuser { connection in
            try await SQLScript.run(sql, on: connection, logger: TestEnvironment.logger)
        }
    }

    /// A shipment event of the Finances API as inventory-sync stores it: principal and fees in
    /// cents, the fee breakdown as Amazon's `ItemFeeList`.
    func insertShipmentEvent(tenant: UUID, connection: UUID, order: String, sku: String, quantity: Int, postedAt: String,
                             principalCents: Int, commissionCents: Int, fulfillmentFeeCents: Int) async throws {
        let fees = """
            [{"FeeType":"Commission","FeeAmount":{"CurrencyCode":"USD","CurrencyAmount":\(Self.decimal(-commissionCents))}},\
            {"FeeType":"FBAPerUnitFulfillmentFee","FeeAmount":{"CurrencyCode":"USD","CurrencyAmount":\(Self.decimal(-fulfillmentFeeCents))}}]
            """
        try await insertAsSync("""
            INSERT INTO amazon.financial_shipment_events (tenant_id, connection_id, marketplace_id, event_key, occurrence, amazon_order_id,
                posted_at, seller_sku, order_item_id, quantity, principal_minor, charges_minor, fees_minor, currency, fees, source)
            VALUES ('\(tenant)', '\(connection)', '\(Self.marketplace)', md5('\(order)\(sku)\(postedAt)'), 1, '\(order)', '\(postedAt)',
                    '\(sku)', '\(order)-1', \(quantity), \(principalCents), \(principalCents), \(-(commissionCents + fulfillmentFeeCents)), 'USD',
                    '\(fees)', 'finances_api');
            """)
    }

    /// A refund event of the Finances API as inventory-sync stores it.
    func insertRefundEvent(tenant: UUID, connection: UUID, order: String, sku: String, quantity: Int, postedAt: String,
                           principalCents: Int) async throws {
        try await insertAsSync("""
            INSERT INTO amazon.financial_refund_events (tenant_id, connection_id, marketplace_id, event_key, occurrence, amazon_order_id,
                posted_at, seller_sku, quantity, principal_minor, currency, source)
            VALUES ('\(tenant)', '\(connection)', '\(Self.marketplace)', md5('refund\(order)\(sku)\(postedAt)'), 1, '\(order)',
                    '\(postedAt)', '\(sku)', \(quantity), \(-principalCents), 'USD', 'finances_api');
            """)
    }

    /// An inbound shipment and its items as the Fulfillment Inbound API sync stores them.
    func insertInboundShipment(tenant: UUID, connection: UUID, shipment: String, status: String,
                               items: [(sku: String, fnsku: String, shipped: Int, received: Int)]) async throws {
        var sql = """
            INSERT INTO amazon.inbound_shipments (tenant_id, connection_id, marketplace_id, shipment_id, shipment_status, destination_fulfillment_center_id)
            VALUES ('\(tenant)', '\(connection)', '\(Self.marketplace)', '\(shipment)', '\(status)', 'PHX7');
            """
        for item in items {
            sql += """
                INSERT INTO amazon.inbound_shipment_items (tenant_id, connection_id, marketplace_id, shipment_id, seller_sku, fnsku,
                    quantity_shipped, quantity_received)
                VALUES ('\(tenant)', '\(connection)', '\(Self.marketplace)', '\(shipment)', '\(item.sku)', '\(item.fnsku)', \(item.shipped), \(item.received));
                """
        }
        try await insertAsSync(sql)
    }

    static func decimal(_ cents: Int) -> String {
        let sign = cents < 0 ? "-" : ""
        let value = abs(cents)
        return "\(sign)\(value / 100).\(value % 100 < 10 ? "0" : "")\(value % 100)"
    }

    /// Every claim the engine emits for the connection as of `asOf`, in emission order.
    func detect(tenant: UUID, connection: UUID, asOf: CivilDate, unitCosts: [String: Money] = [:],
                invoiceCosts: [String: [DatedUnitCost]] = [:], expectedFees: [String: Money] = [:]) async throws -> [DetectedClaim] {
        let engine = ClaimRulesEngine(reader: AmazonDataReader(database: claims))
        var found: [DetectedClaim] = []
        try await engine.detect(DetectionRequest(tenantId: tenant, connectionId: connection, marketplaceId: Self.marketplace, asOf: asOf,
                                                 unitCosts: unitCosts, invoiceCosts: invoiceCosts,
                                                 expectedFulfillmentFees: expectedFees)) { found.append($0) }
        return found
    }
}

/// Report files as Seller Central writes them.
enum SellerFiles {
    /// One order item's sale (`Order`) or refund (`Refund`) in a settlement: its principal and its
    /// fees, each an amount line (signed as the settlement signs them: a refund's principal is
    /// negative, its refunded commission too).
    struct SettlementItem {
        let kind: String
        let order: String
        let sku: String
        let quantity: Int
        /// `yyyy-MM-dd HH:mm:ss UTC`, as the settlement writes `posted-date-time`.
        let posted: String
        let principalCents: Int
        let commissionCents: Int
        let fulfillmentFeeCents: Int
    }

    /// A settlement report V2: the header, the settlement's summary line, then one line per amount.
    static func settlement(_ items: [SettlementItem]) -> [[String]] {
        let header = ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency",
                      "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name", "amount-type",
                      "amount-description", "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
                      "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased", "promotion-id"]
        var total = 0
        var lines: [[String]] = []
        for (index, item) in items.enumerated() {
            let sign = item.kind == "Refund" ? 1 : -1  // fees are charged on a sale and given back on a refund
            let amounts = [("ItemPrice", "Principal", item.principalCents), ("ItemFees", "Commission", sign * item.commissionCents),
                           ("ItemFees", "FBAPerUnitFulfillmentFee", sign * item.fulfillmentFeeCents)].filter { $0.2 != 0 }
            for (position, (type, description, cents)) in amounts.enumerated() {
                total += cents
                lines.append(["11223344556", "", "", "", "", "", item.kind, item.order, "", "", "", "Amazon.com", type, description,
                              ClaimFixture.decimal(cents), "AFN", String(item.posted.prefix(10)), item.posted, "OI\(index)", "", "",
                              item.sku, position == 0 ? String(item.quantity) : "", ""])
            }
        }
        let summary = ["11223344556", "2026-07-15 00:00:00 UTC", "2026-08-29 00:00:00 UTC", "2026-08-30 00:00:00 UTC",
                       ClaimFixture.decimal(total), "USD"] + Array(repeating: "", count: header.count - 6)
        return [header, summary] + lines
    }

    static func ledger(_ rows: [(date: String, fnsku: String, sku: String, type: String, reference: String, quantity: Int,
                                 disposition: String, reason: String, unreconciled: String)]) -> [[String]] {
        [["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity", "Fulfillment Center", "Disposition", "Reason",
          "Country", "Reconciled Quantity", "Unreconciled Quantity"]]
            + rows.map { row in
                let reconciled = row.unreconciled.isEmpty ? "" : String(max(0, -row.quantity - (Int(row.unreconciled) ?? 0)))
                return [row.date, row.fnsku, "B0" + row.fnsku.suffix(8), row.sku, "Product \(row.sku)", row.type, row.reference, String(row.quantity),
                        "PHX7", row.disposition, row.reason, "US", reconciled, row.unreconciled]
            }
    }

    static func reimbursements(_ rows: [(date: String, id: String, order: String, reason: String, sku: String, fnsku: String, perUnit: String,
                                         cash: Int, inventory: Int, original: String, originalType: String)]) -> [[String]] {
        [["approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku", "fnsku", "asin", "product-name", "condition",
          "currency-unit", "amount-per-unit", "amount-total", "quantity-reimbursed-cash", "quantity-reimbursed-inventory",
          "quantity-reimbursed-total", "original-reimbursement-id", "original-reimbursement-type"]]
            + rows.map { row in
                let cents = Int(Double(row.perUnit)! * 100)
                let total = ClaimFixture.decimal(cents * abs(row.cash))
                return [row.date, row.id, "", row.order, row.reason, row.sku, row.fnsku, "B0" + row.fnsku.suffix(8), "Product", "New", "USD",
                        row.perUnit, total, String(row.cash), String(row.inventory), String(row.cash + row.inventory), row.original, row.originalType]
            }
    }

    static func returns(_ rows: [(date: String, order: String, sku: String, fnsku: String, quantity: Int, disposition: String, status: String,
                                  lpn: String)]) -> [[String]] {
        [["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id", "detailed-disposition",
          "reason", "status", "license-plate-number", "customer-comments"]]
            + rows.map { [$0.date, $0.order, $0.sku, "B0" + $0.fnsku.suffix(8), $0.fnsku, "Product", String($0.quantity), "PHX7",
                          $0.disposition, "UNWANTED_ITEM", $0.status, $0.lpn, ""] }
    }

    static func replacements(_ rows: [(date: String, sku: String, quantity: Int, replacement: String, original: String)]) -> [[String]] {
        [["shipment-date", "sku", "asin", "fulfillment-center-id", "original-fulfillment-center-id", "quantity", "replacement-reason-code",
          "replacement-amazon-order-id", "original-amazon-order-id"]]
            + rows.map { [$0.date, $0.sku, "B0ASIN", "PHX7", "PHX7", String($0.quantity), "5", $0.replacement, $0.original] }
    }

    static func removalOrders(_ rows: [(requested: String, order: String, type: String, status: String, updated: String, sku: String, fnsku: String,
                                        requestedQuantity: Int, cancelled: Int, disposed: Int, shipped: Int)]) -> [[String]] {
        [["request-date", "order-id", "order-type", "service-speed", "order-status", "last-updated-date", "sku", "fnsku", "disposition",
          "requested-quantity", "cancelled-quantity", "disposed-quantity", "shipped-quantity", "in-process-quantity", "removal-fee", "currency"]]
            + rows.map { [$0.requested, $0.order, $0.type, "Standard", $0.status, $0.updated, $0.sku, $0.fnsku, "Sellable",
                          String($0.requestedQuantity), String($0.cancelled), String($0.disposed), String($0.shipped), "0", "0.97", "USD"] }
    }

    static func removalShipments(_ rows: [(requested: String, order: String, shipped: String, sku: String, fnsku: String, quantity: Int,
                                           tracking: String)]) -> [[String]] {
        [["request-date", "order-id", "shipment-date", "sku", "fnsku", "disposition", "shipped-quantity", "carrier", "tracking-number",
          "removal-order-type"]]
            + rows.map { [$0.requested, $0.order, $0.shipped, $0.sku, $0.fnsku, "Sellable", String($0.quantity), "UPS", $0.tracking, "Return"] }
    }

    static func estimatedFees(_ rows: [(sku: String, fnsku: String, price: String, feeTotal: String, fulfillmentFee: String)]) -> [[String]] {
        [["sku", "fnsku", "asin", "product-name", "your-price", "sales-price", "currency", "estimated-fee-total",
          "estimated-referral-fee-per-unit", "expected-fulfillment-fee-per-unit"]]
            + rows.map { [$0.sku, $0.fnsku, "B0ASIN", "Product", $0.price, $0.price, "USD", $0.feeTotal, "0", $0.fulfillmentFee] }
    }
}

extension [DetectedClaim] {
    /// The claim of `type` whose primary source id is `source`.
    func one(_ type: ClaimType, _ source: String) -> DetectedClaim? {
        first { $0.type == type && $0.sourceIds[type.primarySource] == source }
    }

    /// Claims still owed (neither netted nor resolved).
    var owed: [DetectedClaim] { filter(\.isOwed) }
}
