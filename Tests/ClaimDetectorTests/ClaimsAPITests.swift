import ClaimDetector
import Foundation
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

/// claim-detector's API served for real (its `buildApplication` on a port, scripted rules), the
/// public twins through main-api's gateway, and `opside claims` printing what the API answers.
@Suite struct ClaimsAPITests {
    static let lossDay = CivilDate(year: 2026, month: 3, day: 1)

    /// claim-detector and main-api in front of it, a signed-up tenant with a connection's data.
    struct Stack {
        let database: TestDatabase
        let detector: ScriptedDetector
        let claimDetector: RunningService
        let mainAPI: RunningService
        let session: String
        let tenant: UUID
        let connection: UUID

        static func start() async throws -> Stack {
            let database = try await ClaimStack.migrated()
            let detector = ScriptedDetector()
            let claimDetector = try await RunningService.start(.claimDetector, database: database, detector: detector)
            // Kept answers live ten minutes here, not 30 s: on a loaded machine a test's few steps
            // must not outlast them (what forgets them is the test's subject, not the clock).
            let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
                "services.claimDetector.url": claimDetector.baseURL, "gateway.cacheSeconds": "600",
            ])
            let (session, tenantText) = try await TestSignUp.signUp(mainAPI, email: "claims-\(UUID().uuidString.prefix(8))@shop.test")
            let tenant = try UUID(uuidString: tenantText).unwrap("tenant")
            let connection = UUID()
            try await ClaimStack.seed(database, tenant: tenant, connection: connection, marketplaces: ["ATVPDKIKX0DER", "A1PA6795UKMFR9"])
            return Stack(database: database, detector: detector, claimDetector: claimDetector, mainAPI: mainAPI, session: session,
                         tenant: tenant, connection: connection)
        }

        func stop() async {
            await mainAPI.stop()
            await claimDetector.stop()
        }

        /// Calls claim-detector's internal route with a service token for `tenant` (the stack's by default).
        func internalCall(_ method: HTTPMethod, _ path: String, json: String? = nil, body: Data? = nil, tenant: UUID? = nil) async throws -> TestHTTP.Reply {
            let token = try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
                .token(for: .claimDetector, tenantID: tenant ?? self.tenant)
            // A bound, not a speed: a detection run answered here has taken over 15 s on loaded cores.
            return try await TestHTTP.request(method, claimDetector.baseURL + path, json: json, body: body,
                                              headers: ["authorization": "Bearer \(token)"], timeout: .seconds(60))
        }

        func publicCall(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> TestHTTP.Reply {
            try await TestHTTP.request(method, mainAPI.baseURL + path, json: json, headers: ["authorization": "Bearer \(session)"],
                                       timeout: .seconds(60))
        }
    }

    /// Five claims in two currencies, types, marketplaces and windows.
    static func script(_ stack: Stack) {
        let c = stack.connection
        stack.detector.script(c, [
            Claims.lost(c, reference: "L1", units: 1, unitMinor: 1500, on: lossDay),                              // deadline +60
            Claims.lost(c, reference: "L2", units: 3, unitMinor: 1000, on: lossDay.adding(days: -40)),            // deadline +20
            Claims.lost(c, reference: "D1", units: 2, unitMinor: 4000, on: lossDay.adding(days: -10), type: .warehouseDamaged),
            Claims.lost(c, reference: "S1", units: 5, unitMinor: 300, on: lossDay.adding(days: 10), type: .inboundShortage),
            Claims.lost(c, reference: "E1", units: 1, unitMinor: 9900, currency: .eur, on: lossDay, marketplace: "A1PA6795UKMFR9"),
        ])
    }

    @Test func listFiltersSortsPagesExportsSummarizesAndDismisses() async throws {
        let stack = try await Stack.start()
        defer { Task { await stack.stop() } }
        Self.script(stack)
        let asOf = Self.lossDay.adding(days: 20)
        let detect = try await stack.internalCall(.POST, "/internal/claims/detections", json: #"{"asOf":"\#(asOf)"}"#)
        #expect(detect.status == 200, "\(detect.text)")
        let run = try OpsideJSON.decoder.decode(DetectionRunBody.self, from: detect.body).run
        #expect(run.counts.new == 5 && run.state == .succeeded && run.connectionId == nil && run.asOf == asOf)

        func page(_ query: String) async throws -> ClaimListing.Page {
            let reply = try await stack.internalCall(.GET, "/internal/claims" + query)
            #expect(reply.status == 200, "\(query): \(reply.text)")
            return try OpsideJSON.decoder.decode(ClaimListing.Page.self, from: reply.body)
        }
        // Sorted by deadline by default; ties broken by id, never repeated across pages.
        let all = try await page("")
        #expect(all.claims.count == 5 && all.nextCursor == nil)
        #expect(all.claims.map(\.deadline) == all.claims.map(\.deadline).sorted())
        let byAmount = try await page("?sort=amount&order=desc")
        #expect(byAmount.claims.map(\.amount.amountMinor) == [9900, 8000, 3000, 1500, 1500])
        var seen: [UUID] = []
        var cursor: String?
        repeat {
            let next = try await page("?sort=amount&order=desc&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(next.claims.count <= 2)
            seen += next.claims.map(\.id)
            cursor = next.nextCursor
        } while cursor != nil
        #expect(seen == byAmount.claims.map(\.id), "the pages add up to the list")

        #expect(try await page("?type=warehouse_damaged,inbound_shortage").claims.map(\.type).sorted() == [.inboundShortage, .warehouseDamaged])
        #expect(try await page("?status=too_early").claims.map(\.sourceIds["shipmentId"]) == ["S1"], "10 days after the delivery: too early")
        #expect(try await page("?marketplaceId=A1PA6795UKMFR9").claims.map(\.amount.currency) == [.eur])
        #expect(try await page("?connectionId=\(UUID())").claims.isEmpty)
        #expect(try await page("?clockStartedFrom=\(Self.lossDay)&clockStartedThrough=\(Self.lossDay)").claims.count == 2)
        #expect(try await page("?deadlineBefore=\(Self.lossDay.adding(days: 30))").claims.map(\.sourceIds["ledgerReferenceId"]) == ["L2"])
        for bad in ["?limit=0", "?limit=501", "?sort=size", "?status=open", "?deadlineBefore=2026-02-30", "?cursor=nonsense", "?order=up"] {
            let reply = try await stack.internalCall(.GET, "/internal/claims" + bad)
            #expect(reply.status == 422, "\(bad): \(reply.status) \(reply.text)")
            #expect(try reply.envelope().error.code == "validation_failed" || reply.status == 422)
        }

        // One claim with its valuation and explanation; the list leaves them out.
        let first = all.claims[0]
        #expect(first.valuation == nil && first.explanation == nil)
        let one = try await stack.internalCall(.GET, "/internal/claims/\(first.id)")
        #expect(one.status == 200)
        let detailed = try (try one.json()["claim"] as? [String: Any]).unwrap("claim")
        // The summary ends with what the claim's status says of its window.
        let words = try ((detailed["explanation"] as? [String: Any])?["summary"] as? String).unwrap("summary")
        let windowWords = [ClaimStatus.tooEarly: "The window is not yet open.", .claimable: "The window is open.",
                           .expired: "The window is closed: this claim can no longer be filed."]
        #expect(words.hasSuffix(try windowWords[first.status].unwrap("an open claim")), "\(first.status): \(words)")
        #expect((detailed["valuation"] as? [String: Any])?["basis"] as? String == "manufacturing_cost")
        #expect(detailed["clockStartedAt"] as? String == first.clockStartedAt.description)
        #expect((detailed["amount"] as? [String: Any])?["amountMinor"] as? Int == Int(first.amount.amountMinor))
        let unknown = try await stack.internalCall(.GET, "/internal/claims/\(UUID())")
        let another = try await stack.internalCall(.GET, "/internal/claims/\(first.id)", tenant: UUID())
        #expect(unknown.status == 404 && another.status == 404)
        #expect(try unknown.envelope().error.message == another.envelope().error.message)

        // The CSV has the list's columns and rows.
        let export = try await stack.internalCall(.GET, "/internal/claims/export?sort=amount&order=desc")
        #expect(export.status == 200 && export.header("content-type")?.hasPrefix("text/csv") == true)
        let lines = export.text.split(separator: "\r\n").map(String.init)
        #expect(lines.first == ClaimCSV.columns.joined(separator: ","))
        #expect(lines.count == 6)
        #expect(lines[1].hasPrefix("\(byAmount.claims[0].id.uuidString.lowercased()),warehouse_lost,claimable,"))
        #expect(lines[1].contains(",9900,EUR,"))

        // The summary never adds euros to dollars.
        let summaryReply = try await stack.internalCall(.GET, "/internal/claims/summary")
        #expect(summaryReply.status == 200, "\(summaryReply.text)")
        let summary = try (try summaryReply.json()["summary"] as? [String: Any]).unwrap("summary")
        let groups = try (summary["byStatusTypeAndCurrency"] as? [[String: Any]]).unwrap("groups")
        let lostClaimable = groups.filter { $0["status"] as? String == "claimable" && $0["type"] as? String == "warehouse_lost" }
        let amounts = lostClaimable.compactMap { $0["amount"] as? [String: Any] }.map { "\($0["amountMinor"]!) \($0["currency"]!)" }.sorted()
        #expect(amounts == ["4500 USD", "9900 EUR"])
        // The deadlines are 20 (L2), 40 (D1), 40 (L1, E1) days after the run's day; the clock's today
        // is the wall clock's, so only the shape is checked here.
        #expect(summary["deadlinesWithin7Days"] is [Any] && summary["deadlinesWithin30Days"] is [Any])

        // Dismissal: a reason is required; the claim stays dismissed through the next run.
        let empty = try await stack.internalCall(.POST, "/internal/claims/\(first.id)/dismiss", json: #"{"reason":"  "}"#)
        #expect(empty.status == 422)
        let dismissed = try await stack.internalCall(.POST, "/internal/claims/\(first.id)/dismiss", json: #"{"reason":"filed by hand"}"#)
        #expect(dismissed.status == 200, "\(dismissed.text)")
        #expect((try dismissed.json()["claim"] as? [String: Any])?["status"] as? String == "dismissed")
        _ = try await stack.internalCall(.POST, "/internal/claims/detections", json: #"{"asOf":"\#(asOf)","connectionId":"\#(stack.connection)"}"#)
        #expect(try await page("?status=dismissed").claims.map(\.id) == [first.id])
    }

    /// main-api keeps the list's answers (the dashboard reloads them far more often than they
    /// change) and forgets them when the tenant's claims change: a change through the gateway at
    /// once, claim-detector's own runs through their event, and anything else within the lifetime.
    @Test func theGatewayKeepsTheListUntilTheTenantsClaimsChange() async throws {
        let stack = try await Stack.start()
        defer { Task { await stack.stop() } }
        Self.script(stack)
        // The run's events reach main-api before the first list: read on main-api's own feed,
        // which the same messages feed (after them, main-api has forgotten what it kept). Both of
        // them: the relay does not keep one transaction's events in order, and a deadline notice
        // arriving after the first list would rightly make main-api forget it.
        let (mainAPI, session) = (stack.mainAPI, stack.session)
        let feed = Task {
            try await TestSSE.read(mainAPI.baseURL + "/api/v1/realtime", token: session, until: "claims.detected", "claims.deadlines_approaching")
        }
        let detect = try await stack.internalCall(.POST, "/internal/claims/detections", json: #"{"asOf":"\#(Self.lossDay.adding(days: 20))"}"#)
        #expect(detect.status == 200, "\(detect.text)")
        #expect(try await feed.value.contains("claims.detected"))
        func ids(_ query: String = "?sort=amount&order=desc") async throws -> [String] {
            let reply = try await stack.publicCall(.GET, "/api/v1/claims" + query)
            #expect(reply.status == 200, "\(reply.text)")
            return try ((try reply.json()["claims"] as? [[String: Any]]) ?? []).map { try ($0["id"] as? String).unwrap("id") }
        }
        let first = try await ids()
        try #require(first.count == 5)
        // A change behind the gateway's back (no event): the kept answer is served until it expires.
        try await stack.database.withSuperuser { db in
            try await db.query("UPDATE claims.claims SET amount_minor = amount_minor + 1 WHERE claim_id = \(UUID(uuidString: first[0]))",
                               logger: TestEnvironment.logger)
        }
        let kept = try await stack.publicCall(.GET, "/api/v1/claims?sort=amount&order=desc")
        let direct = try await stack.internalCall(.GET, "/internal/claims?sort=amount&order=desc")
        #expect(kept.body != direct.body, "main-api answered from what it kept")
        // A dismissal through the gateway: the next list is fresh.
        let dismissed = try await stack.publicCall(.POST, "/api/v1/claims/\(first[0])/dismiss", json: #"{"reason":"filed by hand"}"#)
        #expect(dismissed.status == 200, "\(dismissed.text)")
        #expect(try await ids("?sort=amount&order=desc&status=dismissed") == [first[0]])
        #expect(try await ids().count == 5)
        let afterDismissal = try await stack.publicCall(.GET, "/api/v1/claims?sort=amount&order=desc")
        #expect(afterDismissal.text.contains("filed by hand"), "the dismissal shows at once")
        // A detection run claim-detector starts itself (after a sync, say): its event makes main-api forget.
        try await stack.database.withSuperuser { db in
            try await db.query("UPDATE claims.claims SET amount_minor = amount_minor + 1 WHERE claim_id = \(UUID(uuidString: first[1]))",
                               logger: TestEnvironment.logger)
        }
        let before = try await stack.publicCall(.GET, "/api/v1/claims?sort=amount&order=desc")
        let again = try await stack.internalCall(.POST, "/internal/claims/detections", json: #"{"asOf":"\#(Self.lossDay.adding(days: 21))"}"#)
        #expect(again.status == 200)
        let refreshed = try await eventually(timeout: .seconds(10)) {
            let now = try await stack.publicCall(.GET, "/api/v1/claims?sort=amount&order=desc")
            let truth = try await stack.internalCall(.GET, "/internal/claims?sort=amount&order=desc")
            return now.body == truth.body && now.body != before.body
        }
        #expect(refreshed, "claims.detected reached main-api and the list was fetched again")
        // Another tenant's list is its own.
        let (otherSession, _) = try await TestSignUp.signUp(stack.mainAPI, email: "other-\(UUID().uuidString.prefix(8))@shop.test")
        let theirs = try await TestHTTP.request(.GET, stack.mainAPI.baseURL + "/api/v1/claims?sort=amount&order=desc",
                                                headers: ["authorization": "Bearer \(otherSession)"])
        let theirClaims = try theirs.json()["claims"] as? [Any]
        #expect(theirs.status == 200 && theirClaims?.isEmpty == true)
    }

    @Test func thePublicRoutesReachClaimDetectorThroughMainAPIAndTheCLIPrintsWhatTheAPIAnswers() async throws {
        let stack = try await Stack.start()
        defer { Task { await stack.stop() } }
        Self.script(stack)
        let detect = try await stack.publicCall(.POST, "/api/v1/claims/detections", json: #"{"asOf":"\#(Self.lossDay.adding(days: 20))"}"#)
        #expect(detect.status == 200, "\(detect.text)")
        let direct = try await stack.internalCall(.GET, "/internal/claims?sort=type&limit=3")
        let gateway = try await stack.publicCall(.GET, "/api/v1/claims?sort=type&limit=3")
        #expect(gateway.status == 200 && gateway.body == direct.body,
                "main-api answers what claim-detector does: \(Self.difference(gateway.text, direct.text))")
        let summary = try await stack.publicCall(.GET, "/api/v1/claims/summary")
        #expect(summary.status == 200)
        let id = try OpsideJSON.decoder.decode(ClaimListing.Page.self, from: direct.body).claims[0].id
        #expect(try await stack.publicCall(.GET, "/api/v1/claims/\(id)").status == 200)
        #expect(try await stack.publicCall(.GET, "/api/v1/claims/not-a-uuid").status == 400)
        let dismissed = try await stack.publicCall(.POST, "/api/v1/claims/\(id)/dismiss", json: #"{"reason":"duplicate of a case"}"#)
        #expect(dismissed.status == 200, "\(dismissed.text)")
        #expect(try await stack.database.strings("SELECT dismissed_by FROM claims.claims WHERE claim_id = '\(id)'").first?.hasPrefix("user:") == true)
        let costs = try await stack.publicCall(.PUT, "/api/v1/claims/unit-costs",
                                               json: #"{"items":[{"sku":"SKU-1","amount":{"amountMinor":725,"currency":"USD"}}]}"#)
        #expect(costs.status == 200, "\(costs.text)")
        let upload = try await TestHTTP.request(.POST, stack.mainAPI.baseURL + "/api/v1/claims/expected-fees/import",
                                                body: Data("sku,amount,currency\nSKU-1,3.22,USD\n".utf8),
                                                headers: ["authorization": "Bearer \(stack.session)", "content-type": "text/csv"])
        #expect(upload.status == 200, "\(upload.text)")
        #expect(upload.text.contains(#""amountMinor":322"#) && upload.text.contains(#""source":"import""#))
        let badUpload = try await stack.internalCall(.POST, "/internal/claims/unit-costs/import", body: Data("sku,amount,currency\nSKU-1,-1,USD\n".utf8))
        #expect(badUpload.status == 422 && badUpload.text.contains("line 2"))

        // The CLI, as claim-detector's role, prints the API's JSON and CSV byte for byte.
        let json = try await stack.database.runCLI(["claims", "--tenant", stack.tenant.uuidString, "--connection", stack.connection.uuidString,
                                                         "--query", "sort=amount&order=desc"])
        #expect(json.status == 0, "\(json.error)")
        let api = try await stack.internalCall(.GET, "/internal/claims?sort=amount&order=desc&connectionId=\(stack.connection)")
        #expect(json.output == api.text + "\n", "\(Self.difference(json.output, api.text + "\n"))")
        let csv = try await stack.database.runCLI(["claims", "--tenant", stack.tenant.uuidString, "--format", "csv"])
        let apiCSV = try await stack.internalCall(.GET, "/internal/claims/export")
        #expect(csv.status == 0 && csv.output == apiCSV.text && csv.output.split(separator: "\r\n").count == 6)
    }

    /// Where two texts part, for a readable failure.
    static func difference(_ one: String, _ other: String) -> String {
        let index = zip(one, other).prefix { $0 == $1 }.count
        return "at \(index): …\(one.dropFirst(max(0, index - 40)).prefix(120)) vs …\(other.dropFirst(max(0, index - 40)).prefix(120))"
    }
}
