import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideSchemaValidation
import OpsideTesting
import Testing

/// Brand Analytics' Search Query Performance report through the real client and the in-process
/// sandbox: the report runs for one period of one marketplace and ends FATAL, with Amazon's
/// reason in its error document, for a request that breaks the report's rules.
@Suite("Search Query Performance report")
struct SearchQueryPerformanceReportTests {
    static let us = SandboxOperationsTests.us
    static let fast = SandboxOperationsTests.fast
    static let type = SearchQueryPerformance.reportType

    /// The schema Amazon publishes for the document (`sellingPartnerSearchQueryPerformanceReport.json`).
    static func documentSchema() throws -> (JSONValue, JSONSchemaValidator) {
        let url = SwaggerModel.directory.appendingPathComponent("sellingPartnerSearchQueryPerformanceReport.json")
        let data = try #require(FileManager.default.contents(atPath: url.path), "\(url.path) is missing")
        let schema = try JSONDecoder().decode(JSONValue.self, from: data)
        guard case .object(let definitions)? = schema["definitions"] else { throw HarnessError("the report schema has no definitions") }
        return (schema, JSONSchemaValidator(definitions: definitions))
    }

    @Test func aWeekOfTheSellersAsinsMatchesAmazonsSchemaAndBreakingARuleIsFatal() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 571, skus: 6)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let asins = try await SandboxOperationsTests.products(api).compactMap(\.asin)
            #expect(asins.count == 6)
            let batch = try #require(SearchQueryPerformance.asinBatches(asins).first)
            // A complete week: the Sunday-to-Saturday before last.
            let week = SearchQueryPerformance.Period.week.latestAvailable(at: harness.state.now)
            let saturday = SearchQueryPerformance.Period.week.end(ofPeriodStarting: week)
            func request(start: String, end: String, marketplaces: [String] = [Self.us], options: [String: String]) -> CreateReportSpecification {
                CreateReportSpecification(reportType: Self.type, marketplaceIDs: marketplaces, dataStartTime: start, dataEndTime: end,
                                          reportOptions: options)
            }

            let done = try await api.createReportAndWait(request(start: week.description, end: saturday.description,
                                                                 options: ["reportPeriod": "WEEK", "asin": batch]))
            guard case .done(_, let documentID) = done else { Issue.record("the week's report did not finish: \(done)"); return }
            let bytes = try await api.reportDocumentData(reportDocumentID: documentID, limit: 8 << 20)
            let document = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            let (schema, validator) = try Self.documentSchema()
            let violations = validator.validate(document, against: schema)
            #expect(violations.isEmpty, "\(violations.prefix(8).map(\.description))")
            let report = try JSONDecoder().decode(SearchQueryPerformance.Report.self, from: Data(bytes))
            #expect(Set(report.dataByAsin.map(\.asin)) == Set(asins), "every ASIN asked for has queries")
            #expect(report.dataByAsin.allSatisfy { $0.startDate == week.description && $0.endDate == saturday.description })
            #expect(report.dataByAsin.allSatisfy { $0.clickData.asinCount <= $0.clickData.totalCount && $0.purchaseData.asinCount <= $0.purchaseData.totalCount })
            // The same request again: the same numbers (a seller's history does not change on re-reading).
            let again = try await api.createReportAndWait(request(start: week.description, end: saturday.description,
                                                                  options: ["reportPeriod": "WEEK", "asin": batch]))
            guard case .done(_, let againID) = again else { Issue.record("the repeat did not finish"); return }
            #expect(try await api.reportDocumentData(reportDocumentID: againID, limit: 8 << 20) == bytes)

            // What Amazon ends FATAL, each with its reason in the error document.
            let monday = CivilDate(daysSince1970: week.daysSince1970 + 1)
            let twoWeeks = CivilDate(daysSince1970: saturday.daysSince1970 + 7)
            let tooMany = (asins + (0..<20).map { String(format: "B0%08d", $0) }).joined(separator: " ")
            let refusals: [(CreateReportSpecification, String)] = [
                (request(start: monday.description, end: saturday.description, options: ["reportPeriod": "WEEK", "asin": batch]), "first day"),
                (request(start: week.description, end: twoWeeks.description, options: ["reportPeriod": "WEEK", "asin": batch]), "one period"),
                (request(start: week.description, end: saturday.description, marketplaces: [Self.us, "A2EUQ1WTGCTBG2"],
                         options: ["reportPeriod": "WEEK", "asin": batch]), "only one marketplaceId"),
                (request(start: week.description, end: saturday.description, options: ["reportPeriod": "WEEK", "asin": tooMany]), "limit is 200"),
                (request(start: week.description, end: saturday.description, options: ["reportPeriod": "DAY", "asin": batch]), "WEEK, MONTH or QUARTER"),
                (request(start: week.description, end: saturday.description, options: ["reportPeriod": "WEEK"]), "asin is required"),
            ]
            for (specification, reason) in refusals {
                await #expect { _ = try await api.createReportAndWait(specification) } throws: { error in
                    guard case ReportError.fatal(_, let errorDocument) = error else { return false }
                    return errorDocument?.contains(reason) == true
                }
            }
            // ASINs that are not the seller's have no data: Amazon cancels the report.
            let strangers = try await api.createReportAndWait(request(start: week.description, end: saturday.description,
                                                                      options: ["reportPeriod": "WEEK", "asin": "B0ZZZZZZZ1 B0ZZZZZZZ2"]))
            guard case .cancelled = strangers else { Issue.record("strangers' ASINs answered \(strangers)"); return }
        }
    }
}
