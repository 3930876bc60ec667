import Configuration
import Hummingbird
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
        case .mainAPI: try await MainAPIService.buildApplication(reader: reader, clocks: clocks)
            default: throw TestFailure(description: "\(service.name) is not linked into MainAPITests")
            }
        }
    }
}
