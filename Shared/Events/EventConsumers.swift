import Foundation
import OpsideJobs

/// One declared consumer of an event type: events of `Event` become jobs of `job` on `queue`.
///
/// Only `EventConsumers` can make one (the initializer is internal to this module), and a
/// service registers its handler by passing the declaration (`JobRegistry.consume`). So the
/// relay's table and the handlers come from the same values: a handler cannot exist without its
/// subscription, and a service that starts without registering a consumer declared for its
/// queue refuses to start (`OpsidePlatform`), like an undocumented route.
public struct EventConsumer<Event: OpsideEvent>: Sendable {
    public let queue: String
    public let job: String

    init(_ event: Event.Type, queue: String, job: String) {
        self.queue = queue
        self.job = job
    }

    public var subscription: EventSubscription { EventSubscription(event: Event.name, queue: queue, kind: job) }
}

/// Every event type of the suite and every consumer of each: the one place they are declared.
public enum EventConsumers {
    /// payments opens the new tenant's billing account.
    public static let openBillingAccount = EventConsumer(TenantCreated.self, queue: "payments", job: "payments.create-billing-account")
    /// payments enters the commission on a reimbursement paid on one of our cases (or credits a reversal).
    public static let recordCommission = EventConsumer(ReimbursementReceived.self, queue: "payments", job: "payments.record-commission")
    /// main-api tells the owner a commission payment failed or needs them to confirm it.
    public static let notifyPaymentFailed = EventConsumer(BillingPaymentFailed.self, queue: "main-api", job: "main-api.notify-payment-failed")
    /// main-api tells the owner an invoice was paid.
    public static let notifyInvoicePaid = EventConsumer(BillingInvoicePaid.self, queue: "main-api", job: "main-api.notify-invoice-paid")
    /// main-api tells a partner's owners their payout reached the bank.
    public static let notifyPayoutPaid = EventConsumer(PartnerPayoutPaid.self, queue: "main-api", job: "main-api.notify-payout-paid")
    /// main-api tells a partner's owners their payout failed, and why.
    public static let notifyPayoutFailed = EventConsumer(PartnerPayoutFailed.self, queue: "main-api", job: "main-api.notify-payout-failed")
    /// refund-engine holds filing while the tenant is past due, and resumes it once paid.
    public static let holdFilingWhilePastDue = EventConsumer(BillingStandingChanged.self, queue: "refund-engine",
                                                             job: "refund-engine.billing-standing")
    /// inventory-sync records the connection and backfills every dataset (from the watermarks on a reconnection).
    public static let backfillConnection = EventConsumer(AmazonConnected.self, queue: "inventory-sync", job: "inventory-sync.backfill")
    /// inventory-sync stops syncing the connection: schedules paused, runs in flight cancelled.
    public static let stopSyncingConnection = EventConsumer(AmazonDisconnected.self, queue: "inventory-sync",
                                                            job: "inventory-sync.connection-disconnected")
    /// integrations subscribes the connected seller to Amazon's notifications (issue 16).
    public static let subscribeToNotifications = EventConsumer(AmazonConnected.self, queue: "integrations",
                                                               job: "integrations.subscribe-notifications")
    /// inventory-sync applies Amazon's notifications to the synced data, each only when newer than
    /// what the data holds (issue 16).
    public static let applyInventoryChange = EventConsumer(AmazonInventoryChanged.self, queue: "inventory-sync",
                                                           job: "inventory-sync.inventory-changed")
    public static let applyOrderChange = EventConsumer(AmazonOrderChanged.self, queue: "inventory-sync", job: "inventory-sync.order-changed")
    public static let recordReportFinished = EventConsumer(AmazonReportFinished.self, queue: "inventory-sync",
                                                           job: "inventory-sync.report-finished")
    /// inventory-sync schedules the connection's advertising spend and backfills what Amazon keeps (issue 16).
    public static let syncAdsSpend = EventConsumer(AmazonAdsConnected.self, queue: "inventory-sync", job: "inventory-sync.ads-connected")
    /// inventory-sync stops syncing the spend; what it synced stays.
    public static let stopSyncingAdsSpend = EventConsumer(AmazonAdsDisconnected.self, queue: "inventory-sync",
                                                          job: "inventory-sync.ads-disconnected")
    /// claim-detector schedules one detection of the connection a settle delay after its syncs
    /// end (a job unique per connection, so a sync's many datasets give one detection).
    public static let detectAfterSync = EventConsumer(SyncCompleted.self, queue: "claim-detector", job: "claim-detector.sync-completed")
    /// main-api tells the tenant's people: claims found, deadlines approaching, a sync failed, Amazon
    /// wants the seller to connect again (a notification per person, once per event).
    public static let notifyClaimsFound = EventConsumer(ClaimsDetected.self, queue: "main-api", job: "main-api.notify-claims-found")
    public static let notifyDeadlinesApproaching = EventConsumer(ClaimDeadlinesApproaching.self, queue: "main-api",
                                                                 job: "main-api.notify-deadlines-approaching")
    public static let notifySyncFailed = EventConsumer(SyncFailed.self, queue: "main-api", job: "main-api.notify-sync-failed")
    public static let notifyReauthorizationRequired = EventConsumer(AmazonReauthorizationRequired.self, queue: "main-api",
                                                                    job: "main-api.notify-reauthorization-required")
    public static let notifySyncReauthorizationRequired = EventConsumer(SyncReauthorizationRequired.self, queue: "main-api",
                                                                        job: "main-api.notify-sync-reauthorization-required")
    /// refund-engine makes and updates cases from the claims a detection run changed.
    public static let openCasesForClaims = EventConsumer(ClaimsDetected.self, queue: "refund-engine", job: "refund-engine.claims-detected")
    /// refund-engine reconciles the money when reimbursements (or finances) synced.
    public static let reconcileAfterSync = EventConsumer(SyncCompleted.self, queue: "refund-engine", job: "refund-engine.sync-completed")
    /// main-api tells the tenant's people about their cases: filed, decided, paid, reminders, money received.
    public static let notifyCaseFiled = EventConsumer(CaseFiled.self, queue: "main-api", job: "main-api.notify-case-filed")
    public static let notifyCaseStatusChanged = EventConsumer(CaseStatusChanged.self, queue: "main-api", job: "main-api.notify-case-status")
    public static let notifyCaseFilingReminder = EventConsumer(CaseFilingReminder.self, queue: "main-api", job: "main-api.notify-case-reminder")
    public static let notifyReimbursementReceived = EventConsumer(ReimbursementReceived.self, queue: "main-api",
                                                                  job: "main-api.notify-reimbursement")
    /// claim-detector learns Amazon's approvals from the cases' outcomes (its approval model).
    public static let learnFromCaseOutcomes = EventConsumer(CaseStatusChanged.self, queue: "claim-detector",
                                                            job: "claim-detector.case-status-changed")
    /// mcde reads a parsed document's lines: SKU mappings, manufacturing and landed costs, anomalies.
    public static let costParsedDocument = EventConsumer(DocumentParsed.self, queue: "mcde", job: "mcde.document-parsed")
    /// mcde learns (or forgets) a SKU mapping from the seller's answer to a prompt.
    public static let learnMappingFromAnswer = EventConsumer(PromptAnswered.self, queue: "mcde", job: "mcde.prompt-answered")
    /// evidence-engine matches a costed document against the seller's open claims.
    public static let matchCostedDocument = EventConsumer(CostsUpdated.self, queue: "evidence-engine", job: "evidence-engine.costs-updated")
    /// evidence-engine matches new claims against the documents it already has.
    public static let matchNewClaims = EventConsumer(ClaimsDetected.self, queue: "evidence-engine", job: "evidence-engine.claims-detected")
    /// evidence-engine packs the proof of a claim Amazon paid.
    public static let packProofAfterPayout = EventConsumer(ReimbursementReceived.self, queue: "evidence-engine",
                                                           job: "evidence-engine.reimbursement-received")
    /// claim-detector values claims with the costs invoices prove.
    public static let valueClaimsWithInvoiceCosts = EventConsumer(CostsUpdated.self, queue: "claim-detector", job: "claim-detector.costs-updated")
    /// refund-engine attaches the proof to the claim's case, which can then be filed.
    public static let attachEvidenceToCase = EventConsumer(EvidenceMatched.self, queue: "refund-engine", job: "refund-engine.evidence-matched")
    /// main-api asks the seller the prompt's question (a notification, and again as a reminder).
    public static let notifyPromptCreated = EventConsumer(PromptCreated.self, queue: "main-api", job: "main-api.notify-prompt")
    /// main-api tells the seller a paid claim's proof packet is ready to download.
    public static let notifyProofPacket = EventConsumer(ProofPacketGenerated.self, queue: "main-api", job: "main-api.notify-proof-packet")

    /// Every declared consumer; the relay's table is built from this list.
    public static let all: [EventSubscription] = [
        openBillingAccount.subscription,
        recordCommission.subscription,
        notifyPaymentFailed.subscription,
        notifyInvoicePaid.subscription,
        notifyPayoutPaid.subscription,
        notifyPayoutFailed.subscription,
        holdFilingWhilePastDue.subscription,
        backfillConnection.subscription,
        stopSyncingConnection.subscription,
        subscribeToNotifications.subscription,
        applyInventoryChange.subscription,
        applyOrderChange.subscription,
        recordReportFinished.subscription,
        syncAdsSpend.subscription,
        stopSyncingAdsSpend.subscription,
        detectAfterSync.subscription,
        notifyClaimsFound.subscription,
        notifyDeadlinesApproaching.subscription,
        notifySyncFailed.subscription,
        notifyReauthorizationRequired.subscription,
        notifySyncReauthorizationRequired.subscription,
        openCasesForClaims.subscription,
        reconcileAfterSync.subscription,
        notifyCaseFiled.subscription,
        notifyCaseStatusChanged.subscription,
        notifyCaseFilingReminder.subscription,
        notifyReimbursementReceived.subscription,
        learnFromCaseOutcomes.subscription,
        costParsedDocument.subscription,
        learnMappingFromAnswer.subscription,
        matchCostedDocument.subscription,
        matchNewClaims.subscription,
        packProofAfterPayout.subscription,
        valueClaimsWithInvoiceCosts.subscription,
        attachEvidenceToCase.subscription,
        notifyPromptCreated.subscription,
        notifyProofPacket.subscription,
    ]

    /// The relay's routing table.
    public static let subscriptions = EventSubscriptions(all)

    /// Every event type the suite publishes, consumed or not (the realtime feed carries them all).
    public static var eventTypes: [any OpsideEvent.Type] { [
        TenantCreated.self,
        AmazonConnected.self, AmazonDisconnected.self, AmazonReauthorizationRequired.self,
        AmazonInventoryChanged.self, AmazonOrderChanged.self, AmazonReportFinished.self, AmazonAdsConnected.self, AmazonAdsDisconnected.self,
        SyncCompleted.self, SyncFailed.self, SyncReauthorizationRequired.self,
        ClaimsDetected.self, ClaimDeadlinesApproaching.self,
        CaseStatusChanged.self, CaseFiled.self, CaseFilingReminder.self, ReimbursementReceived.self,
        DocumentParsed.self, CostsUpdated.self, EvidenceMatched.self, PromptCreated.self, PromptAnswered.self, ProofPacketGenerated.self,
        BillingPaymentFailed.self, BillingInvoicePaid.self, BillingStandingChanged.self, PartnerPayoutPaid.self, PartnerPayoutFailed.self,
    ] }

    /// Names of the event types no service consumes (they reach the realtime feed only).
    public static var unconsumedEvents: [String] {
        let consumed = Set(all.map(\.event))
        return eventTypes.map { $0.name }.filter { !consumed.contains($0) }.sorted()
    }

    /// The declared consumers of the given queues that `registry` does not register, and the
    /// event handlers it registers that are declared nowhere.
    public static func mismatches(queues: [String], registry: JobRegistry) -> (unregistered: [EventSubscription], undeclared: [EventSubscription]) {
        let declared = all.filter { queues.contains($0.queue) }
        let registered = registry.consumedEvents
        return (declared.filter { !registered.contains($0) }, registered.filter { !declared.contains($0) })
    }
}

extension JobRegistry {
    /// Registers the handler of a declared consumer: it receives the decoded event and its envelope.
    ///
    /// An envelope of another event type, or a payload that does not decode as `Event`, cancels
    /// the job (it would never succeed); the handler is written to be idempotent, since the
    /// relay delivers at least once.
    public mutating func consume<Event: OpsideEvent>(
        _ consumer: EventConsumer<Event>, retryPolicy: RetryPolicy = .standard,
        handler: @escaping @Sendable (Event, EventEnvelope, JobContext) async throws -> Void
    ) {
        register(subscription: consumer.subscription, retryPolicy: retryPolicy) { envelope, context in
            let event: Event
            do { event = try envelope.decodeEvent(Event.self) } catch {
                throw JobOutcome.cancel(reason: "the \(envelope.type) event \(envelope.id) cannot be read as \(Event.self): \(error)")
            }
            try await handler(event, envelope, context)
        }
    }
}
