import Foundation
import Hummingbird

// MARK: The workflow's shared machinery: asynchronous steps and paged lists.

extension SandboxInboundPlans {
    typealias Problem = SandboxInboundOperation.Problem

    /// Runs one asynchronous step on a plan: `body` checks the step against the plan as it stands
    /// now and writes its effect, stamped with the instant the operation finishes. The answer is
    /// always 202 with an operation; problems make that operation FAILED and leave the plan as it
    /// was (Amazon reports a step called out of order through the operation, not the HTTP status).
    /// - Throws: `SandboxInputError` (400) for a request the model itself refuses.
    func step(_ operation: String, planID: String, _ caller: SPAPICaller,
              _ body: (inout SandboxInboundPlan, _ now: Date, _ doneAt: Date) throws -> [Problem]) throws -> Response {
        let now = caller.now
        let doneAt = now.addingTimeInterval(state.settings.inboundOperationSeconds)
        let operationID: String? = try state.withLock { inner in
            guard var plan = inner.inboundPlans[planID], plan.sellingPartnerID == caller.sellingPartnerID else { return nil }
            var problems = blockingProblems(plan, now: now)
            if problems.isEmpty {
                var changed = plan
                problems = try body(&changed, now, doneAt)
                if !problems.contains(where: { $0.severity == "ERROR" }) { plan = changed }
            }
            inner.inboundPlans[planID] = plan
            let operation = SandboxInboundOperation(id: UUID().uuidString.lowercased(), sellingPartnerID: plan.sellingPartnerID,
                                                    operation: operation, doneAt: doneAt, problems: problems)
            inner.inboundOperations[operation.id] = operation
            return operation.id
        }
        guard let operationID else { return Self.planNotFound() }
        return SandboxResponse.json(["operationId": operationID], status: .accepted)
    }

    /// Why no step can run on the plan at all: still being created, ERRORED or VOIDED.
    func blockingProblems(_ plan: SandboxInboundPlan, now: Date) -> [Problem] {
        if now < plan.readyAt {
            return [.error("FBA_INB_0101", "ERROR: The inbound plan is still being created; wait for createInboundPlan to finish.", resource: plan.id)]
        }
        switch status(plan, now: now) {
        case "ERRORED": return [.error("FBA_INB_0102", "ERROR: The inbound plan is ERRORED: its creation failed.", resource: plan.id)]
        case "VOIDED": return [.error("FBA_INB_0103", "ERROR: The inbound plan was cancelled.", resource: plan.id)]
        default: return []
        }
    }

    /// One page of a list within a plan. The token pins the plan and `scope` (shipment, packing
    /// group…) and carries `criteria`, so it is good only for the list it was issued for.
    /// - Parameter elements: every element of the list, given the query's criteria.
    func page(_ request: Request, _ operation: String, plan: SandboxInboundPlan, scope: [String: String] = [:], sizes: ClosedRange<Int>,
              key: String, criteria: [String] = [], _ elements: (_ criterion: (String) -> String?) throws -> [[String: Any]]) throws -> Response {
        var paged = try PagedQuery(request, operation: operation, seller: plan.sellingPartnerID, tokenParameter: "paginationToken",
                                   criteria: ["pageSize"] + criteria)
        for (name, value) in scope.merging(["inboundPlanId": plan.id], uniquingKeysWith: { first, _ in first }).sorted(by: { $0.key < $1.key }) {
            paged.pin(name, value)
            guard paged[name] == value else {
                throw SandboxInputError(message: "Invalid paginationToken: it was issued for another \(name == "inboundPlanId" ? "inbound plan" : name).")
            }
        }
        let pageSize = try Self.pageSize(paged["pageSize"], range: sizes, default: 10)
        let all = try elements { paged[$0] }
        let offset = paged.offset
        var body: [String: Any] = [key: Array(all.dropFirst(offset).prefix(pageSize))]
        if offset + pageSize < all.count { body["pagination"] = ["nextToken": paged.token(at: offset + pageSize)] }
        return SandboxResponse.json(body)
    }

    /// Amazon's identifiers of workflow objects: a two-letter prefix and a UUID, 38 characters.
    static func newID(_ prefix: String) -> String { prefix + UUID().uuidString.lowercased() }

    func currency(of plan: SandboxInboundPlan) -> String {
        state.history(for: plan.sellingPartnerID)?.currency ?? "USD"
    }

    static func currencyJSON(_ minor: Int64, _ currency: String) -> [String: Any] {
        ["amount": decimalAmount(minor, currency: currency), "code": currency]
    }
}

// MARK: Packing: options, groups, box contents.

extension SandboxInboundPlans {
    func registerPacking(_ route: SandboxRouteRegistrar) {
        let plans = "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}"
        route(.post, "\(plans)/packingOptions", Self.api, "generatePackingOptions", nil) { _, context, caller in
            try generatePackingOptions(try context.parameters.require("inboundPlanId"), caller)
        }
        route(.get, "\(plans)/packingOptions", Self.api, "listPackingOptions", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            return try listPackingOptions(plan, request, now: caller.now)
        }
        route(.post, "\(plans)/packingOptions/{packingOptionId}/confirmation", Self.api, "confirmPackingOption", nil) { _, context, caller in
            try confirmPackingOption(try context.parameters.require("inboundPlanId"), try context.parameters.require("packingOptionId"), caller)
        }
        route(.get, "\(plans)/packingGroups/{packingGroupId}/items", Self.api, "listPackingGroupItems", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            return try listPackingGroupItems(plan, try context.parameters.require("packingGroupId"), request, now: caller.now)
        }
        route(.post, "\(plans)/packingInformation", Self.api, "setPackingInformation", nil) { request, context, caller in
            let body = try await SandboxResponse.decode(PackingInformationBody.self, from: request)
            return try setPackingInformation(try context.parameters.require("inboundPlanId"), body, caller)
        }
        route(.get, "\(plans)/boxes", Self.api, "listInboundPlanBoxes", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            let now = caller.now
            return try page(request, "listInboundPlanBoxes", plan: plan, sizes: 1...1000, key: "boxes") { _ in
                guard let at = plan.workflow.boxesAt, now >= at else { return [] }
                return plan.workflow.boxes.indices.map { boxJSON(plan, $0, now: now) }
            }
        }
    }

    /// Items of a plan share a packing group unless their prep differs: fragile items that need
    /// bubble wrap are packed apart from the rest.
    func generatePackingOptions(_ planID: String, _ caller: SPAPICaller) throws -> Response {
        try step("generatePackingOptions", planID: planID, caller) { plan, now, doneAt in
            if plan.workflow.placement != nil {
                return [.error("FBA_INB_0310", "ERROR: A placement option is already confirmed; packing options can no longer be generated.", resource: plan.id)]
            }
            if plan.workflow.packing != nil {
                return [.error("FBA_INB_0311", "ERROR: A packing option is already confirmed for this inbound plan.", resource: plan.id)]
            }
            let prepped = plan.items.indices.filter { plan.items[$0].prep != nil }
            let plain = plan.items.indices.filter { plan.items[$0].prep == nil }
            let groups = [plain, prepped].filter { !$0.isEmpty }.map { SandboxInboundWorkflow.PackingGroup(id: Self.newID("pg"), items: $0) }
            plan.workflow.packingOptions = [.init(id: Self.newID("po"), groups: groups, at: doneAt, expiration: doneAt.addingTimeInterval(86_400))]
            return []
        }
    }

    func listPackingOptions(_ plan: SandboxInboundPlan, _ request: Request, now: Date) throws -> Response {
        let workflow = plan.workflow
        let modes = ["GROUND_SMALL_PARCEL", "FREIGHT_LTL"]
        let solutions = ["AMAZON_PARTNERED_CARRIER", "USE_YOUR_OWN_CARRIER"]
        return try page(request, "listPackingOptions", plan: plan, sizes: 1...20, key: "packingOptions") { _ in
            workflow.packingOptions.filter { now >= $0.at }.map { option in
                [
                    "packingOptionId": option.id, "packingGroups": option.groups.map(\.id), "fees": [Any](), "discounts": [Any](),
                    "expiration": option.expiration.iso,
                    "status": SandboxInboundWorkflow.optionStatus(id: option.id, confirmed: workflow.packing, expiration: option.expiration, now: now),
                    "supportedConfigurations": [[
                        "boxPackingMethods": ["BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D"],
                        "boxRequirements": ["weight": ["minimum": 0, "maximum": SandboxInboundRules.maximumBoxPounds, "unit": "LB"]],
                        "shippingRequirements": solutions.map { ["modes": modes, "solution": $0] },
                    ]],
                    "supportedShippingConfigurations": solutions.flatMap { solution in modes.map { ["shippingMode": $0, "shippingSolution": solution] } },
                ] as [String: Any]
            }
        }
    }

    func confirmPackingOption(_ planID: String, _ optionID: String, _ caller: SPAPICaller) throws -> Response {
        try step("confirmPackingOption", planID: planID, caller) { plan, now, doneAt in
            guard let option = plan.workflow.packingOptions.first(where: { $0.id == optionID && now >= $0.at }) else {
                return [.error("FBA_INB_0320", "ERROR: The packing option was not found: generate packing options and list them first.", resource: optionID)]
            }
            if plan.workflow.packing != nil {
                return [.error("FBA_INB_0311", "ERROR: A packing option is already confirmed for this inbound plan.", resource: optionID)]
            }
            if now >= option.expiration {
                return [.error("FBA_INB_0321", "ERROR: The packing option has expired; generate packing options again.", resource: optionID)]
            }
            plan.workflow.packing = .init(id: optionID, at: doneAt)
            return []
        }
    }

    func listPackingGroupItems(_ plan: SandboxInboundPlan, _ groupID: String, _ request: Request, now: Date) throws -> Response {
        guard let group = plan.workflow.packingOptions.filter({ now >= $0.at }).flatMap(\.groups).first(where: { $0.id == groupID }) else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "The requested packing group was not found.")
        }
        let currency = currency(of: plan)
        return try page(request, "listPackingGroupItems", plan: plan, scope: ["packingGroupId": groupID], sizes: 1...100, key: "items") { _ in
            group.items.map { Self.json(plan.items[$0], quantity: plan.items[$0].quantity, currency: currency) }
        }
    }

    struct PackingInformationBody: Decodable {
        struct Grouping: Decodable {
            let packingGroupId: String?
            let shipmentId: String?
            let boxes: [Box]
        }
        struct Box: Decodable {
            struct Dimensions: Decodable {
                let length: Double
                let width: Double
                let height: Double
                let unitOfMeasurement: String
            }
            struct Weight: Decodable {
                let unit: String
                let value: Double
            }
            /// The model's `ItemInput`, as createInboundPlan takes it.
            typealias Item = CreateBody.Item
            let contentInformationSource: String
            let dimensions: Dimensions
            let weight: Weight
            let quantity: Int
            let items: [Item]?
        }
        let packageGroupings: [Grouping]

        /// What the model refuses before any processing (400).
        func validate() throws {
            guard !packageGroupings.isEmpty else { throw SandboxInputError(message: "packageGroupings must hold at least one grouping") }
            let owners: Set<String> = ["AMAZON", "SELLER", "NONE"]
            for grouping in packageGroupings {
                guard (grouping.packingGroupId == nil) != (grouping.shipmentId == nil) else {
                    throw SandboxInputError(message: "Each package grouping needs exactly one of packingGroupId and shipmentId")
                }
                guard (1...5000).contains(grouping.boxes.count) else { throw SandboxInputError(message: "boxes must hold 1 to 5000 boxes") }
                for box in grouping.boxes {
                    guard ["BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D"].contains(box.contentInformationSource) else {
                        throw SandboxInputError(message: "contentInformationSource must be BOX_CONTENT_PROVIDED, MANUAL_PROCESS or BARCODE_2D")
                    }
                    guard (1...10_000).contains(box.quantity) else { throw SandboxInputError(message: "box quantity must be 1 to 10000") }
                    let dimensions = box.dimensions
                    guard ["IN", "CM"].contains(dimensions.unitOfMeasurement), ["LB", "KG"].contains(box.weight.unit) else {
                        throw SandboxInputError(message: "unitOfMeasurement must be IN or CM and weight.unit LB or KG")
                    }
                    guard [dimensions.length, dimensions.width, dimensions.height, box.weight.value].allSatisfy({ (0...100_000).contains($0) }) else {
                        throw SandboxInputError(message: "Box dimensions and weight must be 0 to 100000")
                    }
                    for item in box.items ?? [] {
                        guard (1...500_000).contains(item.quantity), owners.contains(item.labelOwner), owners.contains(item.prepOwner) else {
                            throw SandboxInputError(message: "Box item \(item.msku): quantity must be 1 to 500000, labelOwner and prepOwner AMAZON, SELLER or NONE")
                        }
                    }
                }
            }
        }
    }

    /// The boxes of every packing group of the confirmed packing option. Box contents must add up
    /// to each group's items exactly (units of an MSKU over all its boxes, identical boxes counted
    /// `quantity` times), with the owners the plan gave the item, and no box may exceed 50 lb.
    func setPackingInformation(_ planID: String, _ body: PackingInformationBody, _ caller: SPAPICaller) throws -> Response {
        try body.validate()
        return try step("setPackingInformation", planID: planID, caller) { plan, now, doneAt in
            if let shipmentID = body.packageGroupings.compactMap(\.shipmentId).first {
                let message = plan.workflow.placement == nil
                    ? "ERROR: The shipmentId can only be provided after placement confirmation."
                    : "ERROR: The shipment's contents are fixed once its placement option is confirmed; change them with a shipment content update preview."
                return [.error("FBA_INB_0330", message, resource: shipmentID)]
            }
            if plan.workflow.placement != nil {
                return [.error("FBA_INB_0331", "ERROR: The packingGroupId can only be provided before placement confirmation.", resource: plan.id)]
            }
            guard let option = plan.workflow.confirmedPacking(at: now) else {
                return [.error("FBA_INB_0332", "ERROR: No packing option was confirmed.", resource: plan.id)]
            }
            var problems: [Problem] = []
            var boxes: [SandboxInboundWorkflow.Box] = []
            let provided = body.packageGroupings.compactMap(\.packingGroupId)
            for group in option.groups where !provided.contains(group.id) {
                problems.append(.error("FBA_INB_0333", "ERROR: Packing information is missing for packing group \(group.id).", resource: group.id))
            }
            for grouping in body.packageGroupings {
                guard let groupID = grouping.packingGroupId, let group = option.groups.first(where: { $0.id == groupID }) else {
                    problems.append(.error("FBA_INB_0334", "ERROR: The packing group does not belong to the confirmed packing option.",
                                           resource: grouping.packingGroupId))
                    continue
                }
                if provided.filter({ $0 == groupID }).count > 1 {
                    problems.append(.error("FBA_INB_0335", "ERROR: The packing group appears more than once.", resource: groupID))
                    continue
                }
                let (groupBoxes, groupProblems) = boxesOf(grouping, group: group, plan: plan)
                boxes += groupBoxes
                problems += groupProblems
            }
            guard problems.isEmpty else { return problems }
            plan.workflow.boxes = boxes
            plan.workflow.boxesAt = doneAt
            return []
        }
    }

    /// The boxes one grouping describes, and what is wrong with their contents.
    func boxesOf(_ grouping: PackingInformationBody.Grouping, group: SandboxInboundWorkflow.PackingGroup,
                 plan: SandboxInboundPlan) -> ([SandboxInboundWorkflow.Box], [Problem]) {
        var problems: [Problem] = []
        var boxes: [SandboxInboundWorkflow.Box] = []
        var packed: [Int: Int] = [:]  // plan item index -> units in the group's boxes
        let contentsRequired = grouping.boxes.contains { $0.contentInformationSource == "BOX_CONTENT_PROVIDED" }
        for box in grouping.boxes {
            var items: [SandboxInboundWorkflow.BoxItem] = []
            for input in box.items ?? [] {
                guard let index = group.items.first(where: { plan.items[$0].msku == input.msku }) else {
                    problems.append(.error("FBA_INB_0340", "ERROR: The MSKU \(input.msku) is not in packing group \(group.id).", resource: input.msku))
                    continue
                }
                let item = plan.items[index]
                if input.labelOwner != item.labelOwner || input.prepOwner != item.prepOwner {
                    problems.append(.error("FBA_INB_0341", "ERROR: The MSKU \(input.msku) has labelOwner \(item.labelOwner) and prepOwner "
                                           + "\(item.prepOwner) in the inbound plan; the box says \(input.labelOwner) and \(input.prepOwner).",
                                           resource: input.msku))
                }
                packed[index, default: 0] += input.quantity * box.quantity
                items.append(.init(item: index, quantity: input.quantity, labelOwner: input.labelOwner, prepOwner: input.prepOwner))
            }
            if box.contentInformationSource == "BOX_CONTENT_PROVIDED", items.isEmpty, (box.items ?? []).isEmpty {
                problems.append(.error("FBA_INB_0342", "ERROR: A box with contentInformationSource BOX_CONTENT_PROVIDED must list its items.",
                                       resource: group.id))
            }
            let weight = SandboxInboundWorkflow.Weight(value: box.weight.value, unit: box.weight.unit)
            if weight.pounds > SandboxInboundRules.maximumBoxPounds {
                problems.append(.error("FBA_INB_0343", "ERROR: A box weighs \(box.weight.value) \(box.weight.unit), over the 50 lb limit.",
                                       resource: group.id))
            }
            let dimensions = SandboxInboundWorkflow.Dimensions(length: box.dimensions.length, width: box.dimensions.width,
                                                              height: box.dimensions.height, unit: box.dimensions.unitOfMeasurement)
            for _ in 0..<box.quantity {
                boxes.append(.init(packageID: Self.newID("pk"), boxID: nil, groupID: group.id, source: box.contentInformationSource,
                                   dimensions: dimensions, weight: weight, items: items))
            }
        }
        if contentsRequired || !packed.isEmpty {
            for index in group.items where packed[index, default: 0] != plan.items[index].quantity {
                let item = plan.items[index]
                problems.append(.error("FBA_INB_0344", "ERROR: The boxes hold \(packed[index, default: 0]) units of MSKU \(item.msku); "
                                       + "the packing group holds \(item.quantity).", resource: item.msku))
            }
        }
        return (boxes, problems)
    }

    /// A `Box` of the model: its contents, and once its shipment is confirmed its label id and destination.
    func boxJSON(_ plan: SandboxInboundPlan, _ index: Int, now: Date) -> [String: Any] {
        let box = plan.workflow.boxes[index]
        let currency = currency(of: plan)
        var json: [String: Any] = [
            "packageId": box.packageID, "contentInformationSource": box.source, "quantity": 1,
            "dimensions": ["length": box.dimensions.length, "width": box.dimensions.width, "height": box.dimensions.height,
                           "unitOfMeasurement": box.dimensions.unit],
            "weight": ["unit": box.weight.unit, "value": box.weight.value],
            "items": box.items.map { Self.json(plan.items[$0.item], quantity: $0.quantity, currency: currency) },
        ]
        if let placement = plan.workflow.confirmedPlacement(at: now),
           let shipment = plan.workflow.shipments.first(where: { $0.placementOptionID == placement.id && $0.boxes.contains(index) }) {
            json["boxId"] = box.boxID
            json["destinationRegion"] = ["countryCode": shipment.warehouse.address["countryCode"] ?? "",
                                         "state": shipment.warehouse.address["stateOrProvinceCode"] ?? "", "warehouseId": shipment.warehouse.id]
        }
        return json
    }
}
