import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The advertising spend route: per SKU and day, with the sales beside it.
extension InventorySyncController {
    /// The longest range one answer covers: a year of days.
    static let adsSpendMaximumDays = 366

    func adsSpend(_ request: Request, _ context: OpsideRequestContext) async throws -> AdsSpendReport {
        let tenant = try context.requireCallerTenant()
        let query = request.uri.queryParameters
        func day(_ name: String) throws -> CivilDate? {
            guard let text = query.get(name) else { return nil }
            guard let day = CivilDate(iso: text) else { throw APIError.validation("\(name) must be a day, YYYY-MM-DD", details: [name: text]) }
            return day
        }
        // Default: the 30 days up to today.
        let to = try day("to") ?? CivilDate(utcDayOf: now())
        let from = try day("from") ?? to.adding(days: -29)
        guard from <= to else { throw APIError.validation("from must not be after to", details: ["from": from.description, "to": to.description]) }
        guard to.daysSince1970 - from.daysSince1970 < Self.adsSpendMaximumDays else {
            throw APIError.validation("a range covers at most \(Self.adsSpendMaximumDays) days")
        }
        let marketplace = query.get("marketplaceId").flatMap { $0.isEmpty ? nil : $0 }
        let sku = query.get("sku").flatMap { $0.isEmpty ? nil : $0 }
        if let sku, sku.count > 200 { throw APIError.validation("sku is at most 200 characters") }
        let id = try await visibleConnection(tenant: tenant, context)
        return try await adsSpendStore.report(tenantID: tenant, connectionID: id, marketplace: marketplace, from: from, to: to, sku: sku)
    }
}
