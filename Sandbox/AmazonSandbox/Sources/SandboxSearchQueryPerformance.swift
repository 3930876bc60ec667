import Foundation
import OpsideCore

/// Brand Analytics' Search Query Performance report (`GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT`)
/// as Amazon runs it: a JSON document of what shoppers searched for and how they met the
/// requested ASINs, for exactly one week, month or quarter of one marketplace.
///
/// Amazon accepts the request whatever its options (202) and ends it FATAL when they break the
/// report's rules (amazon-spapi.md §5, `sellingPartnerSearchQueryPerformanceReport.json`): one
/// marketplace, the seller's own; `reportPeriod` WEEK, MONTH or QUARTER; `asin` a space-separated
/// list of at most 200 characters; `dataStartTime` the first day of one period and `dataEndTime`
/// its last. The checks here are written from those rules, not from Opside's client, so a client
/// that gets them wrong sees FATAL here as it would at Amazon.
///
/// The numbers are generated, the same for the same seller, ASIN, query and period on every call:
/// each ASIN gets a handful of queries from a category its ASIN picks, whose volume follows a
/// trend and a season, so weeks and months differ the way a seller's do.
enum SandboxSearchQueryPerformance {
    static let reportType = "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT"

    /// Why Amazon would end the report FATAL, or nil when it runs.
    static func refusal(options: [String: String], marketplaces: [String], history: SellerHistory,
                        dataStart: String?, dataEnd: String?, now: Date) -> String? {
        guard marketplaces.count == 1 else { return "This report type supports only one marketplaceId; the request named \(marketplaces.count)." }
        guard marketplaces[0] == history.marketplaceID else {
            return "The marketplaceId \(marketplaces[0]) does not match the selling partner account's marketplace."
        }
        guard let period = options["reportPeriod"] else { return "reportOptions.reportPeriod is required: WEEK, MONTH or QUARTER." }
        guard ["WEEK", "MONTH", "QUARTER"].contains(period) else {
            return "reportOptions.reportPeriod \(period) is not valid; use WEEK, MONTH or QUARTER."
        }
        guard let asins = options["asin"], !asins.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "reportOptions.asin is required: a space-separated list of ASINs."
        }
        guard asins.count <= 200 else { return "reportOptions.asin is \(asins.count) characters; the limit is 200." }
        for asin in asins.split(separator: " ") where asin.count != 10 || !asin.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
            return "reportOptions.asin holds \(asin), which is not an ASIN."
        }
        // Amazon ignores the time of day: the day is the text before any `T`.
        guard let startText = dataStart, let endText = dataEnd,
              let start = CivilDate(iso: startText.prefix(10)), let end = CivilDate(iso: endText.prefix(10)) else {
            return "dataStartTime and dataEndTime are required for this report type."
        }
        let (first, last) = bounds(period: period, containing: start)
        guard start == first else {
            return "dataStartTime \(start) is not the first day of a \(period) period (that period starts on \(first))."
        }
        guard end == last else {
            return "dataEndTime \(end) must be the last day of the \(period) period starting \(start), which is \(last); a report covers one period."
        }
        guard end.daysSince1970 < Int((now.timeIntervalSince1970 / 86_400).rounded(.down)) else {
            return "The \(period) period ending \(end) has not ended yet."
        }
        return nil
    }

    /// The first and last day of the period of `kind` that holds `day` (UTC calendar days; a
    /// week runs Sunday to Saturday, a quarter starts in January, April, July or October).
    static func bounds(period kind: String, containing day: CivilDate) -> (CivilDate, CivilDate) {
        switch kind {
        case "WEEK":
            let sunday = day.daysSince1970 - (((day.daysSince1970 % 7) + 11) % 7)  // 1970-01-01 was a Thursday
            return (CivilDate(daysSince1970: sunday), CivilDate(daysSince1970: sunday + 6))
        case "MONTH":
            let first = CivilDate(year: day.year, month: day.month, day: 1)
            return (first, CivilDate(year: day.year, month: day.month, day: CivilDate.days(inMonth: day.month, of: day.year)))
        default:
            let month = (day.month - 1) / 3 * 3 + 1
            let lastMonth = month + 2
            return (CivilDate(year: day.year, month: month, day: 1),
                    CivilDate(year: day.year, month: lastMonth, day: CivilDate.days(inMonth: lastMonth, of: day.year)))
        }
    }

    // MARK: The document

    /// Search queries by category: an ASIN's category is picked by its hash.
    static let categories: [[String]] = [
        ["yoga mat", "non slip yoga mat", "thick yoga mat", "exercise mat", "yoga mat for women", "travel yoga mat", "pilates mat"],
        ["water bottle", "insulated water bottle", "stainless steel water bottle", "water bottle with straw", "32 oz water bottle", "gym water bottle"],
        ["phone case", "shockproof phone case", "clear phone case", "phone case with card holder", "slim phone case", "magnetic phone case"],
        ["cutting board", "bamboo cutting board", "wood cutting board", "cutting board set", "large cutting board", "plastic cutting board"],
        ["dog leash", "retractable dog leash", "dog leash for large dogs", "hands free dog leash", "reflective dog leash", "puppy leash"],
        ["led desk lamp", "desk lamp", "dimmable desk lamp", "desk lamp with usb port", "reading lamp", "clamp desk lamp"],
        ["resistance bands", "resistance bands set", "exercise bands", "loop resistance bands", "pull up bands", "workout bands for women"],
        ["coffee grinder", "burr coffee grinder", "electric coffee grinder", "manual coffee grinder", "coffee bean grinder", "espresso grinder"],
    ]

    /// The report document for the requested ASINs and period, and how many ASIN × query rows it
    /// has (0: none of the ASINs is the seller's, so Amazon has nothing and cancels the report).
    static func render(history: SellerHistory, options: [String: String], dataStart: String, dataEnd: String) -> (String, Int) {
        let period = options["reportPeriod"] ?? "WEEK"
        let requested = (options["asin"] ?? "").split(separator: " ").map(String.init)
        guard let start = CivilDate(iso: dataStart.prefix(10)), let end = CivilDate(iso: dataEnd.prefix(10)) else { return ("", 0) }
        let products = Dictionary(history.products.map { ($0.asin, $0) }, uniquingKeysWith: { first, _ in first })
        let days = end.daysSince1970 - start.daysSince1970 + 1
        let digits = (try? Currency(code: history.currency).minorUnitDigits) ?? 2
        var rows: [[String: Any]] = []
        for asin in requested {
            guard let product = products[asin] else { continue }
            let seed = hash(asin)
            let queries = categories[Int(seed % UInt64(categories.count))]
            let count = 4 + Int((seed >> 8) % UInt64(queries.count - 3))
            // How this ASIN's queries grow every four weeks, between -3% and +4%, counted from 2026-01-01.
            let growth = Double(Int((seed >> 16) % 8) - 3) / 100
            let weeksFrom2026 = Double(start.daysSince1970 - 20_454) / 7
            let season = 1 + 0.18 * sin(2 * Double.pi * Double(start.daysSince1970 % 365) / 365)
            var generated: [(query: String, volume: Int, seed: UInt64)] = []
            for query in queries.prefix(count) {
                let querySeed = hash(asin + "|" + query)
                let base = 300 + Double(querySeed % 4_000)
                let trend = min(3, max(0.3, 1 + growth * weeksFrom2026 / 4))
                let wobble = 0.9 + Double(hash("\(querySeed)|\(start)") % 21) / 100
                let volume = max(20, Int(base * trend * season * wobble * Double(days) / 7))
                generated.append((query, volume, querySeed))
            }
            // Score 1 is the query that matters most for the ASIN: the most searched.
            generated.sort { $0.volume > $1.volume || ($0.volume == $1.volume && $0.query < $1.query) }
            let price = Double(product.priceMinor) / pow(10, Double(digits))
            for (index, entry) in generated.enumerated() {
                let s = entry.seed
                func fraction(_ shift: UInt64, _ low: Double, _ high: Double) -> Double {
                    low + Double((s >> shift) % 1_000) / 1_000 * (high - low)
                }
                let volume = entry.volume
                let impressions = volume * (8 + Int(s % 8))
                let impressionShare = fraction(3, 0.02, 0.14)
                let clicks = Int(Double(volume) * fraction(11, 0.35, 0.9))
                let clickShare = min(0.9, impressionShare * fraction(17, 0.7, 1.5))
                let cartAdds = Int(Double(clicks) * fraction(23, 0.12, 0.3))
                let cartShare = min(0.9, clickShare * fraction(29, 0.8, 1.3))
                let purchases = Int(Double(cartAdds) * fraction(31, 0.35, 0.65))
                let purchaseShare = min(0.9, cartShare * fraction(37, 0.8, 1.3))
                func money(_ amount: Double) -> [String: Any] {
                    ["amount": (amount * pow(10, Double(digits))).rounded() / pow(10, Double(digits)), "currencyCode": history.currency]
                }
                func stage(_ name: String, total: Int, share: Double, medianFactor: Double) -> [String: Any] {
                    let asinCount = Int((Double(total) * share).rounded())
                    return ["total\(name)Count": total, "total\(name)Rate": rate(Double(total) / Double(volume)),
                            "asin\(name)Count": asinCount, "asin\(name)Share": rate(total == 0 ? 0 : Double(asinCount) / Double(total)),
                            "totalMedian\(name)Price": money(price * medianFactor), "asinMedian\(name)Price": money(price),
                            "totalSameDayShipping\(name)Count": total / 10, "totalOneDayShipping\(name)Count": total / 4,
                            "totalTwoDayShipping\(name)Count": total / 2]
                }
                let asinImpressions = Int((Double(impressions) * impressionShare).rounded())
                rows.append([
                    "startDate": start.description, "endDate": end.description, "asin": asin,
                    "searchQueryData": ["searchQuery": entry.query, "searchQueryScore": index + 1, "searchQueryVolume": volume],
                    "impressionData": ["totalQueryImpressionCount": impressions, "asinImpressionCount": asinImpressions,
                                       "asinImpressionShare": rate(Double(asinImpressions) / Double(impressions))],
                    "clickData": stage("Click", total: clicks, share: clickShare, medianFactor: fraction(41, 0.8, 1.2)),
                    "cartAddData": stage("CartAdd", total: cartAdds, share: cartShare, medianFactor: fraction(43, 0.8, 1.2)),
                    "purchaseData": stage("Purchase", total: purchases, share: purchaseShare, medianFactor: fraction(47, 0.8, 1.2)),
                ])
            }
        }
        guard !rows.isEmpty else { return ("", 0) }
        let document: [String: Any] = [
            "reportSpecification": [
                "reportType": reportType, "reportOptions": options, "dataStartTime": start.description, "dataEndTime": end.description,
                "marketplaceIds": [history.marketplaceID],
            ],
            "dataByAsin": rows,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return (String(decoding: data, as: UTF8.self), rows.count)
    }

    /// A rate or share as Amazon writes it: four decimals.
    static func rate(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// FNV-1a: the same number for the same text in every process (Swift's `Hasher` is seeded per run).
    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        return value
    }
}
