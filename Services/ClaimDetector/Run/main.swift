import ClaimDetector
import OpsideTransport

await ServiceMain.run(.claimDetector, migrators: ClaimDetectorService.migrators) { try await ClaimDetectorService.buildApplication(reader: $0) }
