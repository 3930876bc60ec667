import Foundation
import InventorySyncTesting
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

/// refund-engine as its own process, killed with SIGKILL in the middle of a filing batch, started
/// again while its Redis is down, with the desk slow: afterwards every claim is filed once and
/// every reimbursement counted once.
@Suite(.serialized) struct CaseCrashTests {
    /// The built `refund-engine` executable, configured through its environment.
    final class RefundEngineProcess: @unchecked Sendable {
        let process: Process
        let port: Int
        var baseURL: String { "http://127.0.0.1:\(port)" }

        init(database: TestDatabase, suite: CaseSuite, vault: FakeTokenVault, redisPort: Int) throws {
            port = try TestEnvironment.freePort()
            var values = CaseSuite.refundSettings(sandbox: suite.sandbox)
            values.merge([
                "http.host": "127.0.0.1", "http.port": String(port),
                "postgres.host": database.host, "postgres.port": String(database.port), "postgres.database": database.name,
                "postgres.user": OpsideService.refundEngine.databaseRole,
                "redis.host": "127.0.0.1", "redis.port": String(redisPort),
                "security.serviceTokenSecret": TestEnvironment.serviceTokenSecret,
                "services.integrations.url": vault.baseURL, "services.claimDetector.url": suite.claimDetector.baseURL,
                // A filing left half done by the crash is taken up again a second later.
                "filing.stuckFilingSeconds": "1",
                "jobs.pollIntervalMilliseconds": "250", "jobs.rescueIntervalMilliseconds": "500", "log.level": "warning",
            ]) { $1 }
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in values { environment[OpsideConfiguration.environmentName(for: key)] = value }
            process = Process()
            process.executableURL = TestEnvironment.executable("refund-engine")
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        /// Up and answering `/health/live` (ready needs Redis, which a test may have stopped).
        func waitUntilLive() async throws {
            let live = try await eventually(timeout: .seconds(60)) {
                (try? await TestHTTP.request(.GET, self.baseURL + "/health/live", timeout: .seconds(2)))?.status == 200
            }
            #expect(live, "refund-engine came up")
        }

        func call(_ method: HTTPMethod, _ path: String, tenant: UUID, json: String? = nil, timeout: Duration = .seconds(120)) async throws -> TestHTTP.Reply {
            let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            let token = try await authority.token(for: .refundEngine, tenantID: tenant)
            return try await TestHTTP.request(method, baseURL + path, json: json ?? (method == .GET ? nil : "{}"),
                                              headers: ["authorization": "Bearer \(token)"], timeout: timeout)
        }

        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func terminate() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test func aCrashMidBatchARedisOutageAndASlowDeskLoseNothingAndDoubleNothing() async throws {
        let database = try await TestDatabase.create()
        let suite = try await CaseSuite.start(database: database)
        let redis = try await PrivateRedis.start()
        // Whatever happens, no process or server of this test outlives it.
        let started = ProcessList()
        do {
            try await crashAndOutage(database: database, suite: suite, redis: redis, started: started)
        } catch {
            started.terminateAll()
            redis.destroy()
            await suite.stop()
            throw error
        }
    }

    /// The processes a test started, for stopping them on every path.
    final class ProcessList: @unchecked Sendable {
        private let lock = NSLock()
        private var processes: [RefundEngineProcess] = []
        func add(_ process: RefundEngineProcess) -> RefundEngineProcess {
            lock.withLock { processes.append(process) }
            return process
        }
        func terminateAll() {
            for process in lock.withLock({ processes }) where process.process.isRunning { process.kill() }
        }
    }

    func crashAndOutage(database: TestDatabase, suite: CaseSuite, redis: PrivateRedis, started: ProcessList) async throws {
        let tenant = UUID()
        let (seller, connection) = try await suite.connectSeller(seed: 1305, skus: 16, tenant: tenant)
        let vault = try await FakeTokenVault.start(tokens: suite.tokens) { $0 == connection ? tenant : nil }
        // The in-process refund-engine steps aside: the process is the one under test.
        await suite.refundEngine.stop()
        var engine = started.add(try RefundEngineProcess(database: database, suite: suite, vault: vault, redisPort: redis.port))
        try await engine.waitUntilLive()
        _ = try await engine.call(.PUT, "/internal/filing", tenant: tenant, json: #"{"channel": "sandbox", "continuous": false}"#)
        try await suite.sync(tenant: tenant, connection: connection)
        try await suite.settleClaims(tenant: tenant, connection: connection, casesAt: engine.baseURL)
        for item in try await suite.cases(tenant: tenant, query: "status=needs_documents", at: engine.baseURL) {
            _ = try await engine.call(.POST, "/internal/cases/\(item["id"]!)/documents-ready", tenant: tenant)
        }
        let ready = try await suite.cases(tenant: tenant, query: "status=ready", at: engine.baseURL)
        #expect(ready.count >= 4, "cases to file (\(ready.count))")

        // The desk takes a second and a half per case; the process dies after the second filing.
        try await suite.sandbox.admin(.PUT, "/_sandbox/faults", ["operations": ["sellerCentral.createCase"],
                                                                 "slow": ["rate": 1.0, "delayMilliseconds": 1500]])
        let running = engine
        let batch = Task { try? await running.call(.POST, "/internal/cases/file", tenant: tenant) }
        try await suite.waitFor("two cases at the desk", timeout: .seconds(60)) { try await suite.deskCases(seller).cases.count >= 2 }
        engine.kill()
        _ = await batch.value
        let interrupted = try await database.withSuperuser { db in
            var count = 0
            for try await filing in try await db.query("SELECT count(*) FROM cases.cases WHERE status = 'filing'", logger: TestEnvironment.logger)
                .decode(Int64.self) { count = Int(filing) }
            return count
        }
        #expect(interrupted == 1, "one filing was in flight when the process died (\(interrupted))")

        // Redis goes down; the process comes back without it; the desk is fast again.
        redis.stopServer()
        try await suite.sandbox.admin(.DELETE, "/_sandbox/faults")
        engine = started.add(try RefundEngineProcess(database: database, suite: suite, vault: vault, redisPort: redis.port))
        try await engine.waitUntilLive()
        // From here on, continuous filing: cases later detections make are filed as they come,
        // so none waits past its deadline.
        _ = try await engine.call(.PUT, "/internal/filing", tenant: tenant, json: #"{"continuous": true}"#)
        let restarted = engine
        try await suite.waitFor("every case filed after the restart", timeout: .seconds(90)) {
            _ = try await restarted.call(.POST, "/internal/cases/file", tenant: tenant)
            let cases = try await suite.cases(tenant: tenant, at: restarted.baseURL)
            return !cases.contains { ["ready", "filing"].contains($0.status) }
        }
        try await redis.startServer()

        var cases = try await suite.cases(tenant: tenant, at: engine.baseURL)
        let filed = cases.compactMap { $0["amazonCaseId"] as? String }
        var desk = try await suite.deskCases(seller)
        #expect(desk.cases.count == filed.count, "one desk case per filed claim (\(desk.cases.count) at the desk, \(filed.count) filed)")
        #expect(Set(desk.cases.compactMap { $0["caseId"] as? String }) == Set(filed))
        // The claim behind each desk case is different: nothing was filed twice under two ids.
        let references = desk.cases.map { ($0["references"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined() }
        #expect(Set(references).count == references.count)

        // The money, reconciled by the process: a crash during it, and a second pass, count nothing twice.
        try await suite.advanceClock(days: 4)
        _ = try await engine.call(.POST, "/internal/cases/refresh", tenant: tenant)
        try await suite.sync(tenant: tenant, connection: connection, dataset: "reimbursements")
        desk = try await suite.deskCases(seller)
        let paid = desk.paid
        #expect(!paid.isEmpty, "the desk paid cases")
        let current = engine
        try await suite.waitFor("the ledger to equal what the desk paid", timeout: .seconds(90)) {
            let summary = try await current.call(.GET, "/internal/recoveries/summary", tenant: tenant).json()["summary"] as? [String: Any] ?? [:]
            var byCase: [String: Int64] = [:]
            for money in summary["byCase"] as? [[String: Any]] ?? [] {
                byCase[money["currency"] as! String] = (money["amountMinor"] as! NSNumber).int64Value
            }
            return byCase == paid
        }
        engine.kill()
        engine = started.add(try RefundEngineProcess(database: database, suite: suite, vault: vault, redisPort: redis.port))
        try await engine.waitUntilLive()
        let again = engine
        @Sendable func reconciliations() async throws -> Int {
            let reply = try await again.call(.GET, "/internal/jobs?state=completed&limit=1000", tenant: tenant)
            return ((try reply.json()["jobs"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "refund-engine.reconcile" }.count
        }
        let before = try await reconciliations()
        try await suite.advanceClock(days: 0.25)
        try await suite.sync(tenant: tenant, connection: connection, dataset: "reimbursements")
        try await suite.waitFor("another reconciliation", timeout: .seconds(90)) { try await reconciliations() > before }
        let summary = try await engine.call(.GET, "/internal/recoveries/summary", tenant: tenant).json()["summary"] as? [String: Any] ?? [:]
        var byCase: [String: Int64] = [:]
        for money in summary["byCase"] as? [[String: Any]] ?? [] {
            byCase[money["currency"] as! String] = (money["amountMinor"] as! NSNumber).int64Value
        }
        #expect(byCase == paid, "still exactly what the desk paid")
        cases = try await suite.cases(tenant: tenant, at: engine.baseURL)
        let metrics = try await engine.call(.GET, "/internal/cases/metrics", tenant: tenant).json()["metrics"] as? [String: Any] ?? [:]
        let missed = try await suite.missedReasons(tenant: tenant, at: engine.baseURL)
        #expect(metrics["missedDeadlines"] as? Int == 0, "\(missed)")
        engine.terminate()
        redis.destroy()
        await vault.stop()
        await suite.stop()
    }
}
