import InventorySync
import OpsideTransport

await ServiceMain.run(.inventorySync, migrators: InventorySyncService.migrators) { try await InventorySyncService.buildApplication(reader: $0) }
