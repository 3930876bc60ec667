import Configuration
import OpsideCore
import OpsideTesting
import Payments

/// The service this test target links, booted through its real `buildApplication`.
extension RunningService {
    static func start(_ service: OpsideService, database: TestDatabase, overrides: [String: String] = [:]) async throws -> RunningService {
        try await start(service, database: database, overrides: overrides) { reader in
            guard service == .payments else { throw TestFailure(description: "\(service.name) is not linked into PaymentsTests") }
            return try await PaymentsService.buildApplication(reader: reader)
        }
    }
}
