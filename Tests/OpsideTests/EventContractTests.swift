import Foundation
import OpsideTesting
import OpsideCore
import OpsideEvents
import OpsideJobs
import Testing

/// The suite's events: every type, who consumes it, and the JSON they travel as.
@Suite struct EventContractTests {
    /// Events nobody consumes reach only the realtime feed. A new event type without a consumer
    /// shows up here (add it to the expected list if that is what it is for).
    @Test func everyEventTypeIsListedWithItsConsumersAndTheUnconsumedOnesAreTheExpectedOnes() {
        let names = EventConsumers.eventTypes.map { $0.name }
        #expect(names.sorted() == ["amazon.ads_connected", "amazon.ads_disconnected", "amazon.connected", "amazon.disconnected", "amazon.inventory_changed", "amazon.order_changed",
                                   "amazon.reauthorization_required", "amazon.report_finished",
                                   "billing.invoice_paid", "billing.payment_failed", "billing.standing_changed", "case.filed",
                                   "case.status_changed", "cases.filing_reminder", "claims.deadlines_approaching", "claims.detected",
                                   "costs.updated", "document.parsed", "evidence.matched", "payout.failed", "payout.paid",
                                   "prompt.answered", "prompt.created", "proof_packet.generated", "reimbursement.received", "sync.completed", "sync.failed",
                                   "sync.reauthorization_required", "tenant.created"])
        // Every event reaches a consumer now: main-api notifies people of the ones nothing else acts on.
        #expect(EventConsumers.unconsumedEvents == [])
        // Every consumer is of a known event, and no two share a job kind.
        for consumer in EventConsumers.all { #expect(names.contains(consumer.event), "\(consumer) consumes an unlisted event") }
        #expect(Set(EventConsumers.all.map(\.kind)).count == EventConsumers.all.count)
        // The relay's table is the declarations, nothing else.
        #expect(EventConsumers.subscriptions.all == EventConsumers.all)
        #expect(EventConsumers.subscriptions.subscriptions(for: AmazonDisconnected.name)
                == [EventSubscription(event: "amazon.disconnected", queue: "inventory-sync", kind: "inventory-sync.connection-disconnected")])
        #expect(EventConsumers.subscriptions.subscriptions(for: SyncFailed.name)
                == [EventSubscription(event: "sync.failed", queue: "main-api", kind: "main-api.notify-sync-failed")])
    }

    /// Services start only when their handlers match the consumers declared for their queues;
    /// this is the comparison they make.
    @Test func aConsumerDeclaredButNotRegisteredOrRegisteredButNotDeclaredIsFound() {
        var complete = JobRegistry()
        complete.consume(EventConsumers.backfillConnection) { _, _, _ in }
        complete.consume(EventConsumers.stopSyncingConnection) { _, _, _ in }
        complete.consume(EventConsumers.applyInventoryChange) { _, _, _ in }
        complete.consume(EventConsumers.applyOrderChange) { _, _, _ in }
        complete.consume(EventConsumers.recordReportFinished) { _, _, _ in }
        complete.consume(EventConsumers.syncAdsSpend) { _, _, _ in }
        complete.consume(EventConsumers.stopSyncingAdsSpend) { _, _, _ in }
        let fine = EventConsumers.mismatches(queues: ["inventory-sync"], registry: complete)
        #expect(fine.unregistered.isEmpty && fine.undeclared.isEmpty)

        var missing = JobRegistry()
        missing.consume(EventConsumers.backfillConnection) { _, _, _ in }
        #expect(EventConsumers.mismatches(queues: ["inventory-sync"], registry: missing).unregistered
                == [EventConsumers.stopSyncingConnection.subscription, EventConsumers.applyInventoryChange.subscription,
                    EventConsumers.applyOrderChange.subscription, EventConsumers.recordReportFinished.subscription,
                    EventConsumers.syncAdsSpend.subscription, EventConsumers.stopSyncingAdsSpend.subscription])

        // payments' handler registered in inventory-sync: declared for another queue.
        complete.consume(EventConsumers.openBillingAccount) { _, _, _ in }
        #expect(EventConsumers.mismatches(queues: ["inventory-sync"], registry: complete).undeclared
                == [EventConsumers.openBillingAccount.subscription])
    }

    /// Each service owning a queue that consumes events boots through its composition root,
    /// which refuses to start unless it registers exactly the consumers declared for its queues.
    @Test func everyDeclaredConsumerIsRegisteredByTheServiceThatOwnsItsQueue() async throws {
        let database = try await TestDatabase.create()
        let owners = Set(EventConsumers.all.map(\.queue)).sorted()
        #expect(owners == ["claim-detector", "evidence-engine", "integrations", "inventory-sync", "main-api", "mcde", "payments",
                           "refund-engine"])
        for queue in owners {
            let service = try OpsideService.allCases.first { $0.name == queue }.unwrap("the service owning queue \(queue)")
            let running = try await RunningService.start(service, database: database)
            await running.stop()
        }
    }

    @Test func payloadsAndEnvelopesUseCamelCaseIdsAndLowercaseUUIDs() throws {
        let connection = UUID(), tenant = UUID()
        let payload = String(decoding: try EventJSON.encoder.encode(
            AmazonDisconnected(connectionId: connection, sellingPartnerId: "A1SELLER", region: "na")), as: UTF8.self)
        #expect(payload == #"{"connectionId":"\#(connection.uuidString.lowercased())","region":"na","sellingPartnerId":"A1SELLER"}"#)

        let created = String(decoding: try EventJSON.encoder.encode(
            TenantCreated(tenantId: tenant, name: "Acme", ownerUserId: connection, ownerEmail: "o@acme.test")), as: UTF8.self)
        #expect(created.contains(#""tenantId":"\#(tenant.uuidString.lowercased())""#) && created.contains(#""ownerUserId""#))
        #expect(!created.contains("ID\""))

        let envelope = EventEnvelope(id: UUID(), type: TenantCreated.name, tenantId: tenant, producer: "main-api",
                                     occurredAt: Date(timeIntervalSince1970: 1_800_000_000.25), payload: created)
        let encoded = String(decoding: try EventJSON.encoder.encode(envelope), as: UTF8.self)
        #expect(encoded.contains(#""tenantId":"\#(tenant.uuidString.lowercased())""#) && !encoded.contains("tenantID"))
        #expect(encoded.contains(#""occurredAt":"2027-01-15T08:00:00.250Z""#), "\(encoded)")
        let decoded = try JSONDecoder().decode(EventEnvelope.self, from: Data(encoded.utf8))
        #expect(decoded == envelope)
        #expect(try decoded.decodeEvent(TenantCreated.self).tenantId == tenant)
        #expect(throws: EventMismatch.self) { try decoded.decodeEvent(AmazonConnected.self) }
    }

    /// Outbox rows and queued jobs written before the JSON style still read: the outbox is
    /// drained continuously, but a deploy can find some in flight.
    @Test func eventsWrittenBeforeTheJSONStyleStillDecode() throws {
        let tenant = UUID(), owner = UUID()
        let legacyPayload = #"{"name":"Acme","ownerEmail":"o@acme.test","ownerUserID":"\#(owner.uuidString)","tenantID":"\#(tenant.uuidString)"}"#
        let legacyEnvelope = """
            {"id":"\(UUID().uuidString)","occurredAt":"2026-12-04T10:00:00Z","payload":\(String(reflecting: legacyPayload)),
             "producer":"main-api","tenantID":"\(tenant.uuidString)","type":"tenant.created"}
            """
        let envelope = try JSONDecoder().decode(EventEnvelope.self, from: Data(legacyEnvelope.utf8))
        #expect(envelope.tenantId == tenant)
        let event = try envelope.decodeEvent(TenantCreated.self)
        #expect(event.tenantId == tenant && event.ownerUserId == owner && event.name == "Acme")
    }
}
