import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTransport

/// The Search Query Performance routes: the trends a seller reads, and the backfill that loads
/// periods from before the first sync.
extension InventorySyncController {
    struct SearchQueryBackfillRequest: Decodable {
        /// `WEEK` or `MONTH`.
        let period: String
        /// A day in the first period to load (`YYYY-MM-DD`).
        let from: String
    }

    /// How far back a backfill may reach: Amazon keeps Brand Analytics for two years (the Sales
    /// and Traffic report cancels a start older than that, amazon-spapi.md §5).
    static let searchQueryHistoryDays = 730

    static func searchQueryPeriod(_ text: String?) throws -> SearchQueryPerformance.Period {
        guard let text else { return .week }
        guard let period = SearchQueryPerformance.Period(rawValue: text.uppercased()) else {
            throw APIError.validation("period must be WEEK or MONTH", details: ["period": text])
        }
        return period
    }

    static func dataset(for period: SearchQueryPerformance.Period) -> SyncDataset {
        period == .week ? .searchQueryPerformanceWeekly : .searchQueryPerformanceMonthly
    }

    func searchQueryTrends(_ request: Request, _ context: OpsideRequestContext) async throws -> SearchQueryTrends {
        let tenant = try context.requireCallerTenant()
        let query = request.uri.queryParameters
        let period = try Self.searchQueryPeriod(query.get("period"))
        func bounded(_ name: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let text = query.get(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw APIError.validation("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        let periods = try bounded("periods", 1...26, default: 8)
        let top = try bounded("top", 1...50, default: 10)
        let asin = query.get("asin").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.flatMap { $0.isEmpty ? nil : $0 }
        if let asin, asin.count != 10 || !asin.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            throw APIError.validation("asin must be a 10-character ASIN", details: ["asin": asin])
        }
        let id = try await visibleConnection(tenant: tenant, context)
        return try await searchQueries.trends(tenantID: tenant, connectionID: id, period: period, marketplace: query.get("marketplaceId"),
                                              asin: asin, periods: periods, top: top)
    }

    func searchQueryBackfill(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<RunsResponse> {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: SearchQueryBackfillRequest.self, context: context)
        let period = try Self.searchQueryPeriod(body.period)
        guard let from = CivilDate(iso: body.from) else { throw APIError.validation("from must be a day, YYYY-MM-DD", details: ["from": body.from]) }
        let now = self.now()
        let today = CivilDate(utcDayOf: now)
        let earliest = CivilDate(daysSince1970: today.daysSince1970 - Self.searchQueryHistoryDays)
        guard from >= earliest else {
            throw APIError.validation("Amazon keeps two years of Brand Analytics: from must be \(earliest) or later", details: ["earliest": earliest.description])
        }
        let first = period.start(containing: from)
        let latest = period.latestAvailable(at: now)
        guard first <= latest else {
            throw APIError.validation("the \(period.rawValue.lowercased()) holding \(from) is not complete at Amazon yet; the latest complete one starts \(latest)",
                                      details: ["latest": latest.description])
        }
        let id = try connectionID(context)
        let connection = try await knownConnection(tenant: tenant, id: id)
        guard connection.status != SyncConnectionStatus.importOnly.rawValue else {
            throw APIError.conflict("this connection only has imported files; connect the Amazon account to sync it")
        }
        guard connection.status != SyncConnectionStatus.disconnected.rawValue else { throw Self.disconnected }
        do {
            let run = try await repository.backfill(tenantID: tenant, connectionID: id, dataset: Self.dataset(for: period),
                                                    from: period.next(after: first).startInstant)
            return EditedResponse(status: .accepted, response: RunsResponse(runs: [run]))
        } catch let error as SyncBackfillError {
            throw APIError.conflict(error.description, details: ["runId": error.run.runId.uuidString.lowercased()])
        } catch is ConnectionDisconnectedError {
            throw Self.disconnected
        }
    }
}
