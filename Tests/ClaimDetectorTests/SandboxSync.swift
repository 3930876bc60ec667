import AmazonSandbox
import Foundation
import InventorySyncTesting
import OpsidePostgres
import OpsideTesting

/// What the end-to-end detection tests start from: the sandbox with its clock frozen (a sync and
/// the ground truth read after it describe the same instant), inventory-sync syncing from it, and
/// claim-detector's database role reading what was synced.
struct SandboxSync {
    let sandbox: InventorySyncSandbox
    let tokens: SandboxAccessTokenSource
    let service: RunningInventorySync
    let claims: Database
    private let client: Task<Void, Never>

    static func start(database: TestDatabase) async throws -> SandboxSync {
        let sandbox = try await InventorySyncSandbox.start()
        try await sandbox.freezeClock()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        let claims = Database(settings: database.settings(for: .claimDetector), logger: TestEnvironment.logger)
        let client = Task { await claims.client.run() }
        return SandboxSync(sandbox: sandbox, tokens: tokens, service: service, claims: claims, client: client)
    }

    /// A generated seller, connected as `connection` of `tenant`.
    func connectSeller(seed: UInt64, skus: Int, months: Int, tenant: UUID, connection: UUID) async throws -> InventorySyncSandbox.Seller {
        let seller = try await sandbox.createSeller(seed: seed, skus: skus, months: months)
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        return seller
    }

    /// The seller's ground truth on the sandbox's current day.
    func groundTruth(_ seller: InventorySyncSandbox.Seller) async throws -> GroundTruth {
        try JSONDecoder().decode(GroundTruth.self, from: try await sandbox.admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/ground-truth"))
    }

    func stop() {
        client.cancel()
        let service = self.service, sandbox = self.sandbox
        Task { await service.stop(); await sandbox.stop() }
    }
}
