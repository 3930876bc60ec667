import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres

/// A seller's FBA inbound workflows (Fulfillment Inbound 2024-03-20) from items to labelled,
/// tracked shipments. The seller acts at each step; each action becomes Amazon calls that a job
/// makes one by one, polling each asynchronous operation with growing pauses. Every call's
/// progress is in the workflow's row, so a restart resumes where it stopped.
public struct InboundWorkflows: Sendable {
    public static let jobKind = "integrations.inbound-workflow"
    public static let maximumItems = 200
    static let owners: Set<String> = ["SELLER", "AMAZON", "NONE"]
    /// Cancelling is free for 24 hours after placement is confirmed (Amazon's void window).
    static let voidWindow: TimeInterval = 24 * 3_600

    struct JobArguments: Codable, Sendable {
        let workflowId: UUID
        /// The action the job works for: it stops once the seller acts again.
        let revision: Int
    }

    let store: InboundWorkflowStore
    let listings: SellerListings
    let jobQueue: JobQueue
    let queue: String
    let firstPoll: Double
    let maxPoll: Double
    let now: @Sendable () -> Date

    init(database: Database, listings: SellerListings, jobQueue: JobQueue, queue: String, firstPoll: Double, maxPoll: Double,
         logger: Logger, now: @escaping @Sendable () -> Date) {
        store = InboundWorkflowStore(database: database, logger: logger, now: now)
        self.listings = listings
        self.jobQueue = jobQueue
        self.queue = queue
        self.firstPoll = firstPoll
        self.maxPoll = maxPoll
        self.now = now
    }

    var connector: AmazonConnector { listings.connector }

    func job(tenantID: UUID) -> @Sendable (UUID, Int) throws -> NewJob {
        let queue = self.queue
        return { id, revision in
            try NewJob(queue: queue, kind: Self.jobKind, arguments: JobArguments(workflowId: id, revision: revision), tenantID: tenantID,
                       maxAttempts: 10, uniqueKey: "\(Self.jobKind):\(id.uuidString.lowercased()):\(revision)", leaseSeconds: 120)
        }
    }

    // MARK: The seller's requests

    /// Starts a workflow: checked whole before anything reaches Amazon.
    /// - Returns: the workflow and whether this request created it (false: its `requestKey` came before).
    func create(tenantID: UUID, connectionID: UUID, _ request: NewInboundWorkflow) async throws -> (InboundWorkflowView, Bool) {
        let connection = try await connector.activeConnection(id: connectionID, tenantID: tenantID)
        let marketplace = try listings.marketplace(connection)
        let name = request.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...80).contains(name.count) else { throw InboundWorkflowError.invalidInput("name the plan in 1 to 80 characters") }
        try Self.validate(request.sourceAddress)
        guard (1...Self.maximumItems).contains(request.items.count) else {
            throw InboundWorkflowError.invalidInput("a plan has 1 to \(Self.maximumItems) SKUs; this one has \(request.items.count)")
        }
        var seen = Set<String>()
        let items = try request.items.enumerated().map { index, item -> InboundWorkflowView.Item in
            let msku = item.msku.trimmingCharacters(in: .whitespaces)
            let line = "item \(index + 1) (\(msku.isEmpty ? "no SKU" : msku))"
            guard (1...40).contains(msku.count) else { throw InboundWorkflowError.invalidInput("\(line): an MSKU has 1 to 40 characters") }
            guard seen.insert(msku).inserted else { throw InboundWorkflowError.invalidInput("\(line): the SKU appears twice") }
            guard (1...10_000).contains(item.quantity) else {
                throw InboundWorkflowError.invalidInput("\(line): quantity must be a whole number from 1 to 10000")
            }
            let labelOwner = item.labelOwner?.uppercased() ?? "SELLER", prepOwner = item.prepOwner?.uppercased() ?? "SELLER"
            guard Self.owners.contains(labelOwner), Self.owners.contains(prepOwner) else {
                throw InboundWorkflowError.invalidInput("\(line): labelOwner and prepOwner are SELLER, AMAZON or NONE")
            }
            return .init(msku: msku, quantity: item.quantity, labelOwner: labelOwner, prepOwner: prepOwner, expiration: item.expiration)
        }
        let givenKey = request.requestKey?.trimmingCharacters(in: .whitespaces) ?? ""
        let key = givenKey.isEmpty ? UUID().uuidString.lowercased() : givenKey
        guard key.count <= 200 else { throw InboundWorkflowError.invalidInput("requestKey is at most 200 characters") }
        let plan = InboundActionPlan(calls: [.createPlan, .generatePacking], nextStep: .choosePacking, returnStep: .failed,
                                     message: "Plan requested: \(items.count) SKU\(items.count == 1 ? "" : "s"), \(items.map(\.quantity).reduce(0, +)) units")
        let (id, created) = try await store.create(tenantID: tenantID, connectionID: connectionID, requestKey: key, requestedBy: request.userId,
                                                   name: name, marketplaceID: marketplace.id, sourceAddress: request.sourceAddress, items: items,
                                                   plan: plan, job: job(tenantID: tenantID))
        if created { await jobQueue.wake(queues: [queue]) }
        guard let record = try await store.load(tenantID: tenantID, id: id) else { throw InboundWorkflowError.notFound }
        // A key is the seller's promise that a repeat is the same request.
        if !created, record.connectionID != connectionID || record.name != name || record.items != items {
            throw InboundWorkflowError.requestKeyReused(key)
        }
        return (view(record, events: nil), created)
    }

    /// Amazon's `AddressInput`: its required fields and their lengths (fulfillmentInbound_2024-03-20).
    static func validate(_ address: InboundAddress) throws {
        let fields: [(String, String?, Int, Bool)] = [
            ("name", address.name, 50, true), ("addressLine1", address.addressLine1, 180, true), ("addressLine2", address.addressLine2, 60, false),
            ("city", address.city, 30, true), ("postalCode", address.postalCode, 32, true), ("phoneNumber", address.phoneNumber, 20, true),
            ("stateOrProvinceCode", address.stateOrProvinceCode, 64, false), ("companyName", address.companyName, 50, false),
            ("email", address.email, 1024, false),
        ]
        for (field, value, maximum, required) in fields {
            let text = value?.trimmingCharacters(in: .whitespaces) ?? ""
            if text.isEmpty {
                if required || value != nil { throw InboundWorkflowError.invalidInput("sourceAddress.\(field) is required\(required ? "" : " when given")") }
                continue
            }
            guard text.count <= maximum else { throw InboundWorkflowError.invalidInput("sourceAddress.\(field) is at most \(maximum) characters") }
        }
        guard address.countryCode.count == 2, address.countryCode.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw InboundWorkflowError.invalidInput("sourceAddress.countryCode is two capital letters (US, GB, DE…)")
        }
    }

    func workflow(tenantID: UUID, connectionID: UUID, id: UUID) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        return view(record, events: try await store.events(tenantID: tenantID, id: id, limit: 50))
    }

    func recent(tenantID: UUID, connectionID: UUID, limit: Int) async throws -> [InboundWorkflowView] {
        try await store.recent(tenantID: tenantID, connectionID: connectionID, limit: limit).map { view($0, events: nil) }
    }

    /// The workflow, when it belongs to this connection (another connection's is as absent as none).
    func owned(tenantID: UUID, connectionID: UUID, id: UUID) async throws -> InboundWorkflowRecord {
        guard let record = try await store.load(tenantID: tenantID, id: id), record.connectionID == connectionID else {
            throw InboundWorkflowError.notFound
        }
        return record
    }

    func choosePacking(tenantID: UUID, connectionID: UUID, id: UUID, _ choice: InboundPackingChoice) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard record.amazon.packingOptions.contains(where: { $0.packingOptionId == choice.packingOptionId }) else {
            throw InboundWorkflowError.invalidInput("packingOptionId is not one of the options Amazon offered this plan")
        }
        var amazon = record.amazon
        amazon.chosenPackingOptionId = choice.packingOptionId
        return try await act(tenantID: tenantID, record, expected: [.choosePacking], InboundActionPlan(
            calls: [.confirmPacking(packingOptionId: choice.packingOptionId)], nextStep: .boxContents, returnStep: .choosePacking,
            message: "Packing option \(choice.packingOptionId) chosen", amazon: amazon))
    }

    /// Box contents: every packing group of the chosen option packed, each group's units
    /// exactly (checked here, so a miscount is named before Amazon is asked).
    func setBoxes(tenantID: UUID, connectionID: UUID, id: UUID, _ boxes: InboundBoxes) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard let option = record.amazon.chosenPackingOption else { throw InboundWorkflowError.wrongStep(current: record.step, expected: [.boxContents]) }
        let groups = Dictionary(uniqueKeysWithValues: option.groups.map { ($0.packingGroupId, $0) })
        let given = boxes.packageGroupings.compactMap(\.packingGroupId)
        guard given.count == boxes.packageGroupings.count, Set(given) == Set(groups.keys), given.count == groups.count else {
            throw InboundWorkflowError.invalidInput("give the boxes of each packing group once: \(groups.keys.sorted().joined(separator: ", "))")
        }
        var boxCount = 0
        for grouping in boxes.packageGroupings {
            guard let groupID = grouping.packingGroupId, let group = groups[groupID] else { continue }
            guard !grouping.boxes.isEmpty else { throw InboundWorkflowError.invalidInput("packing group \(groupID) has no boxes") }
            var packed: [String: Int] = [:]
            var withContents = false
            for box in grouping.boxes {
                guard (1...500).contains(box.quantity) else { throw InboundWorkflowError.invalidInput("a box's quantity (alike boxes) is 1 to 500") }
                guard box.dimensions.length > 0, box.dimensions.width > 0, box.dimensions.height > 0, box.weight.value > 0 else {
                    throw InboundWorkflowError.invalidInput("each box needs its length, width, height and weight")
                }
                guard ["IN", "CM"].contains(box.dimensions.unitOfMeasurement), ["LB", "KG"].contains(box.weight.unit) else {
                    throw InboundWorkflowError.invalidInput("dimensions are in IN or CM, weights in LB or KG")
                }
                boxCount += box.quantity
                guard let items = box.items, box.contentInformationSource == "BOX_CONTENT_PROVIDED" else { continue }
                withContents = true
                for item in items { packed[item.msku, default: 0] += item.quantity * box.quantity }
            }
            guard withContents else { continue }
            let expected = Dictionary(uniqueKeysWithValues: group.items.map { ($0.msku, $0.quantity) })
            for (msku, count) in packed where expected[msku] == nil {
                throw InboundWorkflowError.invalidInput("\(msku) is not in packing group \(groupID) (\(count) units packed there)")
            }
            for (msku, count) in expected where packed[msku, default: 0] != count {
                throw InboundWorkflowError.invalidInput("\(msku): the boxes hold \(packed[msku, default: 0]) units; the plan sends \(count)")
            }
        }
        let request = SetPackingInformationRequest(packageGroupings: boxes.packageGroupings)
        return try await act(tenantID: tenantID, record, expected: [.boxContents], InboundActionPlan(
            calls: [.setPacking(boxesJSON: try InboundWorkflowStore.json(request)), .generatePlacement], nextStep: .choosePlacement,
            returnStep: .boxContents, message: "Box contents given: \(boxCount) box\(boxCount == 1 ? "" : "es")"))
    }

    func choosePlacement(tenantID: UUID, connectionID: UUID, id: UUID, _ choice: InboundPlacementChoice) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard let option = record.amazon.placementOptions.first(where: { $0.placementOptionId == choice.placementOptionId }) else {
            throw InboundWorkflowError.invalidInput("placementOptionId is not one of the options Amazon offered this plan")
        }
        var amazon = record.amazon
        amazon.chosenPlacementOptionId = option.placementOptionId
        let fee = option.fee.map { " for \($0)" } ?? ""
        return try await act(tenantID: tenantID, record, expected: [.choosePlacement], InboundActionPlan(
            calls: [.confirmPlacement(placementOptionId: option.placementOptionId)], nextStep: .shippingDetails, returnStep: .choosePlacement,
            message: "Placement chosen: \(option.shipmentIds.count) shipment\(option.shipmentIds.count == 1 ? "" : "s")\(fee)", amazon: amazon))
    }

    func setShippingDetails(tenantID: UUID, connectionID: UUID, id: UUID, _ details: InboundShippingDetails) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard let placement = record.amazon.chosenPlacementOptionId,
              let option = record.amazon.placementOptions.first(where: { $0.placementOptionId == placement }) else {
            throw InboundWorkflowError.wrongStep(current: record.step, expected: [.shippingDetails])
        }
        let readyToShip = try readyInstant(details.readyToShip)
        guard !details.contact.name.trimmingCharacters(in: .whitespaces).isEmpty,
              details.contact.phoneNumber.filter(\.isNumber).count >= 7 else {
            throw InboundWorkflowError.invalidInput("the contact needs a name and a phone number the carrier can call")
        }
        if let pallets = details.pallets, pallets.isEmpty || pallets.contains(where: { !(1...100).contains($0.quantity) }) {
            throw InboundWorkflowError.invalidInput("pallets, when given, are 1 to 100 of each kind")
        }
        let stamp = readyToShip.formatted(.iso8601)
        let request = GenerateTransportationOptionsRequest(placementOptionId: placement, shipmentTransportationConfigurations: option.shipmentIds.map {
            InboundShipmentTransportationConfiguration(shipmentId: $0, readyToShip: stamp, contactInformation: details.contact, pallets: details.pallets)
        })
        return try await act(tenantID: tenantID, record, expected: [.shippingDetails, .chooseTransportation], InboundActionPlan(
            calls: [.generateTransportation(requestJSON: try InboundWorkflowStore.json(request))], nextStep: .chooseTransportation,
            returnStep: .shippingDetails, message: "Ready to ship \(stamp), contact \(details.contact.name)"))
    }

    /// A day (`YYYY-MM-DD`, from its start in UTC, or an hour from now when it is today) or an
    /// instant; never in the past.
    func readyInstant(_ text: String) throws -> Date {
        let current = now()
        if let day = CivilDate(iso: text) {
            guard day >= CivilDate(utcDayOf: current) else { throw InboundWorkflowError.invalidInput("readyToShip is today or later") }
            return max(day.startInstant, current.addingTimeInterval(3_600))
        }
        guard let instant = try? Date.ISO8601FormatStyle().parse(text) else { throw InboundWorkflowError.invalidInput("readyToShip is a day (2026-12-08) or an ISO 8601 instant") }
        guard instant > current else { throw InboundWorkflowError.invalidInput("readyToShip is in the future") }
        return instant
    }

    /// Carriers for every shipment. An own carrier needs a delivery window first: Opside asks
    /// Amazon for them and confirms the earliest before confirming the carriers.
    func chooseCarriers(tenantID: UUID, connectionID: UUID, id: UUID, _ choice: InboundCarrierChoice) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        let shipments = record.amazon.shipments
        guard Set(choice.selections.map(\.shipmentId)) == Set(shipments.map(\.shipmentId)), choice.selections.count == shipments.count else {
            throw InboundWorkflowError.invalidInput("choose one carrier for each shipment: \(shipments.map(\.shipmentId).joined(separator: ", "))")
        }
        var calls: [InboundCall] = []
        for selection in choice.selections {
            guard let option = record.amazon.transportationOptions.first(where: {
                $0.transportationOptionId == selection.transportationOptionId && $0.shipmentId == selection.shipmentId
            }) else {
                throw InboundWorkflowError.invalidInput("\(selection.transportationOptionId) is not an option Amazon offered for shipment \(selection.shipmentId)")
            }
            let shipment = shipments.first { $0.shipmentId == selection.shipmentId }
            if option.needsDeliveryWindow, shipment?.deliveryWindow == nil {
                calls += [.generateDeliveryWindows(shipmentId: selection.shipmentId), .confirmEarliestDeliveryWindow(shipmentId: selection.shipmentId)]
            }
        }
        let request = ConfirmTransportationOptionsRequest(transportationSelections: choice.selections.map {
            InboundTransportationSelection(shipmentId: $0.shipmentId, transportationOptionId: $0.transportationOptionId)
        })
        calls.append(.confirmTransportation(requestJSON: try InboundWorkflowStore.json(request)))
        return try await act(tenantID: tenantID, record, expected: [.chooseTransportation], InboundActionPlan(
            calls: calls, nextStep: .ready, returnStep: .chooseTransportation, message: "Carriers chosen for \(shipments.count) shipment\(shipments.count == 1 ? "" : "s")"))
    }

    func giveTracking(tenantID: UUID, connectionID: UUID, id: UUID, _ tracking: InboundTracking) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard let shipment = record.amazon.shipments.first(where: { $0.shipmentId == tracking.shipmentId }) else {
            throw InboundWorkflowError.invalidInput("shipment \(tracking.shipmentId) is not in this plan")
        }
        let request: UpdateShipmentTrackingDetailsRequest
        switch (tracking.parcels, tracking.freight) {
        case (let parcels?, nil):
            guard !parcels.isEmpty, parcels.allSatisfy({ shipment.boxIds.contains($0.boxId) && (1...60).contains($0.trackingId.count) }) else {
                throw InboundWorkflowError.invalidInput("give a tracking id (1 to 60 characters) for boxes of this shipment: \(shipment.boxIds.joined(separator: ", "))")
            }
            request = .parcels(parcels.map { ($0.boxId, $0.trackingId) })
        case (nil, let freight?):
            guard !freight.freightBillNumber.isEmpty else { throw InboundWorkflowError.invalidInput("freight needs its PRO (freight bill) number") }
            request = .freight(freightBillNumber: freight.freightBillNumber, billOfLadingNumber: freight.billOfLadingNumber)
        default:
            throw InboundWorkflowError.invalidInput("give either parcels (a tracking id per box) or freight")
        }
        return try await act(tenantID: tenantID, record, expected: [.ready], InboundActionPlan(
            calls: [.updateTracking(shipmentId: shipment.shipmentId, requestJSON: try InboundWorkflowStore.json(request))], nextStep: .ready,
            returnStep: .ready, message: "Tracking given for \(shipment.shipmentId)"))
    }

    /// Cancels the plan at Amazon: free before placement and within 24 hours after; Amazon
    /// refuses later, and the workflow says so and stays as it was.
    func cancel(tenantID: UUID, connectionID: UUID, id: UUID) async throws -> InboundWorkflowView {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard record.inboundPlanID != nil || record.working else {
            throw InboundWorkflowError.wrongStep(current: record.step, expected: InboundStep.allCases.filter { !$0.isFinal && $0 != .creatingPlan })
        }
        let open = InboundStep.allCases.filter { !$0.isFinal && $0 != .creatingPlan }
        return try await act(tenantID: tenantID, record, expected: open, InboundActionPlan(
            calls: [.cancel], nextStep: .cancelled, returnStep: record.step, message: "Cancellation requested"))
    }

    func act(tenantID: UUID, _ record: InboundWorkflowRecord, expected: [InboundStep], _ plan: InboundActionPlan) async throws -> InboundWorkflowView {
        try await store.act(tenantID: tenantID, id: record.id, expected: expected, plan: plan, job: job(tenantID: tenantID))
        await jobQueue.wake(queues: [queue])
        guard let updated = try await store.load(tenantID: tenantID, id: record.id) else { throw InboundWorkflowError.notFound }
        return view(updated, events: nil)
    }

    /// A shipment's box labels as Amazon's PDF.
    func labels(tenantID: UUID, connectionID: UUID, id: UUID, shipmentID: String, pageType: String) async throws -> [UInt8] {
        let record = try await owned(tenantID: tenantID, connectionID: connectionID, id: id)
        guard let shipment = record.amazon.shipments.first(where: { $0.shipmentId == shipmentID }) else {
            throw InboundWorkflowError.invalidInput("shipment \(shipmentID) is not in this plan")
        }
        guard record.step == .ready, let confirmation = shipment.confirmationId else { throw InboundWorkflowError.noLabelsYet(shipmentID) }
        return try await connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { _, api in
            try await SellerListings.amazon {
                try await api.downloadLabels(shipmentConfirmationID: confirmation, pageType: pageType, labelType: "UNIQUE")
            }
        }
    }

    func view(_ record: InboundWorkflowRecord, events: [InboundWorkflowView.Event]?) -> InboundWorkflowView {
        let voidableUntil = record.placementConfirmedAt.map { $0.addingTimeInterval(Self.voidWindow) }
        let shipped = record.amazon.shipments.contains { $0.status == "SHIPPED" || $0.status == "IN_TRANSIT" }
        let canCancel = !record.working && !record.step.isFinal && record.inboundPlanID != nil && !shipped
            && (voidableUntil.map { now() < $0 } ?? true)
        return InboundWorkflowView(
            workflowId: record.id, connectionId: record.connectionID, name: record.name, marketplaceId: record.marketplaceID,
            inboundPlanId: record.inboundPlanID, step: record.step, stepTitle: record.step.title, working: record.working,
            nextStep: record.working ? record.nextStep : nil, sourceAddress: record.sourceAddress, items: record.items, problems: record.problems,
            voidableUntil: voidableUntil, canCancel: canCancel, amazon: record.amazon, createdAt: record.createdAt, updatedAt: record.updatedAt,
            events: events)
    }

    // MARK: The job

    /// Makes the calls of the seller's last action, one at a time: sends the head call, records
    /// Amazon's operation, polls it (snoozing between polls without spending an attempt), and
    /// moves on when it succeeds. A failed operation returns the workflow to the seller's step
    /// with Amazon's problems. Throttling, Amazon down or a crash end the attempt; the retry
    /// resumes from the row.
    func run(tenantID: UUID, _ arguments: JobArguments, logger: Logger) async throws {
        while true {
            try Task.checkCancellation()
            guard let record = try await store.load(tenantID: tenantID, id: arguments.workflowId), record.revision == arguments.revision,
                  let call = record.calls.first else { return }
            do {
                try await connector.withSellingPartnerAPI(connectionID: record.connectionID, tenantID: tenantID) { _, api in
                    try await advance(tenantID: tenantID, record, call, api, logger: logger)
                }
            } catch let error as AmazonConnectionError {
                switch error {
                case .needsReauthorization, .disconnected, .notFound:
                    _ = try await store.callFailed(tenantID: tenantID, record: record, problems: [
                        InboundWorkflowView.Problem(code: "connection", message: error.apiError.message,
                                                    whatToDo: "Reconnect the Amazon account, then take this step again.")])
                    return
                default:
                    throw error
                }
            }
        }
    }

    func pause(afterPolls polls: Int) -> Double {
        min(maxPoll, firstPoll * pow(2, Double(min(polls, 20))))
    }

    private func advance(tenantID: UUID, _ record: InboundWorkflowRecord, _ call: InboundCall, _ api: SellingPartnerAPI,
                         logger: Logger) async throws {
        if let operation = record.operationID {
            let status = try await api.getInboundOperationStatus(operationID: operation)
            switch status.operationStatus {
            case "IN_PROGRESS":
                _ = try await store.countPoll(tenantID: tenantID, id: record.id, revision: record.revision)
                throw JobOutcome.snooze(seconds: pause(afterPolls: record.operationPolls))
            case "SUCCESS":
                try await succeed(tenantID: tenantID, record, call, api)
            default:
                let errors = status.operationProblems.filter { $0.severity == "ERROR" }
                let problems = errors.isEmpty ? status.operationProblems : errors
                // Amazon is still creating the plan (a plan found again after a crash): ask again shortly.
                if !problems.isEmpty, problems.allSatisfy({ $0.code == "FBA_INB_0101" }) {
                    _ = try await store.resend(tenantID: tenantID, id: record.id, revision: record.revision)
                    throw JobOutcome.snooze(seconds: firstPoll)
                }
                logger.info("inbound operation failed", metadata: ["workflow": "\(record.id)", "operation": "\(status.operation)",
                                                                   "codes": "\(problems.map(\.code))"])
                _ = try await store.callFailed(tenantID: tenantID, record: record, problems: problems.isEmpty
                    ? [InboundProblemWords.problem(code: "FAILED", message: "Amazon's \(status.operation) failed without saying why")]
                    : problems.map { InboundProblemWords.problem(code: $0.code, message: $0.message) })
            }
            return
        }
        // Sent before a crash, with its operation unrecorded: what Amazon shows decides whether
        // to send it again (a plan is never created twice).
        if record.callSentAt != nil {
            if case .createPlan = call, record.inboundPlanID == nil {
                if let found = try await plan(named: record.amazonName, api) {
                    _ = try await store.adoptPlan(tenantID: tenantID, id: record.id, revision: record.revision, inboundPlanID: found)
                    logger.notice("found the plan a crash left unrecorded", metadata: ["workflow": "\(record.id)", "plan": "\(found)"])
                    return
                }
            } else if try await alreadyDone(record, call, api) {
                try await succeed(tenantID: tenantID, record, call, api)
                return
            }
        }
        guard try await store.markSent(tenantID: tenantID, id: record.id, revision: record.revision) else { return }
        do {
            let (operation, planID) = try await start(record, call, api)
            _ = try await store.recordOperation(tenantID: tenantID, id: record.id, revision: record.revision, operationID: operation,
                                                inboundPlanID: planID)
        } catch let error as SPAPIError {
            guard case .api(_, let status, let errors, _) = error, (400..<500).contains(status), status != 429 else { throw error }
            _ = try await store.callFailed(tenantID: tenantID, record: record, problems: errors.isEmpty
                ? [InboundProblemWords.problem(code: "HTTP \(status)", message: "Amazon refused the request")]
                : errors.map { InboundProblemWords.problem(code: $0.code, message: $0.message) })
        }
    }

    private func plan(named name: String, _ api: SellingPartnerAPI) async throws -> String? {
        for try await page in api.allInboundPlans() {
            if let plan = page.inboundPlans?.first(where: { $0.name == name }) { return plan.inboundPlanId }
        }
        return nil
    }

    /// Whether a call sent before a crash took effect (the confirmations Amazon would refuse twice).
    private func alreadyDone(_ record: InboundWorkflowRecord, _ call: InboundCall, _ api: SellingPartnerAPI) async throws -> Bool {
        guard let planID = record.inboundPlanID else { return false }
        switch call {
        case .createPlan:
            return true
        case .confirmPacking(let option):
            return try await api.getInboundPlan(inboundPlanID: planID).packingOptions?
                .contains { $0.packingOptionId == option && $0.status == "ACCEPTED" } ?? false
        case .confirmPlacement(let option):
            return try await api.getInboundPlan(inboundPlanID: planID).placementOptions?
                .contains { $0.placementOptionId == option && $0.status == "ACCEPTED" } ?? false
        case .confirmTransportation(let json):
            let request = try OpsideJSON.decoder.decode(ConfirmTransportationOptionsRequest.self, from: Data(json.utf8))
            for selection in request.transportationSelections {
                let shipment = try await api.getShipment(inboundPlanID: planID, shipmentID: selection.shipmentId)
                guard shipment.selectedTransportationOptionId == selection.transportationOptionId else { return false }
            }
            return true
        case .cancel:
            return try await api.getInboundPlan(inboundPlanID: planID).status == "VOIDED"
        default:
            // Generating options, box contents, delivery windows and tracking may be sent again.
            return false
        }
    }

    /// Sends a call. - Returns: Amazon's operation, and the plan's id for a create.
    private func start(_ record: InboundWorkflowRecord, _ call: InboundCall, _ api: SellingPartnerAPI) async throws -> (String, String?) {
        if case .createPlan = call {
            let created = try await api.createInboundPlan(CreateInboundPlanRequest(
                destinationMarketplaces: [record.marketplaceID],
                items: record.items.map { InboundPlanItemInput(msku: $0.msku, quantity: $0.quantity, labelOwner: $0.labelOwner,
                                                               prepOwner: $0.prepOwner, expiration: $0.expiration) },
                name: record.amazonName, sourceAddress: record.sourceAddress))
            return (created.operationId, created.inboundPlanId)
        }
        guard let plan = record.inboundPlanID else { throw InboundWorkflowError.invalidInput("the plan has no Amazon id yet") }
        let decoder = OpsideJSON.decoder
        let operation: String
        switch call {
        case .createPlan:
            preconditionFailure("handled above")
        case .generatePacking:
            operation = try await api.generatePackingOptions(inboundPlanID: plan)
        case .confirmPacking(let option):
            operation = try await api.confirmPackingOption(inboundPlanID: plan, packingOptionID: option)
        case .setPacking(let json):
            operation = try await api.setPackingInformation(inboundPlanID: plan, try decoder.decode(SetPackingInformationRequest.self, from: Data(json.utf8)))
        case .generatePlacement:
            operation = try await api.generatePlacementOptions(inboundPlanID: plan)
        case .confirmPlacement(let option):
            operation = try await api.confirmPlacementOption(inboundPlanID: plan, placementOptionID: option)
        case .generateTransportation(let json):
            operation = try await api.generateTransportationOptions(
                inboundPlanID: plan, try decoder.decode(GenerateTransportationOptionsRequest.self, from: Data(json.utf8)))
        case .generateDeliveryWindows(let shipment):
            operation = try await api.generateDeliveryWindowOptions(inboundPlanID: plan, shipmentID: shipment)
        case .confirmEarliestDeliveryWindow(let shipment):
            let windows = try await api.listDeliveryWindowOptions(inboundPlanID: plan, shipmentID: shipment).deliveryWindowOptions
            guard let earliest = windows.min(by: { $0.startDate < $1.startDate }) else {
                throw SPAPIError.api(operation: SPAPIOperations.inbound2024("listDeliveryWindowOptions"), status: 400,
                                     errors: [SPAPIErrorItem(code: "NoDeliveryWindow", message: "Amazon offered no delivery window for \(shipment)", details: nil)],
                                     requestID: nil)
            }
            operation = try await api.confirmDeliveryWindowOptions(inboundPlanID: plan, shipmentID: shipment,
                                                                   deliveryWindowOptionID: earliest.deliveryWindowOptionId)
        case .confirmTransportation(let json):
            operation = try await api.confirmTransportationOptions(
                inboundPlanID: plan, try decoder.decode(ConfirmTransportationOptionsRequest.self, from: Data(json.utf8)))
        case .updateTracking(let shipment, let json):
            operation = try await api.updateShipmentTrackingDetails(
                inboundPlanID: plan, shipmentID: shipment, try decoder.decode(UpdateShipmentTrackingDetailsRequest.self, from: Data(json.utf8)))
        case .cancel:
            operation = try await api.cancelInboundPlan(inboundPlanID: plan)
        }
        return (operation, nil)
    }

    /// The head call is done: the next call's turn, or, after the last, the next step with what
    /// Amazon now offers.
    private func succeed(tenantID: UUID, _ record: InboundWorkflowRecord, _ call: InboundCall, _ api: SellingPartnerAPI) async throws {
        let last = record.calls.count == 1
        let amazon = last ? try await refresh(record, for: record.nextStep ?? record.step, api) : nil
        var placed = false
        if case .confirmPlacement = call { placed = true }
        _ = try await store.callSucceeded(tenantID: tenantID, record: record, amazon: amazon, placementConfirmed: placed)
    }

    /// What the seller chooses from at `step`, read from Amazon.
    func refresh(_ record: InboundWorkflowRecord, for step: InboundStep, _ api: SellingPartnerAPI) async throws -> InboundAmazonState {
        var state = record.amazon
        guard let plan = record.inboundPlanID else { return state }
        switch step {
        case .choosePacking:
            var options: [InboundAmazonState.PackingOption] = []
            for option in try await api.listPackingOptions(inboundPlanID: plan, pageSize: 20).packingOptions {
                var groups: [InboundAmazonState.PackingGroup] = []
                for group in option.packingGroups {
                    var items: [InboundAmazonState.GroupItem] = []
                    for try await page in api.allPackingGroupItems(inboundPlanID: plan, packingGroupID: group) {
                        items += page.items.map {
                            .init(msku: $0.msku, fnsku: $0.fnsku, quantity: $0.quantity, labelOwner: $0.labelOwner,
                                  prepType: $0.prepInstructions.first?.prepType, prepOwner: $0.prepInstructions.first?.prepOwner)
                        }
                    }
                    groups.append(.init(packingGroupId: group, items: items))
                }
                options.append(.init(packingOptionId: option.packingOptionId, groups: groups, fee: try option.netFee(),
                                     boxPackingMethods: option.supportedConfigurations.flatMap { $0.boxPackingMethods ?? [] },
                                     shippingModes: option.supportedShippingConfigurations.compactMap(\.shippingMode), expiration: option.expiration))
            }
            state.packingOptions = options
        case .choosePlacement:
            state.placementOptions = try await api.listPlacementOptions(inboundPlanID: plan, pageSize: 20).placementOptions.map {
                .init(placementOptionId: $0.placementOptionId, shipmentIds: $0.shipmentIds, fee: try $0.netFee(), expiration: $0.expiration)
            }
        case .shippingDetails:
            state.shipments = try await shipments(plan, state, api, withBoxes: false)
        case .chooseTransportation:
            var options: [InboundAmazonState.TransportationOption] = []
            for try await page in api.allTransportationOptions(inboundPlanID: plan, placementOptionID: state.chosenPlacementOptionId) {
                options += try page.transportationOptions.map {
                    .init(transportationOptionId: $0.transportationOptionId, shipmentId: $0.shipmentId,
                          carrier: $0.carrier.name ?? $0.carrier.alphaCode, shippingMode: $0.shippingMode, shippingSolution: $0.shippingSolution,
                          cost: try $0.quote?.cost.money(), needsDeliveryWindow: $0.needsDeliveryWindow, voidableUntil: $0.quote?.voidableUntil)
                }
            }
            state.transportationOptions = options
            state.shipments = try await shipments(plan, state, api, withBoxes: false)
        case .ready:
            state.shipments = try await shipments(plan, state, api, withBoxes: true)
        case .cancelled:
            state.planStatus = try await api.getInboundPlan(inboundPlanID: plan).status
            state.shipments = try await shipments(plan, state, api, withBoxes: false)
        case .creatingPlan, .boxContents, .failed:
            break
        }
        if step != .cancelled { state.planStatus = nil }
        return state
    }

    private func shipments(_ plan: String, _ state: InboundAmazonState, _ api: SellingPartnerAPI,
                           withBoxes: Bool) async throws -> [InboundAmazonState.Shipment] {
        guard let placement = state.placementOptions.first(where: { $0.placementOptionId == state.chosenPlacementOptionId }) else { return [] }
        var shipments: [InboundAmazonState.Shipment] = []
        for id in placement.shipmentIds {
            let shipment = try await api.getShipment(inboundPlanID: plan, shipmentID: id)
            var boxIDs: [String] = []
            var items: [InboundAmazonState.Shipment.Item] = []
            if withBoxes {
                boxIDs = try await api.listShipmentBoxes(inboundPlanID: plan, shipmentID: id).boxes.compactMap(\.boxId)
                items = try await api.listShipmentItems(inboundPlanID: plan, shipmentID: id).items.map { .init(msku: $0.msku, quantity: $0.quantity) }
            }
            let tracking = (shipment.trackingDetails?.spdTrackingDetail?.spdTrackingItems?.compactMap(\.trackingId) ?? [])
                + (shipment.trackingDetails?.ltlTrackingDetail?.freightBillNumber ?? [])
            let address = shipment.destination.address.map { "\($0.city), \($0.stateOrProvinceCode ?? $0.countryCode)" }
            let window = shipment.selectedDeliveryWindow.map { "\($0.startDate) – \($0.endDate)" }
            shipments.append(.init(shipmentId: id, confirmationId: shipment.shipmentConfirmationId, status: shipment.status,
                                   warehouseId: shipment.destination.warehouseId, destination: address,
                                   selectedTransportationOptionId: shipment.selectedTransportationOptionId, deliveryWindow: window,
                                   boxIds: boxIDs, items: items, trackingIds: tracking))
        }
        return shipments
    }
}
