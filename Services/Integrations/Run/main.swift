import Integrations
import OpsideTransport

await ServiceMain.run(.integrations, migrators: IntegrationsService.migrators) { try await IntegrationsService.buildApplication(reader: $0) }
