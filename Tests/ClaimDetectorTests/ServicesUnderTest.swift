import ClaimDetector
import Configuration
import Hummingbird
import MainAPI
import OpsideCore
import OpsideTesting

/// The services this test target links, booted through their real `buildApplication`:
/// claim-detector with the rules a test scripts, and main-api in front of it.
extension RunningService {
    static func start(_ service: OpsideService, database: TestDatabase, overrides: [String: String] = [:],
                      clocks: ServiceClocks = .system, detector: any ClaimDetecting = ScriptedDetector()) async throws -> RunningService {
        try await start(service, database: database, overrides: overrides) { reader in
            switch service {
            case .claimDetector: try await ClaimDetectorService.buildApplication(reader: reader, clocks: clocks) { _ in detector }
            case .mainAPI: try await MainAPIService.buildApplication(reader: reader, clocks: clocks)
            default: throw TestFailure(description: "\(service.name) is not linked into ClaimDetectorTests")
            }
        }
    }
}
