import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// payments' composition root. Consumes `tenant.created` (creates the billing account) and
/// `reimbursement.received` (the commission on money recovered on our cases); collects the
/// commission through Stripe (a card saved by Checkout, monthly invoices or a charge per
/// reimbursement, dunning on the injected clock); serves the billing routes for the tenant named
/// in the caller's service token; pays partners (agencies and referrers) their share of the
/// commission of the sellers they bring, through Connect Express; and takes Stripe's webhooks (`POST /webhooks/stripe/{account|connect}`),
/// kept once and processed by a job.
public enum PaymentsService {
    public static let service = OpsideService.payments
    public static let queue = "payments"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let billingSettings = try BillingSettings(reader: reader)
        let accounts = BillingAccountsPostgresRepository(database: platform.database, logger: platform.logger,
                                                         commissionBasisPoints: billingSettings.defaultCommissionBasisPoints,
                                                         collection: billingSettings.defaultCollection)
        let stripeSettings = try StripeSettings(reader: reader)
        let stripe = StripeClient(settings: stripeSettings, httpClient: platform.httpClient, logger: platform.logger)
        let stripeEvents = StripeEventsPostgresStore(database: platform.database, jobs: platform.jobQueue, queue: queue,
                                                     logger: platform.logger)
        let webhookIntake = StripeWebhookIntake(settings: StripeWebhookSettings(reader: reader), store: stripeEvents,
                                                clock: platform.clocks.wall, logger: platform.logger)

        let billing = BillingStore(database: platform.database, outbox: platform.outbox, logger: platform.logger)
        let ledger = CommissionLedger(database: platform.database, queue: queue, chargeLeaseSeconds: billingSettings.chargeLeaseSeconds,
                                      logger: platform.logger)
        let cards = CardOnFileSetup(stripe: stripe, store: billing, logger: platform.logger)
        let invoicing = CommissionInvoicing(stripe: stripe, store: billing, cards: cards, database: platform.database, outbox: platform.outbox,
                                            jobQueue: platform.jobQueue, queue: queue, settings: billingSettings, clock: platform.clocks.wall,
                                            logger: platform.logger)
        let charging = CommissionCharging(stripe: stripe, store: billing, database: platform.database, outbox: platform.outbox,
                                          clock: platform.clocks.wall, logger: platform.logger)
        let partnerSettings = try PartnerSettings(reader: reader)
        let partnerStore = PartnerStore(database: platform.database, logger: platform.logger)
        let earnings = PartnerEarnings(stripe: stripe, store: partnerStore, database: platform.database, jobQueue: platform.jobQueue,
                                       queue: queue, clock: platform.clocks.wall, logger: platform.logger)
        let partnerAccounts = PartnerAccounts(stripe: stripe, store: partnerStore, earnings: earnings, logger: platform.logger)
        let payouts = PartnerPayouts(stripe: stripe, store: partnerStore, database: platform.database, outbox: platform.outbox,
                                     clock: platform.clocks.wall, logger: platform.logger)
        let sweep = PartnerSweep(earnings: earnings, payouts: payouts, settings: partnerSettings, queue: queue)
        PaymentFailureMetrics.registerCounters()
        let webhookHandlers = BillingWebhookHandlers(cards: cards, invoicing: invoicing, charging: charging, stripe: stripe, partnerEarnings: earnings)
        let partnerHandlers = PartnerWebhookHandlers(accounts: partnerAccounts, earnings: earnings, payouts: payouts)

        var jobs = JobRegistry()
        OpenBillingAccount(accounts: accounts, partners: partnerStore).register(in: &jobs)
        RecordCommission(ledger: ledger).register(in: &jobs)
        invoicing.register(in: &jobs)
        charging.register(in: &jobs)
        ProcessStripeEvent(store: stripeEvents, livemode: stripeSettings.secretKey.hasPrefix("sk_live_"),
                           handlers: webhookHandlers.handlers.merging(partnerHandlers.handlers) { billing, _ in billing })
            .register(in: &jobs)
        sweep.register(in: &jobs)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        BillingAccountsController(accounts: accounts).addRoutes(to: router)
        BillingController(store: billing, ledger: ledger, cards: cards, invoicing: invoicing, partners: partnerStore).addRoutes(to: router)
        PartnersController(store: partnerStore, accounts: partnerAccounts, payouts: payouts, billing: billing, settings: partnerSettings)
            .addRoutes(to: router)
        StripeWebhookController(intake: webhookIntake).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: invoicing.cron + sweep.cron)
    }
}
