import Foundation
import Logging
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// Fetches one period of Brand Analytics' Search Query Performance: for every marketplace, the
/// seller's ASINs cut into batches under Amazon's 200-character limit, one report per batch,
/// each JSON document read whole and staged as one row per ASIN and search query.
///
/// Reports are asked through `ReportWindowFetcher.obtainReport` with their options, so a sync
/// resumed after a restart reuses each batch's report rather than asking Amazon again.
struct SearchQueryWindowFetcher: WindowFetcher {
    let period: SearchQueryPerformance.Period
    let reports: ReportWindowFetcher
    let database: Database
    let logger: Logger
    /// The largest document read whole: 18 ASINs × a few hundred queries is a few MiB.
    static let documentLimit = 64 << 20

    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        guard let start = window.start, let end = window.end else { return nil }
        // The report's dates are days: the period's first and last (Amazon ignores the time).
        let lastDay = CivilDate(utcDayOf: end.addingTimeInterval(-86_400)).startInstant
        var rows: [[String?]] = []
        var documents = 0
        for marketplace in context.marketplaces {
            let asins = try await sellerASINs(context: context, marketplace: marketplace)
            for batch in SearchQueryPerformance.asinBatches(asins) {
                guard let document = try await reports.obtainReport(
                    api: context.api, arguments: context.arguments, type: SearchQueryPerformance.reportType, marketplace: marketplace,
                    start: start, end: lastDay, options: SearchQueryPerformance.reportOptions(period: period, asins: batch)) else {
                    continue  // Amazon had no data for these ASINs (CANCELLED)
                }
                let bytes = try await context.api.reportDocumentData(reportDocumentID: document, limit: Self.documentLimit)
                rows += try Self.rows(of: bytes, period: period, marketplace: marketplace)
                documents += 1
                await context.pageRead(documents)
            }
        }
        let staged = rows
        return FetchedWindow(pages: documents) { session in
            try await session.stage(AmazonTables.searchQueryPerformance, rows: staged)
        }
    }

    /// The ASINs the seller sells in the marketplace, from the listings and inventory synced
    /// before (the backfill order puts them first); a connection with neither yet asks Amazon's
    /// inventory summaries, so a first sync never comes back empty for lack of a listing sync.
    func sellerASINs(context: WindowFetchContext, marketplace: String) async throws -> [String] {
        let logger = self.logger, connection = context.arguments.connectionID
        let stored: [String] = try await database.withTransaction(tenant: context.arguments.tenantID) { db in
            var found: [String] = []
            let rows = try await db.query("""
                SELECT asin FROM amazon.listings WHERE connection_id = \(connection) AND marketplace_id = \(marketplace) AND asin <> ''
                UNION
                SELECT asin FROM amazon.inventory_summaries WHERE connection_id = \(connection) AND marketplace_id = \(marketplace) AND asin <> ''
                ORDER BY 1
                """, logger: logger)
            for try await asin in rows.decode(String.self) { found.append(asin) }
            return found
        }
        if !stored.isEmpty { return stored }
        var asins = Set<String>()
        for try await page in context.api.allInventorySummaries(marketplaceID: marketplace) {
            for summary in page.payload?.inventorySummaries ?? [] {
                if let asin = summary.asin, !asin.isEmpty { asins.insert(asin) }
            }
        }
        return asins.sorted()
    }

    /// The document's rows in `AmazonTables.searchQueryPerformance`'s staged order.
    /// - Throws: `LoadError.malformedDocument` when the document is not the report's JSON.
    static func rows(of bytes: [UInt8], period: SearchQueryPerformance.Period, marketplace: String) throws -> [[String?]] {
        let type = SearchQueryPerformance.reportType
        let report: SearchQueryPerformance.Report
        do {
            report = try JSONDecoder().decode(SearchQueryPerformance.Report.self, from: Data(bytes))
        } catch {
            throw LoadError.malformedDocument(reportType: type, reason: String(describing: error))
        }
        return try report.dataByAsin.map { row in
            guard let start = CivilDate(iso: row.startDate), let end = CivilDate(iso: row.endDate) else {
                throw LoadError.malformedDocument(reportType: type, reason: "a row's dates \(row.startDate)…\(row.endDate) are not days")
            }
            let prices = [row.clickData, row.cartAddData, row.purchaseData].flatMap { [$0.totalMedianPrice, $0.asinMedianPrice] }
            let currency = prices.compactMap { $0?.currencyCode }.first
            func minor(_ amount: SearchQueryPerformance.CurrencyAmount?) throws -> String? {
                guard let amount else { return nil }
                guard amount.currencyCode == currency else {
                    throw LoadError.malformedDocument(reportType: type, reason: "\(row.asin) '\(row.searchQueryData.searchQuery)' mixes currencies")
                }
                do {
                    return String(try amount.money().amountMinor)
                } catch {
                    throw LoadError.malformedDocument(reportType: type, reason: "an amount of \(row.asin): \(error)")
                }
            }
            func funnel(_ stage: SearchQueryPerformance.Funnel) throws -> [String?] {
                [String(stage.totalCount), "\(stage.totalRate)", String(stage.asinCount), "\(stage.asinShare)",
                 try minor(stage.totalMedianPrice), try minor(stage.asinMedianPrice), String(stage.totalSameDayShippingCount),
                 String(stage.totalOneDayShippingCount), String(stage.totalTwoDayShippingCount)]
            }
            let query = row.searchQueryData
            return [marketplace, period.rawValue, start.description, row.asin, query.searchQuery, end.description,
                    String(query.searchQueryScore), String(query.searchQueryVolume), String(row.impressionData.totalQueryImpressionCount),
                    String(row.impressionData.asinImpressionCount), "\(row.impressionData.asinImpressionShare)"]
                + (try funnel(row.clickData)) + (try funnel(row.cartAddData)) + (try funnel(row.purchaseData)) + [currency]
        }
    }
}
