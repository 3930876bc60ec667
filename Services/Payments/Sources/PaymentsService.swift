import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// payments' composition root. Consumes `tenant.created` (creates the billing account), serves
/// `GET /internal/billing-account` for the tenant named in the caller's service token, and takes
/// Stripe's webhooks (`POST /webhooks/stripe/{account|connect}`), kept once and processed by a job.
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
        let accounts = BillingAccountsPostgresRepository(database: platform.database, logger: platform.logger)
        let stripeSettings = try StripeSettings(reader: reader)
        let stripeEvents = StripeEventsPostgresStore(database: platform.database, jobs: platform.jobQueue, queue: queue,
                                                     logger: platform.logger)
        let webhookIntake = StripeWebhookIntake(settings: StripeWebhookSettings(reader: reader), store: stripeEvents,
                                                clock: platform.clocks.wall, logger: platform.logger)

        var jobs = JobRegistry()
        OpenBillingAccount(accounts: accounts).register(in: &jobs)
        ProcessStripeEvent(store: stripeEvents, livemode: stripeSettings.secretKey.hasPrefix("sk_live_")).register(in: &jobs)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        BillingAccountsController(accounts: accounts).addRoutes(to: router)
        StripeWebhookController(intake: webhookIntake).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs)
    }
}
