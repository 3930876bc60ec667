import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

/// The sandbox driven by a client sellers and developers really use, not only by ours: a sandbox
/// fitted to our client would hide our client's bugs. python-amazon-sp-api pages orders and
/// finances with the token alone and reports with `nextToken` as the only parameter
/// (Tests/Clients/python_sp_api_pages.py); deploy/test installs it, pinned, into .run/clients-venv.
@Suite("Open-source SP-API clients against the sandbox")
struct OpenSourceClientTests {
    /// Runs `Tests/Clients/<script>` with `settings` and returns its JSON output.
    static func run(_ script: String, settings: [String: Any]) async throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: try await ClientScripts.run(script, settings: settings))
    }

    static func number(_ value: JSONValue?) -> Int? {
        if case .number(let number)? = value { return Int(number) }
        return nil
    }

    /// Every item of a raw paginated query, paged the way our client pages (criteria repeated).
    static func everything(_ api: SellingPartnerAPI, _ paged: PaginationTests.Paged) async throws -> [JSONValue] {
        var page = try await PaginationTests.get(api, paged, paged.first)
        var items = paged.items(page)
        while let token = paged.nextToken(page) {
            page = try await PaginationTests.get(api, paged, paged.first + [(paged.tokenParameter, token)])
            items += paged.items(page)
        }
        return items
    }

    @Test func pythonAmazonSPAPIPagesOrdersFinancesAndReports() async throws {
        try await SandboxHarness.with(PaginationTests.fast) { harness in
            let seller = try await harness.createSeller(seed: 811)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let createdAfter = PaginationTests.iso(Date().addingTimeInterval(-40 * 86_400))
            let postedAfter = PaginationTests.iso(Date().addingTimeInterval(-10 * 86_400))
            let reportType = "GET_FBA_REIMBURSEMENTS_DATA"
            for _ in 0..<3 { _ = try await api.createReport(CreateReportSpecification(reportType: reportType, marketplaceIDs: [PaginationTests.us])) }

            let orders = try await Self.everything(api, PaginationTests.orders(createdAfter, pageSize: 100))
                .compactMap { PaginationTests.string($0["AmazonOrderId"]) }
            let events = try await Self.everything(api, PaginationTests.financialEvents(postedAfter, pageSize: 100)).count
            let reports = try await Self.everything(api, PaginationTests.reports(reportType, pageSize: 100))
                .compactMap { PaginationTests.string($0) }
            #expect(orders.count >= 8 && events >= 8 && reports.count == 3, "the seller has too little to page: \(orders.count) orders, \(events) events")

            let result = try await Self.run("python_sp_api_pages.py", settings: [
                "endpoint": harness.baseURL, "refreshToken": seller.refreshToken, "clientId": harness.settings.clientID,
                "clientSecret": harness.settings.clientSecret, "marketplaceId": PaginationTests.us,
                "createdAfter": createdAfter, "ordersPageSize": (orders.count + 3) / 4,
                "postedAfter": postedAfter, "financesPageSize": (events + 3) / 4,
                "reportType": reportType, "reportsPageSize": 1,
            ])
            #expect(result["orders"]?["ids"] == .array(orders.map(JSONValue.string)))
            #expect(Self.number(result["orders"]?["pages"]) ?? 0 >= 4)
            #expect(Self.number(result["financialEvents"]?["count"]) == events)
            #expect(Self.number(result["financialEvents"]?["pages"]) ?? 0 >= 4)
            #expect(result["reports"]?["ids"] == .array(reports.map(JSONValue.string)))
            #expect(Self.number(result["reports"]?["pages"]) == 3)
            #expect(Self.number(result["malformedToken"]?["status"]) == 400)
            #expect(PaginationTests.string(result["malformedToken"]?["code"]) == "InvalidInput")
        }
    }
}
