@testable import AmazonSandbox
import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// The whole FBA inbound workflow (Fulfillment Inbound 2024-03-20 and v0 labels) through our
/// client against the sandbox, and the failures a real plan meets. The sandbox clock stands still:
/// every operation is seen IN_PROGRESS, then finishes because the test moves the clock, never
/// because time passed.
@Suite("Fulfillment Inbound workflow")
struct InboundWorkflowTests {
    static let us = SandboxOperationsTests.us
    static let operationSeconds = 30.0
    static let settings = SandboxSettings(port: 0, timeScale: 50, reportProcessingSeconds: 0.6, inboundOperationSeconds: operationSeconds)
    static let box = InboundDimensions(length: 18, width: 14, height: 12, unitOfMeasurement: "IN")

    /// One seller, a client for it, and the clock frozen.
    struct Session {
        let harness: SandboxHarness
        let api: SellingPartnerAPI
        let seller: SandboxHarness.Seller
        let products: [InventorySummary]

        static func start(_ harness: SandboxHarness, seed: UInt64) async throws -> Session {
            let seller = try await harness.createSeller(seed: seed, skus: 30)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let products = try await SandboxOperationsTests.products(api)
            _ = try await harness.admin("POST", "/_sandbox/clock", ["freeze": true], expect: 200)
            return Session(harness: harness, api: api, seller: seller, products: products)
        }

        func advance(seconds: Double) async throws {
            _ = try await harness.admin("POST", "/_sandbox/clock", ["advanceSeconds": seconds], expect: 200)
        }

        /// Checks the operation is still running, moves the clock past it, and returns how it ended.
        func finish(_ operationID: String) async throws -> InboundOperationStatus {
            let running = try await api.getInboundOperationStatus(operationID: operationID)
            #expect(running.operationStatus == "IN_PROGRESS")
            #expect(running.operationProblems.isEmpty)
            try await advance(seconds: InboundWorkflowTests.operationSeconds)
            return try await api.waitForInboundOperation(operationID: operationID, interval: .milliseconds(10), timeout: .seconds(10))
        }

        /// As `finish`, requiring SUCCESS.
        @discardableResult
        func succeed(_ operationID: String) async throws -> InboundOperationStatus {
            let status = try await finish(operationID)
            #expect(status.operationStatus == "SUCCESS", "\(status.operation): \(status.operationProblems.map(\.message))")
            return status
        }

        /// As `finish`, requiring FAILED with a problem of `code`.
        @discardableResult
        func fail(_ operationID: String, code: String) async throws -> InboundOperationStatus {
            let status = try await finish(operationID)
            #expect(status.operationStatus == "FAILED")
            #expect(status.operationProblems.contains { $0.code == code && $0.severity == "ERROR" },
                    "expected \(code), got \(status.operationProblems.map { "\($0.code) \($0.message)" })")
            return status
        }

        /// Two ordinary products and one that needs prep (the sandbox's planted rule).
        func chosenProducts() throws -> (plain: [String], fragile: String) {
            let skus = products.compactMap(\.sellerSku)
            let fragile = try #require(skus.first { SandboxInboundRules.prep(forSKU: $0) != nil }, "no fragile SKU among \(skus.count)")
            let plain = skus.filter { SandboxInboundRules.prep(forSKU: $0) == nil }
            try #require(plain.count >= 2)
            return (Array(plain.prefix(2)), fragile)
        }

        func createPlan(_ items: [InboundPlanItemInput], name: String? = nil) async throws -> String {
            let created = try await api.createInboundPlan(CreateInboundPlanRequest(destinationMarketplaces: [InboundWorkflowTests.us], items: items,
                                                                                   name: name, sourceAddress: SandboxOperationsTests.address))
            try await succeed(created.operationId)
            return created.inboundPlanId
        }

        /// Packing generated and confirmed: the option and its groups' items by MSKU.
        func confirmPacking(_ planID: String) async throws -> (option: InboundPackingOption, groups: [String: [InboundPlanItem]]) {
            try await succeed(try await api.generatePackingOptions(inboundPlanID: planID))
            let option = try #require(try await api.listPackingOptions(inboundPlanID: planID).packingOptions.first)
            var groups: [String: [InboundPlanItem]] = [:]
            for group in option.packingGroups {
                for try await page in api.allPackingGroupItems(inboundPlanID: planID, packingGroupID: group) { groups[group, default: []] += page.items }
            }
            try await succeed(try await api.confirmPackingOption(inboundPlanID: planID, packingOptionID: option.packingOptionId))
            return (option, groups)
        }

        /// Every group packed in two identical boxes of half its units (one box when a unit count is odd).
        func packEverything(_ planID: String, groups: [String: [InboundPlanItem]]) async throws {
            let groupings = groups.keys.sorted().map { group -> InboundPackageGrouping in
                let items = groups[group] ?? []
                let halves = items.allSatisfy { $0.quantity % 2 == 0 }
                return InboundPackageGrouping(packingGroupId: group, boxes: [InboundBoxInput(
                    dimensions: InboundWorkflowTests.box, weight: InboundWeight(value: 20, unit: "LB"),
                    items: items.map { InboundPlanItemInput(msku: $0.msku, quantity: halves ? $0.quantity / 2 : $0.quantity,
                                                            labelOwner: $0.labelOwner, prepOwner: $0.prepInstructions.first?.prepOwner ?? "SELLER") },
                    quantity: halves ? 2 : 1)])
            }
            try await succeed(try await api.setPackingInformation(inboundPlanID: planID, SetPackingInformationRequest(packageGroupings: groupings)))
        }

        /// A plan of `items` driven to a confirmed placement option (`optimized`: the fee-free split).
        func placedPlan(_ items: [InboundPlanItemInput], optimized: Bool) async throws -> (planID: String, placement: InboundPlacementOption) {
            let planID = try await createPlan(items)
            let packing = try await confirmPacking(planID)
            try await packEverything(planID, groups: packing.groups)
            try await succeed(try await api.generatePlacementOptions(inboundPlanID: planID))
            let options = try await api.listPlacementOptions(inboundPlanID: planID).placementOptions
            let placement = try #require(options.first { ($0.shipmentIds.count > 1) == optimized })
            try await succeed(try await api.confirmPlacementOption(inboundPlanID: planID, placementOptionID: placement.placementOptionId))
            return (planID, placement)
        }

        /// Transportation generated for every shipment of the placement, ready to ship tomorrow.
        func generateTransportation(_ planID: String, _ placement: InboundPlacementOption,
                                    pallets: [InboundShipmentTransportationConfiguration.PalletInput]? = nil) async throws -> [InboundTransportationOption] {
            let tomorrow = try await sandboxNow().addingTimeInterval(86_400).formatted(.iso8601)
            let contact = InboundContactInformation(name: "Dock manager", phoneNumber: "7755550100", email: "dock@example.com")
            try await succeed(try await api.generateTransportationOptions(inboundPlanID: planID, GenerateTransportationOptionsRequest(
                placementOptionId: placement.placementOptionId,
                shipmentTransportationConfigurations: placement.shipmentIds.map {
                    InboundShipmentTransportationConfiguration(shipmentId: $0, readyToShip: tomorrow, contactInformation: contact, pallets: pallets)
                })))
            var options: [InboundTransportationOption] = []
            for try await page in api.allTransportationOptions(inboundPlanID: planID, placementOptionID: placement.placementOptionId) {
                options += page.transportationOptions
            }
            return options
        }

        /// Generates a shipment's delivery windows and confirms the first.
        func confirmFirstDeliveryWindow(_ planID: String, shipmentID: String) async throws -> InboundDeliveryWindowOption {
            try await succeed(try await api.generateDeliveryWindowOptions(inboundPlanID: planID, shipmentID: shipmentID))
            let windows = try await api.listDeliveryWindowOptions(inboundPlanID: planID, shipmentID: shipmentID).deliveryWindowOptions
            #expect(windows.count == 4)
            let window = try #require(windows.first)
            try await succeed(try await api.confirmDeliveryWindowOptions(inboundPlanID: planID, shipmentID: shipmentID,
                                                                         deliveryWindowOptionID: window.deliveryWindowOptionId))
            return window
        }

        func sandboxNow() async throws -> Date {
            let body = try JSONDecoder().decode([String: String].self, from: Data(try await harness.admin("GET", "/_sandbox/clock", nil, expect: 200)))
            return try #require(Date(iso: body["now"]))
        }
    }

    // MARK: The whole workflow

    @Test func aPlanGoesFromItemsToLabelledTrackedShipments() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 901)
            let api = session.api
            let (plain, fragile) = try session.chosenProducts()
            let planID = try await session.createPlan([
                InboundPlanItemInput(msku: plain[0], quantity: 24), InboundPlanItemInput(msku: plain[1], quantity: 12),
                InboundPlanItemInput(msku: fragile, quantity: 5),
            ], name: "Autumn restock")

            // Packing: fragile items are packed apart; each group lists its items.
            let packing = try await session.confirmPacking(planID)
            #expect(packing.option.packingGroups.count == 2)
            #expect(packing.option.supportedConfigurations.first?.boxPackingMethods?.contains("BOX_CONTENT_PROVIDED") == true)
            #expect(Set(packing.groups.values.map { Set($0.map(\.msku)) }) == [Set(plain), [fragile]])
            let fragileItem = try #require(packing.groups.values.flatMap { $0 }.first { $0.msku == fragile })
            #expect(fragileItem.prepInstructions.first?.prepType == "ITEM_BUBBLEWRAP")
            #expect(try await api.getInboundPlan(inboundPlanID: planID).packingOptions?.map(\.status) == ["ACCEPTED"])

            // Box contents: two boxes of half the ordinary units, one of the five fragile ones.
            try await session.packEverything(planID, groups: packing.groups)
            let boxes = try await api.listInboundPlanBoxes(inboundPlanID: planID).boxes
            #expect(boxes.count == 3)
            #expect(boxes.allSatisfy { $0.boxId == nil && $0.contentInformationSource == "BOX_CONTENT_PROVIDED" })
            let packedUnits = boxes.flatMap { $0.items ?? [] }.map(\.quantity).reduce(0, +)
            #expect(packedUnits == 24 + 12 + 5)

            // Placement: fee-free Amazon-optimized split over three centers, or one center for a fee per unit.
            try await session.succeed(try await api.generatePlacementOptions(inboundPlanID: planID))
            let placements = try await api.listPlacementOptions(inboundPlanID: planID).placementOptions
            #expect(placements.count == 2)
            let optimized = try #require(placements.first { $0.shipmentIds.count == 3 })
            let minimal = try #require(placements.first { $0.shipmentIds.count == 1 })
            #expect(try optimized.netFee() == Money(amountMinor: 0, currency: .usd))
            #expect(try minimal.netFee() == Money(amountMinor: 41 * 30, currency: .usd))
            #expect(minimal.fees.first?.target == "Placement Services" && minimal.fees.first?.type == "FEE")
            #expect(minimal.fees.first?.value.amount == Decimal(string: "12.3"))
            let unconfirmed = try await api.getShipment(inboundPlanID: planID, shipmentID: optimized.shipmentIds[0])
            #expect(unconfirmed.status == "UNCONFIRMED" && unconfirmed.shipmentConfirmationId == nil)
            try await session.succeed(try await api.confirmPlacementOption(inboundPlanID: planID, placementOptionID: optimized.placementOptionId))
            let plan = try await api.getInboundPlan(inboundPlanID: planID)
            #expect(Set(plan.placementOptions?.map(\.status) ?? []) == ["ACCEPTED", "EXPIRED"])
            #expect(plan.shipments?.map(\.shipmentId) == optimized.shipmentIds)
            #expect(plan.shipments?.allSatisfy { $0.status == "WORKING" } == true)

            // Shipments: FBA ids, a box each, items adding up to the plan.
            var shipments: [InboundShipment] = []
            var shipped: [String: Int] = [:]
            var boxIDs: [String: [String]] = [:]
            for shipmentID in optimized.shipmentIds {
                let shipment = try await api.getShipment(inboundPlanID: planID, shipmentID: shipmentID)
                #expect(shipment.shipmentConfirmationId?.hasPrefix("FBA") == true)
                #expect(shipment.destination.warehouseId != nil && shipment.source.address == SandboxOperationsTests.address)
                shipments.append(shipment)
                for item in try await api.listShipmentItems(inboundPlanID: planID, shipmentID: shipmentID).items { shipped[item.msku, default: 0] += item.quantity }
                boxIDs[shipmentID] = try await api.listShipmentBoxes(inboundPlanID: planID, shipmentID: shipmentID).boxes.compactMap(\.boxId)
            }
            #expect(shipped == [plain[0]: 24, plain[1]: 12, fragile: 5])
            #expect(boxIDs.values.map(\.count).sorted() == [1, 1, 1])
            #expect(Set(shipments.compactMap(\.destination.warehouseId)).count == 3)

            // Transportation: partnered small parcel quoted, own carrier needing a delivery window.
            let options = try await session.generateTransportation(planID, optimized)
            #expect(options.count == 6)
            let own = try #require(options.first { $0.shipmentId == optimized.shipmentIds[0] && $0.shippingSolution == "USE_YOUR_OWN_CARRIER" })
            #expect(own.needsDeliveryWindow && own.quote == nil)
            let partnered = optimized.shipmentIds.dropFirst().compactMap { shipmentID in
                options.first { $0.shipmentId == shipmentID && $0.shippingSolution == "AMAZON_PARTNERED_CARRIER" }
            }
            #expect(partnered.count == 2)
            for option in partnered {
                // One 20 lb box: 3.50 per box plus 0.45 per pound.
                #expect(try option.quote?.cost.money() == Money(amountMinor: 350 + 20 * 45, currency: .usd))
                #expect(option.shippingMode == "GROUND_SMALL_PARCEL" && option.preconditions.isEmpty && option.carrier.alphaCode == "UPSN")
            }
            let selections = [InboundTransportationSelection(shipmentId: own.shipmentId, transportationOptionId: own.transportationOptionId)]
                + partnered.map { InboundTransportationSelection(shipmentId: $0.shipmentId, transportationOptionId: $0.transportationOptionId) }
            // The own-carrier option's precondition is not met yet.
            try await session.fail(try await api.confirmTransportationOptions(inboundPlanID: planID, ConfirmTransportationOptionsRequest(
                transportationSelections: selections)), code: "FBA_INB_0370")
            let window = try await session.confirmFirstDeliveryWindow(planID, shipmentID: own.shipmentId)
            #expect(try await api.getShipment(inboundPlanID: planID, shipmentID: own.shipmentId).selectedDeliveryWindow?.deliveryWindowOptionId
                    == window.deliveryWindowOptionId)
            try await session.succeed(try await api.confirmTransportationOptions(inboundPlanID: planID, ConfirmTransportationOptionsRequest(
                transportationSelections: selections)))
            let chosen = try await api.getShipment(inboundPlanID: planID, shipmentID: own.shipmentId)
            #expect(chosen.selectedTransportationOptionId == own.transportationOptionId)
            let voidable = try await api.listTransportationOptions(inboundPlanID: planID, shipmentID: partnered[0].shipmentId).transportationOptions
            #expect(voidable.first { $0.transportationOptionId == partnered[0].transportationOptionId }?.quote?.voidableUntil != nil)
            // No second round once confirmed.
            try await session.fail(try await api.generateTransportationOptions(inboundPlanID: planID, GenerateTransportationOptionsRequest(
                placementOptionId: optimized.placementOptionId,
                shipmentTransportationConfigurations: optimized.shipmentIds.map {
                    InboundShipmentTransportationConfiguration(shipmentId: $0, readyToShip: Date().addingTimeInterval(86_400).formatted(.iso8601))
                })), code: "FBA_INB_0360")

            // Labels: a real PDF, a page per box; the shipment is then ready to ship.
            let confirmation = try #require(chosen.shipmentConfirmationId)
            let pdf = try await api.downloadLabels(shipmentConfirmationID: confirmation, pageType: "PackageLabel_Letter_6", labelType: "UNIQUE")
            let text = String(decoding: pdf, as: UTF8.self)
            #expect(text.hasPrefix("%PDF-1.4") && text.hasSuffix("%%EOF\n"))
            #expect(text.components(separatedBy: "/Type /Page ").count - 1 == boxIDs[own.shipmentId]?.count)
            #expect(text.contains(try #require(boxIDs[own.shipmentId]?.first)))
            #expect(try await api.getShipment(inboundPlanID: planID, shipmentID: own.shipmentId).status == "READY_TO_SHIP")
            let foreignBox = await #expect(throws: SPAPIError.self) {
                try await api.getLabels(shipmentConfirmationID: confirmation, pageType: "PackageLabel_Letter_6", labelType: "UNIQUE",
                                        packageLabelsToPrint: [boxIDs[partnered[0].shipmentId]?.first ?? ""])
            }
            #expect(apiStatus(foreignBox) == 400)

            // Tracking: the seller's own carrier takes tracking ids per box; a partnered carrier's shipment does not.
            let tracking = UpdateShipmentTrackingDetailsRequest.parcels((boxIDs[own.shipmentId] ?? []).map { ($0, "1Z999AA1012345678\($0.suffix(1))") })
            try await session.succeed(try await api.updateShipmentTrackingDetails(inboundPlanID: planID, shipmentID: own.shipmentId, tracking))
            let shippedShipment = try await api.getShipment(inboundPlanID: planID, shipmentID: own.shipmentId)
            #expect(shippedShipment.status == "SHIPPED")
            #expect(shippedShipment.trackingDetails?.spdTrackingDetail?.spdTrackingItems?.map(\.boxId) == boxIDs[own.shipmentId])
            try await session.fail(try await api.updateShipmentTrackingDetails(inboundPlanID: planID, shipmentID: partnered[0].shipmentId,
                                                                               .parcels([(boxIDs[partnered[0].shipmentId]?.first ?? "", "1Z1")])),
                                   code: "FBA_INB_0377")
            #expect(try await api.getInboundPlan(inboundPlanID: planID).status == "ACTIVE")
            // A shipped plan can no longer be cancelled.
            let late = await #expect(throws: SPAPIError.self) { try await api.cancelInboundPlan(inboundPlanID: planID) }
            #expect(apiStatus(late) == 400)
        }
    }

    // MARK: What a real plan runs into

    @Test func ineligibleAndUnpreparedItemsFailThePlanNamingTheirMSKU() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 902)
            let api = session.api
            let (plain, fragile) = try session.chosenProducts()

            // Declared dangerous goods: not eligible for FBA inbound.
            let hazmat = plain[1]
            _ = try await api.patchListingsItem(sellerID: session.seller.sellingPartnerId, sku: hazmat, marketplaceIDs: [Self.us],
                                                ListingsItemPatchRequest(productType: "PRODUCT", patches: [ListingsPatchOperation(
                                                    op: "replace", path: "/attributes/supplier_declared_dg_hz_regulation",
                                                    value: [.object(["value": .string("transportation"), "marketplace_id": .string(Self.us)])])]))
            let request = CreateInboundPlanRequest(destinationMarketplaces: [Self.us], items: [
                InboundPlanItemInput(msku: plain[0], quantity: 10), InboundPlanItemInput(msku: hazmat, quantity: 10),
                InboundPlanItemInput(msku: fragile, quantity: 10, labelOwner: "SELLER", prepOwner: "NONE"),
            ], name: nil, sourceAddress: SandboxOperationsTests.address)
            let created = try await api.createInboundPlan(request)
            let failed = try await session.fail(created.operationId, code: "FBA_INB_0182")
            #expect(failed.operationProblems.first { $0.code == "FBA_INB_0182" }?.message.contains(hazmat) == true)
            let unprepared = try #require(failed.operationProblems.first { $0.code == "FBA_INB_0051" })
            #expect(unprepared.message.contains(fragile) && unprepared.message.contains("prepOwner"))
            #expect(unprepared.details == "There's an input error with the resource '\(fragile)'.")
            #expect(failed.operationProblems.count == 2)
            #expect(try await api.getInboundPlan(inboundPlanID: created.inboundPlanId).status == "ERRORED")
            // Nothing runs on an ERRORED plan.
            try await session.fail(try await api.generatePackingOptions(inboundPlanID: created.inboundPlanId), code: "FBA_INB_0102")

            // Amazon no longer preps in the US; the seller preps and the plan goes through.
            let amazonPrep = try await api.createInboundPlan(CreateInboundPlanRequest(destinationMarketplaces: [Self.us], items: [
                InboundPlanItemInput(msku: fragile, quantity: 10, labelOwner: "SELLER", prepOwner: "AMAZON")], name: nil,
                sourceAddress: SandboxOperationsTests.address))
            try await session.fail(amazonPrep.operationId, code: "FBA_INB_0052")
            let planID = try await session.createPlan([InboundPlanItemInput(msku: plain[0], quantity: 10),
                                                       InboundPlanItemInput(msku: fragile, quantity: 10, labelOwner: "SELLER", prepOwner: "SELLER")])
            #expect(try await api.getInboundPlan(inboundPlanID: planID).status == "ACTIVE")
        }
    }

    @Test func boxContentsThatDoNotAddUpFailSetPackingInformation() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 903)
            let api = session.api
            let (plain, _) = try session.chosenProducts()
            let planID = try await session.createPlan([InboundPlanItemInput(msku: plain[0], quantity: 24), InboundPlanItemInput(msku: plain[1], quantity: 12)])
            let packing = try await session.confirmPacking(planID)
            let group = try #require(packing.option.packingGroups.first)
            func boxes(_ first: Int, _ second: Int, weight: Double = 20, quantity: Int = 2) -> SetPackingInformationRequest {
                SetPackingInformationRequest(packageGroupings: [InboundPackageGrouping(packingGroupId: group, boxes: [InboundBoxInput(
                    dimensions: Self.box, weight: InboundWeight(value: weight, unit: "LB"),
                    items: [InboundPlanItemInput(msku: plain[0], quantity: first), InboundPlanItemInput(msku: plain[1], quantity: second)],
                    quantity: quantity)])])
            }
            // Two boxes of 11 + 6: 22 of the 24 units.
            let short = try await session.fail(try await api.setPackingInformation(inboundPlanID: planID, boxes(11, 6)), code: "FBA_INB_0344")
            #expect(short.operationProblems.map(\.message).contains { $0.contains(plain[0]) && $0.contains("22") && $0.contains("24") })
            #expect(!short.operationProblems.contains { $0.message.contains(plain[1]) })
            #expect(try await api.listInboundPlanBoxes(inboundPlanID: planID).boxes.isEmpty)
            // A box over 50 lb.
            try await session.fail(try await api.setPackingInformation(inboundPlanID: planID, boxes(12, 6, weight: 60)), code: "FBA_INB_0343")
            // An MSKU of no packing group.
            let stranger = try #require(session.products.compactMap(\.sellerSku).first { !plain.contains($0) })
            try await session.fail(try await api.setPackingInformation(inboundPlanID: planID, SetPackingInformationRequest(packageGroupings: [
                InboundPackageGrouping(packingGroupId: group, boxes: [InboundBoxInput(dimensions: Self.box, weight: InboundWeight(value: 5, unit: "KG"),
                                                                                     items: [InboundPlanItemInput(msku: stranger, quantity: 1)])])])),
                                   code: "FBA_INB_0340")
            // Malformed input is refused at once.
            let invalid = await #expect(throws: SPAPIError.self) {
                try await api.setPackingInformation(inboundPlanID: planID, SetPackingInformationRequest(packageGroupings: []))
            }
            #expect(apiStatus(invalid) == 400)
            // The right contents go through.
            try await session.succeed(try await api.setPackingInformation(inboundPlanID: planID, boxes(12, 6)))
            #expect(try await api.listInboundPlanBoxes(inboundPlanID: planID).boxes.count == 2)
        }
    }

    /// Boxes packed without listing contents (MANUAL_PROCESS) are accepted; the shipment still
    /// carries the packing group's units, and the minimal split's fee counts them.
    @Test func boxesWithoutContentsStillShipThePlansUnits() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 907)
            let api = session.api
            let (plain, _) = try session.chosenProducts()
            let planID = try await session.createPlan([InboundPlanItemInput(msku: plain[0], quantity: 10), InboundPlanItemInput(msku: plain[1], quantity: 5)])
            let packing = try await session.confirmPacking(planID)
            let group = try #require(packing.option.packingGroups.first)
            try await session.succeed(try await api.setPackingInformation(inboundPlanID: planID, SetPackingInformationRequest(packageGroupings: [
                InboundPackageGrouping(packingGroupId: group, boxes: [InboundBoxInput(contentInformationSource: "MANUAL_PROCESS", dimensions: Self.box,
                                                                                     weight: InboundWeight(value: 9, unit: "KG"), items: nil, quantity: 3)])])))
            let boxes = try await api.listInboundPlanBoxes(inboundPlanID: planID).boxes
            #expect(boxes.count == 3 && boxes.allSatisfy { $0.contentInformationSource == "MANUAL_PROCESS" && ($0.items ?? []).isEmpty })
            try await session.succeed(try await api.generatePlacementOptions(inboundPlanID: planID))
            let minimal = try #require(try await api.listPlacementOptions(inboundPlanID: planID).placementOptions.first { $0.shipmentIds.count == 1 })
            #expect(try minimal.netFee() == Money(amountMinor: 15 * 30, currency: .usd))
            try await session.succeed(try await api.confirmPlacementOption(inboundPlanID: planID, placementOptionID: minimal.placementOptionId))
            let items = try await api.listShipmentItems(inboundPlanID: planID, shipmentID: minimal.shipmentIds[0]).items
            #expect(Dictionary(uniqueKeysWithValues: items.map { ($0.msku, $0.quantity) }) == [plain[0]: 10, plain[1]: 5])
        }
    }

    @Test func stepsCalledOutOfOrderFailTheirOperation() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 904)
            let api = session.api
            let (plain, _) = try session.chosenProducts()
            let created = try await api.createInboundPlan(CreateInboundPlanRequest(destinationMarketplaces: [Self.us], items: [
                InboundPlanItemInput(msku: plain[0], quantity: 8)], name: nil, sourceAddress: SandboxOperationsTests.address))
            let planID = created.inboundPlanId
            // While the plan is still being created.
            try await session.fail(try await api.generatePackingOptions(inboundPlanID: planID), code: "FBA_INB_0101")
            // Moving the clock for that operation finished the plan's creation too.
            #expect(try await api.getInboundOperationStatus(operationID: created.operationId).operationStatus == "SUCCESS")
            // Placement before packing.
            try await session.fail(try await api.generatePlacementOptions(inboundPlanID: planID), code: "FBA_INB_0332")
            try await session.fail(try await api.confirmPlacementOption(inboundPlanID: planID, placementOptionID: "pl" + UUID().uuidString.lowercased()),
                                   code: "FBA_INB_0352")
            try await session.fail(try await api.confirmTransportationOptions(inboundPlanID: planID, ConfirmTransportationOptionsRequest(
                transportationSelections: [InboundTransportationSelection(shipmentId: "sh" + UUID().uuidString.lowercased(),
                                                                         transportationOptionId: "to" + UUID().uuidString.lowercased())])),
                                   code: "FBA_INB_0366")
            // Confirming a packing option while its generation is still running.
            let generating = try await api.generatePackingOptions(inboundPlanID: planID)
            let early = try await api.confirmPackingOption(inboundPlanID: planID, packingOptionID: "po" + UUID().uuidString.lowercased())
            try await session.succeed(generating)
            let status = try await api.getInboundOperationStatus(operationID: early)
            #expect(status.operationStatus == "FAILED" && status.operationProblems.first?.code == "FBA_INB_0320")
            // Box contents before a packing option is confirmed, then placement before the boxes.
            let option = try #require(try await api.listPackingOptions(inboundPlanID: planID).packingOptions.first)
            let boxes = SetPackingInformationRequest(packageGroupings: [InboundPackageGrouping(packingGroupId: option.packingGroups[0], boxes: [
                InboundBoxInput(dimensions: Self.box, weight: InboundWeight(value: 10, unit: "LB"), items: [InboundPlanItemInput(msku: plain[0], quantity: 8)])])])
            try await session.fail(try await api.setPackingInformation(inboundPlanID: planID, boxes), code: "FBA_INB_0332")
            try await session.succeed(try await api.confirmPackingOption(inboundPlanID: planID, packingOptionID: option.packingOptionId))
            try await session.fail(try await api.generatePlacementOptions(inboundPlanID: planID), code: "FBA_INB_0351")
            try await session.succeed(try await api.setPackingInformation(inboundPlanID: planID, boxes))
            // Delivery windows need a confirmed placement.
            try await session.succeed(try await api.generatePlacementOptions(inboundPlanID: planID))
            let placement = try #require(try await api.listPlacementOptions(inboundPlanID: planID).placementOptions.first)
            try await session.fail(try await api.generateDeliveryWindowOptions(inboundPlanID: planID, shipmentID: placement.shipmentIds[0]),
                                   code: "FBA_INB_0366")
            // requireInboundOperation turns a FAILED operation into an error carrying its problems.
            let again = try await api.generatePackingOptions(inboundPlanID: planID)
            try await session.advance(seconds: Self.operationSeconds)
            let error = await #expect(throws: InboundOperationFailed.self) {
                try await api.requireInboundOperation(operationID: again, interval: .milliseconds(10), timeout: .seconds(5))
            }
            #expect(error?.status.operationProblems.first?.code == "FBA_INB_0311")
        }
    }

    // MARK: Cancellation and the void window

    @Test func aPlanCanBeCancelledUntilPlacementAndWithinTheVoidWindowAfter() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 905)
            let api = session.api
            let (plain, _) = try session.chosenProducts()
            let items = [InboundPlanItemInput(msku: plain[0], quantity: 8)]

            // Before placement: cancelled, VOIDED, and nothing runs on it after.
            let early = try await session.createPlan(items)
            try await session.succeed(try await api.cancelInboundPlan(inboundPlanID: early))
            #expect(try await api.getInboundPlan(inboundPlanID: early).status == "VOIDED")
            #expect(try await api.listInboundPlans(status: "VOIDED").inboundPlans?.map(\.inboundPlanId) == [early])
            try await session.fail(try await api.generatePackingOptions(inboundPlanID: early), code: "FBA_INB_0103")

            // Placement confirmed, 23 hours later: still inside the window.
            let inside = try await session.placedPlan(items, optimized: false)
            try await session.advance(seconds: 23 * 3_600)
            try await session.succeed(try await api.cancelInboundPlan(inboundPlanID: inside.planID))
            let cancelled = try await api.getShipment(inboundPlanID: inside.planID, shipmentID: inside.placement.shipmentIds[0])
            #expect(cancelled.status == "CANCELLED")

            // 24 hours after placement: refused with Amazon's error body, the plan untouched.
            let outside = try await session.placedPlan(items, optimized: false)
            try await session.advance(seconds: 24 * 3_600 + 1)
            let refused = await #expect(throws: SPAPIError.self) { try await api.cancelInboundPlan(inboundPlanID: outside.planID) }
            #expect(apiStatus(refused) == 400)
            #expect(refused?.code == "BadRequest")
            #expect(try await api.getInboundPlan(inboundPlanID: outside.planID).status == "ACTIVE")

            // A partnered LTL carrier leaves one hour from its confirmation.
            let freight = try await session.placedPlan(items, optimized: false)
            let shipmentID = freight.placement.shipmentIds[0]
            let options = try await session.generateTransportation(freight.planID, freight.placement,
                                                                   pallets: [.init(quantity: 1, stackability: "STACKABLE")])
            let ltl = try #require(options.first { $0.shippingMode == "FREIGHT_LTL" && $0.shippingSolution == "AMAZON_PARTNERED_CARRIER" })
            #expect(try ltl.quote?.cost.money() == Money(amountMinor: 15_000, currency: .usd))
            _ = try await session.confirmFirstDeliveryWindow(freight.planID, shipmentID: shipmentID)
            try await session.succeed(try await api.confirmTransportationOptions(inboundPlanID: freight.planID, ConfirmTransportationOptionsRequest(
                transportationSelections: [InboundTransportationSelection(shipmentId: shipmentID, transportationOptionId: ltl.transportationOptionId)])))
            try await session.advance(seconds: 3_601)
            let closed = await #expect(throws: SPAPIError.self) { try await api.cancelInboundPlan(inboundPlanID: freight.planID) }
            #expect(apiStatus(closed) == 400)
        }
    }

    // MARK: Waiting for an operation

    /// waitForInboundOperation polls at 1, 2, 4… seconds of the client's clock: a test clock that
    /// stands still holds it between polls, and moving it lets exactly one more poll through.
    @Test func waitingForAnOperationBacksOffOnTheClientsClock() async throws {
        try await SandboxHarness.with(Self.settings) { harness in
            let session = try await Session.start(harness, seed: 906)
            let clock = ManualClock()
            let lwa = LoginWithAmazonClient(httpClient: harness.httpClient, settings: harness.settings, logger: SandboxHarness.logger)
            let client = SPAPIClient(settings: harness.settings, httpClient: harness.httpClient,
                                     tokens: LWAAccessTokenCache(lwa: lwa, refreshMargin: harness.settings.tokenRefreshMargin, logger: SandboxHarness.logger),
                                     rateLimiter: UnpacedRateLimiter(), logger: SandboxHarness.logger, clock: clock)
            let api = client.api(for: harness.connection(for: session.seller))
            let (plain, _) = try session.chosenProducts()
            let created = try await api.createInboundPlan(CreateInboundPlanRequest(destinationMarketplaces: [Self.us], items: [
                InboundPlanItemInput(msku: plain[0], quantity: 3)], name: nil, sourceAddress: SandboxOperationsTests.address))
            let statusOperation = SPAPIOperations.inbound2024("getInboundOperationStatus").id
            let sellerID = session.seller.sellingPartnerId
            let waiting = Task { try await api.waitForInboundOperation(operationID: created.operationId, interval: .seconds(1), timeout: .seconds(300)) }

            /// Waits until the poller sleeps again after its `count`th poll (it polls, then sleeps).
            func polled(_ count: Int) async throws {
                await clock.sleepersReach(1)
                #expect(try await harness.requests(sellerID, statusOperation) == count)
                #expect(clock.sleepers == 1)
            }
            try await polled(1)
            clock.advance(by: .seconds(1))
            try await polled(2)
            // The next pause is two seconds: one is not enough for another poll.
            clock.advance(by: .seconds(1))
            #expect(try await harness.requests(sellerID, statusOperation) == 2)
            clock.advance(by: .seconds(1))
            try await polled(3)
            // The operation finishes on the sandbox clock; the poll after the four-second pause sees it.
            try await session.advance(seconds: Self.operationSeconds)
            clock.advance(by: .seconds(4))
            let finished = try await waiting.value
            #expect(finished.operationStatus == "SUCCESS")
            #expect(try await harness.requests(sellerID, statusOperation) == 4)
        }
    }
}
