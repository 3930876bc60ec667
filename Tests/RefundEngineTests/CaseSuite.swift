import AmazonSandbox
import ClaimDetector
import Foundation
import InventorySyncTesting
import NIOHTTP1
import OpsideCore
import OpsideTesting
import OpsideTransport
import RefundEngine
import Testing

/// The end-to-end setting of the case desk's tests: the Amazon sandbox in-process (its SP-API, its
/// Seller Central case desk, its clock), inventory-sync syncing from it, claim-detector with the
/// real rules, and refund-engine filing at the desk, each booted through its real composition root
/// against one test database. refund-engine decides cases by the sandbox's clock, so advancing the
/// clock moves deadlines, retry waits, reminders and the desk's decisions together (service tokens
/// and the sweep's cron stay on the real clock: a test asks for a sweep with `refresh`).
struct CaseSuite {
    let database: TestDatabase
    let sandbox: InventorySyncSandbox
    let tokens: SandboxAccessTokenSource
    let inventorySync: RunningInventorySync
    let claimDetector: RunningService
    let refundEngine: RunningService

    /// refund-engine's settings in these tests: the sandbox's desk, and no sweep by the clock (a
    /// test sweeps when it wants one, with `refresh`).
    static func refundSettings(sandbox: InventorySyncSandbox) -> [String: String] {
        ["filing.caseDeskUrl": sandbox.baseURL, "filing.sweepSchedule": "0 0 1 1 *", "filing.retryMinutes": "5,60,1440",
         "jobs.pollIntervalMilliseconds": "200"]
    }

    static func start(database: TestDatabase, refundOverrides: [String: String] = [:]) async throws -> CaseSuite {
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let inventorySync = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        let claimDetector = try await RunningService.start(.claimDetector, database: database, overrides: ["claims.settleDelaySeconds": "1"]) { reader in
            try await ClaimDetectorService.buildApplication(reader: reader, detector: ClaimDetectorService.rules)
        }
        let overrides = refundSettings(sandbox: sandbox).merging(["services.claimDetector.url": claimDetector.baseURL]) { $1 }
            .merging(refundOverrides) { $1 }
        let refundEngine = try await RunningService.start(.refundEngine, database: database, overrides: overrides) { reader in
            try await RefundEngineService.buildApplication(reader: reader, caseClock: sandbox.clock, tokens: tokens)
        }
        return CaseSuite(database: database, sandbox: sandbox, tokens: tokens, inventorySync: inventorySync, claimDetector: claimDetector,
                         refundEngine: refundEngine)
    }

    func stop() async {
        await refundEngine.stop()
        await claimDetector.stop()
        await inventorySync.stop()
        await sandbox.stop()
    }

    /// A generated seller, connected as a new connection of `tenant`.
    func connectSeller(seed: UInt64, skus: Int = 4, months: Int = 6, tenant: UUID) async throws -> (seller: InventorySyncSandbox.Seller, connection: UUID) {
        let seller = try await sandbox.createSeller(seed: seed, skus: skus, months: months)
        let connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        return (seller, connection)
    }

    /// refund-engine's internal API with a service token naming `tenant` (as main-api calls it);
    /// `at` another refund-engine's address (a process a test started).
    func call(_ method: HTTPMethod, _ path: String, tenant: UUID, json: String? = nil, at baseURL: String? = nil) async throws -> TestHTTP.Reply {
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: .refundEngine, tenantID: tenant)
        return try await TestHTTP.request(method, (baseURL ?? refundEngine.baseURL) + path, json: json ?? (method == .GET ? nil : "{}"),
                                          headers: ["authorization": "Bearer \(token)"], timeout: .seconds(60))
    }

    func json(_ method: HTTPMethod, _ path: String, tenant: UUID, json body: String? = nil, at baseURL: String? = nil) async throws -> [String: Any] {
        let reply = try await call(method, path, tenant: tenant, json: body, at: baseURL)
        guard reply.status == 200 else { throw UnwrapError(what: "\(method) \(path) to answer 200, got \(reply.status): \(reply.text)") }
        return try reply.json()
    }

    /// Every case of the tenant (all pages).
    func cases(tenant: UUID, query: String = "", at baseURL: String? = nil) async throws -> [[String: Any]] {
        var found: [[String: Any]] = []
        var cursor: String?
        repeat {
            var path = "/internal/cases?limit=500" + (query.isEmpty ? "" : "&" + query)
            if let cursor { path += "&cursor=\(cursor)" }
            let page = try await json(.GET, path, tenant: tenant, at: baseURL)
            found += page["cases"] as? [[String: Any]] ?? []
            cursor = page["nextCursor"] as? String
        } while cursor != nil
        return found
    }

    func setFiling(tenant: UUID, continuous: Bool, channel: String, dailyLimit: Int = 500) async throws {
        _ = try await json(.PUT, "/internal/filing", tenant: tenant,
                           json: #"{"continuous": \#(continuous), "channel": "\#(channel)", "dailyLimit": \#(dailyLimit)}"#)
    }

    /// Syncs the connection (every dataset, or one) and waits until it settled.
    func sync(tenant: UUID, connection: UUID, dataset: String = "all") async throws {
        let runs = try await inventorySync.syncAndWait(tenant: tenant, connection: connection, dataset: dataset)
        #expect(!runs.isEmpty && runs.allSatisfy { $0.state == "succeeded" }, "the sync succeeded")
    }

    /// Detection over everything synced, now, and the cases in step with it: every claimable
    /// claim has its case waiting (later detections of the same data change nothing). For tests
    /// that file by hand, so the queue no longer moves under them.
    func settleClaims(tenant: UUID, connection: UUID, casesAt baseURL: String? = nil) async throws {
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: .claimDetector, tenantID: tenant)
        let headers = ["authorization": "Bearer \(token)"]
        let run = try await TestHTTP.request(.POST, claimDetector.baseURL + "/internal/claims/detections",
                                             json: #"{"connectionId": "\#(connection.uuidString.lowercased())"}"#, headers: headers)
        #expect(run.status == 200, "\(run.text)")
        let listed = try await TestHTTP.request(.GET, claimDetector.baseURL
            + "/internal/claims?status=claimable&limit=500&connectionId=\(connection.uuidString.lowercased())", headers: headers)
        let claimable = Set(((try listed.json()["claims"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        try await waitFor("a case waiting for each of the \(claimable.count) claimable claims", tenant: tenant) {
            let waiting = try await cases(tenant: tenant, query: "status=ready,needs_documents", at: baseURL)
            return Set(waiting.compactMap { $0["claimId"] as? String }) == claimable
        }
    }

    /// The desk's own record of the seller's cases, and what it paid per currency.
    func deskCases(_ seller: InventorySyncSandbox.Seller) async throws -> (cases: [[String: Any]], paid: [String: Int64]) {
        let body = try JSONSerialization.jsonObject(with: try await sandbox.admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/cases"))
            as? [String: Any] ?? [:]
        var paid: [String: Int64] = [:]
        for total in body["paidTotals"] as? [[String: Any]] ?? [] {
            guard let code = total["currencyCode"] as? String, let amount = total["amount"] as? String else { continue }
            paid[code] = try Money(parsing: amount, currencyCode: code).amountMinor
        }
        return (body["cases"] as? [[String: Any]] ?? [], paid)
    }

    /// The sweep, now: Amazon's answers read, reminders sent, missed deadlines marked, due cases filed.
    @discardableResult
    func refresh(tenant: UUID) async throws -> [String: Any] {
        try await json(.POST, "/internal/cases/refresh", tenant: tenant)["refresh"] as? [String: Any] ?? [:]
    }

    /// Why each missed case was missed (its last history entry), for a failure's message.
    func missedReasons(tenant: UUID, at baseURL: String? = nil) async throws -> [String] {
        var reasons: [String] = []
        for item in try await cases(tenant: tenant, query: "status=missed", at: baseURL) {
            let detail = try await json(.GET, "/internal/cases/\(item["id"]!)", tenant: tenant, at: baseURL)["case"] as? [String: Any] ?? [:]
            let history = (detail["history"] as? [[String: Any]] ?? []).map { "\($0["toStatus"] ?? ""): \($0["reason"] ?? "")" }
            reasons.append("\(item["claimType"] ?? "") deadline \(item["deadline"] ?? ""): \(history.joined(separator: " / "))")
        }
        return reasons
    }

    func advanceClock(days: Double) async throws {
        try await sandbox.admin(.POST, "/_sandbox/clock", ["advanceDays": days])
    }

    /// Polls `condition` for up to `timeout`, failing the test with `what` when it never holds.
    func waitFor(_ what: String, timeout: Duration = .seconds(120), tenant: UUID? = nil,
                 _ condition: @Sendable () async throws -> Bool) async throws {
        let held = try await eventually(timeout: timeout, every: .milliseconds(250), condition)
        if !held, let tenant {
            // What the cases looked like when the wait gave up, for the reader of the failure.
            let seen = (try? await cases(tenant: tenant))?.map { "\($0.status) attempts=\($0["attempts"] ?? "") \($0["lastError"] ?? "")" }
            Issue.record("waited for \(what); the cases: \(seen ?? [])")
        }
        #expect(held, "\(what) within \(timeout)")
        if !held { throw UnwrapError(what: what) }
    }
}

extension Dictionary where Key == String, Value == Any {
    var status: String { self["status"] as? String ?? "" }
    func money(_ key: String) -> (minor: Int64, currency: String)? {
        guard let value = self[key] as? [String: Any], let minor = (value["amountMinor"] as? NSNumber)?.int64Value,
              let currency = value["currency"] as? String else { return nil }
        return (minor, currency)
    }
}
