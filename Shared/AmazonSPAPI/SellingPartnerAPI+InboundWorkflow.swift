import AsyncHTTPClient
import Foundation
import NIOHTTP1
import OpsideCore

// MARK: Fulfillment Inbound 2024-03-20: the workflow after createInboundPlan (model field names).

/// The model's `Currency`: `amount` is a JSON number, read as a `Decimal` from its text.
public struct InboundCurrency: Codable, Sendable, Equatable {
    public let amount: Decimal
    public let code: String

    /// As `Money`, rounded half-even to the currency's minor unit.
    /// - Throws: `MoneyError` for an unknown currency.
    public func money() throws(MoneyError) -> Money {
        try Money(parsing: "\(amount)", currencyCode: code, rounding: .halfEven)
    }
}

/// A fee or a discount of a packing, placement or delivery window option.
public struct InboundIncentive: Codable, Sendable {
    public let description: String
    /// `Placement Services`, `Fulfillment Fee Discount`…
    public let target: String
    /// `FEE` or `DISCOUNT`.
    public let type: String
    public let value: InboundCurrency
}

/// The answer of every asynchronous step: the operation to poll.
extension InboundIncentive {
    /// Fees less discounts in their currency; nil when there are neither.
    /// - Throws: `MoneyError` for an unknown or mixed currency.
    public static func net(fees: [InboundIncentive], discounts: [InboundIncentive]) throws -> Money? {
        guard let code = (fees + discounts).first?.value.code else { return nil }
        let currency = try Currency(code: code)
        let total = try Money.sum(fees.map { try $0.value.money() }, currency: currency)
        return try total - Money.sum(discounts.map { try $0.value.money() }, currency: currency)
    }
}

public struct InboundOperationReference: Codable, Sendable {
    public let operationId: String
}

public struct InboundDimensions: Codable, Sendable, Equatable {
    public var height: Double
    public var length: Double
    /// `IN` or `CM`.
    public var unitOfMeasurement: String
    public var width: Double

    public init(length: Double, width: Double, height: Double, unitOfMeasurement: String) {
        self.length = length
        self.width = width
        self.height = height
        self.unitOfMeasurement = unitOfMeasurement
    }
}

public struct InboundWeight: Codable, Sendable, Equatable {
    /// `LB` or `KG`.
    public var unit: String
    public var value: Double

    public init(value: Double, unit: String) {
        self.value = value
        self.unit = unit
    }
}

public struct InboundContactInformation: Codable, Sendable, Equatable {
    public var email: String?
    public var name: String
    public var phoneNumber: String

    public init(name: String, phoneNumber: String, email: String? = nil) {
        self.name = name
        self.phoneNumber = phoneNumber
        self.email = email
    }
}

// MARK: Packing

public struct InboundPackingOption: Codable, Sendable {
    public struct Configuration: Codable, Sendable {
        public struct BoxRequirements: Codable, Sendable {
            public struct WeightRange: Codable, Sendable {
                public let maximum: Double
                public let minimum: Double
                public let unit: String
            }
            public let weight: WeightRange
        }
        public struct ShippingRequirements: Codable, Sendable {
            public let modes: [String]
            public let solution: String
        }
        /// `BOX_CONTENT_PROVIDED`, `MANUAL_PROCESS`, `BARCODE_2D`.
        public let boxPackingMethods: [String]?
        public let boxRequirements: BoxRequirements?
        public let shippingRequirements: [ShippingRequirements]?
    }
    public struct ShippingConfiguration: Codable, Sendable {
        public let shippingMode: String?
        public let shippingSolution: String?
    }
    public let discounts: [InboundIncentive]
    public let expiration: String?
    public let fees: [InboundIncentive]
    public let packingGroups: [String]
    public let packingOptionId: String
    /// `OFFERED`, `ACCEPTED` or `EXPIRED`.
    public let status: String
    public let supportedConfigurations: [Configuration]
    public let supportedShippingConfigurations: [ShippingConfiguration]

    /// The packing fees less discounts, as `Money`.
    /// - Throws: `MoneyError` for an unknown or mixed currency.
    public func netFee() throws -> Money? {
        try InboundIncentive.net(fees: fees, discounts: discounts)
    }
}

public struct ListPackingOptionsResponse: Codable, Sendable {
    public let packingOptions: [InboundPackingOption]
    public let pagination: InboundPagination?
}

/// One kind of box: `quantity` identical boxes, each holding `items`.
public struct InboundBoxInput: Codable, Sendable {
    /// `BOX_CONTENT_PROVIDED` (items listed), `MANUAL_PROCESS` or `BARCODE_2D`.
    public var contentInformationSource: String
    public var dimensions: InboundDimensions
    public var items: [InboundPlanItemInput]?
    public var quantity: Int
    public var weight: InboundWeight

    public init(contentInformationSource: String = "BOX_CONTENT_PROVIDED", dimensions: InboundDimensions, weight: InboundWeight,
                items: [InboundPlanItemInput]?, quantity: Int = 1) {
        self.contentInformationSource = contentInformationSource
        self.dimensions = dimensions
        self.weight = weight
        self.items = items
        self.quantity = quantity
    }
}

public struct InboundPackageGrouping: Codable, Sendable {
    public var boxes: [InboundBoxInput]
    /// Before placement confirmation; one of `packingGroupId` and `shipmentId`.
    public var packingGroupId: String?
    /// After placement confirmation.
    public var shipmentId: String?

    public init(packingGroupId: String? = nil, shipmentId: String? = nil, boxes: [InboundBoxInput]) {
        self.packingGroupId = packingGroupId
        self.shipmentId = shipmentId
        self.boxes = boxes
    }
}

public struct SetPackingInformationRequest: Codable, Sendable {
    public var packageGroupings: [InboundPackageGrouping]

    public init(packageGroupings: [InboundPackageGrouping]) {
        self.packageGroupings = packageGroupings
    }
}

/// A box of a plan or shipment (the model's `Box`).
public struct InboundBox: Codable, Sendable {
    public struct Region: Codable, Sendable {
        public let countryCode: String?
        public let state: String?
        public let warehouseId: String?
    }
    /// The label id (`FBA…U000001`), once the shipment is confirmed.
    public let boxId: String?
    public let contentInformationSource: String?
    public let destinationRegion: Region?
    public let dimensions: InboundDimensions?
    public let items: [InboundPlanItem]?
    public let packageId: String
    public let quantity: Int?
    public let weight: InboundWeight?
}

/// `listInboundPlanBoxes` and `listShipmentBoxes`.
public struct ListInboundBoxesResponse: Codable, Sendable {
    public let boxes: [InboundBox]
    public let pagination: InboundPagination?
}

// MARK: Placement and shipments

public struct InboundPlacementOption: Codable, Sendable {
    public let discounts: [InboundIncentive]
    public let expiration: String?
    public let fees: [InboundIncentive]
    public let placementOptionId: String
    public let shipmentIds: [String]
    /// `OFFERED`, `ACCEPTED` or `EXPIRED`.
    public let status: String

    /// The placement fees less discounts, as `Money`.
    /// - Throws: `MoneyError` for an unknown or mixed currency.
    public func netFee() throws -> Money? {
        try InboundIncentive.net(fees: fees, discounts: discounts)
    }
}

public struct ListPlacementOptionsResponse: Codable, Sendable {
    public let pagination: InboundPagination?
    public let placementOptions: [InboundPlacementOption]
}

public struct InboundWindow: Codable, Sendable {
    public let editableUntil: String?
    public let end: String
    public let start: String
}

/// The model's `Shipment`.
public struct InboundShipment: Codable, Sendable {
    public struct Destination: Codable, Sendable {
        public let address: InboundAddress?
        public let destinationType: String
        public let warehouseId: String?
    }
    public struct Source: Codable, Sendable {
        public let address: InboundAddress?
        public let sourceType: String
    }
    public struct Dates: Codable, Sendable {
        public let readyToShipWindow: InboundWindow?
    }
    public struct SelectedDeliveryWindow: Codable, Sendable {
        public let availabilityType: String
        public let deliveryWindowOptionId: String
        public let editableUntil: String?
        public let endDate: String
        public let startDate: String
    }
    public struct TrackingDetails: Codable, Sendable {
        public struct Freight: Codable, Sendable {
            public let billOfLadingNumber: String?
            public let freightBillNumber: [String]?
        }
        public struct Parcels: Codable, Sendable {
            public struct Item: Codable, Sendable {
                public let boxId: String?
                public let trackingId: String?
                public let trackingNumberValidationStatus: String?
            }
            public let spdTrackingItems: [Item]?
        }
        public let ltlTrackingDetail: Freight?
        public let spdTrackingDetail: Parcels?
    }
    public let amazonReferenceId: String?
    public let contactInformation: InboundContactInformation?
    public let dates: Dates?
    public let destination: Destination
    public let name: String?
    public let placementOptionId: String
    public let selectedDeliveryWindow: SelectedDeliveryWindow?
    public let selectedTransportationOptionId: String?
    /// The `FBA…` id labels and v0 operations use.
    public let shipmentConfirmationId: String?
    public let shipmentId: String
    public let source: Source
    public let status: String?
    public let trackingDetails: TrackingDetails?
}

// MARK: Transportation and delivery windows

public struct InboundShipmentTransportationConfiguration: Codable, Sendable {
    public struct WindowInput: Codable, Sendable {
        public var start: String
    }
    public struct PalletInput: Codable, Sendable {
        public var dimensions: InboundDimensions?
        public var quantity: Int
        /// `STACKABLE` or `NON_STACKABLE`.
        public var stackability: String?
        public var weight: InboundWeight?

        public init(quantity: Int, dimensions: InboundDimensions? = nil, weight: InboundWeight? = nil, stackability: String? = nil) {
            self.quantity = quantity
            self.dimensions = dimensions
            self.weight = weight
            self.stackability = stackability
        }
    }
    public var contactInformation: InboundContactInformation?
    public var pallets: [PalletInput]?
    public var readyToShipWindow: WindowInput
    public var shipmentId: String

    /// - Parameter readyToShip: ISO 8601 date-time the shipment can leave from.
    public init(shipmentId: String, readyToShip: String, contactInformation: InboundContactInformation? = nil, pallets: [PalletInput]? = nil) {
        self.shipmentId = shipmentId
        self.readyToShipWindow = WindowInput(start: readyToShip)
        self.contactInformation = contactInformation
        self.pallets = pallets
    }
}

public struct GenerateTransportationOptionsRequest: Codable, Sendable {
    public var placementOptionId: String
    public var shipmentTransportationConfigurations: [InboundShipmentTransportationConfiguration]

    public init(placementOptionId: String, shipmentTransportationConfigurations: [InboundShipmentTransportationConfiguration]) {
        self.placementOptionId = placementOptionId
        self.shipmentTransportationConfigurations = shipmentTransportationConfigurations
    }
}

public struct InboundTransportationOption: Codable, Sendable {
    public struct Carrier: Codable, Sendable {
        public let alphaCode: String?
        public let name: String?
    }
    public struct Appointment: Codable, Sendable {
        public let endTime: String
        public let startTime: String
    }
    public struct Quote: Codable, Sendable {
        public let cost: InboundCurrency
        public let expiration: String?
        public let voidableUntil: String?
    }
    public let carrier: Carrier
    public let carrierAppointment: Appointment?
    /// e.g. `CONFIRMED_DELIVERY_WINDOW`: confirm a delivery window before this option.
    public let preconditions: [String]
    public let quote: Quote?
    public let shipmentId: String
    public let shippingMode: String
    /// `AMAZON_PARTNERED_CARRIER` or `USE_YOUR_OWN_CARRIER`.
    public let shippingSolution: String
    public let transportationOptionId: String

    public var needsDeliveryWindow: Bool { preconditions.contains("CONFIRMED_DELIVERY_WINDOW") }
}

public struct ListTransportationOptionsResponse: Codable, Sendable {
    public let pagination: InboundPagination?
    public let transportationOptions: [InboundTransportationOption]
}

public struct InboundTransportationSelection: Codable, Sendable {
    public var contactInformation: InboundContactInformation?
    public var shipmentId: String
    public var transportationOptionId: String

    public init(shipmentId: String, transportationOptionId: String, contactInformation: InboundContactInformation? = nil) {
        self.shipmentId = shipmentId
        self.transportationOptionId = transportationOptionId
        self.contactInformation = contactInformation
    }
}

public struct ConfirmTransportationOptionsRequest: Codable, Sendable {
    public var transportationSelections: [InboundTransportationSelection]

    public init(transportationSelections: [InboundTransportationSelection]) {
        self.transportationSelections = transportationSelections
    }
}

public struct InboundDeliveryWindowOption: Codable, Sendable {
    /// `AVAILABLE`, `BLOCKED`, `CONGESTED`, `DISCOUNTED`.
    public let availabilityType: String
    public let deliveryWindowOptionId: String
    public let discounts: [InboundIncentive]?
    public let endDate: String
    public let startDate: String
    public let validUntil: String
}

public struct ListDeliveryWindowOptionsResponse: Codable, Sendable {
    public let deliveryWindowOptions: [InboundDeliveryWindowOption]
    public let pagination: InboundPagination?
}

// MARK: Tracking and labels

public struct UpdateShipmentTrackingDetailsRequest: Codable, Sendable {
    public struct TrackingDetails: Codable, Sendable {
        public struct Freight: Codable, Sendable {
            public var billOfLadingNumber: String?
            public var freightBillNumber: [String]
        }
        public struct Parcels: Codable, Sendable {
            public struct Item: Codable, Sendable {
                public var boxId: String
                public var trackingId: String
            }
            public var spdTrackingItems: [Item]
        }
        public var ltlTrackingDetail: Freight?
        public var spdTrackingDetail: Parcels?
    }
    public var trackingDetails: TrackingDetails

    /// Small parcel: a tracking id per box id.
    public static func parcels(_ items: [(boxId: String, trackingId: String)]) -> Self {
        Self(trackingDetails: .init(ltlTrackingDetail: nil, spdTrackingDetail: .init(spdTrackingItems: items.map { .init(boxId: $0.boxId, trackingId: $0.trackingId) })))
    }

    /// LTL freight: the freight bill (PRO) number and the bill of lading.
    public static func freight(freightBillNumber: String, billOfLadingNumber: String?) -> Self {
        Self(trackingDetails: .init(ltlTrackingDetail: .init(billOfLadingNumber: billOfLadingNumber, freightBillNumber: [freightBillNumber]),
                                    spdTrackingDetail: nil))
    }
}

/// v0 `getLabels`' payload: a URL the PDF can be fetched from for 15 seconds.
public struct InboundLabelDownload: Codable, Sendable {
    public let DownloadURL: String?
}

/// An inbound operation that finished FAILED, with Amazon's problems.
public struct InboundOperationFailed: Error, Sendable, CustomStringConvertible {
    public let status: InboundOperationStatus

    public var description: String {
        "\(status.operation) \(status.operationId) failed: "
            + status.operationProblems.map { "\($0.code) \($0.message)" }.joined(separator: "; ")
    }
}

/// An inbound operation still IN_PROGRESS when the wait ran out.
public struct InboundOperationTimedOut: Error, Sendable {
    public let operationID: String
}

extension SellingPartnerAPI {
    static func inboundPlanPath(_ planID: String, _ rest: String = "") -> String {
        "/inbound/fba/2024-03-20/inboundPlans/\(SPAPIPath.encode(planID))\(rest)"
    }

    static func pageQuery(pageSize: Int?, paginationToken: String?) -> [(String, String)] {
        var query: [(String, String)] = []
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        if let paginationToken { query.append(("paginationToken", paginationToken)) }
        return query
    }

    /// Starts one asynchronous step and returns its operation id.
    func startInboundStep(_ name: String, method: HTTPMethod, path: String, body: (any Encodable & Sendable)? = nil) async throws -> String {
        try await call(InboundOperationReference.self, method: method, path: path, body: body,
                       operation: SPAPIOperations.inbound2024(name)).operationId
    }

    /// Waits for an operation and returns its status if it succeeded.
    /// - Throws: `InboundOperationFailed` with Amazon's problems, `InboundOperationTimedOut`.
    public func requireInboundOperation(operationID: String, interval: Duration = .seconds(1),
                                        timeout: Duration = .seconds(300)) async throws -> InboundOperationStatus {
        let status = try await waitForInboundOperation(operationID: operationID, interval: interval, timeout: timeout)
        switch status.operationStatus {
        case "SUCCESS": return status
        case "IN_PROGRESS": throw InboundOperationTimedOut(operationID: operationID)
        default: throw InboundOperationFailed(status: status)
        }
    }

    // MARK: Packing

    public func generatePackingOptions(inboundPlanID: String) async throws -> String {
        try await startInboundStep("generatePackingOptions", method: .POST, path: Self.inboundPlanPath(inboundPlanID, "/packingOptions"))
    }

    public func listPackingOptions(inboundPlanID: String, pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListPackingOptionsResponse {
        try await call(ListPackingOptionsResponse.self, method: .GET, path: Self.inboundPlanPath(inboundPlanID, "/packingOptions"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listPackingOptions"))
    }

    public func confirmPackingOption(inboundPlanID: String, packingOptionID: String) async throws -> String {
        try await startInboundStep("confirmPackingOption", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/packingOptions/\(SPAPIPath.encode(packingOptionID))/confirmation"))
    }

    public func listPackingGroupItems(inboundPlanID: String, packingGroupID: String, pageSize: Int? = nil,
                                      paginationToken: String? = nil) async throws -> ListInboundPlanItemsResponse {
        try await call(ListInboundPlanItemsResponse.self, method: .GET,
                       path: Self.inboundPlanPath(inboundPlanID, "/packingGroups/\(SPAPIPath.encode(packingGroupID))/items"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listPackingGroupItems"))
    }

    /// Every item of a packing group, over all pages.
    public func allPackingGroupItems(inboundPlanID: String, packingGroupID: String) -> SPAPIPages<ListInboundPlanItemsResponse> {
        pages(fetch: { try await listPackingGroupItems(inboundPlanID: inboundPlanID, packingGroupID: packingGroupID, paginationToken: $0) },
              nextToken: { $0.pagination?.nextToken })
    }

    public func setPackingInformation(inboundPlanID: String, _ request: SetPackingInformationRequest) async throws -> String {
        try await startInboundStep("setPackingInformation", method: .POST, path: Self.inboundPlanPath(inboundPlanID, "/packingInformation"), body: request)
    }

    public func listInboundPlanBoxes(inboundPlanID: String, pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListInboundBoxesResponse {
        try await call(ListInboundBoxesResponse.self, method: .GET, path: Self.inboundPlanPath(inboundPlanID, "/boxes"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listInboundPlanBoxes"))
    }

    // MARK: Placement and shipments

    public func generatePlacementOptions(inboundPlanID: String) async throws -> String {
        struct Body: Encodable, Sendable {}
        return try await startInboundStep("generatePlacementOptions", method: .POST, path: Self.inboundPlanPath(inboundPlanID, "/placementOptions"),
                                          body: Body())
    }

    public func listPlacementOptions(inboundPlanID: String, pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListPlacementOptionsResponse {
        try await call(ListPlacementOptionsResponse.self, method: .GET, path: Self.inboundPlanPath(inboundPlanID, "/placementOptions"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listPlacementOptions"))
    }

    /// Irreversible: the plan's shipments are the option's from now on.
    public func confirmPlacementOption(inboundPlanID: String, placementOptionID: String) async throws -> String {
        try await startInboundStep("confirmPlacementOption", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/placementOptions/\(SPAPIPath.encode(placementOptionID))/confirmation"))
    }

    public func getShipment(inboundPlanID: String, shipmentID: String) async throws -> InboundShipment {
        try await call(InboundShipment.self, method: .GET, path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))"),
                       operation: SPAPIOperations.inbound2024("getShipment"))
    }

    public func listShipmentItems(inboundPlanID: String, shipmentID: String, pageSize: Int? = nil,
                                  paginationToken: String? = nil) async throws -> ListInboundPlanItemsResponse {
        try await call(ListInboundPlanItemsResponse.self, method: .GET,
                       path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/items"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listShipmentItems"))
    }

    public func listShipmentBoxes(inboundPlanID: String, shipmentID: String, pageSize: Int? = nil,
                                  paginationToken: String? = nil) async throws -> ListInboundBoxesResponse {
        try await call(ListInboundBoxesResponse.self, method: .GET,
                       path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/boxes"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listShipmentBoxes"))
    }

    // MARK: Transportation and delivery windows

    public func generateTransportationOptions(inboundPlanID: String, _ request: GenerateTransportationOptionsRequest) async throws -> String {
        try await startInboundStep("generateTransportationOptions", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/transportationOptions"), body: request)
    }

    /// Options of a placement option's shipments, or of one shipment (give exactly one of the two).
    public func listTransportationOptions(inboundPlanID: String, placementOptionID: String? = nil, shipmentID: String? = nil,
                                          pageSize: Int? = nil, paginationToken: String? = nil) async throws -> ListTransportationOptionsResponse {
        var query = Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken)
        if let placementOptionID { query.append(("placementOptionId", placementOptionID)) }
        if let shipmentID { query.append(("shipmentId", shipmentID)) }
        return try await call(ListTransportationOptionsResponse.self, method: .GET, path: Self.inboundPlanPath(inboundPlanID, "/transportationOptions"),
                              query: query, operation: SPAPIOperations.inbound2024("listTransportationOptions"))
    }

    /// Every transportation option of a placement option or shipment, over all pages.
    public func allTransportationOptions(inboundPlanID: String, placementOptionID: String? = nil,
                                         shipmentID: String? = nil) -> SPAPIPages<ListTransportationOptionsResponse> {
        pages(fetch: { token in
            // A page token carries the query it continues.
            try await listTransportationOptions(inboundPlanID: inboundPlanID, placementOptionID: token == nil ? placementOptionID : nil,
                                                shipmentID: token == nil ? shipmentID : nil, paginationToken: token)
        }, nextToken: { $0.pagination?.nextToken })
    }

    /// One option per shipment of the plan, all at once.
    public func confirmTransportationOptions(inboundPlanID: String, _ request: ConfirmTransportationOptionsRequest) async throws -> String {
        try await startInboundStep("confirmTransportationOptions", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/transportationOptions/confirmation"), body: request)
    }

    public func generateDeliveryWindowOptions(inboundPlanID: String, shipmentID: String) async throws -> String {
        try await startInboundStep("generateDeliveryWindowOptions", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/deliveryWindowOptions"))
    }

    public func listDeliveryWindowOptions(inboundPlanID: String, shipmentID: String, pageSize: Int? = nil,
                                          paginationToken: String? = nil) async throws -> ListDeliveryWindowOptionsResponse {
        try await call(ListDeliveryWindowOptionsResponse.self, method: .GET,
                       path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/deliveryWindowOptions"),
                       query: Self.pageQuery(pageSize: pageSize, paginationToken: paginationToken),
                       operation: SPAPIOperations.inbound2024("listDeliveryWindowOptions"))
    }

    public func confirmDeliveryWindowOptions(inboundPlanID: String, shipmentID: String, deliveryWindowOptionID: String) async throws -> String {
        try await startInboundStep("confirmDeliveryWindowOptions", method: .POST,
                                   path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/deliveryWindowOptions/"
                                                              + "\(SPAPIPath.encode(deliveryWindowOptionID))/confirmation"))
    }

    // MARK: Tracking, cancellation, labels

    public func updateShipmentTrackingDetails(inboundPlanID: String, shipmentID: String,
                                              _ request: UpdateShipmentTrackingDetailsRequest) async throws -> String {
        try await startInboundStep("updateShipmentTrackingDetails", method: .PUT,
                                   path: Self.inboundPlanPath(inboundPlanID, "/shipments/\(SPAPIPath.encode(shipmentID))/trackingDetails"), body: request)
    }

    /// Free only inside the void window; Amazon answers 400 outside it.
    public func cancelInboundPlan(inboundPlanID: String) async throws -> String {
        try await startInboundStep("cancelInboundPlan", method: .PUT, path: Self.inboundPlanPath(inboundPlanID, "/cancellation"))
    }

    /// v0 `getLabels` for a shipment's `FBA…` id (`shipmentConfirmationId`).
    /// - Parameters:
    ///   - pageType: e.g. `PackageLabel_Letter_6`, `PackageLabel_Thermal`.
    ///   - labelType: `BARCODE_2D`, `UNIQUE` or `PALLET`.
    ///   - packageLabelsToPrint: box ids; empty for every box.
    /// - Returns: a URL the PDF can be downloaded from, valid for 15 seconds.
    public func getLabels(shipmentConfirmationID: String, pageType: String, labelType: String, packageLabelsToPrint: [String] = [],
                          numberOfPackages: Int? = nil, numberOfPallets: Int? = nil) async throws -> InboundLabelDownload {
        var query = [("PageType", pageType), ("LabelType", labelType)]
        if !packageLabelsToPrint.isEmpty { query.append(("PackageLabelsToPrint", packageLabelsToPrint.joined(separator: ","))) }
        if let numberOfPackages { query.append(("NumberOfPackages", String(numberOfPackages))) }
        if let numberOfPallets { query.append(("NumberOfPallets", String(numberOfPallets))) }
        return try await call(SPAPIPayloadResponse<InboundLabelDownload>.self, method: .GET,
                              path: "/fba/inbound/v0/shipments/\(SPAPIPath.encode(shipmentConfirmationID))/labels",
                              query: query, operation: SPAPIOperations.inboundV0("getLabels")).payload
    }

    /// Fetches labels and downloads the PDF at once (its URL lives 15 seconds).
    /// - Returns: the PDF's bytes, at most 50 MB.
    public func downloadLabels(shipmentConfirmationID: String, pageType: String, labelType: String,
                               packageLabelsToPrint: [String] = [], numberOfPallets: Int? = nil) async throws -> [UInt8] {
        let operation = SPAPIOperations.inboundV0("getLabels")
        let download = try await getLabels(shipmentConfirmationID: shipmentConfirmationID, pageType: pageType, labelType: labelType,
                                           packageLabelsToPrint: packageLabelsToPrint, numberOfPallets: numberOfPallets)
        guard let url = download.DownloadURL else {
            throw SPAPIError.decoding(operation: operation, reason: "getLabels answered without a DownloadURL", bodyExcerpt: "", requestID: nil)
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: client.settings.userAgent)
        let response = try await client.httpClient.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 50 << 20)
        guard response.status.code == 200 else {
            throw SPAPIError.api(operation: operation, status: Int(response.status.code), errors: [], requestID: nil)
        }
        return Array(body.readableBytesView)
    }
}
