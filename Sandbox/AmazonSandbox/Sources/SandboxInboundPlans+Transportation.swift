import Foundation
import Hummingbird
import NIOCore
import OpsideCore

// MARK: Transportation, delivery windows, tracking, labels and cancellation.

extension SandboxInboundPlans {
    func registerTransportation(_ route: SandboxRouteRegistrar) {
        let plans = "/inbound/fba/2024-03-20/inboundPlans/{inboundPlanId}"
        route(.post, "\(plans)/transportationOptions", Self.api, "generateTransportationOptions", nil) { request, context, caller in
            let body = try await SandboxResponse.decode(TransportationBody.self, from: request)
            return try generateTransportationOptions(try context.parameters.require("inboundPlanId"), body, caller)
        }
        route(.get, "\(plans)/transportationOptions", Self.api, "listTransportationOptions", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            return try listTransportationOptions(plan, request, now: caller.now)
        }
        route(.post, "\(plans)/transportationOptions/confirmation", Self.api, "confirmTransportationOptions", nil) { request, context, caller in
            let body = try await SandboxResponse.decode(SelectionsBody.self, from: request)
            return try confirmTransportationOptions(try context.parameters.require("inboundPlanId"), body, caller)
        }
        route(.post, "\(plans)/shipments/{shipmentId}/deliveryWindowOptions", Self.api, "generateDeliveryWindowOptions", nil) { _, context, caller in
            try generateDeliveryWindowOptions(try context.parameters.require("inboundPlanId"), try context.parameters.require("shipmentId"), caller)
        }
        route(.get, "\(plans)/shipments/{shipmentId}/deliveryWindowOptions", Self.api, "listDeliveryWindowOptions", nil) { request, context, caller in
            guard let plan = plan(try context.parameters.require("inboundPlanId"), caller) else { return Self.planNotFound() }
            let shipmentID = try context.parameters.require("shipmentId")
            guard plan.workflow.shipmentIndex(shipmentID) != nil else { return Self.shipmentNotFound() }
            let now = caller.now
            return try page(request, "listDeliveryWindowOptions", plan: plan, scope: ["shipmentId": shipmentID], sizes: 1...100,
                            key: "deliveryWindowOptions") { _ in
                plan.workflow.deliveryWindowOptions.filter { $0.shipmentID == shipmentID && now >= $0.at }.map { option in
                    ["deliveryWindowOptionId": option.id, "availabilityType": "AVAILABLE", "startDate": option.start.iso,
                     "endDate": option.end.iso, "validUntil": option.validUntil.iso] as [String: Any]
                }
            }
        }
        route(.post, "\(plans)/shipments/{shipmentId}/deliveryWindowOptions/{deliveryWindowOptionId}/confirmation", Self.api,
              "confirmDeliveryWindowOptions", nil) { _, context, caller in
            try confirmDeliveryWindow(try context.parameters.require("inboundPlanId"), try context.parameters.require("shipmentId"),
                                      try context.parameters.require("deliveryWindowOptionId"), caller)
        }
        route(.put, "\(plans)/shipments/{shipmentId}/trackingDetails", Self.api, "updateShipmentTrackingDetails", nil) { request, context, caller in
            let body = try await SandboxResponse.decode(TrackingBody.self, from: request)
            return try updateTracking(try context.parameters.require("inboundPlanId"), try context.parameters.require("shipmentId"), body, caller)
        }
        route(.get, "/fba/inbound/v0/shipments/{shipmentId}/labels", "fulfillmentInboundV0", "getLabels", nil) { request, context, caller in
            try labels(try context.parameters.require("shipmentId"), request, caller)
        }
    }

    // MARK: Transportation options

    struct ContactBody: Decodable {
        let name: String
        let phoneNumber: String
        let email: String?

        var json: [String: String] {
            var json = ["name": name, "phoneNumber": phoneNumber]
            json["email"] = email
            return json
        }
    }

    struct TransportationBody: Decodable {
        struct Configuration: Decodable {
            struct Window: Decodable {
                let start: String
            }
            struct Pallet: Decodable {
                let quantity: Int
            }
            let shipmentId: String
            let readyToShipWindow: Window
            let contactInformation: ContactBody?
            let pallets: [Pallet]?
        }
        let placementOptionId: String
        let shipmentTransportationConfigurations: [Configuration]
    }

    /// Per shipment: Amazon's partnered small parcel carrier (quoted per box and pound), the
    /// seller's own small parcel carrier (needs a confirmed delivery window), and with pallets
    /// partnered and own-carrier LTL freight (both need a delivery window).
    func generateTransportationOptions(_ planID: String, _ body: TransportationBody, _ caller: SPAPICaller) throws -> Response {
        guard !body.shipmentTransportationConfigurations.isEmpty else {
            throw SandboxInputError(message: "shipmentTransportationConfigurations must hold at least one configuration")
        }
        var starts: [String: Date] = [:]
        for configuration in body.shipmentTransportationConfigurations {
            guard let start = Date(iso: configuration.readyToShipWindow.start) else {
                throw SandboxInputError(message: "readyToShipWindow.start must be an ISO 8601 date-time")
            }
            starts[configuration.shipmentId] = start
            for pallet in configuration.pallets ?? [] where !(1...10_000).contains(pallet.quantity) {
                throw SandboxInputError(message: "pallet quantity must be 1 to 10000")
            }
        }
        return try step("generateTransportationOptions", planID: planID, caller) { plan, now, doneAt in
            let workflow = plan.workflow
            if workflow.transportationConfirmedAt != nil {
                return [.error("FBA_INB_0360", "ERROR: Transportation options are already confirmed for this inbound plan.", resource: plan.id)]
            }
            guard let option = workflow.placementOptions.first(where: { $0.id == body.placementOptionId && now >= $0.at }) else {
                return [.error("FBA_INB_0352", "ERROR: The placement option was not found: generate placement options and list them first.",
                               resource: body.placementOptionId)]
            }
            if let placement = workflow.placement, placement.id != option.id {
                return [.error("FBA_INB_0361", "ERROR: Another placement option is confirmed for this inbound plan.", resource: option.id)]
            }
            var problems: [Problem] = []
            for configuration in body.shipmentTransportationConfigurations where !option.shipmentIDs.contains(configuration.shipmentId) {
                problems.append(.error("FBA_INB_0362", "ERROR: The shipment does not belong to the placement option.", resource: configuration.shipmentId))
            }
            for shipmentID in option.shipmentIDs where starts[shipmentID] == nil {
                problems.append(.error("FBA_INB_0363", "ERROR: A transportation configuration is missing for the shipment.", resource: shipmentID))
            }
            for (shipmentID, start) in starts where start < Calendar(identifier: .gregorian).startOfDay(for: now) {
                problems.append(.error("FBA_INB_0364", "ERROR: The ready-to-ship window cannot start in the past.", resource: shipmentID))
            }
            for configuration in body.shipmentTransportationConfigurations where configuration.pallets != nil && configuration.contactInformation == nil {
                problems.append(.error("FBA_INB_0365", "ERROR: Freight shipments need contactInformation.", resource: configuration.shipmentId))
            }
            guard problems.isEmpty else { return problems }

            plan.workflow.transportationOptions.removeAll { option.shipmentIDs.contains($0.shipmentID) }
            for configuration in body.shipmentTransportationConfigurations {
                guard let index = plan.workflow.shipmentIndex(configuration.shipmentId) else { continue }
                plan.workflow.shipments[index].readyToShip = starts[configuration.shipmentId]
                plan.workflow.shipments[index].contactInformation = configuration.contactInformation?.json
                let boxes = plan.workflow.shipments[index].boxes.map { plan.workflow.boxes[$0] }
                let pounds = Int64(boxes.reduce(0) { $0 + $1.weight.pounds }.rounded(.up))
                func offer(_ solution: String, _ mode: String, _ carrier: (String, String), cost: Int64?, _ preconditions: [String]) -> SandboxInboundWorkflow.TransportationOption {
                    .init(id: Self.newID("to"), shipmentID: configuration.shipmentId, placementOptionID: option.id, solution: solution, mode: mode,
                          carrierName: carrier.0, carrierCode: carrier.1, costMinor: cost, preconditions: preconditions, at: doneAt,
                          expiration: doneAt.addingTimeInterval(86_400))
                }
                plan.workflow.transportationOptions += [
                    offer("AMAZON_PARTNERED_CARRIER", "GROUND_SMALL_PARCEL", ("United Parcel Service Inc.", "UPSN"),
                           cost: Int64(boxes.count) * SandboxInboundRules.parcelFeePerBoxMinor + pounds * SandboxInboundRules.parcelFeePerPoundMinor, []),
                    offer("USE_YOUR_OWN_CARRIER", "GROUND_SMALL_PARCEL", ("Other carrier", "OTHR"), cost: nil, ["CONFIRMED_DELIVERY_WINDOW"]),
                ]
                if let pallets = configuration.pallets {
                    let count = Int64(pallets.reduce(0) { $0 + $1.quantity })
                    plan.workflow.transportationOptions += [
                        offer("AMAZON_PARTNERED_CARRIER", "FREIGHT_LTL", ("Amazon Freight", "AMZF"),
                               cost: count * SandboxInboundRules.freightFeePerPalletMinor, ["CONFIRMED_DELIVERY_WINDOW"]),
                        offer("USE_YOUR_OWN_CARRIER", "FREIGHT_LTL", ("Other carrier", "OTHR"), cost: nil, ["CONFIRMED_DELIVERY_WINDOW"]),
                    ]
                }
            }
            return []
        }
    }

    /// Either `placementOptionId` or `shipmentId` must be given.
    func listTransportationOptions(_ plan: SandboxInboundPlan, _ request: Request, now: Date) throws -> Response {
        let query = request.uri.queryParameters
        if query.get("paginationToken") == nil, (query.get("placementOptionId") == nil) == (query.get("shipmentId") == nil) {
            throw SandboxInputError(message: "Either placementOptionId or shipmentId must be specified")
        }
        let currency = currency(of: plan)
        let workflow = plan.workflow
        return try page(request, "listTransportationOptions", plan: plan, sizes: 1...20, key: "transportationOptions",
                        criteria: ["placementOptionId", "shipmentId"]) { criterion in
            let placementID = criterion("placementOptionId"), shipmentID = criterion("shipmentId")
            return workflow.transportationOptions.filter { option in
                now >= option.at && (placementID == nil || option.placementOptionID == placementID) && (shipmentID == nil || option.shipmentID == shipmentID)
            }.map { option in
                var json: [String: Any] = [
                    "transportationOptionId": option.id, "shipmentId": option.shipmentID, "shippingMode": option.mode,
                    "shippingSolution": option.solution, "preconditions": option.preconditions,
                    "carrier": ["name": option.carrierName, "alphaCode": option.carrierCode],
                ]
                if let cost = option.costMinor {
                    var quote: [String: Any] = ["cost": Self.currencyJSON(cost, currency), "expiration": option.expiration.iso]
                    if let confirmedAt = workflow.transportationConfirmedAt, now >= confirmedAt, let window = option.voidWindow,
                       workflow.shipments.contains(where: { $0.transportation?.id == option.id }) {
                        quote["voidableUntil"] = confirmedAt.addingTimeInterval(window).iso
                    }
                    json["quote"] = quote
                }
                return json
            }
        }
    }

    struct SelectionsBody: Decodable {
        struct Selection: Decodable {
            let shipmentId: String
            let transportationOptionId: String
            let contactInformation: ContactBody?
        }
        let transportationSelections: [Selection]
    }

    /// Confirms one option per shipment of the confirmed placement, all at once; an option whose
    /// preconditions name CONFIRMED_DELIVERY_WINDOW needs its shipment's delivery window first.
    func confirmTransportationOptions(_ planID: String, _ body: SelectionsBody, _ caller: SPAPICaller) throws -> Response {
        guard !body.transportationSelections.isEmpty else { throw SandboxInputError(message: "transportationSelections must hold at least one selection") }
        return try step("confirmTransportationOptions", planID: planID, caller) { plan, now, doneAt in
            let workflow = plan.workflow
            guard let placement = workflow.confirmedPlacement(at: now) else {
                return [.error("FBA_INB_0366", "ERROR: No placement option was confirmed.", resource: plan.id)]
            }
            if workflow.transportationConfirmedAt != nil {
                return [.error("FBA_INB_0360", "ERROR: Transportation options are already confirmed for this inbound plan.", resource: plan.id)]
            }
            var problems: [Problem] = []
            let selected = body.transportationSelections.map(\.shipmentId)
            for shipmentID in placement.shipmentIDs where selected.filter({ $0 == shipmentID }).count != 1 {
                problems.append(.error("FBA_INB_0367", "ERROR: Every shipment of the inbound plan needs exactly one transportation selection.",
                                       resource: shipmentID))
            }
            for selection in body.transportationSelections {
                guard let option = workflow.transportationOptions.first(where: { $0.id == selection.transportationOptionId && now >= $0.at }),
                      option.shipmentID == selection.shipmentId, placement.shipmentIDs.contains(option.shipmentID),
                      let index = workflow.shipmentIndex(option.shipmentID) else {
                    problems.append(.error("FBA_INB_0368", "ERROR: The transportation option was not found for the shipment.",
                                           resource: selection.transportationOptionId))
                    continue
                }
                if now >= option.expiration {
                    problems.append(.error("FBA_INB_0369", "ERROR: The transportation option has expired; generate options again.", resource: option.id))
                }
                if option.preconditions.contains("CONFIRMED_DELIVERY_WINDOW") {
                    let window = workflow.shipments[index].deliveryWindow
                    if window == nil || now < window!.at {
                        problems.append(.error("FBA_INB_0370", "ERROR: The transportation option requires a confirmed delivery window for the shipment.",
                                               resource: option.shipmentID))
                    }
                }
                if option.partnered, option.mode == "FREIGHT_LTL", selection.contactInformation == nil, workflow.shipments[index].contactInformation == nil {
                    problems.append(.error("FBA_INB_0365", "ERROR: Freight shipments need contactInformation.", resource: option.shipmentID))
                }
            }
            guard problems.isEmpty else { return problems }
            for selection in body.transportationSelections {
                guard let index = plan.workflow.shipmentIndex(selection.shipmentId) else { continue }
                plan.workflow.shipments[index].transportation = .init(id: selection.transportationOptionId, at: doneAt)
                if let contact = selection.contactInformation { plan.workflow.shipments[index].contactInformation = contact.json }
            }
            plan.workflow.transportationConfirmedAt = doneAt
            return []
        }
    }

    // MARK: Delivery windows

    /// Four week-long windows from three days after the shipment is ready (or today), valid a day.
    func generateDeliveryWindowOptions(_ planID: String, _ shipmentID: String, _ caller: SPAPICaller) throws -> Response {
        try step("generateDeliveryWindowOptions", planID: planID, caller) { plan, now, doneAt in
            guard let placement = plan.workflow.confirmedPlacement(at: now) else {
                return [.error("FBA_INB_0366", "ERROR: No placement option was confirmed.", resource: shipmentID)]
            }
            guard placement.shipmentIDs.contains(shipmentID), let index = plan.workflow.shipmentIndex(shipmentID) else {
                return [.error("FBA_INB_0371", "ERROR: The shipment does not belong to the confirmed placement option.", resource: shipmentID)]
            }
            if plan.workflow.shipments[index].deliveryWindow != nil {
                return [.error("FBA_INB_0372", "ERROR: A delivery window is already confirmed; confirm another of its options to change it.",
                               resource: shipmentID)]
            }
            let calendar = Calendar(identifier: .gregorian)
            let first = calendar.startOfDay(for: max(now, plan.workflow.shipments[index].readyToShip ?? now)).addingTimeInterval(3 * 86_400)
            plan.workflow.deliveryWindowOptions.removeAll { $0.shipmentID == shipmentID }
            plan.workflow.deliveryWindowOptions += (0..<4).map { week in
                let start = first.addingTimeInterval(Double(week) * 7 * 86_400)
                return .init(id: Self.newID("dw"), shipmentID: shipmentID, start: start, end: start.addingTimeInterval(7 * 86_400 - 60),
                             validUntil: doneAt.addingTimeInterval(86_400), at: doneAt)
            }
            return []
        }
    }

    func confirmDeliveryWindow(_ planID: String, _ shipmentID: String, _ optionID: String, _ caller: SPAPICaller) throws -> Response {
        try step("confirmDeliveryWindowOptions", planID: planID, caller) { plan, now, doneAt in
            guard plan.workflow.confirmedPlacement(at: now) != nil else {
                return [.error("FBA_INB_0366", "ERROR: No placement option was confirmed.", resource: shipmentID)]
            }
            guard let index = plan.workflow.shipmentIndex(shipmentID),
                  let option = plan.workflow.deliveryWindowOptions.first(where: { $0.id == optionID && $0.shipmentID == shipmentID && now >= $0.at }) else {
                return [.error("FBA_INB_0373", "ERROR: The delivery window option was not found for the shipment.", resource: optionID)]
            }
            if now >= option.validUntil {
                return [.error("FBA_INB_0374", "ERROR: The delivery window option is no longer valid; generate options again.", resource: optionID)]
            }
            if let tracking = plan.workflow.shipments[index].tracking, now >= tracking.at {
                return [.error("FBA_INB_0375", "ERROR: The shipment has shipped; its delivery window can no longer change.", resource: shipmentID)]
            }
            plan.workflow.shipments[index].deliveryWindow = .init(id: optionID, at: doneAt)
            return []
        }
    }

    // MARK: Tracking

    struct TrackingBody: Decodable {
        struct Details: Decodable {
            struct Parcels: Decodable {
                struct Parcel: Decodable {
                    let boxId: String
                    let trackingId: String
                }
                let spdTrackingItems: [Parcel]
            }
            struct Freight: Decodable {
                let billOfLadingNumber: String?
                let freightBillNumber: [String]
            }
            let spdTrackingDetail: Parcels?
            let ltlTrackingDetail: Freight?
        }
        let trackingDetails: Details
    }

    /// Tracking for the seller's own carrier: a tracking id per box for small parcel, the freight
    /// bill for LTL. Amazon's partnered carriers report their own tracking.
    func updateTracking(_ planID: String, _ shipmentID: String, _ body: TrackingBody, _ caller: SPAPICaller) throws -> Response {
        let details = body.trackingDetails
        guard (details.spdTrackingDetail == nil) != (details.ltlTrackingDetail == nil) else {
            throw SandboxInputError(message: "trackingDetails needs exactly one of spdTrackingDetail and ltlTrackingDetail")
        }
        for parcel in details.spdTrackingDetail?.spdTrackingItems ?? [] where !(1...64).contains(parcel.trackingId.count) || parcel.boxId.isEmpty {
            throw SandboxInputError(message: "trackingId must be 1 to 64 characters and boxId is required")
        }
        if let freight = details.ltlTrackingDetail, freight.freightBillNumber.count != 1 {
            throw SandboxInputError(message: "freightBillNumber must hold exactly one number")
        }
        return try step("updateShipmentTrackingDetails", planID: planID, caller) { plan, now, doneAt in
            guard let index = plan.workflow.shipmentIndex(shipmentID), let chosen = plan.workflow.shipments[index].transportation, now >= chosen.at,
                  let option = plan.workflow.transportationOptions.first(where: { $0.id == chosen.id }) else {
                return [.error("FBA_INB_0376", "ERROR: The shipment's transportation is not confirmed.", resource: shipmentID)]
            }
            if option.partnered {
                return [.error("FBA_INB_0377", "ERROR: Tracking of a shipment sent with an Amazon-partnered carrier comes from the carrier.",
                               resource: shipmentID)]
            }
            let boxIDs = Set(plan.workflow.shipments[index].boxes.compactMap { plan.workflow.boxes[$0].boxID })
            var tracking = SandboxInboundWorkflow.Tracking(at: doneAt)
            if let parcels = details.spdTrackingDetail {
                guard option.mode == "GROUND_SMALL_PARCEL" else {
                    return [.error("FBA_INB_0378", "ERROR: A freight shipment takes ltlTrackingDetail.", resource: shipmentID)]
                }
                let unknown = parcels.spdTrackingItems.map(\.boxId).filter { !boxIDs.contains($0) }
                if let box = unknown.first {
                    return [.error("FBA_INB_0379", "ERROR: The box is not in the shipment.", resource: box)]
                }
                tracking.parcels = parcels.spdTrackingItems.map { ($0.boxId, $0.trackingId) }
            } else if let freight = details.ltlTrackingDetail {
                guard option.mode == "FREIGHT_LTL" else {
                    return [.error("FBA_INB_0378", "ERROR: A small parcel shipment takes spdTrackingDetail.", resource: shipmentID)]
                }
                tracking.billOfLading = freight.billOfLadingNumber
                tracking.freightBillNumbers = freight.freightBillNumber
            }
            plan.workflow.shipments[index].tracking = tracking
            return []
        }
    }

    // MARK: Labels (Fulfillment Inbound v0)

    static let pageTypes: Set<String> = [
        "PackageLabel_Letter_2", "PackageLabel_Letter_4", "PackageLabel_Letter_6", "PackageLabel_Letter_6_CarrierLeft", "PackageLabel_A4_2",
        "PackageLabel_A4_4", "PackageLabel_Plain_Paper", "PackageLabel_Plain_Paper_CarrierBottom", "PackageLabel_Thermal",
        "PackageLabel_Thermal_Unified", "PackageLabel_Thermal_NonPCP", "PackageLabel_Thermal_No_Carrier_Rotation",
    ]
    /// Label download URLs are good for 15 seconds (the model's `DownloadURL`).
    static let labelURLLifetime = 15

    /// getLabels by the shipment's `FBA…` id: box labels (or four per pallet) once its
    /// transportation is confirmed, as a PDF behind a URL signed for 15 seconds of sandbox time.
    /// Printing them makes the shipment READY_TO_SHIP.
    func labels(_ confirmationID: String, _ request: Request, _ caller: SPAPICaller) throws -> Response {
        let query = request.uri.queryParameters
        guard let pageType = query.get("PageType"), Self.pageTypes.contains(pageType) else {
            throw SandboxInputError(message: "PageType is required and must be one of \(Self.pageTypes.sorted().joined(separator: ", "))")
        }
        guard let labelType = query.get("LabelType"), ["BARCODE_2D", "UNIQUE", "PALLET"].contains(labelType) else {
            throw SandboxInputError(message: "LabelType is required and must be BARCODE_2D, UNIQUE or PALLET")
        }
        let now = caller.now
        let found = state.withLock { inner in
            inner.inboundPlans.values.first { $0.sellingPartnerID == caller.sellingPartnerID && $0.workflow.shipments.contains { $0.confirmationID == confirmationID } }
        }
        guard let plan = found, let index = plan.workflow.shipments.firstIndex(where: { $0.confirmationID == confirmationID }),
              plan.workflow.status(of: plan.workflow.shipments[index], now: now) != "UNCONFIRMED" else {
            throw SandboxInputError(message: "Shipment \(confirmationID) was not found.", details: "ShipmentId")
        }
        let shipment = plan.workflow.shipments[index]
        guard let chosen = shipment.transportation, now >= chosen.at else {
            throw SandboxInputError(message: "Labels are available once the shipment's transportation is confirmed.", details: "ShipmentId")
        }
        let boxIDs = shipment.boxes.compactMap { plan.workflow.boxes[$0].boxID }
        var lines: [[String]] = []
        let header = ["FBA inbound shipment \(confirmationID)", "Ship to: \(shipment.warehouse.id), \(shipment.warehouse.address["city"] ?? "")",
                      "From: \(plan.sourceAddress["name"] ?? ""), \(plan.sourceAddress["city"] ?? "")", "Page type: \(pageType)"]
        if labelType == "PALLET" {
            guard let pallets = Int(query.get("NumberOfPallets") ?? ""), (1...1000).contains(pallets) else {
                throw SandboxInputError(message: "NumberOfPallets is required for PALLET labels", details: "NumberOfPallets")
            }
            for pallet in 1...pallets { for copy in 1...4 { lines.append(header + ["Pallet \(pallet) of \(pallets) (label \(copy) of 4)"]) } }
        } else {
            var chosenBoxes = boxIDs
            if let list = query.get("PackageLabelsToPrint"), !list.isEmpty {
                chosenBoxes = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                if let unknown = chosenBoxes.first(where: { !boxIDs.contains($0) }) {
                    throw SandboxInputError(message: "Package \(unknown) is not in shipment \(confirmationID).", details: "PackageLabelsToPrint")
                }
            } else if let count = query.get("NumberOfPackages"), Int(count) != boxIDs.count {
                throw SandboxInputError(message: "NumberOfPackages must be the shipment's \(boxIDs.count) boxes.", details: "NumberOfPackages")
            }
            for (number, boxID) in chosenBoxes.enumerated() {
                lines.append(header + ["Box \(number + 1) of \(chosenBoxes.count)", "Box id: \(boxID)", "Label type: \(labelType)"])
            }
        }
        let labelID = UUID().uuidString.lowercased()
        state.withLock { inner in
            inner.inboundLabels[labelID] = SimplePDF.document(pages: lines)
            if inner.inboundPlans[plan.id]?.workflow.shipments[index].labelsAt == nil {
                inner.inboundPlans[plan.id]?.workflow.shipments[index].labelsAt = now
            }
        }
        let expires = Int(now.timeIntervalSince1970) + Self.labelURLLifetime
        let authority = request.head.authority ?? "\(state.settings.host):\(state.settings.port)"
        let url = "http://\(authority)/inbound-labels/\(labelID)?X-Amz-Expires=\(expires)&X-Amz-Signature=\(SandboxReports.sign(labelID, expires))"
        return SandboxResponse.json(["payload": ["DownloadURL": url]])
    }

    /// The label PDF behind a signed URL, outside the SP-API edge like S3.
    func downloadLabels(_ id: String, request: Request) -> Response {
        let query = request.uri.queryParameters
        let accessDenied = SandboxResponse.html("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", status: .forbidden)
        guard let expires = Int(query.get("X-Amz-Expires") ?? ""), query.get("X-Amz-Signature") == SandboxReports.sign(id, expires),
              Double(expires) > state.now.timeIntervalSince1970, let bytes = state.withLock({ $0.inboundLabels[id] }) else { return accessDenied }
        return Response(status: .ok, headers: [.contentType: "application/pdf"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Cancellation

    /// Cancels the plan while its void window is open: any time before a placement option is
    /// confirmed, then 24 hours from the placement's confirmation, cut to one hour from the
    /// transportation's confirmation for a partnered LTL carrier; never once a shipment shipped.
    /// Outside the window Amazon refuses with a 400.
    func cancel(_ planID: String, _ caller: SPAPICaller) throws -> Response {
        guard let found = plan(planID, caller) else { return Self.planNotFound() }
        let now = caller.now
        let workflow = found.workflow
        if workflow.shipments.contains(where: { workflow.status(of: $0, now: now) == "SHIPPED" }) {
            return SandboxResponse.error(.badRequest, code: "BadRequest", message: "The inbound plan cannot be cancelled: a shipment has shipped.",
                                         details: planID)
        }
        if let end = workflow.voidWindowEnd(options: workflow.transportationOptions), now > end {
            return SandboxResponse.error(.badRequest, code: "BadRequest",
                                         message: "The inbound plan cannot be cancelled: its void window closed at \(end.iso).", details: planID)
        }
        return try step("cancelInboundPlan", planID: planID, caller) { plan, _, doneAt in
            plan.workflow.cancelledAt = doneAt
            return []
        }
    }
}
