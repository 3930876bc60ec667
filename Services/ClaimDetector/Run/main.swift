import ClaimDetector
import OpsideTransport

await ServiceMain.run(.claimDetector, migrators: ClaimDetectorService.migrators) { reader in
    try await ClaimDetectorService.buildApplication(reader: reader, detector: ClaimDetectorService.rules)
}
