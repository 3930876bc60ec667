import Foundation
import Hummingbird

// MARK: Placement: where the boxes go, what it costs, and the shipments it makes.

extension SandboxInboundPlans {
    func registerPlacement(_ route: SandboxRouteRegistrar) {
        let plans = "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}"
        route(.post, "\(plans)/placementOptions", Self.api, "generatePlacementOptions", nil) { request, context, caller in
            let body = try await SandboxResponse.decode(PlacementBody.self, from: request)
            guard (body.customPlacement ?? []).isEmpty else {
                throw SandboxInputError(message: "customPlacement is not available in this marketplace", details: "customPlacement")
            }
            return try generatePlacementOptions(try context.parameters.require("inboundPlanId"), caller)
        }
        route(.get, "\(plans)/placementOptions", Self.api, "listPlacementOptions", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            let now = caller.now, currency = currency(of: plan), workflow = plan.workflow
            return try page(request, "listPlacementOptions", plan: plan, sizes: 1...20, key: "placementOptions") { _ in
                workflow.placementOptions.filter { now >= $0.at }.map { option in
                    [
                        "placementOptionId": option.id, "shipmentIds": option.shipmentIDs, "discounts": [Any](), "expiration": option.expiration.iso,
                        "fees": [["type": "FEE", "target": "Placement Services", "description": "Placement service fee",
                                  "value": Self.currencyJSON(option.feeMinor, currency)]],
                        "status": SandboxInboundWorkflow.optionStatus(id: option.id, confirmed: workflow.placement, expiration: option.expiration, now: now),
                    ] as [String: Any]
                }
            }
        }
        route(.post, "\(plans)/placementOptions/{placementOptionId}/confirmation", Self.api, "confirmPlacementOption", nil) { _, context, caller in
            try confirmPlacementOption(try context.parameters.require("inboundPlanId"), try context.parameters.require("placementOptionId"), caller)
        }
        route(.get, "\(plans)/shipments/{shipmentId}", Self.api, "getShipment", nil) { _, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            guard let shipment = plan.workflow.shipments.first(where: { $0.id == (try? context.parameters.require("shipmentId")) }) else {
                return Self.shipmentNotFound()
            }
            return SandboxResponse.json(shipmentJSON(plan, shipment, now: caller.now))
        }
        route(.get, "\(plans)/shipments/{shipmentId}/items", Self.api, "listShipmentItems", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            guard let shipment = plan.workflow.shipments.first(where: { $0.id == (try? context.parameters.require("shipmentId")) }) else {
                return Self.shipmentNotFound()
            }
            let currency = currency(of: plan)
            return try page(request, "listShipmentItems", plan: plan, scope: ["shipmentId": shipment.id], sizes: 1...1000, key: "items") { _ in
                let units = plan.workflow.units(of: shipment, items: plan.items)
                return units.keys.sorted().map { Self.json(plan.items[$0], quantity: units[$0] ?? 0, currency: currency) }
            }
        }
        route(.get, "\(plans)/shipments/{shipmentId}/boxes", Self.api, "listShipmentBoxes", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            guard let shipment = plan.workflow.shipments.first(where: { $0.id == (try? context.parameters.require("shipmentId")) }) else {
                return Self.shipmentNotFound()
            }
            let now = caller.now
            return try page(request, "listShipmentBoxes", plan: plan, scope: ["shipmentId": shipment.id], sizes: 1...1000, key: "boxes") { _ in
                shipment.boxes.map { boxJSON(plan, $0, now: now) }
            }
        }
    }

    static func shipmentNotFound() -> Response {
        SandboxResponse.error(.notFound, code: "NotFound", message: "The requested shipment was not found.")
    }

    struct PlacementBody: Decodable {
        struct Custom: Decodable {
            let warehouseId: String
        }
        let customPlacement: [Custom]?
    }

    /// Two options over the boxes the seller packed: Amazon-optimized (boxes spread over up to
    /// three fulfillment centers, no placement fee), offered when there are two boxes or more, and
    /// minimal split (everything to one center, a placement fee per unit).
    func generatePlacementOptions(_ planID: String, _ caller: SPAPICaller) throws -> Response {
        let countryCode = caller.history?.countryCode ?? "US"
        return try step("generatePlacementOptions", planID: planID, caller) { plan, now, doneAt in
            if plan.workflow.placement != nil {
                return [.error("FBA_INB_0350", "ERROR: A placement option is already confirmed for this inbound plan.", resource: plan.id)]
            }
            guard plan.workflow.confirmedPacking(at: now) != nil else {
                return [.error("FBA_INB_0332", "ERROR: No packing option was confirmed.", resource: plan.id)]
            }
            guard let boxesAt = plan.workflow.boxesAt, now >= boxesAt, !plan.workflow.boxes.isEmpty else {
                return [.error("FBA_INB_0351", "ERROR: Packing information is missing: set the box contents of every packing group first.",
                               resource: plan.id)]
            }
            let warehouses = SandboxInboundRules.warehouses(countryCode: countryCode)
            let boxCount = plan.workflow.boxes.count
            let units = plan.items.reduce(0) { $0 + $1.quantity }
            var options: [SandboxInboundWorkflow.PlacementOption] = []
            var shipments: [SandboxInboundWorkflow.Shipment] = []
            var splits: [(centers: Int, feeMinor: Int64)] = []
            if boxCount > 1 { splits.append((min(3, boxCount), 0)) }
            splits.append((1, SandboxInboundRules.minimalSplitFeePerUnitMinor * Int64(units)))
            for split in splits {
                let optionID = Self.newID("pl")
                let made = (0..<split.centers).map { center in
                    SandboxInboundWorkflow.Shipment(id: Self.newID("sh"), placementOptionID: optionID, warehouse: warehouses[center],
                                                    boxes: Array(stride(from: center, to: boxCount, by: split.centers)))
                }
                shipments += made
                options.append(.init(id: optionID, shipmentIDs: made.map(\.id), feeMinor: split.feeMinor, at: doneAt,
                                     expiration: doneAt.addingTimeInterval(86_400)))
            }
            plan.workflow.placementOptions = options
            plan.workflow.shipments = shipments
            plan.workflow.transportationOptions = []
            return []
        }
    }

    /// Confirms where the plan goes, for good: the option's shipments get their `FBA…` ids and
    /// their boxes label ids; every other option expires.
    func confirmPlacementOption(_ planID: String, _ optionID: String, _ caller: SPAPICaller) throws -> Response {
        try step("confirmPlacementOption", planID: planID, caller) { plan, now, doneAt in
            if plan.workflow.placement != nil {
                return [.error("FBA_INB_0350", "ERROR: A placement option is already confirmed for this inbound plan.", resource: optionID)]
            }
            guard let option = plan.workflow.placementOptions.first(where: { $0.id == optionID && now >= $0.at }) else {
                return [.error("FBA_INB_0352", "ERROR: The placement option was not found: generate placement options and list them first.",
                               resource: optionID)]
            }
            if now >= option.expiration {
                return [.error("FBA_INB_0353", "ERROR: The placement option has expired; generate placement options again.", resource: optionID)]
            }
            plan.workflow.placement = .init(id: optionID, at: doneAt)
            for index in plan.workflow.shipments.indices where plan.workflow.shipments[index].placementOptionID == optionID {
                let confirmation = "FBA" + String(plan.workflow.shipments[index].id.dropFirst(2).filter(\.isHexDigit).prefix(9)).uppercased()
                plan.workflow.shipments[index].confirmationID = confirmation
                for (number, box) in plan.workflow.shipments[index].boxes.enumerated() {
                    plan.workflow.boxes[box].boxID = confirmation + "U" + String(format: "%06d", number + 1)
                }
            }
            return []
        }
    }

    /// A `Shipment` of the model.
    func shipmentJSON(_ plan: SandboxInboundPlan, _ shipment: SandboxInboundWorkflow.Shipment, now: Date) -> [String: Any] {
        let workflow = plan.workflow
        let number = (workflow.shipments.filter { $0.placementOptionID == shipment.placementOptionID }.firstIndex { $0.id == shipment.id } ?? 0) + 1
        var json: [String: Any] = [
            "shipmentId": shipment.id, "placementOptionId": shipment.placementOptionID, "name": "\(plan.name) - \(number)",
            "destination": ["destinationType": "AMAZON_OPTIMIZED", "warehouseId": shipment.warehouse.id, "address": shipment.warehouse.address],
            "source": ["sourceType": "SELLER_FACILITY", "address": plan.sourceAddress],
            "status": workflow.status(of: shipment, now: now),
        ]
        if let placement = workflow.placement, now >= placement.at, placement.id == shipment.placementOptionID {
            json["shipmentConfirmationId"] = shipment.confirmationID
            json["amazonReferenceId"] = shipment.confirmationID.map { String($0.dropFirst(3).prefix(8)) }
        }
        if let start = shipment.readyToShip {
            json["dates"] = ["readyToShipWindow": ["start": start.iso, "end": start.addingTimeInterval(7 * 86_400).iso]]
        }
        json["contactInformation"] = shipment.contactInformation
        if let chosen = shipment.transportation, now >= chosen.at { json["selectedTransportationOptionId"] = chosen.id }
        if let window = shipment.deliveryWindow, now >= window.at,
           let option = workflow.deliveryWindowOptions.first(where: { $0.id == window.id }) {
            json["selectedDeliveryWindow"] = ["availabilityType": "AVAILABLE", "deliveryWindowOptionId": option.id, "startDate": option.start.iso,
                                              "endDate": option.end.iso, "editableUntil": option.start.iso]
        }
        if let tracking = shipment.tracking, now >= tracking.at {
            if tracking.parcels.isEmpty {
                var ltl: [String: Any] = ["freightBillNumber": tracking.freightBillNumbers]
                ltl["billOfLadingNumber"] = tracking.billOfLading
                json["trackingDetails"] = ["ltlTrackingDetail": ltl]
            } else {
                json["trackingDetails"] = ["spdTrackingDetail": ["spdTrackingItems": tracking.parcels.map {
                    ["boxId": $0.boxID, "trackingId": $0.trackingID, "trackingNumberValidationStatus": "VALIDATED"]
                }]]
            }
        }
        return json
    }
}
