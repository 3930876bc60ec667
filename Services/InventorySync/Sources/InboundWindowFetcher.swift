import Foundation
import Logging
import OpsideAmazonData
import OpsideAmazonSPAPI

/// Fetches inbound shipments and their items: every shipment on a first sync, then those changed
/// since the window's start.
///
/// Items come a page of many shipments at a time from `getShipmentItems` by date range (each item
/// names its shipment), not one `getShipmentItemsByShipmentId` call per shipment: at Amazon's two
/// calls a second, a seller with 7,000 shipments waited an hour for those calls alone. A shipment
/// the date range brought no item of (its items last changed before the range, or Amazon refused
/// the range) is asked for by id, so every listed shipment ends with its items.
struct InboundWindowFetcher: WindowFetcher {
    /// Amazon's now: the upper end of the items' date range (Amazon wants both ends).
    let now: @Sendable () -> Date
    let logger: Logger

    /// Where a first sync's item range starts. Amazon documents no longest range; Fulfillment by
    /// Amazon opened in 2006, so this reaches every item a seller ever sent in.
    static let firstSyncItemsSince = Date(timeIntervalSince1970: 1_136_073_600)  // 2006-01-01

    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        let api = context.api
        var shipments: [[String?]] = []
        var items: [[String?]] = []
        var pages = 0
        let before = now()
        let itemsSince = window.changedSince ? (window.start ?? Self.firstSyncItemsSince) : Self.firstSyncItemsSince
        for marketplace in context.marketplaces {
            var listed: [String] = []
            let sequence = window.changedSince
                ? api.allInboundShipments(marketplaceID: marketplace, lastUpdatedAfter: window.start?.formatted(.iso8601),
                                          lastUpdatedBefore: before.formatted(.iso8601))
                : api.allInboundShipments(marketplaceID: marketplace, statuses: SellingPartnerAPI.inboundShipmentStatuses)
            for try await page in sequence {
                pages += 1
                for shipment in page.ShipmentData ?? [] {
                    guard let id = shipment.ShipmentId else { continue }
                    listed.append(id)
                    shipments.append([marketplace, id, shipment.ShipmentName, shipment.DestinationFulfillmentCenterId,
                                      shipment.ShipmentStatus, shipment.LabelPrepType, shipment.BoxContentsSource,
                                      shipment.ConfirmedNeedByDate])
                }
                await context.pageRead(pages)
            }
            guard !listed.isEmpty else { continue }
            var itemsByShipment: [String: [InboundShipmentItem]] = [:]
            do {
                for try await page in api.allInboundShipmentItems(marketplaceID: marketplace, lastUpdatedAfter: itemsSince.formatted(.iso8601),
                                                                  lastUpdatedBefore: before.formatted(.iso8601)) {
                    pages += 1
                    for item in page.ItemData ?? [] {
                        guard let shipmentID = item.ShipmentId else { continue }
                        itemsByShipment[shipmentID, default: []].append(item)
                    }
                    await context.pageRead(pages)
                }
            } catch SPAPIError.api(_, 400, let errors, _) {
                // A range Amazon will not serve: every shipment is asked for by id, as before.
                logger.warning("getShipmentItems refused the date range; items are read shipment by shipment",
                               metadata: ["marketplace": "\(marketplace)", "errors": "\(errors.map(\.message))"])
                itemsByShipment = [:]
            }
            for id in listed {
                var shipmentItems = itemsByShipment[id] ?? []
                if shipmentItems.isEmpty {
                    shipmentItems = try await api.getInboundShipmentItems(shipmentID: id, marketplaceID: marketplace).ItemData ?? []
                    pages += 1
                    await context.pageRead(pages)
                }
                for item in shipmentItems {
                    items.append([marketplace, id, item.SellerSKU, item.FulfillmentNetworkSKU, String(item.QuantityShipped),
                                  item.QuantityReceived.map(String.init), item.QuantityInCase.map(String.init), item.ReleaseDate])
                }
            }
        }
        let shipmentRows = shipments, shipmentItemRows = items
        return FetchedWindow(pages: pages) { session in
            try await session.stage(AmazonTables.inboundShipments, rows: shipmentRows)
            try await session.stage(AmazonTables.inboundShipmentItems, rows: shipmentItemRows)
        }
    }
}
