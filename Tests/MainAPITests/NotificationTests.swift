import Foundation
@testable import MainAPI
import NIOHTTP1
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import Testing

/// Notifications: made from the suite's events for every member of the tenant the event is
/// about, once per event and once per ongoing problem; read, unread, deleted by their person only;
/// and mailed in one digest.
@Suite struct NotificationTests {
    struct Person {
        let bearer: String
        let tenant: UUID
    }

    func signUp(_ mainAPI: RunningService, _ email: String) async throws -> Person {
        let (token, tenant) = try await TestSignUp.signUp(mainAPI, email: email)
        return Person(bearer: token, tenant: try UUID(uuidString: tenant).unwrap("tenant"))
    }

    func call(_ mainAPI: RunningService, _ method: HTTPMethod, _ path: String, _ person: Person, json: String? = nil) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(method, mainAPI.baseURL + path, json: json, headers: ["authorization": "Bearer \(person.bearer)"])
    }

    func notices(_ mainAPI: RunningService, _ person: Person, query: String = "") async throws -> [[String: Any]] {
        let reply = try await call(mainAPI, .GET, "/api/v1/notifications" + query, person)
        #expect(reply.status == 200, "\(reply.text)")
        return try (try reply.json()["notifications"] as? [[String: Any]]).unwrap("notifications")
    }

    /// Records `event` as its producer would, for the relay to hand to main-api's consumers.
    func publish<Event: OpsideEvent>(_ event: Event, tenant: UUID, database: TestDatabase, producer: OpsideService = .claimDetector) async throws {
        try await database.withSuperuser { connection in
            _ = try await EventOutbox(producer: producer, redis: nil, logger: TestEnvironment.logger).publish(event, tenantId: tenant, on: connection)
        }
    }

    /// Waits until `count` jobs of kinds like `kind` exist and every one of them has completed.
    func jobsDone(_ database: TestDatabase, kind: String, count: Int) async throws -> Bool {
        try await eventually(timeout: .seconds(20)) {
            try await database.strings("SELECT state FROM platform.jobs WHERE kind LIKE '\(kind)'") == Array(repeating: "completed", count: count)
        }
    }

    func claimsDetected(newClaims: Int, owed: Int64) -> ClaimsDetected {
        ClaimsDetected(connectionId: UUID(), runId: UUID(), marketplaceId: "ATVPDKIKX0DER", asOf: CivilDate(year: 2026, month: 3, day: 1),
                       newClaims: newClaims, updatedClaims: 0, resolvedClaims: 0, reopenedClaims: 0,
                       owedTotals: [Money(amountMinor: owed, currency: try! Currency(code: "USD"))])
    }

    @Test func eventsBecomeOneNoticePerPersonThatOnlyTheyReadAndChange() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let seller = try await signUp(mainAPI, "seller@notify.test")
        let stranger = try await signUp(mainAPI, "stranger@notify.test")

        try await publish(claimsDetected(newClaims: 3, owed: 123_456), tenant: seller.tenant, database: database)
        // A run that found nothing new says nothing.
        try await publish(claimsDetected(newClaims: 0, owed: 123_456), tenant: seller.tenant, database: database)
        let connection = UUID()
        let failure = SyncFailed(connectionId: connection, runId: UUID(), dataset: "orders", state: "failed", errorKind: "permanent",
                                 errorMessage: "Amazon refused the report.")
        try await publish(failure, tenant: seller.tenant, database: database, producer: .inventorySync)
        try await publish(failure, tenant: seller.tenant, database: database, producer: .inventorySync)
        let arrived = try await eventually(timeout: .seconds(20)) { (try? await notices(mainAPI, seller).count) == 2 }
        #expect(arrived, "one claims notice, and one for the sync failing twice")
        // Every event's job has run: nothing more is on its way.
        #expect(try await jobsDone(database, kind: "main-api.notify-%", count: 4))
        var list = try await notices(mainAPI, seller)
        #expect(list.count == 2, "\(list)")
        let found = try #require(list.first { $0["kind"] as? String == "claims_found" })
        #expect(found["title"] as? String == "3 new claims found")
        #expect((found["body"] as? String)?.contains("1,234.56 USD") == true, "\(found)")
        #expect(found["level"] as? String == "success")
        #expect((found["actionUrl"] as? String)?.hasPrefix("/app/claims?") == true)
        let failed = try #require(list.first { $0["kind"] as? String == "sync_failed" })
        #expect(failed["level"] as? String == "error" && failed["actionUrl"] as? String == "/app/connections/\(connection.uuidString.lowercased())")

        // Nobody else sees them, nor can touch them.
        #expect(try await notices(mainAPI, stranger).isEmpty)
        let id = try #require(found["id"] as? String)
        #expect(try await call(mainAPI, .POST, "/api/v1/notifications/\(id)/read", stranger).status == 404)
        #expect(try await call(mainAPI, .DELETE, "/api/v1/notifications/\(id)", stranger).status == 404)

        // The same event delivered again notifies nobody again; an ongoing problem stays one unread notice.
        let direct = Database(settings: database.settings(for: .mainAPI), logger: TestEnvironment.logger)
        let client = Task { await direct.client.run() }
        defer { client.cancel() }
        let store = NotificationStore(database: direct, mail: MailSettings(fromAddress: "a@b.test", fromName: "A", publicURL: "http://x"),
                                      digestHour: 8, now: Date.init, logger: TestEnvironment.logger)
        let eventID = UUID()
        let draft = try #require(NotificationDrafts.claimsFound(claimsDetected(newClaims: 2, owed: 5)))
        #expect(try await store.deliver(draft, eventId: eventID, tenant: seller.tenant).count == 1)
        #expect(try await store.deliver(draft, eventId: eventID, tenant: seller.tenant).isEmpty, "redelivered: nothing new")
        let failing = NotificationDrafts.syncFailed(failure)
        #expect(try await store.deliver(failing, eventId: UUID(), tenant: seller.tenant).isEmpty, "the sync's failure is still unread")

        // The bell's count, read and unread, all read, unread only, pages, delete.
        var count = try await call(mainAPI, .GET, "/api/v1/notifications/unread-count", seller)
        #expect(try count.json()["unreadCount"] as? Int == 3)
        let read = try await call(mainAPI, .POST, "/api/v1/notifications/\(id)/read", seller)
        let readAt = (try read.json()["notification"] as? [String: Any])?["readAt"] as? String
        #expect(read.status == 200 && readAt != nil, "\(read.text)")
        #expect(try await notices(mainAPI, seller, query: "?unread_only=true").count == 2)
        #expect(try await call(mainAPI, .POST, "/api/v1/notifications/\(id)/unread", seller).status == 200)
        let page = try await call(mainAPI, .GET, "/api/v1/notifications?limit=2", seller)
        let cursor = try #require(try page.json()["nextCursor"] as? String)
        let rest = try await notices(mainAPI, seller, query: "?limit=2&before=\(cursor)")
        #expect(rest.count == 1)
        #expect(try await call(mainAPI, .GET, "/api/v1/notifications?unread_only=maybe", seller).status == 422)
        let all = try await call(mainAPI, .POST, "/api/v1/notifications/read-all", seller)
        #expect(try all.json()["updated"] as? Int == 3)
        count = try await call(mainAPI, .GET, "/api/v1/notifications/unread-count", seller)
        #expect(try count.json()["unreadCount"] as? Int == 0)
        // Once read, the next failure of the same sync is news again.
        #expect(try await store.deliver(failing, eventId: UUID(), tenant: seller.tenant).count == 1)
        #expect(try await call(mainAPI, .DELETE, "/api/v1/notifications/\(id)", seller).status == 204)
        list = try await notices(mainAPI, seller)
        #expect(list.count == 3 && !list.contains { $0["id"] as? String == id }, "\(list)")
    }

    @Test func billingNoticesSayWhatHappenedAndWhatComesNextAndReachTheOwner() async throws {
        let usd = Money(amountMinor: 12_345, currency: .usd)
        let retry = Date(timeIntervalSince1970: 1_796_300_000)
        let declined = NotificationDrafts.paymentFailed(BillingPaymentFailed(
            invoiceId: UUID(), commissionId: nil, amount: usd, reason: "the card has insufficient funds", actionRequired: false,
            actionUrl: "https://stripe.example/invoice", nextAttemptAt: retry, finalAttempt: false))
        #expect(declined.title == "Payment of 123.45 USD failed" && declined.level == .warning)
        #expect(declined.body.contains("insufficient funds") && declined.body.contains("We try again on 2026-12-03"), "\(declined.body)")
        #expect(declined.actionURL == "/app/billing" && declined.roles == ["owner", "admin"])
        let final = NotificationDrafts.paymentFailed(BillingPaymentFailed(
            invoiceId: UUID(), commissionId: nil, amount: usd, reason: "the card was declined", actionRequired: false, actionUrl: nil,
            nextAttemptAt: nil, finalAttempt: true))
        #expect(final.level == .error && final.body.contains("past due") && final.body.contains("files no new cases"))
        let confirm = NotificationDrafts.paymentFailed(BillingPaymentFailed(
            invoiceId: UUID(), commissionId: nil, amount: usd, reason: "your bank asks you to confirm this payment", actionRequired: true,
            actionUrl: "https://stripe.example/invoice", nextAttemptAt: retry, finalAttempt: false))
        #expect(confirm.title == "Confirm your payment of 123.45 USD")
        let paid = NotificationDrafts.invoicePaid(BillingInvoicePaid(invoiceId: UUID(), number: "7FE1103-0001", amount: usd, hostedInvoiceUrl: nil))
        #expect(paid.body.contains("7FE1103-0001") && paid.level == .success)

        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let owner = try await signUp(mainAPI, "owner@billing-notify.test")
        try await publish(BillingPaymentFailed(invoiceId: UUID(), commissionId: nil, amount: usd, reason: "the card was declined",
                                               actionRequired: false, actionUrl: nil, nextAttemptAt: retry, finalAttempt: false),
                          tenant: owner.tenant, database: database, producer: .payments)
        let arrived = try await eventually(timeout: .seconds(20)) { (try? await notices(mainAPI, owner).count) == 1 }
        #expect(arrived)
        let notice = try #require(try await notices(mainAPI, owner).first)
        #expect(notice["kind"] as? String == "payment_failed" && notice["actionUrl"] as? String == "/app/billing")
    }

    @Test func aPartnerIsToldItsPayoutReachedTheBankOrWhyItFailed() async throws {
        let usd = Money(amountMinor: 25_000, currency: .usd)
        let paid = NotificationDrafts.payoutPaid(PartnerPayoutPaid(payoutId: UUID(), amount: usd, arrivalDate: Date(timeIntervalSince1970: 1_796_300_000)))
        #expect(paid.title == "Payout of 250.00 USD paid" && paid.level == .success)
        #expect(paid.body.contains("on 2026-12-03"), "\(paid.body)")
        #expect(paid.actionURL == "/app/partners" && paid.roles == ["owner", "admin"])
        let failed = NotificationDrafts.payoutFailed(PartnerPayoutFailed(payoutId: UUID(), amount: usd, failureCode: "account_closed",
                                                                         failureMessage: "The bank account has been closed."))
        #expect(failed.level == .error && failed.body.contains("has been closed") && failed.body.contains("back in your balance"), "\(failed.body)")

        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let owner = try await signUp(mainAPI, "owner@partner-notify.test")
        let payout = UUID()
        // Delivered twice (at least once): one notice.
        for _ in 0..<2 {
            try await publish(PartnerPayoutFailed(payoutId: payout, amount: usd, failureCode: "no_account", failureMessage: "No bank account."),
                              tenant: owner.tenant, database: database, producer: .payments)
        }
        try await publish(PartnerPayoutPaid(payoutId: UUID(), amount: usd, arrivalDate: nil), tenant: owner.tenant, database: database,
                          producer: .payments)
        let arrived = try await eventually(timeout: .seconds(20)) { (try? await notices(mainAPI, owner).count) == 2 }
        #expect(arrived)
        let kinds = Set(try await notices(mainAPI, owner).compactMap { $0["kind"] as? String })
        #expect(kinds == ["payout_paid", "payout_failed"])
    }

    @Test func waitingNoticesGoOutInOneDigestAtTheDigestHour() async throws {
        let sink = try await MailSink.start()
        defer { sink.stop() }
        let database = try await TestDatabase.create()
        // The queue runs jobs by the database's clock, so the digest hour is set two hours ahead of real time.
        let start = Date()
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let digestHour = (utc.component(.hour, from: start) + 2) % 24
        let clock = ManualWallClock(start)
        let mainAPI = try await RunningService.start(.mainAPI, database: database,
                                                     overrides: sink.overrides.merging(["notifications.digestHourUtc": String(digestHour)]) { $1 },
                                                     clocks: ServiceClocks(wall: clock))
        defer { Task { await mainAPI.stop() } }
        let seller = try await signUp(mainAPI, "digest@notify.test")
        // Sync failures are not mailed by default; claims and deadlines are.
        try await publish(claimsDetected(newClaims: 2, owed: 2_500), tenant: seller.tenant, database: database)
        try await publish(ClaimDeadlinesApproaching(connectionId: UUID(), runId: UUID(), marketplaceId: "ATVPDKIKX0DER",
                                                    asOf: CivilDate(year: 2026, month: 12, day: 4), claims: 4,
                                                    amounts: [Money(amountMinor: 9_900, currency: try Currency(code: "USD"))],
                                                    earliestDeadline: CivilDate(year: 2026, month: 12, day: 8)),
                          tenant: seller.tenant, database: database)
        try await publish(SyncFailed(connectionId: UUID(), runId: UUID(), dataset: "orders", state: "failed", errorKind: "permanent",
                                     errorMessage: "no"), tenant: seller.tenant, database: database, producer: .inventorySync)
        let arrived = try await eventually(timeout: .seconds(20)) { (try? await notices(mainAPI, seller).count) == 3 }
        #expect(arrived)
        // One mail job for the person, due at the next 08:00 UTC.
        let due = try await database.strings("""
            SELECT to_char(scheduled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') FROM platform.jobs WHERE kind = 'main-api.notification-mail'
            """)
        let expected = NotificationStore.nextDigest(after: start, hour: digestHour)
        #expect(due == [String(expected.formatted(.iso8601).prefix(16))], "\(due)")
        #expect(try sink.messages().isEmpty, "nothing is mailed before the digest hour")
        // The digest hour comes (the queue runs by the database's time, so the job is moved to now).
        try await database.withSuperuser { connection in
            try await connection.query("UPDATE platform.jobs SET scheduled_at = now() WHERE kind = 'main-api.notification-mail'",
                                       logger: TestEnvironment.logger)
        }
        let mail = try await sink.waitForMessages(1)
        #expect(mail.count == 1 && mail[0].envelopeTo == "digest@notify.test")
        #expect(mail[0].subject == "2 updates from Opside", "\(mail[0].subject)")
        #expect(mail[0].text.contains("2 new claims found") && mail[0].text.contains("4 claims must be filed within 7 days"))
        #expect(!mail[0].text.contains("orders sync failed"), "sync failures stay in the bell by default")
        #expect(mail[0].text.contains("/app/claims?"), "each notice links to its page")
        #expect(try await jobsDone(database, kind: "main-api.%mail", count: 2), "the digest's job and its mail's job ran")
        #expect(try sink.messages().count == 1, "delivered once")
    }

    @Test func preferencesAreValidatedAndKeptPerPerson() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }
        let seller = try await signUp(mainAPI, "prefs@notify.test")
        let initial = try await call(mainAPI, .GET, "/api/v1/notifications/preferences", seller)
        #expect(try initial.json()["delivery"] as? String == "digest")
        #expect((try initial.json()["emailKinds"] as? [String]) == ["claims_found", "deadline_approaching", "reauthorization_needed", "filing_reminder",
                                                                  "money_received", "payment_failed", "payout_failed"])
        let bad = try await call(mainAPI, .PUT, "/api/v1/notifications/preferences", seller, json: #"{"emailKinds":["spam"],"delivery":"digest"}"#)
        #expect(bad.status == 422)
        let set = try await call(mainAPI, .PUT, "/api/v1/notifications/preferences", seller,
                                 json: #"{"emailKinds":["sync_failed","sync_failed"],"delivery":"immediate"}"#)
        let kinds = try set.json()["emailKinds"] as? [String]
        #expect(set.status == 200 && kinds == ["sync_failed"])
        let again = try await call(mainAPI, .GET, "/api/v1/notifications/preferences", seller)
        #expect(try again.json()["delivery"] as? String == "immediate")
    }

    @Test func theDigestHourAndTheWordsOfMoney() throws {
        let noon = try Date("2026-12-04T12:00:00Z", strategy: .iso8601)
        #expect(NotificationStore.nextDigest(after: noon, hour: 8) == (try Date("2026-12-05T08:00:00Z", strategy: .iso8601)))
        #expect(NotificationStore.nextDigest(after: noon, hour: 13) == (try Date("2026-12-04T13:00:00Z", strategy: .iso8601)))
        #expect(Money(amountMinor: 123_456_789, currency: try Currency(code: "USD")).displayText == "1,234,567.89 USD")
        #expect(Money(amountMinor: -5, currency: try Currency(code: "EUR")).displayText == "-0.05 EUR")
        #expect(Money(amountMinor: 1000, currency: try Currency(code: "JPY")).displayText == "1,000 JPY")
    }
}
