import AmazonSandbox
import ClaimDetector
import CostDocs
import EvidenceEngine
import Foundation
import InventorySync
import InventorySyncTesting
import OpsideJobs
import OpsidePostgres
import MainAPI
import MCDE
import NIOHTTP1
import OpsideClaimsAccess
import OpsideCore
import OpsideDocumentSamples
import OpsideTesting
import OpsideTransport
import RefundEngine
import Testing

/// The evidence services as they run together, each booted through its real composition root
/// against one test database: cost-docs (files in a temporary folder), evidence-engine (the real
/// parser subprocess), mcde, and, for the full flow, the Amazon sandbox with inventory-sync,
/// claim-detector, refund-engine and main-api in front. Claims come from claim-detector, or from
/// a script (`ScriptedClaims`) for the tests that need no sandbox.
struct EvidenceSuite {
    let database: TestDatabase
    let storage: URL
    let costDocs: RunningService
    let evidenceEngine: RunningService
    let mcde: RunningService
    let sandbox: InventorySyncSandbox?
    let tokens: SandboxAccessTokenSource?
    let inventorySync: RunningInventorySync?
    let claimDetector: RunningService?
    let refundEngine: RunningService?
    let mainAPI: RunningService?

    /// - Parameters:
    ///   - claims: the claims evidence-engine matches against (claim-detector's when nil: the full stack starts).
    ///   - wallClock: what prompts expire and are reminded by.
    ///   - gateway: main-api as well (always there for the full flow), for tests that go through the public API.
    static func start(database: TestDatabase, claims: ScriptedClaims? = nil, wallClock: (any WallClock)? = nil,
                      evidenceOverrides: [String: String] = [:], gateway: Bool = false) async throws -> EvidenceSuite {
        let storage = FileManager.default.temporaryDirectory.appendingPathComponent("opside-evidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let full = claims == nil
        // Every service's address is known before any starts: they call one another.
        let names: [OpsideService] = [.costDocs, .evidenceEngine, .mcde] + (full ? [.claimDetector, .refundEngine, .mainAPI] : [])
            + (!full && gateway ? [.mainAPI] : [])
        var reservations: [OpsideService: PortReservation] = [:]
        for name in names { reservations[name] = try TestEnvironment.reservePort() }
        defer { for reservation in reservations.values { reservation.release() } }
        var urls: [String: String] = [:]
        for (service, reservation) in reservations { urls["services.\(service.configKeyName).url"] = "http://127.0.0.1:\(reservation.port)" }
        let common = urls.merging(["jobs.pollIntervalMilliseconds": "200"]) { $1 }

        var sandbox: InventorySyncSandbox?, tokens: SandboxAccessTokenSource?, inventorySync: RunningInventorySync?
        var claimDetector: RunningService?, refundEngine: RunningService?, mainAPI: RunningService?
        if !full {
            // mcde reads the seller's catalog from the synced Amazon data: its tables must exist.
            let db = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await db.client.run() }
                defer { group.cancelAll() }
                for migrator in [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators()) { _ = try await migrator.apply(on: db) }
            }
        }
        if !full, gateway {
            mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: common, port: reservations[.mainAPI]!.port) { reader in
                try await MainAPIService.buildApplication(reader: reader)
            }
        }
        if full {
            let started = try await InventorySyncSandbox.start()
            sandbox = started
            tokens = SandboxAccessTokenSource(sandbox: started)
            inventorySync = try await RunningInventorySync.start(database: database, sandbox: started, tokens: tokens!)
            claimDetector = try await RunningService.start(.claimDetector, database: database, overrides: common.merging(["claims.settleDelaySeconds": "1"]) { $1 },
                                                           port: reservations[.claimDetector]!.port) { reader in
                try await ClaimDetectorService.buildApplication(reader: reader, detector: ClaimDetectorService.rules)
            }
            let refund = common.merging(["filing.caseDeskUrl": started.baseURL, "filing.sweepSchedule": "0 0 1 1 *"]) { $1 }
            let caseClock = started.clock, vault = tokens!
            refundEngine = try await RunningService.start(.refundEngine, database: database, overrides: refund, port: reservations[.refundEngine]!.port) { reader in
                try await RefundEngineService.buildApplication(reader: reader, caseClock: caseClock, tokens: vault)
            }
            mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: common, port: reservations[.mainAPI]!.port) { reader in
                try await MainAPIService.buildApplication(reader: reader)
            }
        }
        let costDocs = try await RunningService.start(.costDocs, database: database, overrides: common.merging(["storage.localPath": storage.path]) { $1 },
                                                      port: reservations[.costDocs]!.port) { reader in
            try await CostDocsService.buildApplication(reader: reader)
        }
        let mcde = try await RunningService.start(.mcde, database: database, overrides: common, port: reservations[.mcde]!.port) { reader in
            try await MCDEService.buildApplication(reader: reader)
        }
        let evidence = common.merging(["evidence.sweepSchedule": "0 0 1 1 *"]) { $1 }.merging(evidenceOverrides) { $1 }
        let evidenceEngine = try await RunningService.start(.evidenceEngine, database: database, overrides: evidence,
                                                            port: reservations[.evidenceEngine]!.port) { reader in
            try await EvidenceEngineService.buildApplication(reader: reader, evidenceClock: wallClock, claims: claims)
        }
        return EvidenceSuite(database: database, storage: storage, costDocs: costDocs, evidenceEngine: evidenceEngine, mcde: mcde, sandbox: sandbox,
                             tokens: tokens, inventorySync: inventorySync, claimDetector: claimDetector, refundEngine: refundEngine, mainAPI: mainAPI)
    }

    func stop() async {
        await evidenceEngine.stop()
        await mcde.stop()
        await costDocs.stop()
        if let mainAPI { await mainAPI.stop() }
        if let refundEngine { await refundEngine.stop() }
        if let claimDetector { await claimDetector.stop() }
        if let inventorySync { await inventorySync.stop() }
        if let sandbox { await sandbox.stop() }
        try? FileManager.default.removeItem(at: storage)
    }

    /// A service's internal API with a service token naming `tenant` (as main-api calls it).
    func call(_ service: RunningService, _ method: HTTPMethod, _ path: String, tenant: UUID, json: String? = nil, body: Data? = nil,
              headers: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> TestHTTP.Reply {
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: service.service, tenantID: tenant)
        return try await TestHTTP.request(method, service.baseURL + path, json: json ?? (method == .GET || body != nil ? nil : "{}"), body: body,
                                          headers: headers.merging(["authorization": "Bearer \(token)"]) { $1 }, timeout: timeout)
    }

    func json(_ service: RunningService, _ method: HTTPMethod, _ path: String, tenant: UUID, json body: String? = nil) async throws -> [String: Any] {
        let reply = try await call(service, method, path, tenant: tenant, json: body)
        guard (200..<300).contains(reply.status) else { throw UnwrapError(what: "\(method) \(path) to answer 2xx, got \(reply.status): \(reply.text)") }
        return try reply.json()
    }

    /// Uploads files to evidence-engine as one multipart request (as main-api's gateway passes it on).
    func upload(_ files: [(name: String, bytes: Data)], tenant: UUID) async throws -> TestHTTP.Reply {
        let form = MultipartForm(files: files)
        return try await call(evidenceEngine, .POST, "/internal/documents", tenant: tenant, body: form.body,
                              headers: ["content-type": form.contentType], timeout: .seconds(120))
    }

    /// Waits until the document is read (or refused) and returns it.
    func settledDocument(_ id: String, tenant: UUID, timeout: Duration = .seconds(90)) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        let settled = try await eventually(timeout: timeout, every: .milliseconds(250)) {
            let reply = try await call(evidenceEngine, .GET, "/internal/documents/\(id)", tenant: tenant)
            guard reply.status == 200, let document = try reply.json()["document"] as? [String: Any] else { return false }
            return document["status"] as? String != "received"
        }
        last = try await json(evidenceEngine, .GET, "/internal/documents/\(id)", tenant: tenant)
        #expect(settled, "document \(id) was read within \(timeout)")
        return last
    }

    /// Polls `condition`, failing the test with `what` when it never holds.
    func waitFor(_ what: String, timeout: Duration = .seconds(90), _ condition: @Sendable () async throws -> Bool) async throws {
        let held = try await eventually(timeout: timeout, every: .milliseconds(250), condition)
        #expect(held, "\(what) within \(timeout)")
        if !held { throw UnwrapError(what: what) }
    }
}

/// A multipart/form-data body of files, as a browser sends an `<input type=file multiple>`.
struct MultipartForm {
    let boundary = "----opside-test-\(UUID().uuidString)"
    let files: [(name: String, bytes: Data)]

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var body: Data {
        var data = Data()
        for file in files {
            data.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(file.name)\"\r\n".utf8))
            data.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
            data.append(file.bytes)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return data
    }
}

/// Claims handed to evidence-engine directly, per tenant, for the tests that need no sandbox.
final class ScriptedClaims: ClaimSource, @unchecked Sendable {
    private let lock = NSLock()
    private var byTenant: [UUID: [ListedClaim]] = [:]

    func set(_ claims: [ListedClaim], tenant: UUID) {
        lock.withLock { byTenant[tenant] = claims }
    }

    func claims(tenant: UUID, connection: UUID?, statuses: [String]) async throws -> [ListedClaim] {
        lock.withLock { byTenant[tenant] ?? [] }.filter { statuses.contains($0.status) && (connection == nil || $0.connectionId == connection) }
    }

    func claim(tenant: UUID, id: UUID) async throws -> ListedClaim? {
        lock.withLock { byTenant[tenant] ?? [] }.first { $0.id == id }
    }

    /// A claimable warehouse loss of `units` of `sku`, lost on `lossDate`.
    static func loss(sku: String, asin: String? = nil, units: Int = 3, unitValueMinor: Int64 = 1250, lossDate: CivilDate,
                     type: String = "warehouse_lost") -> ListedClaim {
        ListedClaim(id: UUID(), type: type, status: "claimable", connectionId: UUID(), marketplaceId: "ATVPDKIKX0DER", fnsku: "X00" + sku.prefix(7),
                    sku: sku, asin: asin, units: units, amount: Money(amountMinor: unitValueMinor * Int64(units), currency: .usd),
                    clockStartedAt: lossDate, opensOn: lossDate, deadline: lossDate.adding(days: 60), sourceIds: [:])
    }
}

/// Sample invoices with the lines a test needs (`SampleInvoice.with(lines:…)`), rendered as text PDFs.
enum TestInvoices {
    struct Line {
        var description: String
        var sellerSku: String?
        var quantity: Int
        var unitPrice: Decimal
    }

    static func invoice(seed: UInt64, number: String, date: CivilDate, currency: String = "USD", supplier: String? = nil, lines: [Line],
                        freight: Decimal = 40) -> SampleInvoice {
        SampleInvoice.with(lines: lines.map { SampleInvoice.LineSpec(description: $0.description, sellerSku: $0.sellerSku, quantity: $0.quantity,
                                                                     unitPrice: $0.unitPrice) },
                           number: number, issueDate: SampleDate(year: date.year, month: date.month, day: date.day), currency: currency,
                           supplier: supplier, freight: freight, seed: seed)
    }

    static func pdf(_ invoice: SampleInvoice) throws -> Data {
        try SampleDocumentRenderer.textPDF(invoice, layout: .classic)
    }
}
