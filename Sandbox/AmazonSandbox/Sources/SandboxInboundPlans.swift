import Foundation
import Hummingbird
import OpsideAmazonSPAPI

/// Registers one SP-API route behind the sandbox's edge (token check, faults, bucket, headers).
typealias SandboxRouteRegistrar = (_ method: HTTPRequest.Method, _ path: String, _ api: String, _ name: String,
                                   _ grantlessScope: String?, _ handler: @escaping SPAPIController.Handler) -> Void

/// A plan made with `createInboundPlan`.
struct SandboxInboundPlan: Sendable {
    struct Item: Sendable {
        let msku: String
        let asin: String
        let fnsku: String
        let quantity: Int
        let labelOwner: String
        let prepOwner: String
        let expiration: String?
        let manufacturingLotCode: String?
        /// The prep the product's category needs (`SandboxInboundRules.prep`), nil for none.
        let prep: SandboxInboundRules.Prep?
    }
    let id: String
    let sellingPartnerID: String
    let name: String
    let marketplaceIDs: [String]
    let sourceAddress: [String: String]
    let items: [Item]
    let createdAt: Date
    /// When the creating operation finishes (sandbox time); the plan is ACTIVE from then, or
    /// ERRORED when the operation failed.
    let readyAt: Date
    let failed: Bool
    /// Packing, placement, shipments and transportation, as the later steps made them.
    var workflow = SandboxInboundWorkflow()
}

/// An asynchronous Fulfillment Inbound operation: IN_PROGRESS until `doneAt`, then SUCCESS or
/// FAILED with its problems.
struct SandboxInboundOperation: Sendable {
    struct Problem: Sendable {
        let code: String
        let message: String
        let details: String?
        let severity: String

        /// An ERROR problem about one resource, worded as Amazon words its input errors.
        static func error(_ code: String, _ message: String, resource: String? = nil) -> Problem {
            Problem(code: code, message: message, details: resource.map { "There's an input error with the resource '\($0)'." },
                    severity: "ERROR")
        }
    }
    let id: String
    let sellingPartnerID: String
    let operation: String
    let doneAt: Date
    let problems: [Problem]
}

/// Fulfillment Inbound 2024-03-20: the start of the inbound plan workflow (create, poll the
/// operation, list and read plans and their items) over the seller's generated catalogue.
///
/// Items must be SKUs the seller has (Amazon fails the operation for an unknown MSKU); each item
/// carries the product's real ASIN and FNSKU, so a plan's items join to the ledger like a real one.
struct SandboxInboundPlans: Sendable {
    let state: SandboxState
    static let api = "fulfillmentInbound_2024-03-20"
    static let planStatuses: Set<String> = ["ACTIVE", "VOIDED", "SHIPPED", "ERRORED"]

    func register(_ route: SandboxRouteRegistrar) {
        route(.post, "/inbound/fba/2024-03-20/inboundPlans", Self.api, "createInboundPlan", nil) { request, _, caller in
            try await create(request, caller)
        }
        route(.get, "/inbound/fba/2024-03-20/operations/{operationId}", Self.api, "getInboundOperationStatus", nil) { _, context, caller in
            operationStatus(try context.parameters.require("operationId"), caller)
        }
        route(.get, "/inbound/fba/2024-03-20/inboundPlans", Self.api, "listInboundPlans", nil) { request, _, caller in
            try list(request, caller)
        }
        route(.get, "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}", Self.api, "getInboundPlan", nil) { _, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            return SandboxResponse.json(json(plan, now: caller.now, full: true))
        }
        route(.get, "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}/items", Self.api, "listInboundPlanItems", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            return try items(plan, request)
        }
        registerWorkflow(route)
    }

    /// Routes of the steps after creation (`SandboxInboundPlans+Packing.swift`, `+Shipments.swift`).
    func registerWorkflow(_ route: SandboxRouteRegistrar) {
        registerPacking(route)
        registerPlacement(route)
        registerTransportation(route)
        route(.put, "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}/cancellation", Self.api, "cancelInboundPlan", nil) { _, context, caller in
            try cancel(try context.parameters.require("inboundPlanId"), caller)
        }
    }

    static func planNotFound() -> Response {
        SandboxResponse.error(.notFound, code: "NotFound", message: "The requested inbound plan was not found.")
    }

    /// Amazon's identifiers: a 38-character plan id (`wf` + UUID) and a UUID operation id.
    static func newPlanID() -> String { "wf" + UUID().uuidString.lowercased() }

    struct CreateBody: Decodable {
        struct Item: Decodable {
            let msku: String
            let quantity: Int
            let labelOwner: String
            let prepOwner: String
            let expiration: String?
            let manufacturingLotCode: String?
        }
        struct Address: Decodable {
            let name: String
            let addressLine1: String
            let addressLine2: String?
            let city: String
            let stateOrProvinceCode: String?
            let postalCode: String
            let countryCode: String
            let phoneNumber: String
            let companyName: String?
            let email: String?
        }
        let destinationMarketplaces: [String]
        let items: [Item]
        let name: String?
        let sourceAddress: Address
    }

    func create(_ request: Request, _ caller: SPAPICaller) async throws -> Response {
        guard let history = caller.history else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let body = try await SandboxResponse.decode(CreateBody.self, from: request)
        guard body.destinationMarketplaces.count == 1 else {
            throw SandboxInputError(message: "destinationMarketplaces must hold exactly one marketplace")
        }
        guard (1...2000).contains(body.items.count) else { throw SandboxInputError(message: "items must hold 1 to 2000 items") }
        for item in body.items {
            guard (1...500_000).contains(item.quantity) else { throw SandboxInputError(message: "quantity of \(item.msku) must be 1 to 500000") }
            guard ["AMAZON", "SELLER", "NONE"].contains(item.labelOwner), ["AMAZON", "SELLER", "NONE"].contains(item.prepOwner) else {
                throw SandboxInputError(message: "labelOwner and prepOwner must be AMAZON, SELLER or NONE")
            }
        }
        if let name = body.name, !(1...40).contains(name.count) { throw SandboxInputError(message: "name must be 1 to 40 characters") }
        let address = body.sourceAddress
        guard address.countryCode.count == 2, address.countryCode == address.countryCode.uppercased() else {
            throw SandboxInputError(message: "sourceAddress.countryCode must be a two-letter ISO code")
        }

        let products = Dictionary(history.products.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
        let listings = state.withLock { $0.listings[history.sellingPartnerID] ?? [:] }
        var problems: [SandboxInboundOperation.Problem] = []
        var items: [SandboxInboundPlan.Item] = []
        for item in body.items {
            if let listing = listings[item.msku], !listing.deleted, SandboxInboundRules.isHazmat(listing) {
                problems.append(.error("FBA_INB_0182", "ERROR: The MSKU \(item.msku) is not eligible for FBA inbound: it is declared dangerous goods "
                                       + "(hazmat) and has not been classified by a hazmat review.", resource: item.msku))
                continue
            }
            guard let product = products[item.msku], listings[item.msku]?.deleted != true else {
                problems.append(.init(code: "FBA_INB_0004", message: "The MSKU \(item.msku) is not in the seller's catalogue.",
                                      details: "Create the listing first.", severity: "ERROR"))
                continue
            }
            let prep = SandboxInboundRules.prep(forSKU: item.msku)
            if let prep {
                if item.prepOwner == "NONE" || item.labelOwner == "NONE" {
                    problems.append(.error("FBA_INB_0051", "ERROR: The MSKU \(item.msku) is in prep category \(prep.category) (\(prep.prepType)): "
                                           + "prepOwner and labelOwner are required and cannot be NONE.", resource: item.msku))
                    continue
                }
                if item.prepOwner == "AMAZON", AmazonMarketplace.withID(body.destinationMarketplaces[0])?.countryCode == "US" {
                    problems.append(.error("FBA_INB_0052", "ERROR: Amazon does not prep items in this marketplace: MSKU \(item.msku) "
                                           + "must be prepped by the seller (prepOwner SELLER).", resource: item.msku))
                    continue
                }
            }
            items.append(.init(msku: item.msku, asin: product.asin, fnsku: product.fnsku, quantity: item.quantity, labelOwner: item.labelOwner,
                               prepOwner: item.prepOwner, expiration: item.expiration, manufacturingLotCode: item.manufacturingLotCode,
                               prep: prep))
        }
        var source: [String: String] = ["name": address.name, "addressLine1": address.addressLine1, "city": address.city,
                                        "postalCode": address.postalCode, "countryCode": address.countryCode, "phoneNumber": address.phoneNumber]
        source["addressLine2"] = address.addressLine2
        source["stateOrProvinceCode"] = address.stateOrProvinceCode
        source["companyName"] = address.companyName
        source["email"] = address.email

        let now = caller.now
        let doneAt = now.addingTimeInterval(state.settings.inboundOperationSeconds)
        let created = now.formatted(Date.ISO8601FormatStyle().year().month().day())
        let plan = SandboxInboundPlan(id: Self.newPlanID(), sellingPartnerID: history.sellingPartnerID,
                                      name: body.name ?? "FBA (\(created))", marketplaceIDs: body.destinationMarketplaces,
                                      sourceAddress: source, items: items, createdAt: now, readyAt: doneAt, failed: !problems.isEmpty)
        let operation = SandboxInboundOperation(id: UUID().uuidString.lowercased(), sellingPartnerID: history.sellingPartnerID,
                                                operation: "createInboundPlan", doneAt: doneAt, problems: problems)
        state.withLock {
            $0.inboundPlans[plan.id] = plan
            $0.inboundOperations[operation.id] = operation
        }
        return SandboxResponse.json(["inboundPlanId": plan.id, "operationId": operation.id], status: .accepted)
    }

    func operationStatus(_ id: String, _ caller: SPAPICaller) -> Response {
        guard let operation = state.withLock({ $0.inboundOperations[id] }), operation.sellingPartnerID == caller.sellingPartnerID else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "The requested operation was not found.")
        }
        let done = caller.now >= operation.doneAt
        let status = !done ? "IN_PROGRESS" : (operation.problems.contains { $0.severity == "ERROR" } ? "FAILED" : "SUCCESS")
        let problems: [[String: Any]] = done ? operation.problems.map { problem in
            var json: [String: Any] = ["code": problem.code, "message": problem.message, "severity": problem.severity]
            json["details"] = problem.details
            return json
        } : []
        return SandboxResponse.json(["operation": operation.operation, "operationId": operation.id, "operationProblems": problems,
                                     "operationStatus": status])
    }

    func plan(_ id: String, _ caller: SPAPICaller) -> SandboxInboundPlan? {
        guard let plan = state.withLock({ $0.inboundPlans[id] }), plan.sellingPartnerID == caller.sellingPartnerID else { return nil }
        return plan
    }

    func status(_ plan: SandboxInboundPlan, now: Date) -> String {
        if plan.failed && now >= plan.readyAt { return "ERRORED" }
        let workflow = plan.workflow
        if let cancelledAt = workflow.cancelledAt, now >= cancelledAt { return "VOIDED" }
        let shipped = workflow.shipments.filter { workflow.status(of: $0, now: now) == "SHIPPED" }.count
        if let placement = workflow.confirmedPlacement(at: now), shipped == placement.shipmentIDs.count { return "SHIPPED" }
        return "ACTIVE"
    }

    func json(_ plan: SandboxInboundPlan, now: Date, full: Bool) -> [String: Any] {
        var json: [String: Any] = [
            "createdAt": plan.createdAt.iso, "inboundPlanId": plan.id, "lastUpdatedAt": min(now, plan.readyAt).iso,
            "marketplaceIds": plan.marketplaceIDs, "name": plan.name, "sourceAddress": plan.sourceAddress, "status": status(plan, now: now),
        ]
        if full {
            let workflow = plan.workflow
            json["packingOptions"] = workflow.packingOptions.filter { now >= $0.at }.map { option -> [String: Any] in
                ["packingOptionId": option.id, "status": SandboxInboundWorkflow.optionStatus(id: option.id, confirmed: workflow.packing,
                                                                                           expiration: option.expiration, now: now)]
            }
            json["placementOptions"] = workflow.placementOptions.filter { now >= $0.at }.map { option -> [String: Any] in
                ["placementOptionId": option.id, "status": SandboxInboundWorkflow.optionStatus(id: option.id, confirmed: workflow.placement,
                                                                                               expiration: option.expiration, now: now)]
            }
            let placement = workflow.confirmedPlacement(at: now)
            json["shipments"] = workflow.shipments.filter { $0.placementOptionID == placement?.id }.map { shipment -> [String: Any] in
                ["shipmentId": shipment.id, "status": workflow.status(of: shipment, now: now)]
            }
        }
        return json
    }

    /// `pageSize` 1-30 (default 10), `status`, `sortBy` CREATION_TIME | LAST_UPDATED_TIME, `sortOrder` ASC | DESC.
    /// A `paginationToken` carries the rest of the query of the call that produced it.
    func list(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        let paged = try PagedQuery(request, operation: "listInboundPlans", seller: caller.sellingPartnerID, tokenParameter: "paginationToken",
                                   criteria: ["pageSize", "status", "sortBy", "sortOrder"])
        let pageSize = try Self.pageSize(paged["pageSize"], range: 1...30, default: 10)
        let statusFilter = paged["status"]
        if let statusFilter, !Self.planStatuses.contains(statusFilter) {
            throw SandboxInputError(message: "status must be one of \(Self.planStatuses.sorted().joined(separator: ", "))")
        }
        let descending = (paged["sortOrder"] ?? "ASC") == "DESC"
        let now = caller.now
        let plans = state.withLock { $0.inboundPlans.values.filter { $0.sellingPartnerID == caller.sellingPartnerID } }
            .filter { statusFilter == nil || status($0, now: now) == statusFilter }
            .sorted { descending ? ($0.createdAt, $0.id) > ($1.createdAt, $1.id) : ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let offset = paged.offset
        var body: [String: Any] = ["inboundPlans": plans.dropFirst(offset).prefix(pageSize).map { json($0, now: now, full: false) }]
        if offset + pageSize < plans.count { body["pagination"] = ["nextToken": paged.token(at: offset + pageSize)] }
        return SandboxResponse.json(body)
    }

    /// `pageSize` 1-1000 (default 10); a `paginationToken` is good only for the plan it was issued for.
    func items(_ plan: SandboxInboundPlan, _ request: Request) throws -> Response {
        var paged = try PagedQuery(request, operation: "listInboundPlanItems", seller: plan.sellingPartnerID, tokenParameter: "paginationToken",
                                   criteria: ["pageSize"])
        paged.pin("inboundPlanId", plan.id)
        guard paged["inboundPlanId"] == plan.id else {
            throw SandboxInputError(message: "Invalid paginationToken: it was issued for another inbound plan.")
        }
        let pageSize = try Self.pageSize(paged["pageSize"], range: 1...1000, default: 10)
        let offset = paged.offset
        let currency = state.history(for: plan.sellingPartnerID)?.currency ?? "USD"
        let page = plan.items.dropFirst(offset).prefix(pageSize).map { Self.json($0, quantity: $0.quantity, currency: currency) }
        var body: [String: Any] = ["items": page]
        if offset + pageSize < plan.items.count { body["pagination"] = ["nextToken": paged.token(at: offset + pageSize)] }
        return SandboxResponse.json(body)
    }

    /// An `Item` of the model: the plan's item with `quantity` (all of it, or what one box or
    /// shipment holds) and its prep instruction, with Amazon's fee when Amazon preps.
    static func json(_ item: SandboxInboundPlan.Item, quantity: Int, currency: String) -> [String: Any] {
        var instruction: [String: Any] = ["prepOwner": item.prepOwner, "prepType": item.prep?.prepType ?? "ITEM_NO_PREP"]
        if item.prep != nil, item.prepOwner == "AMAZON" {
            instruction["fee"] = ["amount": decimalAmount(SandboxInboundRules.amazonPrepFeeMinor * Int64(quantity), currency: currency),
                                  "code": currency]
        }
        var json: [String: Any] = [
            "asin": item.asin, "fnsku": item.fnsku, "labelOwner": item.labelOwner, "msku": item.msku, "quantity": quantity,
            "prepInstructions": [instruction],
        ]
        json["expiration"] = item.expiration
        json["manufacturingLotCode"] = item.manufacturingLotCode
        return json
    }

    static func pageSize(_ text: String?, range: ClosedRange<Int>, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let size = Int(text), range.contains(size) else {
            throw SandboxInputError(message: "pageSize must be \(range.lowerBound) to \(range.upperBound)")
        }
        return size
    }
}
