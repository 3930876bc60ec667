import RefundEngine
import OpsideTransport

await ServiceMain.run(.refundEngine, migrators: RefundEngineService.migrators) { try await RefundEngineService.buildApplication(reader: $0) }
