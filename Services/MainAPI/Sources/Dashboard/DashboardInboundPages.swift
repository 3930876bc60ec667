import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Inbound pages: the seller's FBA inbound plans, a new plan from SKUs and quantities, and
/// one plan as a step-by-step page that can be left and resumed (its state is integrations').
/// While Amazon works on a step the page looks again every few seconds; at the seller's turn it
/// shows what Amazon offers (packing, placement with its fees, carriers with their quotes), the
/// labels to print and the tracking to give. Every action goes through
/// `/api/v1/amazon/connections/{connectionId}/inbound-workflows/…`, so the roles are the API's.
extension DashboardPages {
    /// integrations' answer, read as far as the pages need.
    struct InboundWorkflow: Decodable, Sendable {
        struct Item: Decodable, Sendable {
            let msku: String
            let quantity: Int
            let prepOwner: String
        }
        struct Problem: Decodable, Sendable {
            let code: String
            let message: String
            let whatToDo: String
        }
        struct Event: Decodable, Sendable {
            let at: Date
            let message: String
        }
        struct GroupItem: Decodable, Sendable {
            let msku: String
            let quantity: Int
            let labelOwner: String
            let prepType: String?
            let prepOwner: String?
        }
        struct PackingGroup: Decodable, Sendable {
            let packingGroupId: String
            let items: [GroupItem]
        }
        struct PackingOption: Decodable, Sendable {
            let packingOptionId: String
            let groups: [PackingGroup]
            let fee: Money?
            let shippingModes: [String]
        }
        struct PlacementOption: Decodable, Sendable {
            let placementOptionId: String
            let shipmentIds: [String]
            let fee: Money?
        }
        struct Shipment: Decodable, Sendable {
            let shipmentId: String
            let confirmationId: String?
            let status: String?
            let warehouseId: String?
            let destination: String?
            let selectedTransportationOptionId: String?
            let deliveryWindow: String?
            let boxIds: [String]
            let trackingIds: [String]
        }
        struct TransportationOption: Decodable, Sendable {
            let transportationOptionId: String
            let shipmentId: String
            let carrier: String?
            let shippingMode: String
            let shippingSolution: String
            let cost: Money?
            let needsDeliveryWindow: Bool
        }
        struct Amazon: Decodable, Sendable {
            let packingOptions: [PackingOption]
            let chosenPackingOptionId: String?
            let placementOptions: [PlacementOption]
            let chosenPlacementOptionId: String?
            let shipments: [Shipment]
            let transportationOptions: [TransportationOption]
        }
        let workflowId: UUID
        let name: String
        let inboundPlanId: String?
        let step: String
        let stepTitle: String
        let working: Bool
        let items: [Item]
        let problems: [Problem]
        let voidableUntil: Date?
        let canCancel: Bool
        let amazon: Amazon
        let createdAt: Date
        let events: [Event]?
    }

    struct InboundWorkflowAnswer: Decodable, Sendable {
        let workflow: InboundWorkflow
    }

    struct InboundWorkflowList: Decodable, Sendable {
        let workflows: [InboundWorkflow]
    }

    /// The steps in the order the seller meets them, for the page's progress line.
    static let inboundSteps: [(key: String, title: String)] = [
        ("creating_plan", "Plan"), ("choose_packing", "Packing"), ("box_contents", "Boxes"), ("choose_placement", "Placement"),
        ("shipping_details", "Ready date"), ("choose_transportation", "Carriers"), ("ready", "Labels and tracking"),
    ]

    func addInboundRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/inbound") { request, context in
            try await signedIn(request, context) { try await inboundPlansPage($0, request) }
        }
        router.get("/app/inbound/:id") { request, context in
            try await signedIn(request, context) { try await inboundPlanPage($0, id: try Self.uuid(context, "id"), request) }
        }
    }

    func inboundChrome(_ viewer: Viewer, _ request: Request, title: String, _ connection: DashboardSources.Connection) -> [String: Any] {
        var values = chrome(viewer, page: "inbound", title: title, request: request)
        let id = connection.id.uuidString.lowercased()
        values["connectionId"] = id
        values["connectionQuery"] = "connection=\(id)"
        values["connectionActive"] = connection.status == "active"
        values["sellerId"] = connection.sellingPartnerId
        return values
    }

    func inboundPlansPage(_ viewer: Viewer, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            var values = chrome(viewer, page: "inbound", title: "Inbound", request: request)
            values["noConnection"] = true
            return try renderer.page("inbound", values)
        }
        var values = inboundChrome(viewer, request, title: "Inbound", connection)
        let id = connection.id.uuidString.lowercased()
        do {
            let list = try await sources.get(InboundWorkflowList.self, from: .integrations,
                                             "/internal/amazon/connections/\(id)/inbound-workflows?limit=50", tenant: viewer.tenant)
            values["plans"] = list.workflows.map { workflow -> [String: Any] in
                [
                    "name": workflow.name, "href": "/app/inbound/\(workflow.workflowId.uuidString.lowercased())?connection=\(id)",
                    "step": workflow.step, "stepTitle": workflow.stepTitle, "working": workflow.working,
                    "units": workflow.items.map(\.quantity).reduce(0, +), "skus": workflow.items.count,
                    "created": DashboardWords.instant(workflow.createdAt), "hasProblems": !workflow.problems.isEmpty,
                ]
            }
            values["noPlans"] = list.workflows.isEmpty
        } catch {
            values["problem"] = "The inbound plans could not be read just now: \(error)"
            values["noPlans"] = true
        }
        values["requestKey"] = "dashboard-" + UUID().uuidString.lowercased()
        return try renderer.page("inbound", values)
    }

    func inboundPlanPage(_ viewer: Viewer, id: UUID, _ request: Request) async throws -> Response {
        guard let connection = try await listingConnection(viewer, request) else {
            return try missing(viewer, page: "inbound", title: "Inbound", what: "inbound plan")
        }
        let connectionID = connection.id.uuidString.lowercased()
        let workflow: InboundWorkflow
        do {
            workflow = try await sources.get(InboundWorkflowAnswer.self, from: .integrations,
                                             "/internal/amazon/connections/\(connectionID)/inbound-workflows/\(id.uuidString.lowercased())",
                                             tenant: viewer.tenant).workflow
        } catch let problem as DashboardSourceError where problem.status == 404 {
            return try missing(viewer, page: "inbound", title: "Inbound", what: "inbound plan")
        }
        var values = inboundChrome(viewer, request, title: workflow.name, connection)
        let base = "/api/v1/amazon/connections/\(connectionID)/inbound-workflows/\(id.uuidString.lowercased())"
        values["actionBase"] = base
        values["workflowId"] = id.uuidString.lowercased()
        values["name"] = workflow.name
        values["planId"] = workflow.inboundPlanId ?? "not created yet"
        values["stepTitle"] = workflow.stepTitle
        values["step"] = workflow.step
        values["working"] = workflow.working
        values["failed"] = workflow.step == "failed"
        values["cancelled"] = workflow.step == "cancelled"
        values["canCancel"] = workflow.canCancel && viewer.canEdit
        values["voidableUntil"] = workflow.voidableUntil.map(DashboardWords.instant)
        let current = Self.inboundSteps.firstIndex { $0.key == workflow.step }
        values["progress"] = Self.inboundSteps.enumerated().map { index, step -> [String: Any] in
            let state = current.map { index < $0 ? "done" : index == $0 ? "current" : "todo" } ?? "todo"
            return ["title": step.title, "state": state, "current": state == "current"]
        }
        values["items"] = workflow.items.map { ["msku": $0.msku, "quantity": $0.quantity, "prepOwner": $0.prepOwner] }
        values["units"] = workflow.items.map(\.quantity).reduce(0, +)
        values["problems"] = workflow.problems.map { ["code": $0.code, "message": $0.message, "whatToDo": $0.whatToDo] }
        values["hasProblems"] = !workflow.problems.isEmpty
        values["events"] = (workflow.events ?? []).map { ["at": DashboardWords.instant($0.at), "message": $0.message] }
        let yourTurn = !workflow.working && viewer.canEdit
        let amazon = workflow.amazon
        if yourTurn, workflow.step == "choose_packing" {
            values["packingOptions"] = amazon.packingOptions.map { option -> [String: Any] in
                [
                    "id": option.packingOptionId, "fee": option.fee?.displayText ?? "no fee", "groupCount": option.groups.count,
                    "modes": option.shippingModes.isEmpty ? false as Any : option.shippingModes.map(Self.words).joined(separator: ", ") as Any,
                    "body": Self.json(["packingOptionId": option.packingOptionId]),
                    "groups": option.groups.map { group in
                        ["items": group.items.map { ["msku": $0.msku, "quantity": $0.quantity, "prep": $0.prepType.map { Self.words($0) as Any } ?? false] }]
                    },
                ]
            }
        }
        if yourTurn, workflow.step == "box_contents", let option = amazon.packingOptions.first(where: { $0.packingOptionId == amazon.chosenPackingOptionId }) {
            values["boxGroups"] = option.groups.enumerated().map { index, group -> [String: Any] in
                [
                    "id": group.packingGroupId, "number": index + 1,
                    "items": group.items.map { ["msku": $0.msku, "quantity": $0.quantity, "labelOwner": $0.labelOwner, "prepOwner": $0.prepOwner ?? "SELLER"] },
                ]
            }
        }
        if yourTurn, workflow.step == "choose_placement" {
            values["placementOptions"] = amazon.placementOptions.map { option -> [String: Any] in
                [
                    "id": option.placementOptionId, "shipments": option.shipmentIds.count,
                    "fee": option.fee.map { $0.amountMinor == 0 ? "no fee" : $0.displayText } ?? "no fee",
                    "body": Self.json(["placementOptionId": option.placementOptionId]),
                ]
            }
        }
        if yourTurn, workflow.step == "shipping_details" || workflow.step == "choose_transportation" {
            values["askShippingDetails"] = true
            values["tomorrow"] = CivilDate(utcDayOf: Date().addingTimeInterval(86_400)).description
        }
        if yourTurn, workflow.step == "choose_transportation" {
            values["carrierShipments"] = amazon.shipments.map { shipment -> [String: Any] in
                [
                    "id": shipment.shipmentId, "destination": shipment.destination ?? shipment.warehouseId ?? "",
                    "options": amazon.transportationOptions.filter { $0.shipmentId == shipment.shipmentId }.enumerated().map { index, option -> [String: Any] in
                        [
                            "id": option.transportationOptionId, "shipment": shipment.shipmentId, "first": index == 0,
                            "carrier": option.carrier ?? "Your carrier", "mode": Self.words(option.shippingMode),
                            "solution": option.shippingSolution == "AMAZON_PARTNERED_CARRIER" ? "Amazon-partnered" : "Your own carrier",
                            "cost": option.cost?.displayText ?? "your carrier's price", "needsWindow": option.needsDeliveryWindow,
                        ]
                    },
                ]
            }
        }
        if workflow.step == "ready" || workflow.step == "cancelled" || workflow.step == "shipping_details" || workflow.step == "choose_transportation" {
            values["shipments"] = amazon.shipments.map { shipment -> [String: Any] in
                var row: [String: Any] = [
                    "id": shipment.shipmentId, "confirmationId": shipment.confirmationId ?? "—", "status": shipment.status.map(Self.words) ?? "—",
                    "destination": [shipment.warehouseId, shipment.destination].compactMap { $0 }.joined(separator: " · "),
                    "deliveryWindow": shipment.deliveryWindow ?? "", "boxCount": shipment.boxIds.count,
                    "tracking": shipment.trackingIds.joined(separator: ", "),
                    "boxes": shipment.boxIds.map { ["boxId": $0] },
                ]
                // Mustache shows a section for any string, even an empty one: a missing key hides it.
                if workflow.step == "ready", !workflow.working, shipment.confirmationId != nil {
                    row["labelsHref"] = "\(base)/shipments/\(Self.pathSegment(shipment.shipmentId))/labels?pageType=PackageLabel_Letter_6"
                }
                // Amazon's partnered carriers track their own shipments; the seller's own carrier's ids are asked for.
                let ownCarrier = amazon.transportationOptions.first { $0.transportationOptionId == shipment.selectedTransportationOptionId }?
                    .shippingSolution == "USE_YOUR_OWN_CARRIER"
                row["askTracking"] = yourTurn && workflow.step == "ready" && shipment.trackingIds.isEmpty && !shipment.boxIds.isEmpty && ownCarrier
                return row
            }
        }
        for key in ["boxGroups", "placementOptions", "carrierShipments", "shipments"] {
            values["has" + key.prefix(1).uppercased() + key.dropFirst()] = !((values[key] as? [Any])?.isEmpty ?? true)
        }
        if workflow.working { values["reloadEvery"] = 3 }
        return try renderer.page("inbound-plan", values)
    }

    /// Amazon's constants in words: `GROUND_SMALL_PARCEL` → "Ground small parcel".
    static func words(_ constant: String) -> String {
        let spaced = constant.replacingOccurrences(of: "_", with: " ").lowercased()
        return spaced.prefix(1).uppercased() + spaced.dropFirst()
    }

    static func json(_ object: [String: String]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)) ?? "{}"
    }

}
