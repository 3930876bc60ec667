import OpsideTransport
import Payments

await ServiceMain.run(.payments, migrators: PaymentsService.migrators) { try await PaymentsService.buildApplication(reader: $0) }
