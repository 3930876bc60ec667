@testable import AmazonSandbox
import Foundation
import Integrations
import NIOHTTP1
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsideTesting
import PostgresNIO
import Testing

/// The FBA inbound workflow end to end: main-api's gateway, integrations' workflow and its job,
/// the SP-API client and the Amazon sandbox's Fulfillment Inbound 2024-03-20. The sandbox clock
/// stands still, so each Amazon operation stays IN_PROGRESS until the test moves the clock.
@Suite struct InboundWorkflowsTests {
    /// Short polls: the job's snoozes between polls are real waits.
    static let overrides = ["inbound.firstPollSeconds": "0.1", "inbound.maxPollSeconds": "0.5"]
    static let address = #"{"name":"Warehouse","addressLine1":"1 Dock Rd","city":"Reno","stateOrProvinceCode":"NV","postalCode":"89501","countryCode":"US","phoneNumber":"7755550100"}"#

    struct Seller: Sendable {
        let stack: IntegrationsStack
        let session: String
        let tenant: String
        let connection: String
        let sellingPartnerID: String
        let skus: [String]

        var base: String { "/api/v1/amazon/connections/\(connection)/inbound-workflows" }

        /// A signed-up seller whose sandbox account has 12 products, connected, with the sandbox clock frozen.
        static func connect(_ stack: IntegrationsStack, email: String, seed: Int) async throws -> Seller {
            let created = try await TestHTTP.request(.POST, stack.sandbox.baseURL + "/_sandbox/sellers", json: #"{"seed":\#(seed),"skus":12,"months":1}"#)
            guard created.status == 201 else { throw TestFailure(description: "sandbox seller: \(created.text)") }
            let seller = try JSONDecoder().decode(IntegrationsSandbox.Seller.self, from: created.body)
            let (session, tenant) = try await TestSignUp.signUp(stack.mainAPI, email: email)
            let connect = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
                {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
                """)
            guard connect.status == 201 else { throw TestFailure(description: "connect: \(connect.status) \(connect.text)") }
            let connection = try (try connect.json()["id"] as? String).unwrap("id")
            let listings = try await stack.api(.GET, "/api/v1/amazon/connections/\(connection)/listings", token: session)
            let skus = try OpsideJSON.decoder.decode(ListingPage.self, from: listings.body).listings.map(\.sku)
            let frozen = try await TestHTTP.request(.POST, stack.sandbox.baseURL + "/_sandbox/clock", json: #"{"freeze":true}"#)
            guard frozen.status == 200 else { throw TestFailure(description: "freeze: \(frozen.text)") }
            return Seller(stack: stack, session: session, tenant: tenant, connection: connection, sellingPartnerID: seller.sellingPartnerId, skus: skus)
        }

        var plain: [String] { skus.filter { SandboxInboundRules.prep(forSKU: $0) == nil } }
        var fragile: String? { skus.first { SandboxInboundRules.prep(forSKU: $0) != nil } }

        func call(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> TestHTTP.Reply {
            try await stack.api(method, base + path, token: session, json: json)
        }

        func workflow(_ id: String) async throws -> InboundWorkflowView {
            let reply = try await call(.GET, "/\(id)")
            guard reply.status == 200 else { throw TestFailure(description: "GET workflow: \(reply.status) \(reply.text)") }
            return try Self.decode(reply)
        }

        static func decode(_ reply: TestHTTP.Reply) throws -> InboundWorkflowView {
            struct Answer: Decodable { let workflow: InboundWorkflowView }
            return try OpsideJSON.decoder.decode(Answer.self, from: reply.body).workflow
        }

        /// An action: 202, the workflow working on it.
        @discardableResult
        func act(_ id: String, _ action: String, _ json: String = "{}") async throws -> InboundWorkflowView {
            let reply = try await call(.POST, "/\(id)/\(action)", json: json)
            guard reply.status == 202 else { throw TestFailure(description: "\(action): \(reply.status) \(reply.text)") }
            let workflow = try Self.decode(reply)
            #expect(workflow.working, "\(action) leaves the workflow working on Amazon's side")
            return workflow
        }

        /// Moves Amazon's clock past each operation until the workflow rests at the seller's turn.
        func settle(_ id: String) async throws -> InboundWorkflowView {
            let rested = try await eventually(timeout: .seconds(60)) {
                try await stack.sandbox.advanceClock(seconds: 3)
                return try await workflow(id).working == false
            }
            guard rested else { throw TestFailure(description: "the workflow kept working") }
            // At rest it stays as it is until the seller acts.
            return try await workflow(id)
        }

        func amazonRequests(_ operation: String) async throws -> Int {
            let reply = try await TestHTTP.request(.GET, stack.sandbox.baseURL + "/_sandbox/sellers/\(sellingPartnerID)/stats")
            let stats = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
            return (stats?["requests"] as? [String: Any])?[SPAPIOperations.inbound2024(operation).id] as? Int ?? 0
        }
    }

    static func items(_ pairs: [(String, Int)], prepOwner: String = "SELLER") -> String {
        pairs.map { #"{"msku":"\#($0.0)","quantity":\#($0.1),"prepOwner":"\#(prepOwner)"}"# }.joined(separator: ",")
    }

    /// Boxes for every group of the chosen packing option: two identical boxes of `pounds`, each
    /// with half the group's units (the plan's quantities are even).
    static func boxes(_ workflow: InboundWorkflowView, pounds: Int = 20, short: Bool = false) throws -> String {
        let option = try workflow.amazon.chosenPackingOption.unwrap("a chosen packing option")
        let groups = option.groups.map { group in
            let items = group.items.enumerated().map { index, item in
                #"{"msku":"\#(item.msku)","quantity":\#(item.quantity / 2 - (short && index == 0 ? 1 : 0)),"labelOwner":"\#(item.labelOwner)","prepOwner":"\#(item.prepOwner ?? "SELLER")"}"#
            }.joined(separator: ",")
            return #"{"packingGroupId":"\#(group.packingGroupId)","boxes":[{"contentInformationSource":"BOX_CONTENT_PROVIDED","dimensions":{"length":18,"width":14,"height":12,"unitOfMeasurement":"IN"},"weight":{"value":\#(pounds),"unit":"LB"},"items":[\#(items)],"quantity":2}]}"#
        }
        return #"{"packageGroupings":[\#(groups.joined(separator: ","))]}"#
    }

    @Test func aSellerTakesAPlanFromItemsToLabelledTrackedShipmentsStepByStep() async throws {
        let stack = try await IntegrationsStack.start(integrationsOverrides: Self.overrides)
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "inbound@acme.test", seed: 61)
        let plain = seller.plain
        try #require(plain.count >= 2)
        let body = #"{"requestKey":"autumn-1","name":"Autumn restock","sourceAddress":\#(Self.address),"items":[\#(Self.items([(plain[0], 24), (plain[1], 12)]))]}"#

        // Created once: the same key answers the same workflow.
        let created = try await seller.call(.POST, "", json: body)
        #expect(created.status == 202, "create answered \(created.text)")
        let started = try Seller.decode(created)
        #expect(started.step == .creatingPlan && started.working && started.nextStep == .choosePacking)
        let again = try await seller.call(.POST, "", json: body)
        let againID = try Seller.decode(again).workflowId
        #expect(again.status == 200 && againID == started.workflowId)
        let reused = try await seller.call(.POST, "", json: body.replacingOccurrences(of: "Autumn restock", with: "Winter"))
        #expect(reused.status == 409)
        let id = started.workflowId.uuidString

        // Packing options, with each group's items.
        var workflow = try await seller.settle(id)
        #expect(workflow.step == .choosePacking, "\(workflow.problems)")
        #expect(workflow.inboundPlanId != nil)
        let packing = try #require(workflow.amazon.packingOptions.first)
        #expect(Set(packing.groups.flatMap(\.items).map(\.msku)) == Set(plain.prefix(2)))
        #expect(try await seller.amazonRequests("createInboundPlan") == 1)
        // Out of turn: a placement before packing is refused and changes nothing.
        let early = try await seller.call(.POST, "/\(id)/placement", json: #"{"placementOptionId":"pl1"}"#)
        #expect(early.status == 422 || early.status == 409)
        try await seller.act(id, "packing", #"{"packingOptionId":"\#(packing.packingOptionId)"}"#)
        workflow = try await seller.settle(id)
        #expect(workflow.step == .boxContents)

        // A miscount is named before Amazon is asked; a box Amazon finds too heavy comes back with Amazon's words.
        let miscounted = try await seller.call(.POST, "/\(id)/boxes", json: try Self.boxes(workflow, short: true))
        #expect(miscounted.status == 422 && miscounted.text.contains("the plan sends"), "\(miscounted.text)")
        try await seller.act(id, "boxes", try Self.boxes(workflow, pounds: 60))
        workflow = try await seller.settle(id)
        #expect(workflow.step == .boxContents)
        let heavy = try #require(workflow.problems.first)
        #expect(heavy.code == "FBA_INB_0343" && heavy.whatToDo.contains("weight"))
        try await seller.act(id, "boxes", try Self.boxes(workflow))
        workflow = try await seller.settle(id)
        #expect(workflow.step == .choosePlacement && workflow.problems.isEmpty)

        // Placement: the fee of each option shown; the seller takes the single shipment and its fee.
        #expect(workflow.amazon.placementOptions.count == 2)
        let single = try #require(workflow.amazon.placementOptions.first { $0.shipmentIds.count == 1 })
        #expect(single.fee == Money(amountMinor: 36 * 30, currency: .usd))
        #expect(workflow.amazon.placementOptions.contains { $0.fee == Money(amountMinor: 0, currency: .usd) })
        try await seller.act(id, "placement", #"{"placementOptionId":"\#(single.placementOptionId)"}"#)
        workflow = try await seller.settle(id)
        #expect(workflow.step == .shippingDetails && workflow.voidableUntil != nil && workflow.canCancel)
        let shipmentID = try #require(workflow.amazon.shipments.first?.shipmentId)

        // Carriers quoted from the ready date; the seller's own carrier gets the earliest delivery window.
        let tomorrow = Date().addingTimeInterval(86_400).formatted(.iso8601)
        let past = try await seller.call(.POST, "/\(id)/shipping-details", json: #"{"readyToShip":"2020-01-01","contact":{"name":"Dock","phoneNumber":"7755550100"}}"#)
        #expect(past.status == 422)
        try await seller.act(id, "shipping-details", #"{"readyToShip":"\#(tomorrow)","contact":{"name":"Dock manager","phoneNumber":"7755550100","email":"dock@example.com"}}"#)
        workflow = try await seller.settle(id)
        #expect(workflow.step == .chooseTransportation)
        let own = try #require(workflow.amazon.transportationOptions.first { $0.shipmentId == shipmentID && $0.shippingSolution == "USE_YOUR_OWN_CARRIER" })
        #expect(own.needsDeliveryWindow && own.cost == nil)
        #expect(workflow.amazon.transportationOptions.contains { $0.shippingSolution == "AMAZON_PARTNERED_CARRIER" && $0.cost != nil })
        try await seller.act(id, "carriers", #"{"selections":[{"shipmentId":"\#(shipmentID)","transportationOptionId":"\#(own.transportationOptionId)"}]}"#)
        workflow = try await seller.settle(id)
        #expect(workflow.step == .ready, "\(workflow.problems)")
        let shipment = try #require(workflow.amazon.shipments.first)
        #expect(shipment.confirmationId?.hasPrefix("FBA") == true && shipment.deliveryWindow != nil)
        #expect(shipment.selectedTransportationOptionId == own.transportationOptionId)
        #expect(Dictionary(uniqueKeysWithValues: shipment.items.map { ($0.msku, $0.quantity) }) == [plain[0]: 24, plain[1]: 12])

        // Labels: Amazon's PDF through the gateway.
        let labels = try await seller.call(.GET, "/\(id)/shipments/\(shipmentID)/labels?pageType=PackageLabel_Letter_6")
        #expect(labels.status == 200 && labels.header("content-type") == "application/pdf", "\(labels.status) \(labels.text.prefix(300))")
        let firstBox = try #require(shipment.boxIds.first)
        #expect(labels.text.hasPrefix("%PDF-1.4") && labels.text.contains(firstBox))
        #expect(try await seller.call(.GET, "/\(id)/shipments/\(shipmentID)/labels?pageType=Poster").status == 422)

        // Tracking per box; the shipment is then shipped, and Amazon refuses a cancellation with the workflow unchanged.
        let parcels = shipment.boxIds.enumerated().map { #"{"boxId":"\#($1)","trackingId":"1Z999AA10123456\#($0)"}"# }.joined(separator: ",")
        try await seller.act(id, "tracking", #"{"shipmentId":"\#(shipmentID)","parcels":[\#(parcels)]}"#)
        workflow = try await seller.settle(id)
        #expect(workflow.step == .ready && workflow.amazon.shipments.first?.status == "SHIPPED")
        #expect(workflow.amazon.shipments.first?.trackingIds.count == shipment.boxIds.count)
        #expect(!workflow.canCancel)
        try await seller.act(id, "cancel")
        workflow = try await seller.settle(id)
        #expect(workflow.step == .ready && workflow.problems.first?.code == "BadRequest")
        #expect((workflow.events?.count ?? 0) >= 14, "every action and every operation's end is in the log")

        // Another tenant sees none of it; the list shows it to its own.
        let other = try await Seller.connect(stack, email: "inbound-other@acme.test", seed: 62)
        #expect(try await other.stack.api(.GET, seller.base + "/\(id)", token: other.session).status == 404)
        #expect(try await other.call(.GET, "/\(id)").status == 404)
        let list = try await seller.call(.GET, "")
        #expect(list.status == 200 && list.text.contains(id.lowercased()))
    }

    @Test func aPlanAmazonRefusesEndsFailedNamingTheSKUAndWhatToDo() async throws {
        let stack = try await IntegrationsStack.start(integrationsOverrides: Self.overrides)
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "inbound-refused@acme.test", seed: 63)
        let fragile = try #require(seller.fragile, "no fragile SKU among \(seller.skus)")
        // Bad input never reaches Amazon.
        for bad in [#"{"name":"x","sourceAddress":\#(Self.address),"items":[]}"#,
                    #"{"name":"x","sourceAddress":\#(Self.address),"items":[\#(Self.items([(fragile, 0)]))]}"#,
                    #"{"name":"x","sourceAddress":\#(Self.address.replacingOccurrences(of: "\"US\"", with: "\"usa\"")),"items":[\#(Self.items([(fragile, 1)]))]}"#,
                    // Amazon's AddressInput requires a phone number.
                    #"{"name":"x","sourceAddress":\#(Self.address.replacingOccurrences(of: ",\"phoneNumber\":\"7755550100\"", with: "")),"items":[\#(Self.items([(fragile, 1)]))]}"#] {
            #expect(try await seller.call(.POST, "", json: bad).status == 422, "\(bad)")
        }
        #expect(try await seller.amazonRequests("createInboundPlan") == 0)

        let created = try await seller.call(.POST, "", json: #"{"name":"Fragile","sourceAddress":\#(Self.address),"items":[\#(Self.items([(fragile, 5)], prepOwner: "NONE"))]}"#)
        #expect(created.status == 202)
        let workflow = try await seller.settle(try Seller.decode(created).workflowId.uuidString)
        #expect(workflow.step == .failed && !workflow.canCancel)
        let problem = try #require(workflow.problems.first { $0.code == "FBA_INB_0051" })
        #expect(problem.message.contains(fragile) && problem.whatToDo.contains("prepOwner SELLER"))
        #expect(try await seller.call(.POST, "/\(workflow.workflowId.uuidString)/packing", json: #"{"packingOptionId":"po1"}"#).status != 202)
    }

    /// Inside the void window a cancellation goes through: the plan is VOIDED at Amazon and the
    /// workflow ends, refusing any further step.
    @Test func aPlanCancelledBeforePlacementIsVoidedAtAmazonAndEnds() async throws {
        let stack = try await IntegrationsStack.start(integrationsOverrides: Self.overrides)
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "inbound-cancel@acme.test", seed: 65)
        let created = try await seller.call(.POST, "", json: #"{"name":"Changed my mind","sourceAddress":\#(Self.address),"items":[\#(Self.items([(seller.plain[0], 6)]))]}"#)
        let id = try Seller.decode(created).workflowId.uuidString
        // Not while Amazon is still creating the plan.
        #expect(try await seller.call(.POST, "/\(id)/cancel").status == 409)
        var workflow = try await seller.settle(id)
        #expect(workflow.step == .choosePacking && workflow.canCancel && workflow.voidableUntil == nil)
        try await seller.act(id, "cancel")
        workflow = try await seller.settle(id)
        #expect(workflow.step == .cancelled && workflow.amazon.planStatus == "VOIDED" && !workflow.canCancel, "\(workflow.problems)")
        let packing = try #require(workflow.amazon.packingOptions.first)
        let after = try await seller.call(.POST, "/\(id)/packing", json: #"{"packingOptionId":"\#(packing.packingOptionId)"}"#)
        #expect(after.status == 409 && after.text.contains("Cancelled"), "\(after.text)")
        #expect(try await seller.amazonRequests("cancelInboundPlan") == 1)
    }

    /// integrations stops while Amazon is working, and, worse, after Amazon created the plan but
    /// before its id was written: the new process finds the plan by its name instead of creating
    /// another, and the workflow goes on from where it stood.
    @Test func aRestartMidWorkflowResumesWithoutCreatingThePlanTwice() async throws {
        let stack = try await IntegrationsStack.start(integrationsOverrides: Self.overrides)
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "inbound-restart@acme.test", seed: 64)
        let plain = seller.plain
        let created = try await seller.call(.POST, "", json: #"{"name":"Restart","sourceAddress":\#(Self.address),"items":[\#(Self.items([(plain[0], 10)]))]}"#)
        let id = try Seller.decode(created).workflowId
        // The create was sent and its operation recorded; Amazon's clock stands still, so it runs on.
        #expect(try await eventually(timeout: .seconds(30)) {
            try await stack.database.count("SELECT count(*) FROM integrations.inbound_workflows WHERE id = '\(id.uuidString)' AND operation_id IS NOT NULL") == 1
        })
        await stack.integrations.stop()
        // As if the process had died between Amazon's answer and writing it down.
        let planID = try await stack.database.withSuperuser { db -> String? in
            let rows = try await db.query("SELECT inbound_plan_id FROM integrations.inbound_workflows WHERE id = \(id)", logger: TestEnvironment.logger)
            for try await plan in rows.decode(String?.self) { return plan }
            return nil
        }
        try #require(planID != nil)
        try await stack.database.withSuperuser { db in
            try await db.query("""
                UPDATE integrations.inbound_workflows SET inbound_plan_id = NULL, operation_id = NULL WHERE id = \(id)
                """, logger: TestEnvironment.logger)
            try await db.query("""
                UPDATE platform.jobs SET scheduled_at = now() WHERE kind = 'integrations.inbound-workflow' AND state IN ('scheduled', 'retryable')
                """, logger: TestEnvironment.logger)
        }
        let restarted = try await RunningService.start(.integrations, database: stack.database,
                                                       overrides: stack.sandbox.amazonOverrides.merging(Self.overrides) { $1 })
        defer { Task { await restarted.stop() } }
        let mainAPI = try await RunningService.start(.mainAPI, database: stack.database, overrides: ["services.integrations.url": restarted.baseURL])
        defer { Task { await mainAPI.stop() } }
        let resumed = Seller(stack: IntegrationsStack(database: stack.database, sandbox: stack.sandbox, integrations: restarted, mainAPI: mainAPI,
                                                      clocks: stack.clocks),
                             session: seller.session, tenant: seller.tenant, connection: seller.connection,
                             sellingPartnerID: seller.sellingPartnerID, skus: seller.skus)
        let workflow = try await resumed.settle(id.uuidString)
        #expect(workflow.step == .choosePacking, "\(workflow.problems)")
        #expect(workflow.inboundPlanId == planID, "the plan Amazon had created was found, not made again")
        #expect(try await seller.amazonRequests("createInboundPlan") == 1)
        #expect(try await seller.amazonRequests("listInboundPlans") >= 1)
        await mainAPI.stop()
        await restarted.stop()
        await stack.stop()
    }
}
