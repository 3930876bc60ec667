// The harness inventory-sync's tests share with every suite that needs synced Amazon data: the sandbox
// in-process, a stand-in token vault, inventory-sync booted through its composition root or as
// its built executable.
import AmazonSandbox
import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import InventorySync
import Logging
import NIOCore
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideAmazonAccess
import OpsideCore
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

/// The Amazon sandbox booted in-process on a free port, with the admin calls inventory-sync's
/// tests use and a direct SP-API client for ground truth.
public final class InventorySyncSandbox: Sendable {
    public let baseURL: String
    public let settings: SandboxSettings
    public let task: Task<Void, any Error>
    public let spapi: AmazonSPAPISettings
    public let lwa: LoginWithAmazonClient
    /// The sandbox's clock (real time until a test advances or freezes it): inventory-sync's syncs
    /// read Amazon's now from it, as a real sync runs on the same time as Amazon.
    public let clock: SandboxWallClock
    public static let logger = Logger(label: "inventory-sync-tests")

    /// The sandbox's now as a wall clock.
    public struct SandboxWallClock: WallClock {
        let state: SandboxState
        public var now: Date { state.now }
    }

    public struct Seller: Decodable, Sendable {
        public let sellingPartnerId: String
        public let refreshToken: String
        /// The seller's Amazon Ads refresh token (the sandbox's Ads application's).
        public let adsRefreshToken: String?
        public let region: String
        public let marketplaceIds: [String]
    }

    private init(baseURL: String, settings: SandboxSettings, state: SandboxState, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.clock = SandboxWallClock(state: state)
        self.settings = settings
        self.task = task
        spapi = AmazonSPAPISettings(lwaEndpoint: "\(baseURL)/auth/o2/token",
                                    regionEndpoints: [.northAmerica: baseURL, .europe: baseURL, .farEast: baseURL],
                                    clientID: settings.lwaClientID, clientSecret: settings.lwaClientSecret,
                                    requestTimeout: .seconds(10), maxAttempts: 4, retryBaseDelay: .milliseconds(20),
                                    retryMaxDelay: .milliseconds(200), reportPollInitialInterval: .milliseconds(100),
                                    reportPollMaxInterval: .milliseconds(200), reportTimeout: .seconds(60))
        lwa = LoginWithAmazonClient(httpClient: HTTPClient.shared, settings: spapi, logger: Self.logger)
    }

    public static func start(timeScale: Double = 2000, reportProcessingSeconds: Double = 0.2, port: Int = 0) async throws -> InventorySyncSandbox {
        let settings = SandboxSettings(port: port, timeScale: timeScale, reportProcessingSeconds: reportProcessingSeconds)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "sandbox")
        logger.logLevel = .warning
        let (application, state) = buildSandboxApplication(settings: settings, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task { try await application.runService() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw UnwrapError(what: "a running sandbox") }
        return InventorySyncSandbox(baseURL: "http://127.0.0.1:\(port)", settings: settings, state: state, task: task)
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }

    @discardableResult
    public func admin(_ method: HTTPMethod, _ path: String, _ body: [String: any Sendable]? = nil) async throws -> Data {
        let json = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let reply = try await TestHTTP.request(method, baseURL + path, json: json)
        guard (200..<300).contains(reply.status) else { throw UnwrapError(what: "sandbox admin \(path) to succeed, got \(reply.status) \(reply.text)") }
        return reply.body
    }

    /// Stops the sandbox's clock where it is (and with it inventory-sync's idea of Amazon's now), so what
    /// a sync reads and the ground truth read after it describe the same instant (the generated
    /// history goes on past today).
    public func freezeClock() async throws {
        try await admin(.POST, "/_sandbox/clock", ["freeze": true])
    }

    public func createSeller(seed: UInt64, skus: Int = 3, months: Int = 3) async throws -> Seller {
        try JSONDecoder().decode(Seller.self, from: try await admin(.POST, "/_sandbox/sellers", ["seed": seed, "skus": skus, "months": months]))
    }

    /// A direct client to read what the sandbox holds (ground truth), unpaced.
    public func api(for seller: Seller) -> SellingPartnerAPI {
        let cache = LWAAccessTokenCache(lwa: lwa, logger: Self.logger)
        let client = SPAPIClient(settings: spapi, httpClient: HTTPClient.shared, tokens: cache, rateLimiter: NoPacing(),
                                 logger: Self.logger)
        return client.api(for: .seller(seller.sellingPartnerId, region: .northAmerica, refreshToken: seller.refreshToken))
    }

    public struct NoPacing: SPAPIRateLimiter {
        public init() {}
        public func acquire(bucket: String, plan: UsagePlan) async throws {}
        public func learn(bucket: String, operation: SPAPIOperation, rate: Double) async throws {}
    }

    /// Every row of a report over the seller's whole history, as the sandbox serves it.
    public func reportRows(_ seller: Seller, type: String, ranged: Bool = true) async throws -> [ReportRecord] {
        let api = api(for: seller)
        let start = Date().addingTimeInterval(-600 * 86_400).formatted(.iso8601)
        let specification = CreateReportSpecification(reportType: type, marketplaceIDs: seller.marketplaceIds,
                                                      dataStartTime: ranged ? start : nil, dataEndTime: ranged ? Date().formatted(.iso8601) : nil)
        var rows: [ReportRecord] = []
        for try await row in try await api.runReport(specification, as: ReportRecord.self) { rows.append(row) }
        return rows
    }

    /// The report document's raw bytes (decompressed), for building import files.
    /// Settlements come from Seller Central's download (the admin route): Amazon makes none on request.
    public func reportText(_ seller: Seller, type: String) async throws -> [UInt8] {
        let start = Date().addingTimeInterval(-600 * 86_400).formatted(.iso8601)
        if type.hasPrefix("GET_V2_SETTLEMENT_REPORT_DATA") {
            return Array(try await admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/seller-central-reports/\(type)?start=\(start)"))
        }
        let api = api(for: seller)
        let completion = try await api.createReportAndWait(CreateReportSpecification(
            reportType: type, marketplaceIDs: seller.marketplaceIds, dataStartTime: start, dataEndTime: Date().formatted(.iso8601)))
        guard case .done(_, let document) = completion else { return [] }
        var bytes: [UInt8] = []
        for try await chunk in api.reportDocumentBytes(reportDocumentID: document) { bytes += chunk.readableBytesView }
        return bytes
    }
}

/// A stand-in for integrations' token vault: a real LWA refresh against the sandbox for each
/// registered connection, answering like the vault (409-style `needsReauthorization` on
/// `invalid_grant`, not-found for another tenant's connection).
public final class SandboxAccessTokenSource: AmazonAccessTokenSource {
    public struct Entry: Sendable {
        public let tenantID: UUID
        public let seller: InventorySyncSandbox.Seller
    }
    public let sandbox: InventorySyncSandbox
    private let connections = Mutex<[UUID: Entry]>([:])
    /// Connections whose token requests wait until released (runs stay in flight meanwhile).
    private let held = Mutex<Set<UUID>>([])
    /// Connections the seller disconnected: answered like the vault answers them.
    private let disconnected = Mutex<Set<UUID>>([])
    private let requests = Mutex<[UUID: Int]>([:])

    public init(sandbox: InventorySyncSandbox) { self.sandbox = sandbox }

    public func register(connectionID: UUID, tenantID: UUID, seller: InventorySyncSandbox.Seller) {
        connections.withLock { $0[connectionID] = Entry(tenantID: tenantID, seller: seller) }
    }

    public func hold(_ connectionID: UUID) { held.withLock { _ = $0.insert(connectionID) } }
    public func release(_ connectionID: UUID) { held.withLock { _ = $0.remove(connectionID) } }
    public func disconnect(_ connectionID: UUID) { disconnected.withLock { _ = $0.insert(connectionID) } }
    /// How many tokens were asked for `connectionID`.
    public func requestCount(_ connectionID: UUID) -> Int { requests.withLock { $0[connectionID, default: 0] } }

    public func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess {
        requests.withLock { $0[connectionID, default: 0] += 1 }
        guard let entry = connections.withLock({ $0[connectionID] }), entry.tenantID == tenantID else {
            throw AmazonAccessError.connectionNotFound(connectionID)
        }
        if disconnected.withLock({ $0.contains(connectionID) }) {
            throw AmazonAccessError.disconnected("this Amazon connection was disconnected; connect the seller again")
        }
        // Held: wait for the test to release it, or for the job to be cancelled (the sleep throws).
        while held.withLock({ $0.contains(connectionID) }) { try await Task.sleep(for: .milliseconds(20)) }
        do {
            let token = try await sandbox.lwa.refresh(entry.seller.refreshToken)
            return AmazonAccess(accessToken: token.accessToken, expiresAt: Date().addingTimeInterval(Double(token.expiresIn)),
                                sellingPartnerId: entry.seller.sellingPartnerId, region: entry.seller.region,
                                marketplaceIds: entry.seller.marketplaceIds, endpoint: sandbox.baseURL)
        } catch {
            if error.needsReauthorization { throw AmazonAccessError.needsReauthorization("\(error)") }
            throw AmazonAccessError.unavailable("\(error)")
        }
    }
}

/// inventory-sync booted through its real composition root with the stand-in vault.
public final class RunningInventorySync: Sendable {
    public let port: Int
    public let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.group = group
        self.task = task
    }

    public static func fastSettings(sandbox: InventorySyncSandbox) -> [String: String] {
        [
            "amazon.rateLimit.timeScale": String(sandbox.settings.timeScale),
            "amazon.maxAttempts": "3", "amazon.retryBaseDelayMilliseconds": "20", "amazon.retryMaxDelayMilliseconds": "200",
            "amazon.requestTimeoutSeconds": "10", "amazon.reports.timeoutSeconds": "60",
            "sync.reportPollMilliseconds": "100", "sync.reportPollMaxMilliseconds": "200",
            "sync.maxAttempts": "3", "sync.retryBaseSeconds": "0.2", "sync.retryMaxSeconds": "1", "sync.leaseSeconds": "4",
            "jobs.concurrency": "8", "sync.manualCooldownSeconds": "0",
        ]
    }

    public static func start(database: TestDatabase, sandbox: InventorySyncSandbox, tokens: any AmazonAccessTokenSource,
                      overrides: [String: String] = [:]) async throws -> RunningInventorySync {
        let reservation = try TestEnvironment.reservePort()
        defer { reservation.release() }
        let port = reservation.port
        // In-process, the service shares the test run's two cooperative threads with every other suite:
        // a CPU-bound moment elsewhere can delay its lease renewals by seconds, and a 4-second lease would
        // have a live worker's job rescued and, after three such rescues, discarded. No in-process test
        // relies on a lease lapsing (the resume test kills a real process, with the short lease).
        let settings = fastSettings(sandbox: sandbox).merging(["sync.leaseSeconds": "20"]) { $1 }.merging(overrides) { $1 }
        let reader = try await testConfiguration(service: .inventorySync, database: database, port: port, overrides: settings)
        let app = try await InventorySyncService.buildApplication(reader: reader, accessTokens: tokens, amazonClock: sandbox.clock)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestEnvironment.logger)
        let task = Task { try await group.run() }
        let running = RunningInventorySync(port: port, group: group, task: task)
        // A bound, not a speed: the parallel test pass starts dozens of services at once on two cores.
        let ready = try await eventually(timeout: .seconds(120)) {
            guard let reply = try? await TestHTTP.request(.GET, running.baseURL + "/health/ready", timeout: .seconds(2)) else { return false }
            return reply.status == 200 && (try? reply.json())?["service"] as? String == OpsideService.inventorySync.name
        }
        #expect(ready, "inventory-sync became ready")
        return running
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Calls an internal endpoint with a service token naming `tenant` (main-api's token).
    public func call(_ method: HTTPMethod, _ path: String, tenant: UUID, json: String? = nil, body: Data? = nil) async throws -> TestHTTP.Reply {
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: .inventorySync, tenantID: tenant)
        return try await TestHTTP.request(method, baseURL + path, json: json, body: body, headers: ["authorization": "Bearer \(token)"],
                                          timeout: .seconds(60))
    }

    /// Uploads a report file. An accepted one (202) loads in the background: this waits until
    /// its run ends and returns it as an import's result (nil when the upload was refused).
    public func importAndWait(tenant: UUID, connection: UUID, query: String = "", body: Data) async throws -> (reply: TestHTTP.Reply, run: SyncRun?, result: ImportResult?) {
        let reply = try await call(.POST, "/internal/amazon/connections/\(connection)/imports\(query)", tenant: tenant, body: body)
        guard reply.status == 202 else { return (reply, nil, nil) }
        let (run, result) = try await waitForImport(baseURL: baseURL, reply: reply, tenant: tenant)
        return (reply, run, result)
    }

    /// Triggers datasets and waits until every run ends; returns the final runs. The wait is
    /// generous because the whole suite runs in parallel on two cores: it ends as soon as the
    /// runs do, and only a run that never ends uses all of it.
    public func syncAndWait(tenant: UUID, connection: UUID, dataset: String = "all", timeout: Duration = .seconds(300)) async throws -> [SyncRun] {
        let reply = try await call(.POST, "/internal/amazon/connections/\(connection.uuidString)/syncs", tenant: tenant,
                                   json: #"{"dataset":"\#(dataset)"}"#)
        #expect(reply.status == 202, "trigger answered \(reply.status): \(reply.text)")
        struct Runs: Decodable { let runs: [SyncRun] }
        let started = try JSONDecoder.opside.decode(Runs.self, from: reply.body).runs
        let finished = Mutex<[SyncRun]>([])
        let done = try await eventually(timeout: timeout, every: .milliseconds(250)) {
            var all: [SyncRun] = []
            for run in started {
                let answer = try await self.call(.GET, "/internal/amazon/syncs/\(run.runId.uuidString)", tenant: tenant)
                all.append(try JSONDecoder.opside.decode(SyncRun.self, from: answer.body))
            }
            finished.withLock { $0 = all }
            return all.allSatisfy { !["queued", "running", "retrying"].contains($0.state) }
        }
        let final = finished.withLock { $0 }
        #expect(done, "every run finished: \(final.map { "\($0.dataset)=\($0.state)" })")
        return final
    }
}

/// Waits until the import run a 202 answer names has ended; returns the run and, when it
/// succeeded, what the import did (quarantined line numbers from the run's quarantine).
/// - Parameter tenant: whose service token each poll carries, minted afresh: a token lives a
///   minute, and an import on a loaded machine may take longer.
public func waitForImport(baseURL: String, reply: TestHTTP.Reply, tenant: UUID,
                   timeout: Duration = .seconds(300)) async throws -> (SyncRun, ImportResult?) {
    @Sendable func headers() async throws -> [String: String] { try await inventorySyncHeaders(tenant: tenant) }
    struct Runs: Decodable { let runs: [SyncRun] }
    struct Quarantine: Decodable { let lines: [QuarantinedLine] }
    let accepted = try JSONDecoder.opside.decode(Runs.self, from: reply.body).runs
    let runID = try accepted.first.unwrap("the accepted import's run").runId
    let last = Mutex<SyncRun?>(nil)
    let refused = Mutex<String?>(nil)
    let ended = try await eventually(timeout: timeout, every: .milliseconds(100)) {
        let answer = try await TestHTTP.request(.GET, baseURL + "/internal/amazon/syncs/\(runID)", headers: try await headers())
        // A loaded machine may answer a poll with a 503: asked again; kept to tell if it lasts.
        guard answer.status == 200 else {
            refused.withLock { $0 = "\(answer.status) \(answer.text)" }
            return false
        }
        let run = try JSONDecoder.opside.decode(SyncRun.self, from: answer.body)
        last.withLock { $0 = run }
        return run.state != "running"
    }
    let run = try last.withLock { $0 }.unwrap("the import's run (last answer: \(refused.withLock { $0 } ?? "none"))")
    #expect(ended, "the import ended: \(run); last refusal: \(refused.withLock { $0 } ?? "none")")
    guard run.state == "succeeded" else { return (run, nil) }
    let lines = try await TestHTTP.request(.GET, baseURL + "/internal/amazon/syncs/\(runID)/quarantine", headers: try await headers())
    let quarantined = try JSONDecoder.opside.decode(Quarantine.self, from: lines.body).lines.map(\.lineNumber)
    return (run, ImportResult(runId: run.runId, detectedReportType: run.detectedReportType ?? "", dataset: run.dataset,
                              rowsLoaded: run.rowsDone, rowsInserted: run.rowsInserted, rowsUpdated: run.rowsUpdated,
                              rowsQuarantined: run.rowsQuarantined, quarantinedLines: quarantined,
                              rowsWithWarnings: run.rowsWithWarnings, warnings: run.warnings))
}

/// The headers main-api's calls to inventory-sync carry for `tenant`: a service token minted now.
public func inventorySyncHeaders(tenant: UUID) async throws -> [String: String] {
    let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
    return ["authorization": "Bearer \(try await authority.token(for: .inventorySync, tenantID: tenant))"]
}

/// The token vault's HTTP contract served in the test process (a stand-in for integrations,
/// whose real endpoint is being built), for inventory-sync processes the tests spawn.
public final class FakeTokenVault: Sendable {
    public let baseURL: String
    public let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.task = task
    }

    public static func start(tokens: SandboxAccessTokenSource, tenantOf: @escaping @Sendable (UUID) -> UUID?) async throws -> FakeTokenVault {
        let router = Router()
        router.post("/internal/amazon/connections/{id}/access-token") { _, context -> Response in
            guard let id = UUID(uuidString: try context.parameters.require("id")), let tenant = tenantOf(id) else {
                return Self.json(#"{"error":{"code":"not_found","message":"no such connection","details":{},"requestId":""}}"#, status: .notFound)
            }
            do {
                let access = try await tokens.access(tenantID: tenant, connectionID: id)
                let encoder = JSONEncoder()
                encoder.dateEncodingStrategy = .iso8601
                return Self.json(String(decoding: try encoder.encode(access), as: UTF8.self), status: .ok)
            } catch AmazonAccessError.needsReauthorization(let reason) {
                return Self.json(#"{"error":{"code":"needs_reauthorization","message":"\#(reason.count)","details":{},"requestId":""}}"#, status: .conflict)
            } catch AmazonAccessError.disconnected {
                // integrations' answer for a connection its seller disconnected.
                return Self.json(#"{"error":{"code":"connection_disconnected","message":"this Amazon connection was disconnected; connect the seller again","details":{},"requestId":""}}"#, status: .conflict)
            }
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-vault")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        let task = Task { try await app.runService() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw UnwrapError(what: "a running vault") }
        return FakeTokenVault(baseURL: "http://127.0.0.1:\(port)", task: task)
    }

    public static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// The built `inventory-sync` executable, started with configuration in its environment.
public final class InventorySyncProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(database: TestDatabase, sandbox: InventorySyncSandbox, vault: FakeTokenVault, overrides: [String: String] = [:]) throws {
        port = try TestEnvironment.freePort()
        var values = RunningInventorySync.fastSettings(sandbox: sandbox)
        values.merge([
            "http.host": "127.0.0.1", "http.port": String(port),
            "postgres.host": database.host, "postgres.port": String(database.port), "postgres.database": database.name,
            "postgres.user": OpsideService.inventorySync.databaseRole,
            "redis.host": TestEnvironment.redisHost, "redis.port": String(try TestEnvironment.redisPort()),
            "security.serviceTokenSecret": TestEnvironment.serviceTokenSecret,
            "services.integrations.url": vault.baseURL,
            "jobs.pollIntervalMilliseconds": "250", "jobs.rescueIntervalMilliseconds": "500", "log.level": "warning",
        ]) { $1 }
        values.merge(overrides) { $1 }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in values { environment[OpsideConfiguration.environmentName(for: key)] = value }
        process = Process()
        process.executableURL = TestEnvironment.executable("inventory-sync")
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// The most resident memory the process has had (VmHWM), in bytes.
    public func peakResidentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        let line = try status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.unwrap("VmHWM in /proc/<pid>/status")
        let kilobytes = try line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.unwrap("VmHWM's value")
        return kilobytes << 10
    }

    public func waitUntilReady() async throws -> Bool {
        // A bound, not a speed: the parallel test pass starts dozens of services at once on two cores.
        try await eventually(timeout: .seconds(120)) {
            (try? await TestHTTP.request(.GET, self.baseURL + "/health/ready", timeout: .seconds(2)))?.status == 200
        }
    }

    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func terminate() {
        process.terminate()
        process.waitUntilExit()
    }
}
