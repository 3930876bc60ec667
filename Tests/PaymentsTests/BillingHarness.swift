import AsyncHTTPClient
import Foundation
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Payments
import Testing

/// payments' billing parts wired as its composition root wires them, on a migrated database (as
/// payments' own role, so row-level security applies), against the Stripe sandbox, with a wall
/// clock the test moves.
final class BillingHarness: Sendable {
    let testDatabase: TestDatabase
    let database: Database
    let sandbox: StripeSandboxHarness
    let clock: ManualWallClock
    let settings: BillingSettings
    let stripe: StripeClient
    let store: BillingStore
    let ledger: CommissionLedger
    let cards: CardOnFileSetup
    let invoicing: CommissionInvoicing
    let charging: CommissionCharging
    let accounts: BillingAccountsPostgresRepository
    let jobQueue: JobQueue
    let partnerSettings: PartnerSettings
    let partnerStore: PartnerStore
    let partnerEarnings: PartnerEarnings
    let partnerAccounts: PartnerAccounts
    let partnerPayouts: PartnerPayouts
    private let run: Task<Void, Never>

    private init(testDatabase: TestDatabase, database: Database, sandbox: StripeSandboxHarness, run: Task<Void, Never>) throws {
        self.testDatabase = testDatabase
        self.database = database
        self.sandbox = sandbox
        self.run = run
        clock = ManualWallClock(Date(timeIntervalSince1970: 1_796_000_000))  // 2026-11-30
        settings = BillingSettings(invoiceSchedule: try CronSchedule("0 6 1 * *"), dunningRetryDays: [3, 5, 7],
                                   dunningSchedule: try CronSchedule("17 * * * *"))
        let logger = TestEnvironment.logger
        stripe = StripeClient(settings: StripeSettings(apiBase: sandbox.baseURL, secretKey: sandbox.settings.secretKey, maxNetworkRetries: 2),
                              httpClient: sandbox.httpClient, logger: logger, pause: { _ in })
        let outbox = EventOutbox(producer: .payments, redis: nil, logger: logger)
        let jobQueue = JobQueue(database: database, redis: nil, logger: logger)
        store = BillingStore(database: database, outbox: outbox, logger: logger)
        ledger = CommissionLedger(database: database, queue: PaymentsService.queue, logger: logger)
        cards = CardOnFileSetup(stripe: stripe, store: store, logger: logger)
        invoicing = CommissionInvoicing(stripe: stripe, store: store, cards: cards, database: database, outbox: outbox, jobQueue: jobQueue,
                                        queue: PaymentsService.queue, settings: settings, clock: clock, logger: logger)
        charging = CommissionCharging(stripe: stripe, store: store, database: database, outbox: outbox, clock: clock, logger: logger)
        accounts = BillingAccountsPostgresRepository(database: database, logger: logger)
        self.jobQueue = jobQueue
        partnerSettings = PartnerSettings(defaultShareBasisPoints: 2500, schedule: try CronSchedule("41 * * * *"))
        partnerStore = PartnerStore(database: database, logger: logger)
        partnerEarnings = PartnerEarnings(stripe: stripe, store: partnerStore, database: database, jobQueue: jobQueue,
                                          queue: PaymentsService.queue, clock: clock, logger: logger)
        partnerAccounts = PartnerAccounts(stripe: stripe, store: partnerStore, earnings: partnerEarnings, logger: logger)
        partnerPayouts = PartnerPayouts(stripe: stripe, store: partnerStore, database: database, outbox: outbox, clock: clock, logger: logger)
    }

    /// - Parameter testDatabase: a database to share with a payments process; a new one when nil.
    static func start(testDatabase given: TestDatabase? = nil) async throws -> BillingHarness {
        let testDatabase: TestDatabase
        if let given { testDatabase = given } else { testDatabase = try await TestDatabase.create() }
        let database = Database(settings: testDatabase.settings(for: .payments), logger: TestEnvironment.logger)
        let run = Task { await database.client.run() }
        let sandbox: StripeSandboxHarness
        do {
            sandbox = try await StripeSandboxHarness.start()
        } catch {
            run.cancel()
            throw error
        }
        do {
            try await PlatformMigrations.migrator().apply(on: database)
            for migrator in try PaymentsService.migrators() { _ = try await migrator.apply(on: database) }
            return try BillingHarness(testDatabase: testDatabase, database: database, sandbox: sandbox, run: run)
        } catch {
            run.cancel()
            try? await sandbox.shutdown()
            throw error
        }
    }

    func stop() async {
        try? await sandbox.shutdown()
        run.cancel()
    }

    /// A tenant with an open billing account at `rate` basis points.
    func tenant(rate: Int = 2000, collection: CommissionCollection = .monthlyInvoice) async throws -> UUID {
        let tenant = UUID()
        _ = try await accounts.createIfMissing(tenantId: tenant, companyName: "Acme Goods", billingEmail: "owner@acme.test", sourceEventId: UUID())
        _ = try await store.setPlan(tenantId: tenant, commissionBasisPoints: rate, collection: collection)
        return tenant
    }

    /// Saves `card` (a test token) as Checkout would: a confirmed SetupIntent, then adopted.
    @discardableResult
    func cardOnFile(_ tenant: UUID, _ card: String = "pm_card_visa") async throws -> CardOnFile {
        let customer = try await cards.customer(for: tenant)
        let made = try await sandbox.call(.POST, "/v1/setup_intents", "customer=\(customer)&payment_method=\(card)&confirm=true")
        let id = try (made.json["id"] as? String).unwrap("SetupIntent id")
        return try await cards.adopt(setupIntentId: id, tenantId: tenant).unwrap("the card adopted")
    }

    /// A card whose every charge needs the cardholder: attached and made the default directly
    /// (a SetupIntent for it would itself wait for authentication).
    func cardNeedingAuthentication(_ tenant: UUID) async throws {
        let customer = try await cards.customer(for: tenant)
        let method = try await sandbox.call(.POST, "/v1/payment_methods/pm_card_authenticationRequired/attach", "customer=\(customer)")
        let id = try (method.json["id"] as? String).unwrap("PaymentMethod id")
        _ = try await sandbox.call(.POST, "/v1/customers/\(customer)", "invoice_settings[default_payment_method]=\(id)")
        try await store.keepCard(tenantId: tenant, card: CardOnFile(paymentMethodId: id, brand: "visa", last4: "3184", expMonth: 12, expYear: 2034))
    }

    /// Amazon paid (or took back) `amountMinor` on a case.
    @discardableResult
    func received(_ tenant: UUID, _ amountMinor: Int64, currency: String = "USD", kind: String = "reimbursement",
                  attribution: String = "case", caseId: UUID? = UUID(), entryId: UUID = UUID(), replaces: [UUID] = [],
                  eventId: UUID = UUID()) async throws -> CommissionRecording {
        let event = ReimbursementReceived(
            entryId: entryId, connectionId: UUID(), reimbursementId: String(Int.random(in: 10_000_000...99_999_999)), kind: kind,
            attribution: attribution, caseId: attribution == "case" ? caseId : nil, amazonCaseId: "1\(Int.random(in: 100_000_000...999_999_999))",
            claimType: "lost_inbound", amount: Money(amountMinor: amountMinor, currency: try Currency(code: currency)), approvalDate: clock.now,
            source: replaces.isEmpty ? "report" : "report", replacesEntryIds: replaces)
        return try await ledger.record(event, eventId: eventId, tenantId: tenant)
    }

    /// A partner's workspace, enrolled, its Express account onboarded on Stripe's page with the
    /// test bank account `accountNumber` (Stripe's test numbers decide whether payouts fail).
    func partner(kind: String = "agency", name: String = "Northwind Agency", accountNumber: String = "000123456789",
                 onboard: Bool = true) async throws -> Partner {
        let tenant = UUID()
        _ = try await accounts.createIfMissing(tenantId: tenant, companyName: name, billingEmail: "payouts@northwind.test", sourceEventId: UUID())
        let partner = try await partnerStore.enroll(tenantId: tenant, kind: kind, displayName: name, contactEmail: "payouts@northwind.test",
                                                    country: "US", shareBasisPoints: partnerSettings.defaultShareBasisPoints)
        _ = try await partnerAccounts.onboardingLink(tenantId: tenant, returnURL: "https://app.opside.test/app/partners?onboarding=return",
                                                     refreshURL: "https://app.opside.test/app/partners?onboarding=refresh")
        guard onboard else { return try await partnerStore.partner(tenantId: tenant).unwrap("the partner") }
        let account = try (try await partnerStore.partner(tenantId: tenant)?.stripeAccountId).unwrap("the Express account")
        _ = try await sandbox.control("accounts/\(account)/onboard", ["account_number": accountNumber])
        return try await partnerAccounts.refresh(tenantId: tenant).unwrap("the partner refreshed")
    }

    /// Money in a connected account's (or, with nil, the platform's) available balance, as a test-mode top-up.
    func topUp(_ account: String?, _ amountMinor: Int, currency: String = "usd") async throws {
        var body: [String: Any] = ["amount": amountMinor, "currency": currency]
        if let account { body["account"] = account }
        _ = try await sandbox.control("balance", body)
    }

    func count(_ sql: String) async throws -> Int { try await testDatabase.count(sql) }
    func strings(_ sql: String) async throws -> [String] { try await testDatabase.strings(sql) }

    /// The events payments published, of one type, as their JSON payloads.
    func published(_ type: String) async throws -> [[String: Any]] {
        try await strings("SELECT payload::text FROM platform.outbox WHERE type = '\(type)' ORDER BY id").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
    }
}

extension CommissionRecording {
    var line: CommissionLine? {
        switch self {
        case .recorded(let line), .duplicate(let line): line
        case .notAttributed, .superseded: nil
        }
    }
}
