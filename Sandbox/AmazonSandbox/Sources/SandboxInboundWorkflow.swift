import Foundation

/// What the steps after `createInboundPlan` made of a plan: packing, boxes, placement, shipments,
/// transportation, delivery windows, labels and tracking.
///
/// Every step's effect is written when its operation is accepted and stamped with the instant the
/// operation finishes (`at`); reads and later steps see it only from then on, so a step called
/// while the one before is still IN_PROGRESS fails as it does at Amazon.
struct SandboxInboundWorkflow: Sendable {
    /// A confirmed choice and the instant its confirming operation finishes.
    struct Confirmation: Sendable {
        let id: String
        let at: Date
    }
    struct PackingGroup: Sendable {
        let id: String
        /// Indexes into the plan's items.
        let items: [Int]
    }
    struct PackingOption: Sendable {
        let id: String
        let groups: [PackingGroup]
        let at: Date
        let expiration: Date
    }
    struct Dimensions: Sendable {
        let length: Double
        let width: Double
        let height: Double
        let unit: String
    }
    struct Weight: Sendable {
        let value: Double
        let unit: String

        var pounds: Double { unit == "KG" ? value * 2.204_622_62 : value }
    }
    struct BoxItem: Sendable {
        /// Index into the plan's items.
        let item: Int
        let quantity: Int
        let labelOwner: String
        let prepOwner: String
    }
    struct Box: Sendable {
        let packageID: String
        /// The box's label id (`FBA…U000001`), given when its shipment is confirmed.
        var boxID: String?
        let groupID: String
        let source: String
        let dimensions: Dimensions
        let weight: Weight
        let items: [BoxItem]
    }
    struct Warehouse: Sendable {
        let id: String
        let address: [String: String]
    }
    struct PlacementOption: Sendable {
        let id: String
        let shipmentIDs: [String]
        /// The placement service fee in the marketplace currency's minor units.
        let feeMinor: Int64
        let at: Date
        let expiration: Date
    }
    struct Shipment: Sendable {
        let id: String
        let placementOptionID: String
        let warehouse: Warehouse
        /// Indexes into `boxes`.
        let boxes: [Int]
        var confirmationID: String?
        var readyToShip: Date?
        var contactInformation: [String: String]?
        var transportation: Confirmation?
        var deliveryWindow: Confirmation?
        var labelsAt: Date?
        var tracking: Tracking?
    }
    /// Tracking the seller gave: a tracking id per box (small parcel) or a freight bill (LTL).
    struct Tracking: Sendable {
        var parcels: [(boxID: String, trackingID: String)] = []
        var billOfLading: String?
        var freightBillNumbers: [String] = []
        let at: Date
    }
    struct TransportationOption: Sendable {
        let id: String
        let shipmentID: String
        let placementOptionID: String
        let solution: String
        let mode: String
        let carrierName: String
        let carrierCode: String
        let costMinor: Int64?
        let preconditions: [String]
        let at: Date
        let expiration: Date

        var partnered: Bool { solution == "AMAZON_PARTNERED_CARRIER" }
        /// How long a partnered carrier's confirmation can be voided: 24 h small parcel, 1 h LTL.
        var voidWindow: TimeInterval? {
            guard partnered else { return nil }
            return mode == "GROUND_SMALL_PARCEL" ? 86_400 : 3_600
        }
    }
    struct DeliveryWindowOption: Sendable {
        let id: String
        let shipmentID: String
        let start: Date
        let end: Date
        let validUntil: Date
        let at: Date
    }

    var packingOptions: [PackingOption] = []
    var packing: Confirmation?
    var boxes: [Box] = []
    /// When the boxes of the last `setPackingInformation` become the plan's.
    var boxesAt: Date?
    var placementOptions: [PlacementOption] = []
    var placement: Confirmation?
    var shipments: [Shipment] = []
    var transportationOptions: [TransportationOption] = []
    /// When `confirmTransportationOptions` finished: no option can be generated or confirmed after.
    var transportationConfirmedAt: Date?
    var deliveryWindowOptions: [DeliveryWindowOption] = []
    var cancelledAt: Date?

    func confirmedPacking(at now: Date) -> PackingOption? {
        guard let packing, now >= packing.at else { return nil }
        return packingOptions.first { $0.id == packing.id }
    }

    func confirmedPlacement(at now: Date) -> PlacementOption? {
        guard let placement, now >= placement.at else { return nil }
        return placementOptions.first { $0.id == placement.id }
    }

    func shipmentIndex(_ id: String) -> Int? { shipments.firstIndex { $0.id == id } }

    /// Units per plan item a shipment carries: what its boxes list, and for a packing group whose
    /// boxes list nothing (MANUAL_PROCESS, BARCODE_2D) all of the group's units, in the shipment
    /// holding the group's first box.
    func units(of shipment: Shipment, items: [SandboxInboundPlan.Item]) -> [Int: Int] {
        var units: [Int: Int] = [:]
        for box in shipment.boxes.map({ boxes[$0] }) {
            for item in box.items { units[item.item, default: 0] += item.quantity }
        }
        guard let packing else { return units }
        for group in packingOptions.first(where: { $0.id == packing.id })?.groups ?? [] {
            let groupBoxes = boxes.indices.filter { boxes[$0].groupID == group.id }
            guard let first = groupBoxes.first, groupBoxes.allSatisfy({ boxes[$0].items.isEmpty }), shipment.boxes.contains(first) else { continue }
            for index in group.items { units[index, default: 0] += items[index].quantity }
        }
        return units
    }

    /// The status `listPackingOptions` and `listPlacementOptions` report.
    static func optionStatus(id: String, confirmed: Confirmation?, expiration: Date, now: Date) -> String {
        if let confirmed, now >= confirmed.at { return confirmed.id == id ? "ACCEPTED" : "EXPIRED" }
        return now >= expiration ? "EXPIRED" : "OFFERED"
    }

    /// A shipment's status: UNCONFIRMED until its placement option is confirmed, then WORKING,
    /// READY_TO_SHIP once labels were printed, SHIPPED once tracking was given; CANCELLED with its plan.
    func status(of shipment: Shipment, now: Date) -> String {
        if let cancelledAt, now >= cancelledAt { return "CANCELLED" }
        guard let placement, now >= placement.at, placement.id == shipment.placementOptionID else { return "UNCONFIRMED" }
        if let tracking = shipment.tracking, now >= tracking.at { return "SHIPPED" }
        if let labelsAt = shipment.labelsAt, now >= labelsAt { return "READY_TO_SHIP" }
        return "WORKING"
    }

    /// When the plan can no longer be cancelled, nil while it can be whatever the time: until a
    /// placement option is confirmed. After that, 24 hours from the placement's confirmation, or
    /// less once a partnered carrier is confirmed (its void window: 24 h small parcel, 1 h LTL).
    func voidWindowEnd(options: [TransportationOption]) -> Date? {
        guard let placement else { return nil }
        var end = placement.at.addingTimeInterval(86_400)
        guard let confirmedAt = transportationConfirmedAt else { return end }
        for shipment in shipments where shipment.placementOptionID == placement.id {
            guard let chosen = shipment.transportation, let option = options.first(where: { $0.id == chosen.id }),
                  let window = option.voidWindow else { continue }
            end = min(end, confirmedAt.addingTimeInterval(window))
        }
        return end
    }
}

/// The rules the sandbox plants deterministically, so tests and the demo can reach every failure a
/// real inbound plan meets (docs: Sandbox/AmazonSandbox/README.md, "Inbound plans").
enum SandboxInboundRules {
    /// A prep category and the prep it needs.
    struct Prep: Sendable {
        let category: String
        let prepType: String
    }

    /// One generated product in five (by its SKU's stable hash) is fragile: it needs bubble wrap,
    /// so its plan item must name who preps and who labels it (prepOwner/labelOwner not NONE).
    static func prep(forSKU sku: String) -> Prep? {
        stableSeed("inbound-prep:" + sku) % 5 == 0 ? Prep(category: "FRAGILE", prepType: "ITEM_BUBBLEWRAP") : nil
    }

    /// A listing the seller declared dangerous goods (`supplier_declared_dg_hz_regulation` other
    /// than `not_applicable`) is not eligible for FBA inbound until a hazmat review classifies it.
    static func isHazmat(_ listing: SandboxListing) -> Bool {
        guard case .array(let values)? = listing.attributes["supplier_declared_dg_hz_regulation"] else { return false }
        return values.contains { value in
            guard case .string(let regulation)? = value["value"] else { return false }
            return regulation != "not_applicable"
        }
    }

    /// Amazon's prep fee per unit where it still preps (not in the US since 2026-01-01).
    static let amazonPrepFeeMinor: Int64 = 55
    /// Placement service fee per unit for a plan sent to a single fulfillment center.
    static let minimalSplitFeePerUnitMinor: Int64 = 30
    /// Heaviest box Amazon accepts without a team-lift label (50 lb).
    static let maximumBoxPounds = 50.0
    /// Partnered small parcel: a fixed fee per box plus a rate per pound (minor units).
    static let parcelFeePerBoxMinor: Int64 = 350
    static let parcelFeePerPoundMinor: Int64 = 45
    /// Partnered LTL freight per pallet.
    static let freightFeePerPalletMinor: Int64 = 15_000

    /// Fulfillment centers of a marketplace's country, in the order a split uses them.
    static func warehouses(countryCode: String) -> [SandboxInboundWorkflow.Warehouse] {
        let us: [(String, String, String, String, String)] = [
            ("PHX7", "800 N 75th Ave", "Phoenix", "AZ", "85043"),
            ("ONT8", "24300 Nandina Ave", "Moreno Valley", "CA", "92551"),
            ("ABE8", "401 Independence Rd", "Florence", "NJ", "08518"),
        ]
        return us.enumerated().map { index, entry in
            let id = countryCode == "US" ? entry.0 : "\(countryCode)F\(index + 1)"
            return .init(id: id, address: ["name": "Amazon.com Services, Inc. \(id)", "addressLine1": entry.1, "city": entry.2,
                                           "stateOrProvinceCode": entry.3, "postalCode": entry.4, "countryCode": countryCode == "US" ? "US" : countryCode])
        }
    }
}
