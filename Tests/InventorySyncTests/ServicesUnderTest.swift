import Configuration
import Hummingbird
import Integrations
import InventorySync
import InventorySyncTesting
import MainAPI
import OpsideCore
import OpsideTesting

/// The services this test target links, booted through their real `buildApplication`, with
/// the clocks a test moves (main-api and integrations take them; the services of one test share
/// them, as their tokens are judged by them).
extension RunningService {
    static func start(_ service: OpsideService, database: TestDatabase, redisPort: Int? = nil,
                      overrides: [String: String] = [:], waitForReady: Bool = true,
                      clocks: ServiceClocks = .system) async throws -> RunningService {
        try await start(service, database: database, redisPort: redisPort, overrides: overrides, waitForReady: waitForReady) { reader in
            switch service {
        case .inventorySync: try await InventorySyncService.buildApplication(reader: reader)
        case .mainAPI: try await MainAPIService.buildApplication(reader: reader, clocks: clocks)
        case .integrations: try await IntegrationsService.buildApplication(reader: reader, clocks: clocks)
            default: throw TestFailure(description: "\(service.name) is not linked into InventorySyncTests")
            }
        }
    }
}

/// The path a sync takes in production: integrations (the real token vaults) in front of the
/// Amazon sandbox, inventory-sync asking it for tokens, main-api's gateway in front of both.
struct ProductionPath {
    let integrations: RunningService
    let inventory: RunningService
    let mainAPI: RunningService

    /// - Parameter inventoryOverrides: inventory-sync's settings beyond `RunningInventorySync.fastSettings`.
    static func start(database: TestDatabase, sandbox: InventorySyncSandbox, inventoryOverrides: [String: String] = [:]) async throws -> ProductionPath {
        var amazon = ["amazon.lwaEndpoint": sandbox.baseURL + "/auth/o2/token", "amazon.maxAttempts": "3",
                      "amazon.retryBaseDelayMilliseconds": "20", "amazon.retryMaxDelayMilliseconds": "100"]
        for region in ["na", "eu", "fe"] {
            amazon["amazon.endpoint.\(region)"] = sandbox.baseURL
            amazon["amazon.sellerCentralUrl.\(region)"] = sandbox.baseURL
            amazon["ads.endpoint.\(region)"] = sandbox.baseURL
            amazon["ads.authorizationUrl.\(region)"] = sandbox.baseURL + "/ap/oa"
        }
        let integrations = try await RunningService.start(.integrations, database: database, overrides: amazon)
        let inventory = try await RunningService.start(.inventorySync, database: database, overrides: RunningInventorySync.fastSettings(sandbox: sandbox)
            .merging(["services.integrations.url": integrations.baseURL]) { $1 }.merging(inventoryOverrides) { $1 })
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
            "services.integrations.url": integrations.baseURL, "services.inventorySync.url": inventory.baseURL])
        return ProductionPath(integrations: integrations, inventory: inventory, mainAPI: mainAPI)
    }

    func stop() async {
        await mainAPI.stop()
        await inventory.stop()
        await integrations.stop()
    }
}
