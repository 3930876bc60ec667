import Foundation
import Hummingbird
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTransport

/// Where a seller's FBA inbound workflow stands. The seller acts at the `yourTurn` steps; Amazon
/// works between them (the workflow's `working` flag), and `failed` and `cancelled` end it.
public enum InboundStep: String, Codable, Sendable, CaseIterable {
    /// Amazon is creating the plan and then its packing options.
    case creatingPlan = "creating_plan"
    case choosePacking = "choose_packing"
    case boxContents = "box_contents"
    case choosePlacement = "choose_placement"
    /// The day the boxes are ready and who the carrier calls: Amazon quotes carriers from them.
    case shippingDetails = "shipping_details"
    case chooseTransportation = "choose_transportation"
    /// Confirmed: labels to print, tracking to give.
    case ready
    case cancelled
    /// Amazon refused to create the plan (an item not eligible, prep details missing).
    case failed

    /// The step's title on the seller's page.
    public var title: String {
        switch self {
        case .creatingPlan: "Creating the plan"
        case .choosePacking: "Choose how to pack"
        case .boxContents: "Describe the boxes"
        case .choosePlacement: "Choose where Amazon places the units"
        case .shippingDetails: "Ready date and contact"
        case .chooseTransportation: "Choose carriers"
        case .ready: "Print labels and ship"
        case .cancelled: "Cancelled"
        case .failed: "Amazon refused the plan"
        }
    }

    public var isFinal: Bool { self == .cancelled || self == .failed }
}

/// One Amazon call of a seller's action. Each starts an asynchronous operation that the
/// workflow's job polls; the calls of one action run in order.
enum InboundCall: Codable, Sendable, Equatable {
    case createPlan
    case generatePacking
    case confirmPacking(packingOptionId: String)
    case setPacking(boxesJSON: String)
    case generatePlacement
    case confirmPlacement(placementOptionId: String)
    case generateTransportation(requestJSON: String)
    case generateDeliveryWindows(shipmentId: String)
    /// Lists the shipment's delivery windows and confirms the earliest.
    case confirmEarliestDeliveryWindow(shipmentId: String)
    case confirmTransportation(requestJSON: String)
    case updateTracking(shipmentId: String, requestJSON: String)
    case cancel

    /// What the event log says when the call's operation ends well.
    var doneMessage: String {
        switch self {
        case .createPlan: "Amazon created the plan"
        case .generatePacking: "Amazon offered packing options"
        case .confirmPacking: "Packing option confirmed"
        case .setPacking: "Box contents accepted"
        case .generatePlacement: "Amazon offered placement options"
        case .confirmPlacement: "Placement confirmed: the shipments exist"
        case .generateTransportation: "Amazon quoted carriers"
        case .generateDeliveryWindows(let shipment): "Delivery windows offered for \(shipment)"
        case .confirmEarliestDeliveryWindow(let shipment): "Earliest delivery window confirmed for \(shipment)"
        case .confirmTransportation: "Carriers confirmed: labels are ready"
        case .updateTracking(let shipment, _): "Amazon recorded the tracking of \(shipment)"
        case .cancel: "Plan cancelled"
        }
    }
}

/// What a seller sends to start a workflow: Amazon's own item and address shapes.
public struct NewInboundWorkflow: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public let msku: String
        public let quantity: Int
        /// `SELLER` (the default), `AMAZON` or `NONE`.
        public let labelOwner: String?
        public let prepOwner: String?
        public let expiration: String?
    }
    public let requestKey: String?
    /// Who asked: set by main-api's gateway from the session.
    public let userId: UUID?
    public let name: String
    public let sourceAddress: InboundAddress
    public let items: [Item]
}

/// A seller's inbound workflow with what they choose from at its step.
public struct InboundWorkflowView: Codable, Sendable, ResponseEncodable {
    public struct Item: Codable, Sendable, Equatable {
        public let msku: String
        public let quantity: Int
        public let labelOwner: String
        public let prepOwner: String
        public let expiration: String?
    }
    public struct Problem: Codable, Sendable, Equatable {
        /// Amazon's code (`FBA_INB_0182`), or Amazon's HTTP error code for a refused request.
        public let code: String
        /// Amazon's own words, naming the MSKU or box.
        public let message: String
        /// What it means and what to do, in our words.
        public let whatToDo: String
    }
    public struct Event: Codable, Sendable {
        public let at: Date
        public let step: String
        public let message: String
    }
    public let workflowId: UUID
    public let connectionId: UUID
    public let name: String
    public let marketplaceId: String
    public let inboundPlanId: String?
    public let step: InboundStep
    public let stepTitle: String
    /// Amazon is working on the seller's last action: nothing to do but wait.
    public let working: Bool
    /// Where the workflow goes when Amazon's work ends well.
    public let nextStep: InboundStep?
    public let sourceAddress: InboundAddress
    public let items: [Item]
    /// Why the last action did not go through; empty when it did.
    public let problems: [Problem]
    /// Until when cancelling is free (24 hours from placement), when placement is confirmed.
    public let voidableUntil: Date?
    public let canCancel: Bool
    public let amazon: InboundAmazonState
    public let createdAt: Date
    public let updatedAt: Date
    /// The last events, newest first (only on a single workflow's answer).
    public let events: [Event]?
}

/// What Amazon offered and what was chosen, kept from Amazon's last answers.
public struct InboundAmazonState: Codable, Sendable {
    public struct GroupItem: Codable, Sendable, Equatable {
        public let msku: String
        public let fnsku: String
        public let quantity: Int
        public let labelOwner: String
        public let prepType: String?
        public let prepOwner: String?
    }
    public struct PackingGroup: Codable, Sendable {
        public let packingGroupId: String
        public let items: [GroupItem]
    }
    public struct PackingOption: Codable, Sendable {
        public let packingOptionId: String
        public let groups: [PackingGroup]
        public let fee: Money?
        public let boxPackingMethods: [String]
        public let shippingModes: [String]
        public let expiration: String?
    }
    public struct PlacementOption: Codable, Sendable {
        public let placementOptionId: String
        public let shipmentIds: [String]
        /// Fees less discounts; zero for Amazon's optimized split.
        public let fee: Money?
        public let expiration: String?
    }
    public struct Shipment: Codable, Sendable {
        public struct Item: Codable, Sendable {
            public let msku: String
            public let quantity: Int
        }
        public let shipmentId: String
        /// Amazon's `FBA…` id, printed on the labels; set once placement is confirmed.
        public let confirmationId: String?
        public let status: String?
        public let warehouseId: String?
        public let destination: String?
        public let selectedTransportationOptionId: String?
        public let deliveryWindow: String?
        public let boxIds: [String]
        public let items: [Item]
        public let trackingIds: [String]
    }
    public struct TransportationOption: Codable, Sendable {
        public let transportationOptionId: String
        public let shipmentId: String
        public let carrier: String?
        public let shippingMode: String
        public let shippingSolution: String
        public let cost: Money?
        /// The seller's own carrier: a delivery window is confirmed first (Opside takes the earliest).
        public let needsDeliveryWindow: Bool
        public let voidableUntil: String?
    }
    public var planStatus: String?
    public var packingOptions: [PackingOption] = []
    public var chosenPackingOptionId: String?
    public var placementOptions: [PlacementOption] = []
    public var chosenPlacementOptionId: String?
    public var shipments: [Shipment] = []
    public var transportationOptions: [TransportationOption] = []

    public init() {}

    /// A workflow Amazon has offered nothing yet is `{}`: every list may be absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        planStatus = try container.decodeIfPresent(String.self, forKey: .planStatus)
        packingOptions = try container.decodeIfPresent([PackingOption].self, forKey: .packingOptions) ?? []
        chosenPackingOptionId = try container.decodeIfPresent(String.self, forKey: .chosenPackingOptionId)
        placementOptions = try container.decodeIfPresent([PlacementOption].self, forKey: .placementOptions) ?? []
        chosenPlacementOptionId = try container.decodeIfPresent(String.self, forKey: .chosenPlacementOptionId)
        shipments = try container.decodeIfPresent([Shipment].self, forKey: .shipments) ?? []
        transportationOptions = try container.decodeIfPresent([TransportationOption].self, forKey: .transportationOptions) ?? []
    }

    enum CodingKeys: String, CodingKey {
        case planStatus, packingOptions, chosenPackingOptionId, placementOptions, chosenPlacementOptionId, shipments, transportationOptions
    }

    public var chosenPackingOption: PackingOption? { packingOptions.first { $0.packingOptionId == chosenPackingOptionId } }
}

/// Seller actions' bodies.
public struct InboundPackingChoice: Codable, Sendable {
    public let packingOptionId: String
}

public struct InboundBoxes: Codable, Sendable {
    /// Amazon's shape: per packing group, its boxes (dimensions, weight, items, how many alike).
    public let packageGroupings: [InboundPackageGrouping]
}

public struct InboundPlacementChoice: Codable, Sendable {
    public let placementOptionId: String
}

public struct InboundShippingDetails: Codable, Sendable {
    /// The day the boxes can be picked up (`YYYY-MM-DD`, the source's day) or an ISO 8601 instant.
    public let readyToShip: String
    public let contact: InboundContactInformation
    /// For freight: the pallets of each shipment (the same for all); none for small parcels.
    public let pallets: [InboundShipmentTransportationConfiguration.PalletInput]?
}

public struct InboundCarrierChoice: Codable, Sendable {
    public struct Selection: Codable, Sendable {
        public let shipmentId: String
        public let transportationOptionId: String
    }
    public let selections: [Selection]
}

public struct InboundTracking: Codable, Sendable {
    public struct Parcel: Codable, Sendable {
        public let boxId: String
        public let trackingId: String
    }
    public struct Freight: Codable, Sendable {
        public let freightBillNumber: String
        public let billOfLadingNumber: String?
    }
    public let shipmentId: String
    public let parcels: [Parcel]?
    public let freight: Freight?
}

/// What can go wrong with a seller's inbound request, as the seller sees it.
public enum InboundWorkflowError: Error, Sendable {
    case invalidInput(String)
    case notFound
    /// The action belongs to another step than the workflow's.
    case wrongStep(current: InboundStep, expected: [InboundStep])
    /// Amazon is still working on the last action.
    case stillWorking(InboundStep)
    case requestKeyReused(String)
    /// The shipment has no labels yet (placement or carriers not confirmed).
    case noLabelsYet(String)

    public var apiError: APIError {
        switch self {
        case .invalidInput(let message):
            APIError.validation(message)
        case .notFound:
            APIError.noSuch("inbound workflow")
        case .wrongStep(let current, let expected):
            APIError.conflict("the workflow is at \"\(current.title)\"; this belongs to \(expected.map { "\"\($0.title)\"" }.joined(separator: " or "))")
        case .stillWorking(let step):
            APIError.conflict("Amazon is still working on \"\(step.title)\"; wait until it is done")
        case .requestKeyReused(let key):
            APIError.conflict("requestKey \(key) was used for another inbound workflow; use a new key for a new plan")
        case .noLabelsYet(let shipment):
            APIError.conflict("shipment \(shipment) has no labels until its carrier is confirmed")
        }
    }
}

/// Amazon's inbound problem codes in words: what the seller does about each.
enum InboundProblemWords {
    static let byCode: [String: String] = [
        "FBA_INB_0182": "This product cannot be sent to Amazon's warehouses (it is declared dangerous goods or restricted). Remove it from the plan.",
        "FBA_INB_0051": "This product needs preparation (bubble wrap, a bag…): say who preps it (prepOwner SELLER) and create the plan again.",
        "FBA_INB_0052": "Amazon no longer preps units in this marketplace: prep them yourself (prepOwner SELLER).",
        "FBA_INB_0340": "A box holds a product that is not in this packing group: put each product in its group's boxes.",
        "FBA_INB_0343": "A box is over Amazon's weight limit: split it into lighter boxes.",
        "FBA_INB_0344": "The boxes do not hold exactly the plan's units: count each product's units across the boxes again.",
        "FBA_INB_0370": "This carrier needs a delivery window first; Opside confirms the earliest one when you choose it.",
        "FBA_INB_0377": "Amazon's partnered carrier tracks this shipment itself: no tracking to give.",
        "BadRequest": "Amazon refused the request. If it is a cancellation, the plan's void window has closed.",
    ]

    static func problem(code: String, message: String) -> InboundWorkflowView.Problem {
        InboundWorkflowView.Problem(code: code, message: message,
                                    whatToDo: byCode[code] ?? "Amazon refused this step. Correct what its message names and try again.")
    }
}
