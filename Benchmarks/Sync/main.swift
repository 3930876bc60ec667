import AmazonSandbox
import AsyncHTTPClient
import ClaimDetector
import Configuration
import Foundation
import OpsideBenchmarkSupport
import Hummingbird
import InventorySync
import Logging
import NIOCore
import NIOHTTP1
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideAmazonAccess
import OpsideAmazonAds
import OpsideCore
import OpsideJobs
import OpsidePostgres
import PostgresNIO
import ServiceLifecycle
import Synchronization

// opside-sync-bench: inventory-sync's figures.
//
//   opside-sync-bench ingest [--rows 2000000] [--also 500000]
//       A gzipped GET_LEDGER_DETAIL_VIEW_DATA file of N rows → committed rows in amazon.ledger_detail
//       (rows/s, peak RSS), beside `psql \copy` of the same rows into the same table (the floor).
//   opside-sync-bench sync [--skus 200] [--months 12] [--time-scale 20] [--orders-backfill reports|calls]
//       A new connection's backfill of a large sandbox seller, beside the minimum time the
//       operations' rate limits allow for the calls it made: when each dataset finished, when each
//       family of claims was covered (`ClaimCoverage`), and the first claims the detection finds
//       the moment the first family is (claim-detector's rules on the synced rows). The order
//       history by the All Orders report (the default) or call by call, as before issue 17.
//   opside-sync-bench ads [--skus 400]
//       A first sync of a sandbox seller's Sponsored Products spend (the 95 days the Ads API keeps,
//       four reports) through the same engine, rows and time; then the spend page's read (30 days,
//       every SKU, with their sales) timed over 50 reads.
//
// Connects to PostgreSQL as the services do (`postgres.host`, `postgres.port`; a superuser from
// `bench.postgresSuperuser`, default postgres, creates a scratch database) and to Redis
// (`redis.host`, `redis.port`) for the sync benchmark.

let arguments = Array(CommandLine.arguments.dropFirst())

let logger = benchmarkLogger("opside-sync-bench")
let reader = try await OpsideConfiguration.reader()
// deploy/up's cluster requires passwords (Benchmarks/run and the note below read them from
// .run/secrets.env): the superuser's for scratch databases, the service roles' for loads.
let postgres = BenchmarkPostgres(reader: reader)
let (host, port, superuser, servicePassword) = (postgres.host, postgres.port, postgres.superuser, postgres.servicePassword)
let redisPassword = reader.string(forKey: "redis.password", isSecret: true)
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

// MARK: Helpers

func superuserConnection(_ database: String) async throws -> PostgresConnection {
    try await postgres.superuserConnection(database, logger: logger)
}

/// Scratch databases this run created, dropped before the process exits.
let scratchDatabases = Mutex<[String]>([])

/// A fresh database bootstrapped like production, with inventory-sync's migrations applied.
func scratchDatabase() async throws -> String {
    let name = "opside_bench_" + UUID().uuidString.prefix(8).lowercased()
    scratchDatabases.withLock { $0.append(name) }
    let admin = try await superuserConnection("postgres")
    try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
    try await admin.close()
    let connection = try await superuserConnection(name)
    let bootstrap = try String(contentsOf: repositoryRoot.appendingPathComponent("deploy/sql/bootstrap.sql"), encoding: .utf8)
    try await SQLScript.run(bootstrap, on: connection, logger: logger)
    try await connection.close()
    return name
}

func withDatabase<T: Sendable>(_ name: String, _ body: @escaping @Sendable (Database) async throws -> T) async throws -> T {
    let database = Database(settings: PostgresSettings(host: host, port: port, database: name, user: OpsideService.inventorySync.databaseRole,
                                                       password: servicePassword, maxConnections: 8, leaseTimeout: .seconds(30)), logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.client.run()
            return nil
        }
        defer { group.cancelAll() }
        for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { try await migrator.apply(on: database) }
        return try await body(database)
    }
}

func dropDatabase(_ name: String) async throws {
    let admin = try await superuserConnection("postgres")
    try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    try await admin.close()
}

func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

// MARK: Ingest

/// Writes N ledger rows twice: as the report file (TSV, then gzipped) and as the table's COPY
/// input for psql. Rows are sorted by time, like Amazon's.
func writeLedgerFiles(rows: Int, tenant: UUID, connection: UUID) throws -> (gzip: String, copy: String, columns: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("opside-bench-ledger-\(rows)")
    let report = base.path + ".txt", copy = base.path + ".copy"
    _ = FileManager.default.createFile(atPath: report, contents: nil)
    _ = FileManager.default.createFile(atPath: copy, contents: nil)
    let reportHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: report))
    let copyHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
    try reportHandle.write(contentsOf: Data("Date\tFNSKU\tASIN\tMSKU\tTitle\tEvent Type\tReference ID\tQuantity\tFulfillment Center\tDisposition\tReason\tCountry\tReconciled Quantity\tUnreconciled Quantity\tDate and Time\n".utf8))
    let events = ["Shipments", "Receipts", "CustomerReturns", "Adjustments", "VendorReturns"]
    let centers = ["PHX7", "ONT8", "BFI4", "MDW2", "TEB9"]
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    var reportBuffer = "", copyBuffer = ""
    let tenantText = tenant.uuidString.lowercased(), connectionText = connection.uuidString.lowercased()
    for index in 0..<rows {
        let product = index % 2000
        let time = start.addingTimeInterval(Double(index) * 13)
        let stamp = time.formatted(.iso8601)
        let day = String(stamp.prefix(10))
        let event = events[index % 5]
        let quantity = event == "Receipts" || event == "CustomerReturns" ? 1 + index % 7 : -(1 + index % 3)
        let reason = event == "Adjustments" ? "M" : ""
        let reconciled = event == "Adjustments" ? "0" : "", unreconciled = event == "Adjustments" ? String(-quantity) : ""
        let fields = [day, "X00BENCH\(product)", "B0BENCH\(product)", "SKU-\(product)", "Benchmark product \(product)", event,
                      "REF\(index)", String(quantity), centers[index % 5], "SELLABLE", reason, "US", reconciled, unreconciled, stamp]
        reportBuffer += fields.joined(separator: "\t") + "\n"
        let key = String(format: "%032x", index)
        let tableFields = [tenantText, connectionText, "ATVPDKIKX0DER", key, "1", day, stamp, fields[1], fields[2], fields[3], fields[4],
                           event, fields[6], fields[7], fields[8], "SELLABLE", reason.isEmpty ? "\\N" : reason, "US",
                           reconciled.isEmpty ? "\\N" : reconciled, unreconciled.isEmpty ? "\\N" : unreconciled]
        copyBuffer += tableFields.joined(separator: "\t") + "\n"
        if reportBuffer.utf8.count > 1 << 20 {
            try reportHandle.write(contentsOf: Data(reportBuffer.utf8))
            try copyHandle.write(contentsOf: Data(copyBuffer.utf8))
            reportBuffer = ""
            copyBuffer = ""
        }
    }
    try reportHandle.write(contentsOf: Data(reportBuffer.utf8))
    try copyHandle.write(contentsOf: Data(copyBuffer.utf8))
    try reportHandle.close()
    try copyHandle.close()
    try? FileManager.default.removeItem(atPath: report + ".gz")
    let (status, output) = try run("/usr/bin/gzip", ["-1", report])
    guard status == 0 else { throw BenchError("gzip failed: \(output)") }
    let columns = "tenant_id, connection_id, marketplace_id, event_key, occurrence, event_date, event_at, fnsku, asin, msku, title, "
        + "event_type, reference_id, quantity, fulfillment_center, disposition, reason, country, reconciled_quantity, unreconciled_quantity"
    return (report + ".gz", copy, columns)
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func ingest(rows: Int) async throws {
    let name = try await scratchDatabase()
    let tenant = UUID(), connection = UUID()
    let generated = ContinuousClock.now
    let files = try writeLedgerFiles(rows: rows, tenant: tenant, connection: connection)
    let gzipBytes = (try FileManager.default.attributesOfItem(atPath: files.gzip)[.size] as? Int) ?? 0
    print("ledger detail, \(rows) rows: file \(gzipBytes / 1_048_576) MiB gzipped (generated in \(String(format: "%.1f", seconds(ContinuousClock.now - generated))) s)")

    try await withDatabase(name) { _ in }  // the schema, before either load
    // The floor: psql \copy of the same rows into the same (empty) table, as superuser.
    let psql = ProcessInfo.processInfo.environment["OPSIDE_PG_BIN"].map { $0 + "/psql" } ?? "/usr/bin/psql"
    let floorStart = ContinuousClock.now
    let (status, output) = try run(psql, ["-h", host, "-p", String(port), "-U", superuser, "-d", name, "-v", "ON_ERROR_STOP=1", "-c",
                                          "\\copy amazon.ledger_detail (\(files.columns)) FROM '\(files.copy)'"])
    let floorSeconds = seconds(ContinuousClock.now - floorStart)
    guard status == 0 else { throw BenchError("psql \\copy failed: \(output)") }
    let admin = try await superuserConnection(name)
    try await admin.query("TRUNCATE amazon.ledger_detail", logger: logger)
    try await admin.query("CHECKPOINT", logger: logger)
    try await admin.close()

    // Ours: stream → gunzip → parse → COPY into staging → merge, one transaction, as inventory-sync.
    let (result, ourSeconds, peak) = try await withDatabase(name) { database in
        let importer = ReportImporter(database: database, logger: logger)
        PeakMemory.reset()
        let started = ContinuousClock.now
        let result = try await importer.importFile(path: files.gzip, tenantID: tenant, connectionID: connection, marketplaceID: "ATVPDKIKX0DER")
        return (result, seconds(ContinuousClock.now - started), PeakMemory.mebibytes())
    }
    guard result.rowsInserted == rows else { throw BenchError("loaded \(result.rowsInserted) of \(rows) rows") }
    print(String(format: "  opside import : %7.1f s  %9.0f rows/s  peak RSS %6.1f MiB", ourSeconds, Double(rows) / ourSeconds, peak))
    print(String(format: "  psql \\copy    : %7.1f s  %9.0f rows/s  (floor; uncompressed COPY text)", floorSeconds, Double(rows) / floorSeconds))
    print(String(format: "  ratio (ours/floor speed): %.2f", floorSeconds / ourSeconds))
    try? FileManager.default.removeItem(atPath: files.gzip)
    try? FileManager.default.removeItem(atPath: files.copy)
}

// MARK: Sync

/// Access tokens by a real LWA refresh against the in-process sandbox (the role integrations'
/// vault plays in production).
struct SandboxTokens: AmazonAccessTokenSource {
    let lwa: LoginWithAmazonClient
    let refreshToken: String
    let sellingPartnerID: String
    let marketplaceIDs: [String]
    let endpoint: String

    func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess {
        do {
            let token = try await lwa.refresh(refreshToken)
            return AmazonAccess(accessToken: token.accessToken, expiresAt: Date().addingTimeInterval(Double(token.expiresIn)),
                                sellingPartnerId: sellingPartnerID, region: "na", marketplaceIds: marketplaceIDs, endpoint: endpoint)
        } catch {
            throw AmazonAccessError.unavailable("\(error)")
        }
    }
}

/// The Amazon sandbox in this process on a free port: its base URL, and the task to cancel to stop it.
func startSandbox(_ settings: SandboxSettings) async throws -> (url: String, task: Task<Void, any Error>) {
    let (stream, continuation) = AsyncStream<Int>.makeStream()
    let (sandboxApp, _) = buildSandboxApplication(settings: settings, logger: logger) { port in
        continuation.yield(port)
        continuation.finish()
    }
    let task = Task { try await sandboxApp.runService() }
    var ports = stream.makeAsyncIterator()
    guard let sandboxPort = await ports.next() else {
        task.cancel()
        throw BenchError("sandbox did not start")
    }
    return ("http://127.0.0.1:\(sandboxPort)", task)
}

/// inventory-sync's settings on the scratch database `name`, the Amazon rate limits scaled by
/// `timeScale`, and `extra`.
func inventorySyncSettings(database name: String, timeScale: Double, _ extra: [String: String]) async throws -> ConfigReader {
    var environment: [String: String] = [:]
    let values: [String: String] = [
        "http.port": "0", "postgres.host": host, "postgres.port": String(port), "postgres.database": name,
        "redis.host": reader.string(forKey: "redis.host", default: "127.0.0.1"), "redis.port": String(reader.int(forKey: "redis.port", default: 6379)),
        "security.serviceTokenSecret": "bench-secret-" + UUID().uuidString, "log.level": "error",
        "amazon.rateLimit.timeScale": String(timeScale), "amazon.rateLimit.keyPrefix": "opside:bench:\(UUID().uuidString.prefix(8))",
        "jobs.pollIntervalMilliseconds": "100",
    ].merging(extra) { $1 }
    if let servicePassword { environment["POSTGRES_PASSWORD"] = servicePassword }
    if let redisPassword { environment["REDIS_PASSWORD"] = redisPassword }
    for (key, value) in values { environment[OpsideConfiguration.environmentName(for: key)] = value }
    return try await OpsideConfiguration.reader(environment: environment)
}

func syncBenchmark(skus: Int, months: Int, timeScale: Double, ordersBackfill: String) async throws {
    let sandboxSettings = SandboxSettings(port: 0, timeScale: timeScale, reportProcessingSeconds: 4 / timeScale)
    let (sandboxURL, sandboxTask) = try await startSandbox(sandboxSettings)
    defer { sandboxTask.cancel() }
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    defer { Task { try? await http.shutdown() } }

    func admin(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: sandboxURL + path)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        return Data(buffer: try await response.body.collect(upTo: 16 << 20))
    }
    struct Seller: Decodable { let sellingPartnerId: String; let refreshToken: String; let marketplaceIds: [String] }
    let seller = try JSONDecoder().decode(Seller.self, from: try await admin(.POST, "/_sandbox/sellers",
                                                                           #"{"seed": 77, "skus": \#(skus), "months": \#(months)}"#))
    let spapi = AmazonSPAPISettings(lwaEndpoint: sandboxURL + "/auth/o2/token", clientID: sandboxSettings.lwaClientID,
                                    clientSecret: sandboxSettings.lwaClientSecret)
    let tokens = SandboxTokens(lwa: LoginWithAmazonClient(httpClient: http, settings: spapi, logger: logger), refreshToken: seller.refreshToken,
                               sellingPartnerID: seller.sellingPartnerId, marketplaceIDs: seller.marketplaceIds, endpoint: sandboxURL)

    let name = try await scratchDatabase()
    let serviceReader = try await inventorySyncSettings(database: name, timeScale: timeScale, [
        "sync.reportPollMilliseconds": String(Int(1000 / timeScale) + 20), "sync.reportPollMaxMilliseconds": String(Int(5000 / timeScale) + 50),
        "jobs.concurrency": "16", "sync.ordersBackfill": ordersBackfill
    ])
    let app = try await InventorySyncService.buildApplication(reader: serviceReader, accessTokens: tokens)
    let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    let serviceTask = Task { try await group.run() }

    let tenant = UUID(), connection = UUID()
    let elapsed: Double = try await withDatabase(name) { database in
        let repository = SyncPostgresRepository(database: database, logger: logger, queue: InventorySyncService.queue,
                                                jobKind: InventorySyncService.syncKind, maxAttempts: 6)
        try await repository.upsertConnection(SyncConnection(connectionId: connection, tenantId: tenant, sellingPartnerId: seller.sellingPartnerId,
                                                             region: "na", marketplaceIds: seller.marketplaceIds, status: "active", statusReason: nil))
        let started = ContinuousClock.now, startedAt = Date()
        // What a new connection's backfill asks for, as it asks (Brand Analytics waits for its first
        // scheduled run, advertising spend for an Amazon Ads authorization this seller lacks).
        for dataset in SyncDataset.backfilledOnConnect {
            _ = try await repository.requestRun(tenantID: tenant, connectionID: connection, dataset: dataset, trigger: .backfill,
                                                priority: dataset.backfillPriority)
        }
        var firstClaims: (at: Double, claims: Int, detection: Double)?
        while true {
            let runs = try await repository.runs(tenantID: tenant, connectionID: connection, dataset: nil, limit: 50)
            let finished = Dictionary(runs.compactMap { run in
                run.state == "succeeded" ? SyncDataset(rawValue: run.dataset).flatMap { dataset in run.finishedAt.map { (dataset, $0) } } : nil
            }) { first, _ in first }
            if firstClaims == nil, ClaimCoverage.states(firstSynced: finished).contains(where: \.covered) {
                // What claim-detector does on the first sync.completed that covers a family: every rule.
                let at = seconds(ContinuousClock.now - started)
                let detectionStart = ContinuousClock.now
                var claims = 0
                let request = DetectionRequest(tenantId: tenant, connectionId: connection, marketplaceId: seller.marketplaceIds[0],
                                               asOf: CivilDate(utcDayOf: Date()), unitCosts: [:])
                try await ClaimRulesEngine(reader: AmazonDataReader(database: database)).detect(request) { _ in claims += 1 }
                firstClaims = (at, claims, seconds(ContinuousClock.now - detectionStart))
            }
            if runs.allSatisfy({ !["queued", "running", "retrying"].contains($0.state) }) {
                let took = seconds(ContinuousClock.now - started)
                for run in runs.sorted(by: { (SyncDataset(rawValue: $0.dataset)?.backfillPriority ?? 3, $0.finishedAt ?? .distantFuture)
                                             < (SyncDataset(rawValue: $1.dataset)?.backfillPriority ?? 3, $1.finishedAt ?? .distantFuture) }) {
                    let duration = (run.finishedAt ?? Date()).timeIntervalSince(run.startedAt ?? run.queuedAt)
                    let done = (run.finishedAt ?? Date()).timeIntervalSince(startedAt)
                    print(String(format: "  %-32@ %-10@ %7d rows  %5d pages  %7.1f s, done at %7.1f s (%6.1f min real)", run.dataset as NSString,
                                 run.state as NSString, run.rowsInserted, run.pagesDone, duration, done, done * timeScale / 60))
                }
                print("claims covered (every dataset a family's evidence reads has synced once):")
                for state in ClaimCoverage.states(firstSynced: finished) {
                    let at = state.coveredAt.map { $0.timeIntervalSince(startedAt) }
                    print(String(format: "  %-10@ %@", state.family as NSString,
                                 at.map { String(format: "at %7.1f s (%6.1f min real)", $0, $0 * timeScale / 60) } ?? "never" as String as NSString))
                }
                if let firstClaims {
                    print(String(format: "first claims: %d found by every rule at %.1f s (%.1f min real), the detection taking %.2f s; "
                                 + "claim-detector runs it %d s after the sync.completed that allows it (claims.settleDelaySeconds)",
                                 firstClaims.claims, firstClaims.at + firstClaims.detection, (firstClaims.at * timeScale + firstClaims.detection) / 60,
                                 firstClaims.detection, 60))
                }
                return took
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
    await group.triggerGracefulShutdown()
    _ = try? await serviceTask.value

    // The floor: per operation, calls beyond the burst at the (scaled) sustained rate; operations
    // have separate buckets, so the slowest one bounds the whole sync.
    let statsBody = try await admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/stats")
    let stats = try JSONSerialization.jsonObject(with: statsBody) as? [String: Any]
    let requests: [String: Int] = (stats?["requests"] as? [String: Any])?.compactMapValues { $0 as? Int } ?? [:]
    var floor = 0.0, bottleneck = ""
    for (id, calls) in requests {
        guard let dot = id.firstIndex(of: ".") else { continue }
        let plan = UsagePlanTable.amazonDefaults.plan(for: SPAPIOperation(api: String(id[..<dot]), name: String(id[id.index(after: dot)...])))
        let bound = max(0, Double(calls - plan.burst)) / (plan.rate * timeScale)
        if bound > floor { floor = bound; bottleneck = "\(id): \(calls) calls, burst \(plan.burst), \(plan.rate) req/s" }
    }
    print(String(format: "full first sync, %d SKUs × %d months, orders by %@, time scale %.0f: %.1f s (= %.0f s, %.1f min at Amazon's real rates)",
                 skus, months, ordersBackfill as NSString, timeScale, elapsed, elapsed * timeScale, elapsed * timeScale / 60))
    print(String(format: "  rate-limit floor: %.1f s (= %.0f s real) — bottleneck %@", floor, floor * timeScale, bottleneck as NSString))
    print(String(format: "  ratio: %.2f", floor > 0 ? elapsed / floor : 0))
    print("  calls: \(requests.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
}

// MARK: Advertising spend

/// The Ads vault's stand-in for a benchmark: the sandbox seller's Ads refresh token, refreshed with
/// the sandbox's Ads application, and its one profile.
struct SandboxAdsTokens: AdsAccessSource {
    let lwa: LoginWithAmazonClient
    let refreshToken: String
    let endpoint: String
    let clientID: String
    let http: HTTPClient

    func adsAccess(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AdsAccess {
        let token = try await lwa.refresh(refreshToken)
        let client = AmazonAdsClient(settings: AmazonAdsSettings(clientID: clientID, endpoints: [.northAmerica: endpoint]), httpClient: http,
                                     logger: logger) { token.accessToken }
        guard let profile = try await client.profiles(region: .northAmerica).first else { throw BenchError("the sandbox seller has no Ads profile") }
        return AdsAccess(accessToken: token.accessToken, expiresAt: Date().addingTimeInterval(Double(token.expiresIn)), clientId: clientID,
                         region: .northAmerica, endpoint: endpoint, profile: profile)
    }
}

func adsBenchmark(skus: Int) async throws {
    let sandboxSettings = SandboxSettings(port: 0, timeScale: 20, reportProcessingSeconds: 0.2)
    let (sandboxURL, sandboxTask) = try await startSandbox(sandboxSettings)
    defer { sandboxTask.cancel() }
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    defer { Task { try? await http.shutdown() } }
    var request = HTTPClientRequest(url: sandboxURL + "/_sandbox/sellers")
    request.method = .POST
    request.body = .bytes(ByteBuffer(string: #"{"seed": 78, "skus": \#(skus), "months": 4}"#))
    let created = try await http.execute(request, timeout: .seconds(120))
    struct Seller: Decodable { let sellingPartnerId: String; let refreshToken: String; let adsRefreshToken: String; let marketplaceIds: [String] }
    let seller = try JSONDecoder().decode(Seller.self, from: Data(buffer: try await created.body.collect(upTo: 1 << 20)))
    let spapi = AmazonSPAPISettings(lwaEndpoint: sandboxURL + "/auth/o2/token", clientID: sandboxSettings.lwaClientID,
                                    clientSecret: sandboxSettings.lwaClientSecret)
    let adsLWA = AmazonSPAPISettings(lwaEndpoint: sandboxURL + "/auth/o2/token", clientID: sandboxSettings.adsClientID,
                                     clientSecret: sandboxSettings.adsClientSecret)
    let tokens = SandboxTokens(lwa: LoginWithAmazonClient(httpClient: http, settings: spapi, logger: logger), refreshToken: seller.refreshToken,
                               sellingPartnerID: seller.sellingPartnerId, marketplaceIDs: seller.marketplaceIds, endpoint: sandboxURL)
    let ads = SandboxAdsTokens(lwa: LoginWithAmazonClient(httpClient: http, settings: adsLWA, logger: logger), refreshToken: seller.adsRefreshToken,
                               endpoint: sandboxURL, clientID: sandboxSettings.adsClientID, http: http)

    let name = try await scratchDatabase()
    let serviceReader = try await inventorySyncSettings(database: name, timeScale: 20,
                                                        ["ads.reportPollSeconds": "0.1", "ads.reportPollMaxSeconds": "0.2"])
    let app = try await InventorySyncService.buildApplication(reader: serviceReader, accessTokens: tokens, adsAccess: ads)
    let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    let serviceTask = Task { try await group.run() }

    let tenant = UUID(), connection = UUID()
    try await withDatabase(name) { database in
        let repository = SyncPostgresRepository(database: database, logger: logger, queue: InventorySyncService.queue,
                                                jobKind: InventorySyncService.syncKind, maxAttempts: 6)
        try await repository.upsertConnection(SyncConnection(connectionId: connection, tenantId: tenant, sellingPartnerId: seller.sellingPartnerId,
                                                             region: "na", marketplaceIds: seller.marketplaceIds, status: "active", statusReason: nil))
        let started = ContinuousClock.now
        let run = try await repository.startAdsSpend(tenantID: tenant, connectionID: connection)
        var finished: SyncRun?
        while finished == nil {
            try await Task.sleep(for: .milliseconds(100))
            finished = try await repository.run(tenantID: tenant, runID: run.runId).flatMap { ["queued", "running", "retrying"].contains($0.state) ? nil : $0 }
        }
        let took = seconds(ContinuousClock.now - started)
        guard let finished, finished.state == "succeeded" else { throw BenchError("the spend sync ended \(finished?.state ?? "?"): \(finished?.errorMessage ?? "")") }
        print(String(format: "ads spend first sync, %d SKUs × 95 days: %.2f s, %d reports, %d SKU-days (%.0f rows/s)", skus, took,
                     finished.pagesDone, finished.rowsInserted, Double(finished.rowsInserted) / took))

        let store = AdsSpendStore(database: database, logger: logger)
        let today = CivilDate(utcDayOf: Date())
        var samples: [Double] = []
        var shown = 0
        for _ in 0..<50 {
            let start = ContinuousClock.now
            let report = try await store.report(tenantID: tenant, connectionID: connection, marketplace: nil, from: today.adding(days: -29), to: today)
            samples.append(seconds(ContinuousClock.now - start) * 1000)
            shown = report.skus.count
        }
        samples.sort()
        print(String(format: "spend page read, 30 days × %d SKUs with their sales: p50 %.1f ms, p95 %.1f ms, max %.1f ms (50 reads)", shown,
                     samples[samples.count / 2], samples[samples.count * 95 / 100], samples[samples.count - 1]))
    }
    await group.triggerGracefulShutdown()
    _ = try? await serviceTask.value
}

// MARK: Main

do {
    switch arguments.first {
    case "ingest":
        let rows = option("rows", 2_000_000)
        let also = option("also", 0)
        if also > 0 { try await ingest(rows: also) }
        try await ingest(rows: rows)
    case "sync":
        try await syncBenchmark(skus: option("skus", 200), months: option("months", 12), timeScale: doubleOption("time-scale", 20),
                                ordersBackfill: stringOption("orders-backfill", "reports"))
    case "ads":
        try await adsBenchmark(skus: option("skus", 400))
    default:
        print("usage: opside-sync-bench ingest [--rows N] [--also M] | sync [--skus S] [--months M] [--time-scale X] [--orders-backfill reports|calls] | ads [--skus S]")
    }
    for name in scratchDatabases.withLock({ $0 }) { try await dropDatabase(name) }
} catch {
    for name in scratchDatabases.withLock({ $0 }) { try? await dropDatabase(name) }
    FileHandle.standardError.write(Data("opside-sync-bench: \(String(reflecting: error))\n".utf8))
    exit(1)
}
