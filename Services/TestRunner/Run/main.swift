import TestRunner
import OpsideTransport

await ServiceMain.run(.testRunner, migrators: TestRunnerService.migrators) { try await TestRunnerService.buildApplication(reader: $0) }
