import EvidenceEngine
import OpsideTransport

await ServiceMain.run(.evidenceEngine, migrators: EvidenceEngineService.migrators) { try await EvidenceEngineService.buildApplication(reader: $0) }
