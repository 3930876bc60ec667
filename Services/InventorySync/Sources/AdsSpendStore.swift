import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// What a seller reads of their advertising: per SKU, what its Sponsored Products ads cost each
/// day of a range, beside what the SKU sold in those days, so the cost of advertising a sale
/// (ACoS, ad cost per unit) sits next to the sales it bought.
public struct AdsSpendReport: Codable, Sendable, ResponseEncodable {
    public struct SKU: Codable, Sendable {
        public let sellerSku: String
        public let asin: String?
        /// The listing's title, when listings are synced.
        public let title: String?
        public let impressions: Int64
        public let clicks: Int64
        public let adCost: Money
        /// Units ordered and their item price in the range (every order but cancelled ones),
        /// from the synced orders; zero when orders are not synced yet.
        public let unitsOrdered: Int64
        public let sales: Money
        /// Ad cost over sales, as a percentage with one decimal ("12.5%"); nil without sales.
        public let acos: String?
        /// Ad cost per unit ordered; nil without units.
        public let adCostPerUnit: Money?
        /// The ad cost of each day of `days`, in minor units.
        public let dailyCostMinor: [Int64]
    }
    public struct Totals: Codable, Sendable {
        public let impressions: Int64
        public let clicks: Int64
        public let adCost: Money
        public let unitsOrdered: Int64
        public let sales: Money
        public let acos: String?
    }
    public let marketplaceId: String?
    /// The marketplaces the connection has spend in.
    public let marketplaceIds: [String]
    public let currency: String?
    public let from: String
    public let to: String
    /// Every day of the range, oldest first.
    public let days: [String]
    /// The last day synced, if any: the latest three are still settling at Amazon.
    public let latestDay: String?
    public let totals: Totals?
    /// Most spent first.
    public let skus: [SKU]
}

/// Reads `amazon.ads_spend` with the orders and listings of the same connection, under the
/// tenant's row-level security.
public struct AdsSpendStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// - Parameters:
    ///   - from: the first day, `to` the last (inclusive), days of the marketplace's time zone.
    ///   - sku: only this SKU (a claim's page asks for its SKU's ad cost per unit).
    public func report(tenantID: UUID, connectionID: UUID, marketplace: String?, from: CivilDate, to: CivilDate,
                sku only: String? = nil) async throws -> AdsSpendReport {
        let logger = self.logger
        let days = (from.daysSince1970...to.daysSince1970).map { CivilDate(daysSince1970: $0).description }
        return try await database.withTransaction(tenant: tenantID) { db in
            var marketplaces: [String] = []
            for try await id in try await db.query("""
                SELECT DISTINCT marketplace_id FROM amazon.ads_spend WHERE connection_id = \(connectionID) ORDER BY 1
                """, logger: logger).decode(String.self) {
                marketplaces.append(id)
            }
            guard let chosen = marketplace ?? marketplaces.first else {
                return AdsSpendReport(marketplaceId: marketplace, marketplaceIds: [], currency: nil, from: from.description, to: to.description,
                                      days: days, latestDay: nil, totals: nil, skus: [])
            }
            var latest: String?
            for try await day in try await db.query("""
                SELECT max(date)::text FROM amazon.ads_spend WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen)
                """, logger: logger).decode(String?.self) {
                latest = day
            }
            // Spend per SKU and day in the range.
            var spend: [String: (asin: String?, impressions: Int64, clicks: Int64, daily: [Int64], currency: String?)] = [:]
            for try await (sku, asin, day, impressions, clicks, cost, currency) in try await db.query("""
                SELECT seller_sku, asin, (date - \(from.description)::date), coalesce(impressions, 0), coalesce(clicks, 0),
                       coalesce(cost_minor, 0), currency
                FROM amazon.ads_spend
                WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen)
                  AND date BETWEEN \(from.description)::date AND \(to.description)::date
                  AND (\(only)::text IS NULL OR seller_sku = \(only))
                """, logger: logger).decode((String, String?, Int32, Int64, Int64, Int64, String?).self) {
                var entry = spend[sku] ?? (asin, 0, 0, Array(repeating: 0, count: days.count), currency)
                entry.asin = entry.asin ?? asin
                entry.impressions += impressions
                entry.clicks += clicks
                entry.daily[Int(day)] += cost
                entry.currency = entry.currency ?? currency
                spend[sku] = entry
            }
            let codes = Set(spend.values.compactMap(\.currency))
            guard codes.count <= 1 else { throw APIError.conflict("the spend of \(chosen) is in several currencies: \(codes.sorted())") }
            let currency = try Currency(code: codes.first ?? AmazonMarketplace.withID(chosen)?.currency.code ?? "USD")
            // What the same SKUs sold on the same days (the marketplace's days), in the same currency.
            let zone = AmazonMarketplace.withID(chosen)?.timeZone ?? "UTC"
            var sold: [String: (units: Int64, salesMinor: Int64)] = [:]
            for try await (sku, units, sales) in try await db.query("""
                SELECT i.seller_sku, sum(coalesce(i.quantity_ordered, 0))::bigint, sum(coalesce(i.item_price_minor, 0))::bigint
                FROM amazon.order_items i JOIN amazon.orders o
                  ON o.connection_id = i.connection_id AND o.marketplace_id = i.marketplace_id AND o.amazon_order_id = i.amazon_order_id
                WHERE i.connection_id = \(connectionID) AND i.marketplace_id = \(chosen) AND i.seller_sku = ANY(\(Array(spend.keys)))
                  AND coalesce(o.order_status, '') NOT IN ('Canceled', 'Cancelled')
                  AND (i.currency IS NULL OR i.currency = \(currency.code))
                  AND (o.purchase_date AT TIME ZONE \(zone))::date BETWEEN \(from.description)::date AND \(to.description)::date
                GROUP BY i.seller_sku
                """, logger: logger).decode((String, Int64, Int64).self) {
                sold[sku] = (units, sales)
            }
            var titles: [String: String] = [:]
            for try await (sku, title) in try await db.query("""
                SELECT DISTINCT ON (seller_sku) seller_sku, item_name FROM amazon.listings
                WHERE connection_id = \(connectionID) AND marketplace_id = \(chosen) AND seller_sku = ANY(\(Array(spend.keys)))
                  AND item_name IS NOT NULL
                ORDER BY seller_sku
                """, logger: logger).decode((String, String).self) {
                titles[sku] = title
            }
            let skus = spend.map { sku, entry -> AdsSpendReport.SKU in
                let cost = entry.daily.reduce(0, +)
                let units = sold[sku]?.units ?? 0, sales = sold[sku]?.salesMinor ?? 0
                return AdsSpendReport.SKU(
                    sellerSku: sku, asin: entry.asin, title: titles[sku], impressions: entry.impressions, clicks: entry.clicks,
                    adCost: Money(amountMinor: cost, currency: currency), unitsOrdered: units, sales: Money(amountMinor: sales, currency: currency),
                    acos: Self.percentage(cost, of: sales),
                    adCostPerUnit: units > 0 ? Money(amountMinor: Self.divide(cost, by: units), currency: currency) : nil,
                    dailyCostMinor: entry.daily)
            }.sorted { ($0.adCost.amountMinor, $1.sellerSku) > ($1.adCost.amountMinor, $0.sellerSku) }
            let cost = skus.reduce(0) { $0 + $1.adCost.amountMinor }, sales = skus.reduce(0) { $0 + $1.sales.amountMinor }
            let totals = AdsSpendReport.Totals(
                impressions: skus.reduce(0) { $0 + $1.impressions }, clicks: skus.reduce(0) { $0 + $1.clicks },
                adCost: Money(amountMinor: cost, currency: currency), unitsOrdered: skus.reduce(0) { $0 + $1.unitsOrdered },
                sales: Money(amountMinor: sales, currency: currency), acos: Self.percentage(cost, of: sales))
            return AdsSpendReport(marketplaceId: chosen, marketplaceIds: marketplaces, currency: currency.code, from: from.description,
                                  to: to.description, days: days, latestDay: latest, totals: totals, skus: skus)
        }
    }

    /// "12.5%": `part` over `whole` to one decimal, rounded half up; nil when `whole` is not positive.
    static func percentage(_ part: Int64, of whole: Int64) -> String? {
        guard whole > 0 else { return nil }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `amount / count` in minor units, rounded half up.
    static func divide(_ amount: Int64, by count: Int64) -> Int64 { (amount * 2 + count) / (count * 2) }
}
