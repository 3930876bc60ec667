import ClaimDetector
import Configuration
import CostDocs
import EvidenceEngine
import Hummingbird
import Integrations
import InventorySync
import MainAPI
import MCDE
import OpsideCore
import OpsideTesting
import Payments
import RefundEngine
import TestRunner

/// The services this test target links, booted through their real `buildApplication`, with
/// the clocks a test moves (main-api and integrations take them; the services of one test share
/// them, as their tokens are judged by them).
extension RunningService {
    static func start(_ service: OpsideService, database: TestDatabase, redisPort: Int? = nil,
                      overrides: [String: String] = [:], waitForReady: Bool = true,
                      clocks: ServiceClocks = .system) async throws -> RunningService {
        try await start(service, database: database, redisPort: redisPort, overrides: overrides, waitForReady: waitForReady) { reader in
            try await buildApplication(service, reader: reader, clocks: clocks)
        }
    }

    static func buildApplication(_ service: OpsideService, reader: ConfigReader,
                                 clocks: ServiceClocks = .system) async throws -> any ApplicationProtocol {
        switch service {
        case .mainAPI: try await MainAPIService.buildApplication(reader: reader, clocks: clocks)
        case .integrations: try await IntegrationsService.buildApplication(reader: reader, clocks: clocks)
        case .payments: try await PaymentsService.buildApplication(reader: reader)
        case .costDocs: try await CostDocsService.buildApplication(reader: reader)
        case .refundEngine: try await RefundEngineService.buildApplication(reader: reader)
        case .mcde: try await MCDEService.buildApplication(reader: reader)
        case .claimDetector: try await ClaimDetectorService.buildApplication(reader: reader, clocks: clocks) { _ in OneClaimPerMarketplace() }
        case .evidenceEngine: try await EvidenceEngineService.buildApplication(reader: reader)
        case .inventorySync: try await InventorySyncService.buildApplication(reader: reader)
        case .testRunner: try await TestRunnerService.buildApplication(reader: reader, clocks: clocks)
        }
    }
}
