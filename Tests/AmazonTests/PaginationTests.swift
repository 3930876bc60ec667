import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

/// Every paginated operation of the sandbox, paged the way Amazon allows: the follow-up call sends
/// the page token alone (plus what the model requires on every call), and gets the continuation
/// of the first query, whose criteria the token carries. A malformed, edited or foreign token gets
/// a 400 with Amazon's error body.
@Suite("Sandbox pagination: a page token alone continues its query")
struct PaginationTests {
    static let us = "ATVPDKIKX0DER"
    static let fast = SandboxSettings(port: 0, timeScale: 1000, reportProcessingSeconds: 0.6)

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }

    /// One paginated operation: how to ask for its first page, what every call must carry, where
    /// its token goes in and comes out, and what identifies an item of a page.
    struct Paged {
        let operation: SPAPIOperation
        let path: String
        let first: [(String, String)]
        let always: [(String, String)]
        let tokenParameter: String
        let nextToken: @Sendable (JSONValue) -> String?
        let items: @Sendable (JSONValue) -> [JSONValue]
    }

    static func get(_ api: SellingPartnerAPI, _ paged: Paged, _ query: [(String, String)]) async throws -> JSONValue {
        let response = try await api.send(method: .GET, path: paged.path, query: query, operation: paged.operation)
        return try JSONDecoder().decode(JSONValue.self, from: Data(response.body))
    }

    /// The status and first error code of a refused call (200 and nil when it was not refused).
    static func refusal(_ api: SellingPartnerAPI, _ paged: Paged, _ query: [(String, String)]) async throws -> (Int, String?) {
        do {
            _ = try await get(api, paged, query)
            return (200, nil)
        } catch SPAPIError.api(_, let status, let errors, _) {
            return (status, errors.first?.code)
        }
    }

    static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }

    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    /// Pages `paged` through page two with the token alone, and checks the two pages are the first
    /// items of `expected` (the same query read some other way), then that a malformed token, an
    /// edited token and this token on `foreign` are refused with Amazon's 400 body.
    /// `grouped`: a page lists its items grouped by kind (Finances' event lists), so two pages
    /// hold the same items as one page twice their size, in another order.
    static func check(_ api: SellingPartnerAPI, _ paged: Paged, expected: [JSONValue], pageSize: Int? = nil,
                      foreign: Paged, grouped: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let first = try await get(api, paged, paged.first)
        let token = try #require(paged.nextToken(first), "\(paged.operation.name): the first page has no token", sourceLocation: sourceLocation)
        let second = try await get(api, paged, paged.always + [(paged.tokenParameter, token)])
        let firstItems = paged.items(first), secondItems = paged.items(second)
        if let pageSize { #expect(firstItems.count == pageSize, "\(paged.operation.name) page one", sourceLocation: sourceLocation) }
        #expect(!secondItems.isEmpty, "\(paged.operation.name): page two is empty", sourceLocation: sourceLocation)
        let continued = Array(expected.prefix(firstItems.count + secondItems.count))
        if grouped {
            var unmatched = continued
            for item in firstItems + secondItems {
                if let index = unmatched.firstIndex(of: item) { unmatched.remove(at: index) }
            }
            #expect(unmatched.isEmpty && firstItems.count + secondItems.count == continued.count,
                    "\(paged.operation.name): page two does not continue page one's query", sourceLocation: sourceLocation)
        } else {
            #expect(firstItems + secondItems == continued, "\(paged.operation.name): page two does not continue page one's query",
                    sourceLocation: sourceLocation)
        }

        // A token is signed JSON ("ey..." in base64): changing its first character edits the query.
        let edited = (token.first == "e" ? "f" : "e") + token.dropFirst()
        for (label, bad, on) in [("malformed", "bm90LWEtdG9rZW4", paged), ("edited", edited, paged), ("foreign", token, foreign)] {
            let (status, code) = try await refusal(api, on, on.always + [(on.tokenParameter, bad)])
            #expect(status == 400 && code == "InvalidInput",
                    "\(on.operation.name) with a \(label) token answered \(status) \(code ?? "-")", sourceLocation: sourceLocation)
        }
    }

    static func orders(_ createdAfter: String, pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.ordersV0("getOrders"), path: "/orders/v0/orders",
              first: [("MarketplaceIds", us), ("CreatedAfter", createdAfter), ("MaxResultsPerPage", String(pageSize))],
              always: [("MarketplaceIds", us)], tokenParameter: "NextToken",
              nextToken: { string($0["payload"]?["NextToken"]) }, items: { array($0["payload"]?["Orders"]) })
    }

    static func financialEvents(_ postedAfter: String, pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.financesV0("listFinancialEvents"), path: "/finances/v0/financialEvents",
              first: [("PostedAfter", postedAfter), ("MaxResultsPerPage", String(pageSize))], always: [], tokenParameter: "NextToken",
              nextToken: { string($0["payload"]?["NextToken"]) },
              items: { page in
                  guard case .object(let lists)? = page["payload"]?["FinancialEvents"] else { return [] }
                  return lists.keys.sorted().flatMap { array(lists[$0]) }
              })
    }

    static func groups(_ startedAfter: String, pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.financesV0("listFinancialEventGroups"), path: "/finances/v0/financialEventGroups",
              first: [("FinancialEventGroupStartedAfter", startedAfter), ("MaxResultsPerPage", String(pageSize))], always: [],
              tokenParameter: "NextToken", nextToken: { string($0["payload"]?["NextToken"]) },
              items: { array($0["payload"]?["FinancialEventGroupList"]) })
    }

    static let inventoryQuery = [("granularityType", "Marketplace"), ("granularityId", us), ("marketplaceIds", us)]
    static let inventory = Paged(operation: SPAPIOperations.fbaInventory("getInventorySummaries"), path: "/fba/inventory/v1/summaries",
                                 first: inventoryQuery + [("details", "true")], always: inventoryQuery, tokenParameter: "nextToken",
                                 nextToken: { string($0["pagination"]?["nextToken"]) },
                                 items: { array($0["payload"]?["inventorySummaries"]).map { $0["sellerSku"] ?? .null } })

    static func shipments(_ updatedAfter: String) -> Paged {
        Paged(operation: SPAPIOperations.inboundV0("getShipments"), path: "/fba/inbound/v0/shipments",
              first: [("MarketplaceId", us), ("QueryType", "DATE_RANGE"), ("LastUpdatedAfter", updatedAfter),
                      ("ShipmentStatusList", SellingPartnerAPI.inboundShipmentStatuses.joined(separator: ","))],
              always: [("MarketplaceId", us), ("QueryType", "NEXT_TOKEN")], tokenParameter: "NextToken",
              nextToken: { string($0["payload"]?["NextToken"]) }, items: { array($0["payload"]?["ShipmentData"]).map { $0["ShipmentId"] ?? .null } })
    }

    static func shipmentItems(_ updatedAfter: String, _ updatedBefore: String) -> Paged {
        Paged(operation: SPAPIOperations.inboundV0("getShipmentItems"), path: "/fba/inbound/v0/shipmentItems",
              first: [("MarketplaceId", us), ("QueryType", "DATE_RANGE"), ("LastUpdatedAfter", updatedAfter), ("LastUpdatedBefore", updatedBefore)],
              always: [("MarketplaceId", us), ("QueryType", "NEXT_TOKEN")], tokenParameter: "NextToken",
              nextToken: { string($0["payload"]?["NextToken"]) },
              items: { array($0["payload"]?["ItemData"]).map { .string((string($0["ShipmentId"]) ?? "") + "|" + (string($0["SellerSKU"]) ?? "")) } })
    }

    static func reports(_ type: String, pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.reports("getReports"), path: "/reports/2021-06-30/reports",
              first: [("reportTypes", type), ("pageSize", String(pageSize))], always: [], tokenParameter: "nextToken",
              nextToken: { string($0["nextToken"]) }, items: { array($0["reports"]).map { $0["reportId"] ?? .null } })
    }

    static func listings(_ seller: String, skus: [String], pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.listings("searchListingsItems"), path: "/listings/2021-08-01/items/\(seller)",
              first: [("marketplaceIds", us), ("identifiers", skus.joined(separator: ",")), ("identifiersType", "SKU"), ("pageSize", String(pageSize))],
              always: [("marketplaceIds", us)], tokenParameter: "pageToken",
              nextToken: { string($0["pagination"]?["nextToken"]) }, items: { array($0["items"]).map { $0["sku"] ?? .null } })
    }

    static func catalog(asins: [String], pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.catalog("searchCatalogItems"), path: "/catalog/2022-04-01/items",
              first: [("marketplaceIds", us), ("identifiers", asins.joined(separator: ",")), ("identifiersType", "ASIN"), ("pageSize", String(pageSize))],
              always: [("marketplaceIds", us)], tokenParameter: "pageToken",
              nextToken: { string($0["pagination"]?["nextToken"]) }, items: { array($0["items"]).map { $0["asin"] ?? .null } })
    }

    @Test func ordersAndFinancesPageWithTheTokenAlone() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 711)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let since = Self.iso(Date().addingTimeInterval(-40 * 86_400))
            let orders = Self.orders(since, pageSize: 3)
            let ordersReference = Self.orders(since, pageSize: 6)
            try await Self.check(api, orders, expected: ordersReference.items(try await Self.get(api, ordersReference, ordersReference.first)),
                                 pageSize: 3, foreign: Self.financialEvents(since, pageSize: 3))
            // The token overrides criteria sent with it: a different CreatedAfter does not change page two.
            let token = try #require(orders.nextToken(try await Self.get(api, orders, orders.first)))
            let alone = try await Self.get(api, orders, orders.always + [("NextToken", token)])
            let overridden = try await Self.get(api, orders, orders.always + [("CreatedAfter", "2001-01-01T00:00:00Z"), ("NextToken", token)])
            #expect(orders.items(overridden) == orders.items(alone))
            // MarketplaceIds stays required with a token; CreatedAfter stays required without one.
            #expect(try await Self.refusal(api, orders, [("NextToken", token)]) == (400, "InvalidInput"))
            #expect(try await Self.refusal(api, orders, [("MarketplaceIds", Self.us)]) == (400, "InvalidInput"))

            let events = Self.financialEvents(since, pageSize: 3)
            let reference = Self.financialEvents(since, pageSize: 6)
            try await Self.check(api, events, expected: reference.items(try await Self.get(api, reference, reference.first)),
                                 foreign: orders, grouped: true)
            let groupsSince = Self.iso(Date().addingTimeInterval(-100 * 86_400))
            let groups = Self.groups(groupsSince, pageSize: 2)
            let allGroups = Self.groups(groupsSince, pageSize: 100)
            try await Self.check(api, groups, expected: allGroups.items(try await Self.get(api, allGroups, allGroups.first)),
                                 pageSize: 2, foreign: events)

            // Another seller's token is foreign too.
            let other = try await harness.createSeller(seed: 712)
            let otherAPI = harness.client().0.api(for: harness.connection(for: other))
            #expect(try await Self.refusal(otherAPI, orders, orders.always + [("NextToken", token)]) == (400, "InvalidInput"))

            // Our own client pages all of them (it repeats the criteria, which the token overrides).
            var ours: [String] = []
            for try await page in api.allOrders(OrdersQuery(marketplaceIDs: [Self.us], createdAfter: since, maxResultsPerPage: 7)) {
                ours += page.Orders.map(\.AmazonOrderId)
            }
            let everything = try await OpenSourceClientTests.everything(api, Self.orders(since, pageSize: 100))
            #expect(ours == everything.compactMap { Self.string($0["AmazonOrderId"]) })
            #expect(ours.count > 7)
        }
    }

    @Test func inventoryShipmentsListingsAndCatalogPageWithTheTokenAlone() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 713, skus: 60)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            var skus: [JSONValue] = [], asins: [String] = []
            for try await page in api.allInventorySummaries(marketplaceID: Self.us) {
                skus += (page.payload?.inventorySummaries ?? []).map { .string($0.sellerSku ?? "") }
                asins += (page.payload?.inventorySummaries ?? []).compactMap(\.asin)
            }
            #expect(skus.count == 60)
            try await Self.check(api, Self.inventory, expected: skus, pageSize: 50, foreign: Self.reports("GET_LEDGER_DETAIL_VIEW_DATA", pageSize: 1))

            // Amazon's clock stands still from here: a shipment made or received meanwhile would
            // change what a range holds between two reads of it.
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            let since = Self.iso(Date().addingTimeInterval(-400 * 86_400))
            var shipmentIDs: [JSONValue] = []
            for try await page in api.allInboundShipments(marketplaceID: Self.us, lastUpdatedAfter: since) {
                shipmentIDs += (page.ShipmentData ?? []).map { .string($0.ShipmentId ?? "") }
            }
            let shipments = Self.shipments(since)
            try await Self.check(api, shipments, expected: shipmentIDs, pageSize: 50, foreign: Self.inventory)
            let first = try await Self.get(api, shipments, shipments.first)
            let token = try #require(shipments.nextToken(first))
            #expect(try await Self.refusal(api, shipments, [("MarketplaceId", Self.us), ("QueryType", "NEXT_TOKEN")]) == (400, "InvalidInput"))
            #expect(try await Self.refusal(api, shipments, [("MarketplaceId", Self.us), ("NextToken", token)]) == (400, "InvalidInput"))
            // Amazon wants a status or id list even with a date range.
            #expect(try await Self.refusal(api, shipments, [("MarketplaceId", Self.us), ("QueryType", "DATE_RANGE"),
                                                            ("LastUpdatedAfter", since)]) == (400, "InvalidInput"))

            // The items of every shipment updated in a range, a page of many shipments at a time,
            // each naming its shipment; the same items the shipments give one by one.
            let until = Self.iso(harness.state.now)
            var updatedItems: [String] = []
            for try await page in api.allInboundShipmentItems(marketplaceID: Self.us, lastUpdatedAfter: since, lastUpdatedBefore: until) {
                updatedItems += (page.ItemData ?? []).map { ($0.ShipmentId ?? "") + "|" + $0.SellerSKU }
            }
            var itemsOneByOne: Set<String> = []
            for case .string(let id) in shipmentIDs {
                for item in try await api.getInboundShipmentItems(shipmentID: id).ItemData ?? [] { itemsOneByOne.insert(id + "|" + item.SellerSKU) }
            }
            #expect(Set(updatedItems).isSubset(of: itemsOneByOne) && updatedItems.count > 50, "\(updatedItems.count) items by date range")
            let items = Self.shipmentItems(since, until)
            try await Self.check(api, items, expected: updatedItems.map { .string($0) }, pageSize: 50, foreign: shipments)
            // Both ends of the range, or a token; never both.
            #expect(try await Self.refusal(api, items, [("MarketplaceId", Self.us), ("QueryType", "DATE_RANGE"),
                                                        ("LastUpdatedAfter", since)]) == (400, "InvalidInput"))
            let itemsToken = try #require(items.nextToken(try await Self.get(api, items, items.first)))
            #expect(try await Self.refusal(api, items, items.first + [("NextToken", itemsToken)]) == (400, "InvalidInput"))

            let chosenSKUs = Array(skus.prefix(7).compactMap { Self.string($0) })
            let listings = Self.listings(seller.sellingPartnerId, skus: chosenSKUs, pageSize: 3)
            let allListings = Self.listings(seller.sellingPartnerId, skus: chosenSKUs, pageSize: 20)
            let listed = allListings.items(try await Self.get(api, allListings, allListings.first))
            #expect(listed.count == 7)
            try await Self.check(api, listings, expected: listed, pageSize: 3, foreign: Self.catalog(asins: asins, pageSize: 3))

            let chosenASINs = Array(asins.suffix(7))
            let catalog = Self.catalog(asins: chosenASINs, pageSize: 3)
            let allCatalog = Self.catalog(asins: chosenASINs, pageSize: 20)
            let found = allCatalog.items(try await Self.get(api, allCatalog, allCatalog.first))
            #expect(found.count == 7)
            try await Self.check(api, catalog, expected: found, pageSize: 3, foreign: listings)
        }
    }

    @Test func reportsPageWithTheTokenAsTheOnlyParameter() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 714)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let type = "GET_FBA_REIMBURSEMENTS_DATA"
            for _ in 0..<3 { _ = try await api.createReport(CreateReportSpecification(reportType: type, marketplaceIDs: [Self.us])) }
            _ = try await api.createReport(CreateReportSpecification(reportType: "GET_LEDGER_DETAIL_VIEW_DATA", marketplaceIDs: [Self.us]))
            let reports = Self.reports(type, pageSize: 2)
            let all = Self.reports(type, pageSize: 100)
            let expected = all.items(try await Self.get(api, all, all.first))
            #expect(expected.count == 3)
            try await Self.check(api, reports, expected: expected, pageSize: 2, foreign: Self.orders(Self.iso(Date()), pageSize: 1))
            let token = try #require(reports.nextToken(try await Self.get(api, reports, reports.first)))
            // Amazon refuses a nextToken sent with any other parameter, and a call with neither.
            #expect(try await Self.refusal(api, reports, [("reportTypes", type), ("nextToken", token)]) == (400, "InvalidInput"))
            #expect(try await Self.refusal(api, reports, [("pageSize", "2")]) == (400, "InvalidInput"))
            // Our client sends the token alone and reads every report.
            var page = try await api.getReports(reportTypes: [type], pageSize: 1)
            var ours = page.reports.map(\.reportId)
            while let next = page.nextToken {
                page = try await api.getReports(reportTypes: [type], pageSize: 1, nextToken: next)
                ours += page.reports.map(\.reportId)
            }
            #expect(ours.map(JSONValue.string) == expected)
        }
    }

    static func inboundPlans(pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.inbound2024("listInboundPlans"), path: "/inbound/fba/2024-03-20/inboundPlans",
              first: [("sortOrder", "DESC"), ("pageSize", String(pageSize))], always: [], tokenParameter: "paginationToken",
              nextToken: { string($0["pagination"]?["nextToken"]) }, items: { array($0["inboundPlans"]).map { $0["inboundPlanId"] ?? .null } })
    }

    static func planItems(_ planID: String, pageSize: Int) -> Paged {
        Paged(operation: SPAPIOperations.inbound2024("listInboundPlanItems"), path: "/inbound/fba/2024-03-20/inboundPlans/\(planID)/items",
              first: [("pageSize", String(pageSize))], always: [], tokenParameter: "paginationToken",
              nextToken: { string($0["pagination"]?["nextToken"]) }, items: { array($0["items"]).map { $0["msku"] ?? .null } })
    }

    @Test func inboundPlansAndTheirItemsPageWithTheTokenAlone() async throws {
        try await SandboxHarness.with(Self.fast) { harness in
            let seller = try await harness.createSeller(seed: 715, skus: 8)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let products = try await SandboxOperationsTests.products(api)
            var planIDs: [String] = []
            for offset in 0..<3 {
                let chosen = products.dropFirst(offset).prefix(4)
                let created = try await api.createInboundPlan(CreateInboundPlanRequest(
                    destinationMarketplaces: [Self.us], items: chosen.map { InboundPlanItemInput(msku: $0.sellerSku ?? "", quantity: 12) },
                    name: "Plan \(offset)", sourceAddress: SandboxOperationsTests.address))
                planIDs.append(created.inboundPlanId)
            }
            // sortOrder DESC is in the token: without it page two would restart in ascending order.
            let all = Self.inboundPlans(pageSize: 30)
            let listed = all.items(try await Self.get(api, all, all.first))
            #expect(listed.count == 3)
            try await Self.check(api, Self.inboundPlans(pageSize: 1), expected: listed, pageSize: 1, foreign: Self.planItems(planIDs[0], pageSize: 1))

            let allItems = Self.planItems(planIDs[0], pageSize: 100)
            let items = allItems.items(try await Self.get(api, allItems, allItems.first))
            #expect(items.count == 4)
            // A plan's items token is foreign to another plan.
            try await Self.check(api, Self.planItems(planIDs[0], pageSize: 2), expected: items, pageSize: 2,
                                 foreign: Self.planItems(planIDs[1], pageSize: 2))
        }
    }
}
