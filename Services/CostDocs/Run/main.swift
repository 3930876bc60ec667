import CostDocs
import OpsideTransport

await ServiceMain.run(.costDocs, migrators: CostDocsService.migrators) { try await CostDocsService.buildApplication(reader: $0) }
