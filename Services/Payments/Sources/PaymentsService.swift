import Configuration
import Foundation
import Hummingbird
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// payments' composition root. Consumes `tenant.created` (creates the billing account) and serves
/// `GET /internal/billing-account` for the tenant named in the caller's service token.
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

        var jobs = JobRegistry()
        jobs.consume(EventConsumers.openBillingAccount) { tenant, event, context in
            let created = try await accounts.createIfMissing(
                tenantID: tenant.tenantId, companyName: tenant.name, billingEmail: tenant.ownerEmail, sourceEventID: event.id)
            context.logger.info(created ? "billing account created" : "billing account already existed",
                                metadata: ["tenant": "\(tenant.tenantId)", "event": "\(event.id)"])
        }

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        router.get("/internal/billing-account") { _, context -> BillingAccountResponse in
            let tenant = try context.requireCallerTenant()
            guard let account = try await accounts.account(tenantID: tenant) else {
                throw APIError.notFound("no billing account for this tenant yet")
            }
            return BillingAccountResponse(account: account)
        }
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs)
    }
}

struct BillingAccountResponse: ResponseEncodable {
    let account: BillingAccount
}
