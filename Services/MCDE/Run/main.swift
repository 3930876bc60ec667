import MCDE
import OpsideTransport

await ServiceMain.run(.mcde, migrators: MCDEService.migrators) { try await MCDEService.buildApplication(reader: $0) }
