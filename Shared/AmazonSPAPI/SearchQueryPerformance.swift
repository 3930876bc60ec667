import Foundation
import OpsideCore

/// Brand Analytics' Search Query Performance report (`GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT`):
/// what shoppers searched for, and how often they saw, clicked, added and bought the seller's ASINs.
///
/// Amazon's rules for the request (amazon-spapi.md §5, the report's JSON schema): one marketplace;
/// `reportOptions.reportPeriod` WEEK, MONTH or QUARTER; `reportOptions.asin` a space-separated list of
/// at most 200 characters; `dataStartTime` the first day of one period and `dataEndTime` its last
/// (a Sunday and the Saturday after for WEEK), or the report ends FATAL.
public enum SearchQueryPerformance {
    public static let reportType = "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT"
    /// The longest `reportOptions.asin` Amazon accepts.
    public static let asinOptionLimit = 200

    /// The ASINs cut into as few space-separated lists as fit the 200-character limit, in the
    /// order given (duplicates dropped), each list one report.
    public static func asinBatches(_ asins: [String]) -> [String] {
        var batches: [String] = []
        var current = ""
        var seen = Set<String>()
        for asin in asins where !asin.isEmpty && seen.insert(asin).inserted {
            let candidate = current.isEmpty ? asin : current + " " + asin
            if candidate.count <= asinOptionLimit {
                current = candidate
            } else {
                if !current.isEmpty { batches.append(current) }
                current = asin
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// The report options of one request.
    public static func reportOptions(period: Period, asins: String) -> [String: String] {
        ["reportPeriod": period.rawValue, "asin": asins]
    }
}

extension SearchQueryPerformance {
    /// A reporting period as Amazon counts it, in calendar days (UTC): a week runs Sunday to
    /// Saturday, a month from its first to its last day.
    public enum Period: String, Codable, Sendable, CaseIterable {
        case week = "WEEK"
        case month = "MONTH"

        /// The period that contains `day`: its first day.
        public func start(containing day: CivilDate) -> CivilDate {
            switch self {
            case .week:
                // 1970-01-01 was a Thursday: day 0 is weekday 4 (Sunday = 0).
                let weekday = ((day.daysSince1970 % 7) + 11) % 7
                return CivilDate(daysSince1970: day.daysSince1970 - weekday)
            case .month:
                return CivilDate(year: day.year, month: day.month, day: 1)
            }
        }

        /// The first day of the period after the one starting on `start`.
        public func next(after start: CivilDate) -> CivilDate {
            switch self {
            case .week: CivilDate(daysSince1970: start.daysSince1970 + 7)
            case .month: start.month == 12 ? CivilDate(year: start.year + 1, month: 1, day: 1)
                : CivilDate(year: start.year, month: start.month + 1, day: 1)
            }
        }

        /// The first day of the period before the one starting on `start`.
        public func previous(before first: CivilDate) -> CivilDate {
            start(containing: CivilDate(daysSince1970: first.daysSince1970 - 1))
        }

        /// The last day of the period starting on `start` (the report's `dataEndTime`).
        public func end(ofPeriodStarting first: CivilDate) -> CivilDate {
            CivilDate(daysSince1970: next(after: first).daysSince1970 - 1)
        }

        /// When a finished period's data is complete at Amazon and Opside fetches it: the Tuesday
        /// after a week at 08:00 UTC, the 5th of the next month at 08:00 UTC. The schedules run
        /// then, and a sync never asks for a period before this (its numbers would still move).
        public var schedule: String {
            switch self {
            case .week: "0 8 * * 2"
            case .month: "0 8 5 * *"
            }
        }

        /// The schedule in words, for the dashboard and the API.
        public var scheduleInWords: String {
            switch self {
            case .week: "Tuesdays from 08:00 UTC, for the week that ended on Saturday"
            case .month: "the 5th of each month from 08:00 UTC, for the month before"
            }
        }

        /// The instant the period starting on `start` is ready to fetch (see `schedule`).
        public func available(periodStarting first: CivilDate) -> Date {
            let next = next(after: first)
            let day = switch self {
            case .week: next.daysSince1970 + 2  // the Sunday after, then Monday, then Tuesday
            case .month: next.daysSince1970 + 4  // the 1st, then the 5th
            }
            return Date(timeIntervalSince1970: Double(day) * 86_400 + 8 * 3600)
        }

        /// The newest period whose data is ready at `now`: its first day.
        public func latestAvailable(at now: Date) -> CivilDate {
            let today = CivilDate(utcDayOf: now)
            var candidate = previous(before: start(containing: today))
            while available(periodStarting: candidate) > now { candidate = previous(before: candidate) }
            return candidate
        }
    }
}

// MARK: The report document

extension SearchQueryPerformance {
    /// The report's JSON document (`sellingPartnerSearchQueryPerformanceReport.json`).
    public struct Report: Decodable, Sendable {
        public struct Specification: Decodable, Sendable {
            public let reportType: String
            public let reportOptions: [String: String]
            public let dataStartTime: String
            public let dataEndTime: String
            public let marketplaceIds: [String]
        }
        public let reportSpecification: Specification
        public let dataByAsin: [Row]
    }

    /// One search query's numbers for one ASIN in one period.
    public struct Row: Decodable, Sendable {
        public let startDate: String
        public let endDate: String
        public let asin: String
        public let searchQueryData: SearchQueryData
        public let impressionData: ImpressionData
        public let clickData: Funnel
        public let cartAddData: Funnel
        public let purchaseData: Funnel
    }

    public struct SearchQueryData: Decodable, Sendable {
        public let searchQuery: String
        /// The query's rank for the ASIN: 1 matters most.
        public let searchQueryScore: Int
        /// How many times shoppers searched for it in the period.
        public let searchQueryVolume: Int
    }

    public struct ImpressionData: Decodable, Sendable {
        public let totalQueryImpressionCount: Int
        public let asinImpressionCount: Int
        public let asinImpressionShare: Decimal
    }

    /// Amazon's amount: a JSON number. `JSONDecoder` reads a `Decimal` from the number's text,
    /// never through `Double`, as for the Finances API's amounts.
    public struct CurrencyAmount: Decodable, Sendable {
        public let amount: Decimal
        public let currencyCode: String

        /// The amount in minor units, rounded half-even to the currency's digits (a JSON number
        /// made from a double may carry a tail such as `19.990000000000002`).
        public func money() throws(MoneyError) -> Money {
            try Money(parsing: "\(amount)", currencyCode: currencyCode, rounding: .halfEven)
        }
    }

    /// Clicks, cart adds or purchases: the three stages share one shape under their own names
    /// (`totalClickCount`, `totalCartAddCount`, `totalPurchaseCount` …), read into one type.
    public struct Funnel: Decodable, Sendable {
        public let totalCount: Int
        public let totalRate: Decimal
        public let asinCount: Int
        public let asinShare: Decimal
        public let totalMedianPrice: CurrencyAmount?
        public let asinMedianPrice: CurrencyAmount?
        public let totalSameDayShippingCount: Int
        public let totalOneDayShippingCount: Int
        public let totalTwoDayShippingCount: Int

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            // The stage's name is whatever sits between "total" and "Count" in its count's key.
            guard let countKey = container.allKeys.first(where: { $0.stringValue.hasPrefix("total") && $0.stringValue.hasSuffix("Count")
                                                                   && !$0.stringValue.contains("Shipping") }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "no total…Count field"))
            }
            let stage = String(countKey.stringValue.dropFirst("total".count).dropLast("Count".count))
            func key(_ name: String) -> Key { Key(stringValue: name) }
            totalCount = try container.decode(Int.self, forKey: key("total\(stage)Count"))
            totalRate = try container.decode(Decimal.self, forKey: key("total\(stage)Rate"))
            asinCount = try container.decode(Int.self, forKey: key("asin\(stage)Count"))
            asinShare = try container.decode(Decimal.self, forKey: key("asin\(stage)Share"))
            totalMedianPrice = try container.decodeIfPresent(CurrencyAmount.self, forKey: key("totalMedian\(stage)Price"))
            asinMedianPrice = try container.decodeIfPresent(CurrencyAmount.self, forKey: key("asinMedian\(stage)Price"))
            totalSameDayShippingCount = try container.decode(Int.self, forKey: key("totalSameDayShipping\(stage)Count"))
            totalOneDayShippingCount = try container.decode(Int.self, forKey: key("totalOneDayShipping\(stage)Count"))
            totalTwoDayShippingCount = try container.decode(Int.self, forKey: key("totalTwoDayShipping\(stage)Count"))
        }
    }
}
