import AmazonSandbox
import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import NIOCore
import OpsideAmazonAccess
import OpsideAmazonData
import OpsideBenchmarkSupport
import OpsideCore
import OpsideJobs
import OpsidePostgres
import PostgresNIO
import InventorySync
import RefundEngine
import OpsideClaimsAccess

// opside-cases-bench: refund-engine's reconciliation and its filing of a large queue.
//
//   opside-cases-bench [--cases 100000] [--lines 200000] [--claims 10000] [--keep]
//
// 1. Reconciliation: into a scratch database (as superuser), one connection with N filed cases
//    (each with Amazon's case id) and M reimbursement lines: 60 % paying those cases by case id
//    (the lines past one per case pay every tenth case again), 35 % Amazon's own automatic payments, 5 %
//    reversals of case payments. Times `Reconciler.reconcile` over every line (wall, peak RSS,
//    what it entered), then a second pass over the same lines (a re-sync: nothing new).
// 2. Filing: a seller with K claimable claims handed to the intake, then the filing pass at the
//    Amazon sandbox's case desk (in this process, over HTTP, with the seller's access token):
//    the time from the claims arriving to the first case filed, and the pass's wall time.
//    (From `sync.completed` add claim-detector's settle delay, 60 s by default, and its detection;
//    `Benchmarks/run claims` measures that.)
// Figures are printed, never asserted: not a test. Against deploy/up's PostgreSQL:
// `Benchmarks/run cases`; against a throwaway trust-auth cluster on port P:
//   POSTGRES_PORT=P swift run -c release opside-cases-bench --cases 100000 --lines 200000

let arguments = Array(CommandLine.arguments.dropFirst())
let logger = benchmarkLogger("opside-cases-bench")
let reader = try await OpsideConfiguration.reader()
let postgres = BenchmarkPostgres(reader: reader)
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let caseCount = option("cases", 100_000), lineCount = option("lines", 200_000), claimCount = option("claims", 10_000)
let name = "opside_cases_bench_" + UUID().uuidString.prefix(8).lowercased()
let tenant = UUID(), connection = UUID()

func withSuperuser(_ database: String, _ body: (PostgresConnection) async throws -> Void) async throws {
    try await postgres.withSuperuser(database, logger: logger, body)
}

func withDatabase<T: Sendable>(role: OpsideService, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
    let database = Database(settings: PostgresSettings(host: postgres.host, port: postgres.port, database: name, user: role.databaseRole,
                                                       password: postgres.servicePassword, maxConnections: 8, leaseTimeout: .seconds(120)),
                            logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.client.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(database)
    }
}

func createDatabase() async throws {
    try await withSuperuser("postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    }
    try await withSuperuser(name) { bootstrap in
        try await SQLScript.run(try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/sql/bootstrap.sql"), encoding: .utf8),
                                on: bootstrap, logger: logger)
    }
    try await withDatabase(role: .inventorySync) { database in
        for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: database) }
    }
    try await withDatabase(role: .refundEngine) { database in
        for migrator in try RefundEngineService.migrators() { _ = try await migrator.apply(on: database) }
    }
}

func dropDatabase() async throws {
    try await withSuperuser("postgres") { admin in
        try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    }
}

/// The cases and the lines, written by the database itself (generate_series).
func generate() async throws {
    try await withSuperuser(name) { db in
        try await db.query("""
            INSERT INTO amazon.connections (connection_id, tenant_id) VALUES (\(connection), \(tenant))
            """, logger: logger)
        try await db.query("""
            INSERT INTO cases.cases (case_id, tenant_id, connection_id, marketplace_id, claim_id, claim_type, channel, status, fnsku, sku,
                units, amount_claimed_minor, currency, opens_on, deadline, reference_ids, subject, body, attachments, amazon_case_id,
                filed_at, created_at, updated_at)
            SELECT gen_random_uuid(), \(tenant), \(connection), 'ATVPDKIKX0DER', gen_random_uuid(), 'warehouse_lost', 'sandbox', 'approved',
                'X' || (100000000 + i % 5000), 'SKU-' || (i % 5000), 2, 2500, 'USD', current_date - 30, current_date + 30, '{}'::jsonb,
                'Reimbursement request', 'text', '[]'::jsonb, 'C' || i, now() - interval '10 days', now(), now()
            FROM generate_series(1, \(caseCount)) AS i
            """, logger: logger)
        let paying = lineCount * 60 / 100, automatic = lineCount * 35 / 100, reversals = lineCount - paying - automatic
        // Paying lines: case i (every tenth case a second line for its other unit).
        try await db.query("""
            INSERT INTO amazon.reimbursements (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                approval_date, case_id, reason, currency, amount_per_unit_minor, amount_total_minor, quantity_cash, quantity_inventory,
                quantity_total)
            SELECT \(tenant), \(connection), 'ATVPDKIKX0DER', 'R' || i, 'SKU-' || (c % 5000), 'X' || (100000000 + c % 5000), '',
                now() - interval '2 days', 'C' || c, 'Lost_Warehouse', 'USD', 1250, CASE WHEN i <= \(caseCount) THEN 2500 ELSE 1250 END,
                CASE WHEN i <= \(caseCount) THEN 2 ELSE 1 END, 0, CASE WHEN i <= \(caseCount) THEN 2 ELSE 1 END
            FROM generate_series(1, \(paying)) AS i,
                 LATERAL (SELECT CASE WHEN i <= \(caseCount) THEN i ELSE ((i - \(caseCount) - 1) * 10) % \(caseCount) + 1 END AS c) AS pick
            """, logger: logger)
        try await db.query("""
            INSERT INTO amazon.reimbursements (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                approval_date, reason, currency, amount_per_unit_minor, amount_total_minor, quantity_cash, quantity_inventory, quantity_total)
            SELECT \(tenant), \(connection), 'ATVPDKIKX0DER', 'A' || i, 'SKU-' || (i % 5000), 'X' || (100000000 + i % 5000), '',
                now() - interval '20 days', 'Lost_Warehouse', 'USD', 900, CASE WHEN i % 4 = 0 THEN 0 ELSE 900 END,
                CASE WHEN i % 4 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 4 = 0 THEN 1 ELSE 0 END, 1
            FROM generate_series(1, \(automatic)) AS i
            """, logger: logger)
        try await db.query("""
            INSERT INTO amazon.reimbursements (tenant_id, connection_id, marketplace_id, reimbursement_id, sku, fnsku, amazon_order_id,
                approval_date, reason, currency, amount_per_unit_minor, amount_total_minor, quantity_cash, quantity_inventory, quantity_total,
                original_reimbursement_id, original_reimbursement_type)
            SELECT \(tenant), \(connection), 'ATVPDKIKX0DER', 'V' || i, 'SKU-' || ((i * 7) % 5000), 'X' || (100000000 + (i * 7) % 5000), '',
                now() - interval '1 day', 'Reimbursement_Reversal', 'USD', -1250, -2500, -2, 0, -2, 'R' || (i * 7), 'Lost_Warehouse'
            FROM generate_series(1, \(reversals)) AS i
            """, logger: logger)
        try await db.query("ANALYZE", logger: logger)
    }
}

func reconciliation() async throws {
    try await withDatabase(role: .refundEngine) { database in
        let outbox = EventOutbox(producer: .refundEngine, redis: nil, logger: logger)
        let store = CaseStore(database: database, outbox: outbox, logger: logger)
        let reconciler = Reconciler(reader: AmazonDataReader(database: database), store: store, database: database, clocks: .system, logger: logger)
        PeakMemory.reset()
        let start = ContinuousClock.now
        let first = try await reconciler.reconcile(tenant: tenant, connection: connection)
        let wall = seconds(ContinuousClock.now - start)
        print(String(format: "reconcile %d lines against %d cases: %.2f s wall (%.0f lines/s), peak RSS %.0f MiB", lineCount, caseCount, wall,
                     Double(lineCount) / wall, PeakMemory.mebibytes()))
        print("  entered \(first.entered): \(first.attributedToCases) to cases, \(first.automatic) automatic, \(first.reversals) reversals; "
              + "\(first.confirmedByFinance) confirmed by finances")
        let again = ContinuousClock.now
        let second = try await reconciler.reconcile(tenant: tenant, connection: connection)
        print(String(format: "the same lines again (a re-sync): %.2f s wall, %d entered, %d already in the ledger", seconds(ContinuousClock.now - again),
                     second.entered, second.alreadyEntered))
    }
}

/// The sandbox's seller, through a real LWA refresh, as the token vault would hand it out.
struct SandboxTokens: AmazonAccessTokenSource {
    let baseURL: String
    let refreshToken: String
    let sellingPartnerId: String

    func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess {
        var request = HTTPClientRequest(url: baseURL + "/auth/o2/token")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "grant_type=refresh_token&refresh_token=\(refreshToken)"
            + "&client_id=amzn1.application-oa2-client.opside-sandbox&client_secret=opside-sandbox-secret"))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let token = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
        return AmazonAccess(accessToken: token["access_token"] as? String ?? "", expiresAt: Date().addingTimeInterval(3000),
                            sellingPartnerId: sellingPartnerId, region: "na", marketplaceIds: ["ATVPDKIKX0DER"], endpoint: baseURL)
    }
}

/// The desk, noting when the first case was filed.
final class TimedDesk: CaseDesk, @unchecked Sendable {
    let desk: any CaseDesk
    let lock = NSLock()
    var firstFiled: ContinuousClock.Instant?

    init(_ desk: any CaseDesk) { self.desk = desk }

    func file(_ request: CaseFilingRequest, tenant: UUID, connection: UUID) async throws(CaseDeskError) -> String {
        let id = try await desk.file(request, tenant: tenant, connection: connection)
        lock.withLock { if firstFiled == nil { firstFiled = .now } }
        return id
    }

    func answers(tenant: UUID, connection: UUID, createdAfter: Date) async throws(CaseDeskError) -> [CaseDeskAnswer] {
        try await desk.answers(tenant: tenant, connection: connection, createdAfter: createdAfter)
    }

    func reply(amazonCaseId: String, body: String, attachments: [String], idempotencyKey: String, tenant: UUID, connection: UUID) async throws(CaseDeskError) {
        try await desk.reply(amazonCaseId: amazonCaseId, body: body, attachments: attachments, idempotencyKey: idempotencyKey, tenant: tenant,
                             connection: connection)
    }
}

/// Hands the intake the claims directly (the HTTP fetch from claim-detector is 20 pages of 500).
struct GivenClaims: ClaimSource {
    let all: [ListedClaim]
    func claims(tenant: UUID, connection: UUID?, statuses: [String]) async throws -> [ListedClaim] { all }
    func claim(tenant: UUID, id: UUID) async throws -> ListedClaim? { all.first { $0.id == id } }
}

func filing() async throws {
    var sandboxLogger = Logger(label: "sandbox")
    sandboxLogger.logLevel = .error
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let (application, _) = buildSandboxApplication(settings: SandboxSettings(port: 0, timeScale: 1000, reportProcessingSeconds: 0.1),
                                                   logger: sandboxLogger) { port in
        continuation.yield(port)
        continuation.finish()
    }
    let server = Task { try await application.runService() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw BenchError(description: "the sandbox did not start") }
    let baseURL = "http://127.0.0.1:\(port)"
    var request = HTTPClientRequest(url: baseURL + "/_sandbox/sellers")
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: #"{"seed": 77, "skus": 20, "months": 1}"#))
    let created = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let seller = try JSONSerialization.jsonObject(with: Data(buffer: try await created.body.collect(upTo: 1 << 20))) as? [String: Any] ?? [:]
    let tokens = SandboxTokens(baseURL: baseURL, refreshToken: seller["refreshToken"] as? String ?? "",
                               sellingPartnerId: seller["sellingPartnerId"] as? String ?? "")
    let sellerConnection = UUID()
    let today = CivilDate(instant: Date(), timeZone: "America/Los_Angeles")
    let claims = (0..<claimCount).map { index in
        ListedClaim(id: UUID(), type: index % 5 == 0 ? "refund_without_return" : "warehouse_lost", status: "claimable",
                     connectionId: sellerConnection, marketplaceId: "ATVPDKIKX0DER", fnsku: nil, sku: "SKU-77-000\(index % 10)", asin: nil,
                     units: 1 + index % 3, amount: Money(amountMinor: Int64(500 + (index * 37) % 9000), currency: .usd),
                     clockStartedAt: today.adding(days: -20), opensOn: today.adding(days: -5), deadline: today.adding(days: 1 + index % 60),
                     sourceIds: ["ledgerReferenceId": String(900_000_000 + index)])
    }
    try await withDatabase(role: .refundEngine) { database in
        let outbox = EventOutbox(producer: .refundEngine, redis: nil, logger: logger)
        let configuration = RefundEngineSettings(defaultChannel: .sandbox, continuousByDefault: true, dailyLimit: 25,
                                                 sweepSchedule: try CronSchedule("*/5 * * * *"), caseDeskURL: baseURL)
        let store = CaseStore(database: database, outbox: outbox, logger: logger)
        let settings = FilingSettingsStore(database: database, defaults: configuration, logger: logger)
        let intake = CaseIntake(store: store, settings: settings, claims: GivenClaims(all: claims),
                                defaultApprovalProbability: 0.6, database: database, clocks: .system, logger: logger)
        let desk = TimedDesk(SellerCentralCaseDesk(baseURL: baseURL, httpClient: .shared, tokens: tokens))
        let engine = FilingEngine(store: store, settings: settings, desk: desk, database: database, clocks: .system, configuration: configuration,
                                  logger: logger)
        let start = ContinuousClock.now
        let counts = try await intake.intake(tenant: tenant, connection: sellerConnection)
        let made = seconds(ContinuousClock.now - start)
        let pass = try await engine.file(tenant: tenant, connection: sellerConnection)
        let total = seconds(ContinuousClock.now - start)
        let first = desk.firstFiled.map { seconds($0 - start) } ?? .nan
        print(String(format: "%d claims to cases: %.2f s (%d made); first case filed %.2f s after the claims arrived; "
                     + "the pass filed %d (daily limit 25, %d deferred, %d would miss) in %.2f s", claimCount, made, counts.created, first,
                     pass.filed, pass.deferred, pass.wouldMiss, total))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

try await createDatabase()
do {
    let generating = ContinuousClock.now
    try await generate()
    print(String(format: "generated %d cases and %d reimbursement lines in %.1f s", caseCount, lineCount, seconds(ContinuousClock.now - generating)))
    try await reconciliation()
    try await filing()
} catch {
    if !arguments.contains("--keep") { try? await dropDatabase() }
    throw error
}
if arguments.contains("--keep") { print("kept database \(name)") } else { try await dropDatabase() }
