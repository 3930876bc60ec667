import Foundation
import OpsideAmazonData
import OpsideAmazonSPAPI

/// Fetches inbound shipments and their items: the open ones on a first sync, then those changed
/// since the window's start.
struct InboundWindowFetcher: WindowFetcher {
    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        let api = context.api
        var shipments: [[String?]] = []
        var items: [[String?]] = []
        var pages = 0
        for marketplace in context.marketplaces {
            let sequence = window.changedSince
                ? api.allInboundShipments(marketplaceID: marketplace, lastUpdatedAfter: window.start?.formatted(.iso8601))
                : api.allInboundShipments(marketplaceID: marketplace, statuses: OrderRows.inboundStatuses)
            for try await page in sequence {
                pages += 1
                for shipment in page.ShipmentData ?? [] {
                    guard let id = shipment.ShipmentId else { continue }
                    shipments.append([marketplace, id, shipment.ShipmentName, shipment.DestinationFulfillmentCenterId,
                                      shipment.ShipmentStatus, shipment.LabelPrepType, shipment.BoxContentsSource,
                                      shipment.ConfirmedNeedByDate])
                    let itemPage = try await api.getInboundShipmentItems(shipmentID: id, marketplaceID: marketplace)
                    for item in itemPage.ItemData ?? [] {
                        items.append([marketplace, id, item.SellerSKU, item.FulfillmentNetworkSKU, String(item.QuantityShipped),
                                      item.QuantityReceived.map(String.init), item.QuantityInCase.map(String.init), item.ReleaseDate])
                    }
                }
                await context.pageRead(pages)
            }
        }
        let shipmentRows = shipments, shipmentItemRows = items
        return FetchedWindow(pages: pages) { session in
            try await session.stage(AmazonTables.inboundShipments, rows: shipmentRows)
            try await session.stage(AmazonTables.inboundShipmentItems, rows: shipmentItemRows)
        }
    }
}
