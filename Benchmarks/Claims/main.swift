import ClaimDetector
import OpsideJobs
import OpsideBenchmarkSupport
import Configuration
import Foundation
import InventorySync
import Logging
import NIOCore
import OpsideAmazonData
import OpsideCore
import OpsidePostgres
import PostgresNIO

// opside-claims-bench: claim-detector's rules engine on one large seller.
//
//   opside-claims-bench [--ledger 5000000] [--orders 1000000] [--fnskus 5000] [--keep | --reuse NAME]
//   opside-claims-bench approval [--cases 100000]   (the approval model alone: ApprovalBenchmark.swift)
//
// Generates into a scratch database (COPY, as superuser) one connection with N ledger rows
// (70 % Shipments, 15 % Receipts, 10 % CustomerReturns, 3.5 % transfers, 1.5 % Adjustments), M
// orders with their shipment events (fees included), 5 % refunded, 4 % returned, reimbursements,
// replacements, removals, closed inbound shipments and the estimated-fees report; then times the
// whole detection (every rule) and the three rules FC lost, FC damaged and disposed without
// request, printing wall time, claims emitted, peak RSS (VmHWM) and where the time went per pass
// (PostgreSQL and decoding vs Swift); then the detection as the service runs it, every claim
// written: a first run, a re-run, and the next day's run, each with the run's own log line of
// where the time went.
// Figures are printed, never asserted: not a test. `--keep` leaves the database; `--reuse NAME`
// measures a kept one again (its stored claims emptied) without the minute of generating it.
//
// Connects as the services do (`postgres.host`, `postgres.port`, `postgres.password`; the
// superuser from `bench.postgresSuperuser`, default postgres, with POSTGRES_SUPERUSER_PASSWORD).
// Against deploy/up's cluster: `Benchmarks/run claims`. Against a throwaway trust-auth cluster
// (what deploy/test starts) on port P:
//   POSTGRES_PORT=P swift run -c release --scratch-path .build-X opside-claims-bench --ledger 500000 --orders 100000

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "approval" {
    ApprovalBenchmark.run()
    exit(0)
}

let logger = benchmarkLogger("opside-claims-bench")
let reader = try await OpsideConfiguration.reader()
let postgres = BenchmarkPostgres(reader: reader)
let (host, port, servicePassword) = (postgres.host, postgres.port, postgres.servicePassword)
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

func superuserConnection(_ database: String) async throws -> PostgresConnection {
    try await postgres.superuserConnection(database, logger: logger)
}

/// Runs `body` on a superuser connection to `database`, closed on every path.
func withSuperuser(_ database: String, _ body: (PostgresConnection) async throws -> Void) async throws {
    let connection = try await superuserConnection(database)
    do {
        try await body(connection)
        try await connection.close()
    } catch {
        try? await connection.close()
        throw error
    }
}

func withDatabase<T: Sendable>(_ name: String, role: OpsideService, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
    let database = Database(settings: PostgresSettings(host: host, port: port, database: name, user: role.databaseRole,
                                                       password: servicePassword, maxConnections: 4, leaseTimeout: .seconds(60)), logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(database)
    }
}

/// Streams rows of one table into COPY, flushing every MiB.
func copy(_ connection: PostgresConnection, _ table: String, _ columns: [String], rows: Int,
          _ row: (Int, inout [String]) -> Void) async throws {
    // copyFrom quotes the table name as one identifier: the schema comes from the search path.
    try await connection.copyFrom(table: table, columns: ["tenant_id", "connection_id", "marketplace_id"] + columns, logger: logger) { writer in
        var buffer = ByteBufferAllocator().buffer(capacity: 1 << 21)
        var fields: [String] = []
        for index in 0..<rows {
            fields.removeAll(keepingCapacity: true)
            row(index, &fields)
            if fields.isEmpty { continue }
            buffer.writeString(prefix)
            buffer.writeString(fields.joined(separator: "\t"))
            buffer.writeInteger(UInt8(ascii: "\n"))
            if buffer.readableBytes > 1 << 20 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }
}

// Fixed: each run has a database of its own, and `--reuse` finds the same seller again.
let tenant = UUID(uuidString: "6e0a1c2b-0000-4000-8000-00000000be01")!, connectionID = UUID(uuidString: "6e0a1c2b-0000-4000-8000-00000000be02")!
let marketplace = "ATVPDKIKX0DER"
let prefix = "\(tenant.uuidString.lowercased())\t\(connectionID.uuidString.lowercased())\t\(marketplace)\t"
let firstDay = CivilDate(year: 2024, month: 12, day: 1).daysSince1970
let spanDays = 730
func day(_ offset: Int) -> String { CivilDate(daysSince1970: firstDay + offset).description }
func instant(_ offset: Int, hour: Int = 18) -> String { "\(day(offset)) \(hour):00:00+00" }
func fnsku(_ index: Int) -> String { "X\(String(100_000_000 + index))" }
func sku(_ index: Int) -> String { "SKU-\(index)" }
func order(_ index: Int) -> String { "111-\(String(1_000_000 + index))-0000001" }

func generate(on connection: PostgresConnection, ledgerRows: Int, orders: Int, fnskus: Int) async throws {
    var random = SplitMix64(seed: 20_261_204)
    // Ledger: day order, as reports arrive.
    try await copy(connection, "ledger_detail", ["event_key", "occurrence", "event_date", "fnsku", "msku", "event_type", "reference_id",
                                                 "quantity", "fulfillment_center", "disposition", "reason", "unreconciled_quantity"],
                   rows: ledgerRows) { index, fields in
        let product = random.below(fnskus)
        let date = day(index * spanDays / ledgerRows)
        let kind = random.below(1000)
        var type = "Shipments", reference = order(random.below(orders)), quantity = -1, disposition = "SELLABLE", reason = "\\N"
        var unreconciled = "\\N"
        switch kind {
        case ..<700: break
        case ..<850:
            type = "Receipts"; reference = "FBA\(String(100_000 + random.below(2000)))"; quantity = 1 + random.below(10)
        case ..<950:
            type = "CustomerReturns"; quantity = 1
        case ..<985:
            type = "WhseTransfers"; reference = "T\(index)"; quantity = random.below(2) == 0 ? -1 : 1
        default:
            type = "Adjustments"; reference = "A\(index)"
            let pick = random.below(100)
            let units = 1 + random.below(3)
            switch pick {
            case ..<20: reason = "M"; quantity = -units; unreconciled = String(random.below(units + 1))
            case ..<25: reason = "5"; quantity = -units; unreconciled = String(units)
            case ..<40: reason = "F"; quantity = units
            case ..<45: reason = "N"; quantity = units
            case ..<60: reason = "E"; quantity = -units; unreconciled = String(random.below(units + 1))
            case ..<75: reason = "P"; quantity = units; disposition = "WAREHOUSE_DAMAGED"
            case ..<85: reason = "D"; quantity = -units; disposition = random.below(2) == 0 ? "SELLABLE" : "WAREHOUSE_DAMAGED"
            case ..<90: reason = "Q"; quantity = -units
            case ..<95: reason = "K"; quantity = -units; disposition = "DEFECTIVE"
            default: reason = "O"; quantity = -units
            }
        }
        fields += [String(format: "%016x", index), "1", date, fnsku(product), sku(product), type, reference, String(quantity), "PHX7",
                   disposition, reason, unreconciled]
    }
    // Finances: one shipment event per order; 5 % of them 1.00 above the expected fulfillment fee.
    try await copy(connection, "financial_shipment_events", ["event_key", "occurrence", "amazon_order_id", "posted_at", "seller_sku",
                                                             "order_item_id", "quantity", "principal_minor", "charges_minor", "fees_minor",
                                                             "currency", "fees"], rows: orders) { index, fields in
        let product = index % fnskus
        let quantity = 1 + random.below(2)
        let price = 2000 + (product % 50) * 100
        let fee = 400 + (product % 7) * 50 + (random.below(20) == 0 ? 100 : 0)
        let commission = price * 15 / 100
        let feesJSON = "[{\"FeeType\":\"Commission\",\"FeeAmount\":{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-\(Double(commission * quantity) / 100)}},"
            + "{\"FeeType\":\"FBAPerUnitFulfillmentFee\",\"FeeAmount\":{\"CurrencyCode\":\"USD\",\"CurrencyAmount\":-\(Double(fee * quantity) / 100)}}]"
        fields += [String(format: "s%015x", index), "1", order(index), instant(index * spanDays / orders), sku(product), "\(index)",
                   String(quantity), String(price * quantity), String(price * quantity), String(-(commission + fee) * quantity), "USD", feesJSON]
    }
    try await copy(connection, "financial_refund_events", ["event_key", "occurrence", "amazon_order_id", "posted_at", "seller_sku", "quantity",
                                                           "principal_minor", "currency"], rows: orders) { index, fields in
        guard index % 20 == 0 else { return }
        fields += [String(format: "r%015x", index), "1", order(index), instant(min(spanDays - 1, index * spanDays / orders + 5)),
                   sku(index % fnskus), "1", "-2000", "USD"]
    }
    // Returns: 4 in 5 refunded orders come back, 1 in 20 of them carrier-damaged.
    try await copy(connection, "customer_returns", ["order_id", "fnsku", "license_plate_number", "return_date", "sku", "quantity",
                                                    "detailed_disposition", "status"], rows: orders) { index, fields in
        guard index % 20 == 0, index % 100 != 0 else { return }
        fields += [order(index), fnsku(index % fnskus), "LPN\(index)", instant(min(spanDays - 1, index * spanDays / orders + 8)), sku(index % fnskus),
                   "1", index % 400 == 20 ? "CARRIER_DAMAGED" : "SELLABLE", "Unit returned to inventory"]
    }
    // Reimbursements: warehouse losses by FNSKU, returns by order, 2 % reversed.
    let reimbursements = max(100, orders / 50)
    try await copy(connection, "reimbursements", ["reimbursement_id", "sku", "fnsku", "amazon_order_id", "approval_date", "reason",
                                                  "currency", "amount_per_unit_minor", "amount_total_minor", "quantity_cash", "quantity_inventory",
                                                  "quantity_total", "original_reimbursement_id", "original_reimbursement_type"],
                   rows: reimbursements) { index, fields in
        let product = random.below(fnskus)
        let kind = index % 50
        let when = index * spanDays / reimbursements
        if kind == 49 {
            fields += ["R\(index)", sku(product), fnsku(product), "", instant(when), "Reimbursement_Reversal", "USD", "800", "800", "-1", "0", "-1",
                       "R\(index - 1)", "\\N"]
        } else if kind < 30 {
            fields += ["R\(index)", sku(product), fnsku(product), "", instant(when), kind < 20 ? "Lost_Warehouse" : "Damaged_Warehouse", "USD",
                       "800", "800", "1", "0", "1", "\\N", "\\N"]
        } else {
            let refunded = random.below(orders / 20) * 20
            fields += ["R\(index)", sku(refunded % fnskus), fnsku(refunded % fnskus), order(refunded), instant(when), "CustomerReturn", "USD",
                       "1500", "1500", "1", "0", "1", "\\N", "\\N"]
        }
    }
    try await copy(connection, "estimated_fees", ["sku", "fnsku", "currency", "your_price_minor", "estimated_fee_total_minor",
                                                  "expected_fulfillment_fee_minor"], rows: fnskus) { index, fields in
        let price = 2000 + (index % 50) * 100
        fields += [sku(index), fnsku(index), "USD", String(price), String(price * 15 / 100 + 400 + (index % 7) * 50), String(400 + (index % 7) * 50)]
    }
    try await copy(connection, "replacements", ["replacement_order_id", "original_order_id", "sku", "shipment_date", "quantity"],
                   rows: orders / 200) { index, fields in
        let original = index * 200 + 7
        fields += [order(orders + index), order(original), sku(original % fnskus), instant(original * spanDays / orders), "1"]
    }
    let removals = max(10, orders / 500)
    try await copy(connection, "removal_orders", ["order_id", "sku", "fnsku", "disposition", "request_date", "order_type", "order_status",
                                                  "last_updated_date", "requested_quantity", "cancelled_quantity", "disposed_quantity",
                                                  "shipped_quantity"], rows: removals) { index, fields in
        let product = index * 7 % fnskus
        let disposal = index % 2 == 0
        fields += ["RMV\(index)", sku(product), fnsku(product), "Sellable", instant(index * spanDays / removals), disposal ? "Disposal" : "Return",
                   "Completed", instant(min(spanDays - 1, index * spanDays / removals + 6)), "3", "0", disposal ? "3" : "0", disposal ? "0" : "3"]
    }
    try await copy(connection, "removal_shipments", ["order_id", "tracking_number", "sku", "fnsku", "shipment_date", "shipped_quantity"],
                   rows: removals) { index, fields in
        guard index % 2 == 1 else { return }
        fields += ["RMV\(index)", "1Z\(index)", sku(index * 7 % fnskus), fnsku(index * 7 % fnskus), instant(min(spanDays - 1, index * spanDays / removals + 4)), index % 10 == 1 ? "2" : "3"]
    }
    try await copy(connection, "inbound_shipments", ["shipment_id", "shipment_status"], rows: 2000) { index, fields in
        fields += ["FBA\(String(100_000 + index))", "CLOSED"]
    }
    try await copy(connection, "inbound_shipment_items", ["shipment_id", "seller_sku", "fnsku", "quantity_shipped", "quantity_received"],
                   rows: 10_000) { index, fields in
        let product = random.below(fnskus)
        fields += ["FBA\(String(100_000 + index / 5))", sku(product) + "-\(index % 5)", fnsku(product), "40", String(38 + random.below(3))]
    }
}

func detection(_ name: String, types: Set<ClaimType>, label: String) async throws {
    let (claims, wall, peak, timings) = try await withDatabase(name, role: .claimDetector) { database in
        let engine = ClaimRulesEngine(reader: AmazonDataReader(database: database))
        let request = DetectionRequest(tenantId: tenant, connectionId: connectionID, marketplaceId: marketplace,
                                       asOf: CivilDate(daysSince1970: firstDay + spanDays), unitCosts: [sku(1): Money(amountMinor: 900, currency: .usd)])
        PeakMemory.reset()
        let started = ContinuousClock.now
        var claims = 0
        let timings = try await engine.detect(request, types: types) { _ in claims += 1 }
        return (claims, seconds(ContinuousClock.now - started), PeakMemory.mebibytes(), timings)
    }
    print(String(format: "%@: %.2f s wall, %d claims, peak RSS %.0f MiB", label as NSString, wall, claims, peak))
    for timing in timings {
        print(String(format: "  %@ %6.2f s  (PostgreSQL + decoding %6.2f s, Swift %6.2f s)  %8d rows read  %7d claims",
                     timing.pass.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) as NSString, seconds(timing.wall), seconds(timing.query), seconds(timing.swift),
                     timing.rowsRead, timing.claimsEmitted))
    }
}

/// The whole detection as the service runs it: the rules, then every claim written to the claim
/// store in the run's transaction (`ClaimDetection`, what the API, the jobs and `opside detect` call).
func storedDetection(_ name: String, label: String, daysLater: Int = 0) async throws {
    let (run, wall, peak) = try await withDatabase(name, role: .claimDetector) { database in
        // Info level: the run's own log line says how long the rules with staging and the merge took.
        var detectionLogger = Logger(label: "claim-detector")
        detectionLogger.logLevel = .info
        let parts = ClaimDetectorService.Parts(
            database: database, outbox: EventOutbox(producer: .claimDetector, redis: nil, logger: detectionLogger),
            detector: ClaimRulesEngine(reader: AmazonDataReader(database: database)), clocks: .system,
            settings: ClaimDetectorSettings(dailySchedule: try CronSchedule("0 6 * * *"), approvalTrainingSchedule: try CronSchedule("30 5 * * *")), logger: detectionLogger)
        PeakMemory.reset()
        let started = ContinuousClock.now
        let run = try await parts.detection.detect(tenant: tenant, connection: connectionID,
                                                   asOf: CivilDate(daysSince1970: firstDay + spanDays + daysLater),
                                                   trigger: .api)
        return (run, seconds(ContinuousClock.now - started), PeakMemory.mebibytes())
    }
    let counts = run.counts
    print(String(format: "%@: %.2f s wall, %@, %d new, %d updated, %d unchanged, %d resolved, peak RSS %.0f MiB", label as NSString, wall,
                 run.state.rawValue as NSString, counts.new, counts.updated, counts.unchanged, counts.resolved, peak))
}

let ledgerRows = option("ledger", 5_000_000), orders = option("orders", 1_000_000), fnskus = option("fnskus", 5000)
/// `--reuse NAME`: a database an earlier `--keep` run left, measured again without generating it.
let reused = arguments.firstIndex(of: "--reuse").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
let name = reused ?? "opside_claims_bench_" + UUID().uuidString.prefix(8).lowercased()

func createDatabase() async throws {
    try await withSuperuser("postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    }
    try await withSuperuser(name) { bootstrap in
        try await SQLScript.run(try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/sql/bootstrap.sql"), encoding: .utf8),
                                on: bootstrap, logger: logger)
    }
    try await withDatabase(name, role: .inventorySync) { database in
        for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: database) }
    }
    try await withDatabase(name, role: .claimDetector) { database in
        for migrator in try ClaimDetectorService.migrators() { _ = try await migrator.apply(on: database) }
    }
}

func dropDatabase() async throws {
    try await withSuperuser("postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    }
}

func benchmark() async throws {
    if reused == nil {
        try await createDatabase()
        let generated = ContinuousClock.now
        try await withSuperuser(name) { loader in
            try await loader.query("SET search_path TO amazon", logger: logger)
            try await generate(on: loader, ledgerRows: ledgerRows, orders: orders, fnskus: fnskus)
            try await loader.query("""
                INSERT INTO connections (connection_id, tenant_id, marketplace_ids, status) VALUES (\(connectionID), \(tenant), \([marketplace]), 'active')
                """, logger: logger)
            try await loader.query("VACUUM ANALYZE", logger: logger)
            // The load's gigabyte of WAL is flushed now, not by a checkpoint in the middle of the
            // timings (a seller's data is synced long before it is detected).
            try await loader.query("CHECKPOINT", logger: logger)
        }
        print(String(format: "generated %d ledger rows, %d orders, %d FNSKUs in %.1f s", ledgerRows, orders, fnskus,
                     seconds(ContinuousClock.now - generated)))
    } else {
        // Migrations added since the database was made apply; the stored claims of the earlier run
        // go, so the first stored detection is a first run again.
        try await withDatabase(name, role: .inventorySync) { database in
            for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: database) }
        }
        try await withDatabase(name, role: .claimDetector) { database in
            for migrator in try ClaimDetectorService.migrators() { _ = try await migrator.apply(on: database) }
        }
        try await withSuperuser(name) { admin in
            try await admin.query("TRUNCATE claims.claims, claims.detection_runs", logger: logger)
            try await admin.query("VACUUM ANALYZE", logger: logger)
        }
        print("reusing database \(name)")
    }

    try await detection(name, types: Set(ClaimType.allCases), label: "whole detection (every rule)")
    try await detection(name, types: [.warehouseLost, .warehouseDamaged, .disposedUnrequested], label: "FC lost + FC damaged + disposed")
    try await detection(name, types: Set(ClaimType.allCases), label: "whole detection, again (warm)")
    try await storedDetection(name, label: "detection with every claim written (first run)")
    try await storedDetection(name, label: "detection with every claim written (re-run)")
    try await storedDetection(name, label: "detection with every claim written (the next day: the daily run)", daysLater: 1)
    if arguments.contains("--keep") || reused != nil {
        print("kept database \(name)")
    } else {
        try await dropDatabase()
    }
}

do {
    try await benchmark()
} catch {
    FileHandle.standardError.write(Data("opside-claims-bench: \(String(reflecting: error))\n".utf8))
    if reused == nil { try? await dropDatabase() }
    exit(1)
}
