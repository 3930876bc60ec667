import ClaimDetector
import Foundation
import InventorySync
import Logging
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Synchronization

/// Detection rules a test scripts: the claims each connection's run emits, an optional failure
/// after some of them, and an optional hold that keeps a run inside its transaction until released.
final class ScriptedDetector: ClaimDetecting, Sendable {
    struct Script: Sendable {
        var claims: [DetectedClaim] = []
        /// Throw after emitting this many claims.
        var failAfter: Int?
    }

    private let scripts = Mutex<[UUID: Script]>([:])
    /// Requests seen, in order.
    let requests = Mutex<[DetectionRequest]>([])
    private let hold = Mutex<(holding: Bool, entered: Int, waiters: [CheckedContinuation<Void, Never>])>((false, 0, []))

    init() {}

    func script(_ connection: UUID, _ claims: [DetectedClaim], failAfter: Int? = nil) {
        scripts.withLock { $0[connection] = Script(claims: claims, failAfter: failAfter) }
    }

    /// Runs entering `detect` from now on wait, after emitting their claims, until `release()`.
    func holdRuns() { hold.withLock { $0.holding = true } }

    func release() {
        let waiters = hold.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.holding = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var runsEntered: Int { hold.withLock { $0.entered } }

    func detect(_ request: DetectionRequest, emit: (DetectedClaim) async throws -> Void) async throws {
        requests.withLock { $0.append(request) }
        hold.withLock { $0.entered += 1 }
        let script = scripts.withLock { $0[request.connectionId] } ?? Script()
        for (index, claim) in script.claims.filter({ $0.marketplaceId == request.marketplaceId }).enumerated() {
            if let failAfter = script.failAfter, index == failAfter { throw ScriptedFailure() }
            try await emit(claim)
        }
        await withCheckedContinuation { continuation in
            let waits = hold.withLock { state -> Bool in
                guard state.holding else { return false }
                state.waiters.append(continuation)
                return true
            }
            if !waits { continuation.resume() }
        }
    }
}

struct ScriptedFailure: Error, CustomStringConvertible {
    var description: String { "the scripted rules failed half-way" }
}

/// Claims as the rules emit them, for scripts.
enum Claims {
    static let marketplace = "ATVPDKIKX0DER"

    static func lost(_ connection: UUID, reference: String, fnsku: String = "X00FNSKU01", units: Int = 2, unitMinor: Int64 = 1000,
                     currency: Currency = .usd, on day: CivilDate, marketplace: String = marketplace,
                     type: ClaimType = .warehouseLost) -> DetectedClaim {
        let unit = Money(amountMinor: unitMinor, currency: currency)
        let primary: [ClaimSourceKind: String] = [type.primarySource: reference, .fnsku: fnsku]
        return DetectedClaim(
            type: type, connectionId: connection, marketplaceId: marketplace, fnsku: fnsku, sku: "SKU-\(fnsku)", asin: "B0\(fnsku)",
            units: units, amount: Money(amountMinor: unitMinor * Int64(units), currency: currency),
            valuation: ClaimValuation(basis: .manufacturingCost, unitValue: unit, isEstimate: false, source: "seller's cost"),
            clockStartedOn: day, sourceIds: primary,
            explanation: ClaimExplanation(
                sourceRows: [ClaimSourceRow(dataset: "ledger_detail", rowId: reference, date: day, quantity: -units, amount: nil,
                                            description: "M, misplaced, -\(units) units")],
                netting: [ClaimNettingStep(label: "loss units", units: units), ClaimNettingStep(label: "units owed", units: units)],
                summary: "\(units) units misplaced"))
    }

    /// The same loss netted away (found or reimbursed).
    static func netted(_ claim: DetectedClaim, reason: String) -> DetectedClaim {
        var netted = claim
        netted.units = 0
        netted.amount = .zero(claim.amount.currency)
        netted.resolution = reason
        return netted
    }
}

/// A migrated database (platform, `amazon` and `claims` schemas) and claim-detector's parts on it,
/// in-process, as claim-detector's role.
struct ClaimStack: Sendable {
    let database: TestDatabase
    let db: Database
    let parts: ClaimDetectorService.Parts
    let detector: ScriptedDetector

    static let logger = TestEnvironment.logger

    /// Runs `body` with a fresh stack; `clocks` decide each marketplace's today.
    static func with<T: Sendable>(clocks: ServiceClocks = .system, database: TestDatabase? = nil,
                                  _ body: @escaping @Sendable (ClaimStack) async throws -> T) async throws -> T {
        let database = if let database { database } else { try await migrated() }
        let db = Database(settings: database.settings(for: .claimDetector), logger: logger)
        let detector = ScriptedDetector()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await db.client.run()
                return nil
            }
            defer { group.cancelAll() }
            let parts = ClaimDetectorService.Parts(
                database: db, outbox: EventOutbox(producer: .claimDetector, redis: nil, logger: logger), detector: detector, clocks: clocks,
                settings: ClaimDetectorSettings(dailySchedule: try CronSchedule("0 6 * * *"), approvalTrainingSchedule: try CronSchedule("30 5 * * *")), logger: logger)
            return try await body(ClaimStack(database: database, db: db, parts: parts, detector: detector))
        }
    }

    /// A fresh database with the platform's, inventory-sync's and claim-detector's migrations applied.
    static func migrated() async throws -> TestDatabase {
        let database = try await TestDatabase.create()
        for (service, migrators) in [(OpsideService.inventorySync, [try PlatformMigrations.migrator()] + (try InventorySyncService.migrators())),
                                     (.claimDetector, try ClaimDetectorService.migrators())] {
            let db = Database(settings: database.settings(for: service), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await db.client.run() }
                defer { group.cancelAll() }
                for migrator in migrators { _ = try await migrator.apply(on: db) }
            }
        }
        return database
    }

    /// Gives the tenant a connection with synced data in `marketplaces` (a listing in each), as
    /// inventory-sync would have loaded it.
    static func seed(_ database: TestDatabase, tenant: UUID, connection: UUID, marketplaces: [String] = [Claims.marketplace]) async throws {
        try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, marketplace_ids, status) VALUES (\(connection), \(tenant), \(marketplaces), 'active')
                ON CONFLICT DO NOTHING
                """, logger: logger)
            for marketplace in marketplaces {
                try await db.query("""
                    INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku) VALUES (\(tenant), \(connection), \(marketplace), 'SKU-1')
                    """, logger: logger)
            }
        }
    }

    func seed(tenant: UUID, connection: UUID, marketplaces: [String] = [Claims.marketplace]) async throws {
        try await Self.seed(database, tenant: tenant, connection: connection, marketplaces: marketplaces)
    }

    func detect(_ tenant: UUID, _ connection: UUID? = nil, asOf: CivilDate) async throws -> DetectionRun {
        try await parts.detection.detect(tenant: tenant, connection: connection, asOf: asOf, trigger: .api)
    }

    func claims(_ tenant: UUID) async throws -> [Claim] {
        var query = ClaimListQuery()
        query.limit = ClaimListQuery.maximumLimit
        return try await parts.store.list(tenant: tenant, query: query).claims
    }
}
