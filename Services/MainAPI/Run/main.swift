import MainAPI
import OpsideTransport

await ServiceMain.run(.mainAPI, migrators: MainAPIService.migrators) { try await MainAPIService.buildApplication(reader: $0) }
