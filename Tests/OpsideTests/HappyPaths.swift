import Foundation
import Integrations
import OpsideCore
import OpsideStripe
import OpsideTesting
import PostgresNIO
import Testing

/// A seller's ordinary day through every documented operation that can succeed: connect twice
/// (consent and a pasted token), look at connections, sync, change a schedule, import a file,
/// read billing, cancel and retry a job, prove a claim with an invoice, disconnect; each answer
/// goes through `ResponseAudit`.
final class HappyPaths {
    let audit: ResponseAudit
    let sandbox: IntegrationsSandbox
    let mainAPI: RunningService
    let integrations: RunningService
    let inventorySync: RunningService
    let payments: RunningService
    /// The signing secret of payments' account webhook endpoint in the fuzz pass.
    static let stripeWebhookSecret = "whsec_fuzz_happy_path_secret"
    let session: String
    let tenant: UUID
    let claimDetector: RunningService
    let refundEngine: RunningService
    let evidenceEngine: RunningService
    let mcde: RunningService
    let costDocs: RunningService
    let testRunner: RunningService
    let database: TestDatabase
    /// Where main-api's mail goes (its `mail.smtp` settings point here).
    let mailSink: MailSink
    /// The consented connection the sync calls use.
    var connection = ""
    /// That connection's seller, and its Amazon Ads refresh token.
    var adsRefreshToken = ""
    var consentedSeller = ""
    /// A run of that connection, started through main-api.
    var run = ""
    /// An invoice uploaded, read and costed (the documents' and prompts' pages show it).
    var document = ""
    /// A finished run of test-runner's health suite (the System tests run page shows it).
    var testRun = ""
    /// A listing of the consented connection, and a bulk update of it (the Listings pages show them).
    var listingSKU = ""
    var bulkUpdate = ""
    /// An inbound workflow taken to its labels (the Inbound pages show it).
    var inboundWorkflow = ""

    init(audit: ResponseAudit, sandbox: IntegrationsSandbox, mainAPI: RunningService, integrations: RunningService,
         inventorySync: RunningService, payments: RunningService, session: String, tenant: UUID, claimDetector: RunningService,
         refundEngine: RunningService, evidenceEngine: RunningService, mcde: RunningService, costDocs: RunningService, testRunner: RunningService,
         database: TestDatabase, mailSink: MailSink) {
        self.testRunner = testRunner
        self.mailSink = mailSink
        self.claimDetector = claimDetector
        self.refundEngine = refundEngine
        self.evidenceEngine = evidenceEngine
        self.mcde = mcde
        self.costDocs = costDocs
        self.database = database
        self.audit = audit
        self.sandbox = sandbox
        self.mainAPI = mainAPI
        self.integrations = integrations
        self.inventorySync = inventorySync
        self.payments = payments
        self.session = session
        self.tenant = tenant
    }

    /// Calls `target` (the template `path` filled in) and records the answer.
    @discardableResult
    func call(_ service: RunningService, _ method: String, _ path: String, _ target: String? = nil, json: String? = nil,
              body: Data? = nil, headers extra: [String: String] = [:], as caller: OpsideService = .mainAPI) async throws -> RawHTTP.Reply {
        var headers = extra
        headers["Authorization"] = "Bearer \(try await Self.bearer(path: path, to: service.service, as: caller, tenant: tenant, session: session))"
        if json != nil { headers["Content-Type"] = "application/json" }
        let reply = try await RawHTTP.request(port: service.port, method: method, target: target ?? path, headers: headers,
                                              body: body ?? Data((json ?? "").utf8))
        audit.record(service.service, method, path, reply, label: "happy path")
        return reply
    }

    /// A service token for an internal path (the caller's, for this tenant), else the session.
    static func bearer(path: String, to service: OpsideService, as caller: OpsideService = .mainAPI, tenant: UUID,
                       session: String) async throws -> String {
        guard path.hasPrefix("/internal/") else { return session }
        return try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: caller).token(for: service, tenantID: tenant)
    }

    func json(_ reply: RawHTTP.Reply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: reply.payload)) as? [String: Any] ?? [:]
    }

    func run() async throws {
        try await connections()
        try await syncs()
        try await ads()
        try await listings()
        try await inbound()
        try await anotherTenantGetsTheSame404()
        try await signIns()
        try await passwordReset()
        try await team()
        try await billingAndJobs()
        try await claims()
        try await cases()
        try await evidence()
        try await notifications()
        try await account()
        try await systemTests()
        try await dashboard()
    }

    // MARK: test-runner, and main-api's operator routes in front of it

    /// A run of the health suite queued, then waited for under the same key (the same run, now
    /// finished), its report and the history; the same through main-api as an operator.
    func systemTests() async throws {
        #expect(try await call(testRunner, "GET", "/internal/test-suites").status == 200)
        func runID(_ reply: RawHTTP.Reply) -> String? { (json(reply)["run"] as? [String: Any])?["runId"] as? String }
        func status(_ reply: RawHTTP.Reply) -> String? { (json(reply)["run"] as? [String: Any])?["status"] as? String }
        for (path, target, body) in [
            ("/internal/test-runs", "/internal/test-runs", #"{"suites":["health"],"requestKey":"\#(UUID())"}"#),
            ("/internal/test-suites/{suite}/runs", "/internal/test-suites/health/runs", #"{"requestKey":"\#(UUID())"}"#),
        ] {
            let queued = try await call(testRunner, "POST", path, target, json: body)
            #expect(queued.status == 202, "\(queued.text)")
            let waited = try await call(testRunner, "POST", path, target + "?waitSeconds=8", json: body)
            #expect(waited.status == 200 && runID(waited) == runID(queued) && status(waited) == "passed", "\(waited.text)")
            testRun = runID(waited) ?? testRun
        }
        #expect(try await call(testRunner, "GET", "/internal/test-runs").status == 200)
        #expect(try await call(testRunner, "GET", "/internal/test-runs/{runId}", "/internal/test-runs/\(testRun)").status == 200)
        let junit = try await call(testRunner, "GET", "/internal/test-runs/{runId}/junit", "/internal/test-runs/\(testRun)/junit")
        #expect(junit.status == 200 && junit.text.contains("<testsuite name=\"health\""), "\(junit.text.prefix(300))")

        #expect(try await call(mainAPI, "GET", "/api/v1/system/test-suites").status == 200)
        let body = #"{"suites":["health"],"requestKey":"\#(UUID())"}"#
        let queued = try await call(mainAPI, "POST", "/api/v1/system/test-runs", json: body)
        #expect(queued.status == 202, "\(queued.text)")
        let again = try await call(mainAPI, "POST", "/api/v1/system/test-runs", json: body)
        #expect(again.status == 200 && runID(again) == runID(queued), "the same key is the same run: \(again.text)")
        #expect(try await call(mainAPI, "GET", "/api/v1/system/test-runs").status == 200)
        #expect(try await call(mainAPI, "GET", "/api/v1/system/test-runs/{runId}", "/api/v1/system/test-runs/\(testRun)").status == 200)
        #expect(try await call(mainAPI, "GET", "/api/v1/system/test-runs/{runId}/junit", "/api/v1/system/test-runs/\(testRun)/junit").status == 200)
    }

    // MARK: Connections (integrations, and main-api's gateway in front of it)

    /// Consent through main-api: the consent URL, the seller's approval, Amazon's redirect.
    func consent(seller: IntegrationsSandbox.Seller) async throws -> RawHTTP.Reply {
        let link = try await call(mainAPI, "POST", "/api/v1/amazon/connections/consent-url", json: #"{"region":"na"}"#)
        let url = try (json(link)["consentUrl"] as? String).unwrap("consentUrl in \(link.text)")
        let cookie = try (link.header("set-cookie")?.split(separator: ";").first.map(String.init)).unwrap("the consent cookie")
        let redirect = try await sandbox.approve(consentURL: url, sellingPartnerID: seller.sellingPartnerId)
        let query = try redirect.percentEncodedQuery.unwrap("the callback query")
        return try await call(mainAPI, "GET", "/api/v1/amazon/callback", "/api/v1/amazon/callback?" + query, headers: ["Cookie": cookie])
    }

    func connections() async throws {
        let consented = try await sandbox.createSeller(seed: 9101)
        let first = try await consent(seller: consented)
        #expect(first.status == 201, "consent callback: \(first.text)")
        let connection = try (json(first)["id"] as? String).unwrap("connection id")
        #expect(try await consent(seller: consented).status == 200, "consenting again reconnects")

        let pasted = try await sandbox.createSeller(seed: 9102)
        let refreshBody = #"{"refreshToken":"\#(pasted.refreshToken)","sellingPartnerId":"\#(pasted.sellingPartnerId)","region":"na"}"#
        let created = try await call(mainAPI, "POST", "/api/v1/amazon/connections/refresh-token", json: refreshBody)
        #expect(created.status == 201, "\(created.text)")
        #expect(try await call(mainAPI, "POST", "/api/v1/amazon/connections/refresh-token", json: refreshBody).status == 200)
        let pastedConnection = try (json(created)["id"] as? String).unwrap("connection id")

        // integrations' own endpoints, as main-api calls them.
        let user = UUID().uuidString.lowercased()
        let internalSeller = try await sandbox.createSeller(seed: 9103)
        let internalBody = #"{"refreshToken":"\#(internalSeller.refreshToken)","sellingPartnerId":"\#(internalSeller.sellingPartnerId)","region":"na","userId":"\#(user)"}"#
        let internalCreated = try await call(integrations, "POST", "/internal/amazon/connections/refresh-token", json: internalBody)
        #expect(internalCreated.status == 201, "\(internalCreated.text)")
        #expect(try await call(integrations, "POST", "/internal/amazon/connections/refresh-token", json: internalBody).status == 200)
        let binding = String(repeating: "b", count: 43)
        let internalLink = try await call(integrations, "POST", "/internal/amazon/connections/consent-url",
                                          json: #"{"region":"na","userId":"\#(user)","browserBinding":"\#(binding)"}"#)
        #expect(internalLink.status == 200, "\(internalLink.text)")
        let linkURL = try (json(internalLink)["consentUrl"] as? String).unwrap("consentUrl")
        let state = try (json(internalLink)["state"] as? String).unwrap("state")
        let redirect = try await sandbox.approve(consentURL: linkURL, sellingPartnerID: consented.sellingPartnerId)
        let code = try (redirect.queryItems?.first { $0.name == "spapi_oauth_code" }?.value).unwrap("the code")
        let callback = try await call(integrations, "POST", "/internal/amazon/oauth/callback", json: """
            {"state":"\(state)","spapiOAuthCode":"\(code)","sellingPartnerId":"\(consented.sellingPartnerId)","browserBinding":"\(binding)","userId":"\(user)"}
            """)
        #expect(callback.status == 200, "the consented seller again: \(callback.text)")
        let calledBack = try await sandbox.createSeller(seed: 9104)
        let newLink = try await call(integrations, "POST", "/internal/amazon/connections/consent-url",
                                     json: #"{"region":"na","userId":"\#(user)","browserBinding":"\#(binding)"}"#)
        let newState = try (json(newLink)["state"] as? String).unwrap("state")
        let newRedirect = try await sandbox.approve(consentURL: try (json(newLink)["consentUrl"] as? String).unwrap("url"),
                                                    sellingPartnerID: calledBack.sellingPartnerId)
        let newCode = try (newRedirect.queryItems?.first { $0.name == "spapi_oauth_code" }?.value).unwrap("the code")
        let newCallback = try await call(integrations, "POST", "/internal/amazon/oauth/callback", json: """
            {"state":"\(newState)","spapiOAuthCode":"\(newCode)","browserBinding":"\(binding)","userId":"\(user)"}
            """)
        #expect(newCallback.status == 201, "\(newCallback.text)")

        #expect(try await call(mainAPI, "GET", "/api/v1/amazon/connections").status == 200)
        #expect(try await call(integrations, "GET", "/internal/amazon/connections").status == 200)
        let one = "/api/v1/amazon/connections/{connectionId}"
        #expect(try await call(mainAPI, "GET", one, "/api/v1/amazon/connections/\(connection)").status == 200)
        let internalOne = "/internal/amazon/connections/{connectionId}"
        #expect(try await call(integrations, "GET", internalOne, "/internal/amazon/connections/\(connection)").status == 200)
        let vault = try await call(integrations, "POST", "/internal/amazon/connections/{connectionId}/access-token",
                                   "/internal/amazon/connections/\(connection)/access-token", json: "{}", as: .inventorySync)
        #expect(vault.status == 200, "\(vault.text)")
        #expect(try await call(mainAPI, "DELETE", one, "/api/v1/amazon/connections/\(pastedConnection)").status == 200)
        let internalConnection = try (json(internalCreated)["id"] as? String).unwrap("connection id")
        #expect(try await call(integrations, "DELETE", internalOne, "/internal/amazon/connections/\(internalConnection)").status == 200)
        self.connection = connection
        self.adsRefreshToken = try consented.adsRefreshToken.unwrap("the consented seller's Ads refresh token")
        self.consentedSeller = consented.sellingPartnerId
    }

    // MARK: Syncs (inventory-sync, and main-api's gateway in front of it)

    func syncs() async throws {
        for (service, prefix) in [(mainAPI, "/api/v1/amazon"), (inventorySync, "/internal/amazon")] {
            let syncs = "\(prefix)/connections/{connectionId}/syncs"
            let target = "\(prefix)/connections/\(connection)/syncs"
            // inventory-sync learns of the connection from `amazon.connected`.
            let port = service.port
            let probe = try await headers(for: service, path: syncs)
            let known = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                try await RawHTTP.request(port: port, target: target, headers: probe).status == 200
            }
            #expect(known)
            let trigger = try await call(service, "POST", syncs, target, json: #"{"dataset":"orders"}"#)
            #expect(trigger.status == 202, "\(trigger.text)")
            let run = try ((json(trigger)["runs"] as? [[String: Any]])?.first?["runId"] as? String).unwrap("a run id in \(trigger.text)")
            let history = try await call(service, "GET", syncs, target + "?limit=1")
            #expect(history.status == 200)
            #expect((json(history)["runs"] as? [Any])?.count == 1, "limit=1 reaches inventory-sync: \(history.text)")
            #expect(try await call(service, "GET", "\(prefix)/syncs/{runId}", "\(prefix)/syncs/\(run)").status == 200)
            if service.service == .mainAPI { self.run = run }
            #expect(try await call(service, "GET", "\(prefix)/syncs/{runId}/quarantine", "\(prefix)/syncs/\(run)/quarantine").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/connections/{connectionId}/schedules",
                                   "\(prefix)/connections/\(connection)/schedules").status == 200)
            let schedule = try await call(service, "PUT", "\(prefix)/connections/{connectionId}/schedules/{dataset}",
                                          "\(prefix)/connections/\(connection)/schedules/orders", json: #"{"intervalSeconds":3600}"#)
            #expect(schedule.status == 200, "\(schedule.text)")
            #expect(try await call(service, "GET", "\(prefix)/connections/{connectionId}/discrepancies",
                                   "\(prefix)/connections/\(connection)/discrepancies").status == 200)
            let header = "Date\tFNSKU\tEvent Type\tReference ID\tQuantity\tDisposition\n"
            let upload = try await call(service, "POST", "\(prefix)/connections/{connectionId}/imports",
                                        "\(prefix)/connections/\(connection)/imports?fileName=ledger.tsv", body: Data(header.utf8),
                                        headers: ["Content-Type": "application/octet-stream"])
            #expect(upload.status == 202, "\(upload.text)")
            let trends = try await call(service, "GET", "\(prefix)/connections/{connectionId}/search-query-performance",
                                        "\(prefix)/connections/\(connection)/search-query-performance?period=WEEK&periods=4&top=3")
            #expect(trends.status == 200, "\(trends.text)")
            // One period back for each (a week for one service, a month for the other), so the
            // reports they ask for take little of Amazon's quota from the claim datasets'.
            let today = CivilDate(utcDayOf: Date()).daysSince1970
            let (period, from) = service.service == .mainAPI ? ("WEEK", CivilDate(daysSince1970: today - 10))
                : ("MONTH", CivilDate(daysSince1970: today - 40))
            // Nothing syncs these datasets yet (their first sync is twenty minutes after connecting): no 409.
            let backfill = try await call(service, "POST", "\(prefix)/connections/{connectionId}/search-query-performance/backfill",
                                          "\(prefix)/connections/\(connection)/search-query-performance/backfill",
                                          json: #"{"period":"\#(period)","from":"\#(from)"}"#)
            #expect(backfill.status == 202, "\(backfill.text)")
        }
    }

    // MARK: Amazon Ads (integrations' Ads vault, inventory-sync's spend, main-api's gateway in front of both)

    /// Connect (by token and through Login with Amazon's consent), replace, read and disconnect the
    /// connection's Ads account on both sides of the gateway, the Ads vault's token, and the spend;
    /// the connection ends with Ads connected (the Advertising page shows it).
    func ads() async throws {
        let body = #"{"refreshToken":"\#(adsRefreshToken)"}"#
        for (service, prefix) in [(integrations, "/internal/amazon"), (mainAPI, "/api/v1/amazon")] {
            let path = "\(prefix)/connections/{connectionId}/ads", target = "\(prefix)/connections/\(connection)/ads"
            let connected = try await call(service, "POST", path, target, json: body)
            #expect(connected.status == 201, "\(connected.text)")
            #expect(try await call(service, "POST", path, target, json: body).status == 200)
            #expect(try await call(service, "GET", path, target).status == 200)
            if service.service == .integrations {
                let vault = try await call(integrations, "POST", "\(path)/access-token", "\(target)/access-token", json: "{}", as: .inventorySync)
                #expect(vault.status == 200, "\(vault.text)")
            }
            #expect(try await call(service, "DELETE", path, target).status == 200)
        }
        // integrations' own two, as main-api calls them (connected, then connected again).
        let user = UUID().uuidString.lowercased(), binding = String(repeating: "c", count: 43)
        for expected in [201, 200] {
            let internalLink = try await call(integrations, "POST", "/internal/amazon/connections/{connectionId}/ads/consent-url",
                                              "/internal/amazon/connections/\(connection)/ads/consent-url",
                                              json: #"{"userId":"\#(user)","browserBinding":"\#(binding)"}"#)
            #expect(internalLink.status == 200, "\(internalLink.text)")
            let internalURL = try (json(internalLink)["consentUrl"] as? String).unwrap("consentUrl")
            let internalState = try (json(internalLink)["state"] as? String).unwrap("state")
            let allowed = try await sandbox.approveAds(consentURL: internalURL, sellingPartnerID: consentedSeller)
            let code = try (allowed.queryItems?.first { $0.name == "code" }?.value).unwrap("the code")
            let internalCallback = try await call(integrations, "POST", "/internal/amazon/ads/oauth/callback", json: """
                {"state":"\(internalState)","code":"\(code)","browserBinding":"\(binding)","userId":"\(user)"}
                """)
            #expect(internalCallback.status == expected, "\(internalCallback.text)")
        }
        #expect(try await call(integrations, "DELETE", "/internal/amazon/connections/{connectionId}/ads",
                               "/internal/amazon/connections/\(connection)/ads").status == 200)
        // Through Login with Amazon's consent, as a browser does (connected, then connected again).
        for expected in [201, 200] {
            let link = try await call(mainAPI, "POST", "/api/v1/amazon/connections/{connectionId}/ads/consent-url",
                                      "/api/v1/amazon/connections/\(connection)/ads/consent-url", json: "{}")
            #expect(link.status == 200, "\(link.text)")
            let url = try (json(link)["consentUrl"] as? String).unwrap("consentUrl in \(link.text)")
            let cookie = try (link.header("set-cookie")?.split(separator: ";").first.map(String.init)).unwrap("the consent cookie")
            let redirect = try await sandbox.approveAds(consentURL: url, sellingPartnerID: consentedSeller)
            let query = try redirect.percentEncodedQuery.unwrap("the callback query")
            let callback = try await call(mainAPI, "GET", "/api/v1/amazon/ads/callback", "/api/v1/amazon/ads/callback?" + query,
                                          headers: ["Cookie": cookie])
            #expect(callback.status == expected, "\(callback.text)")
        }

        for (service, prefix) in [(inventorySync, "/internal/amazon"), (mainAPI, "/api/v1/amazon")] {
            let spend = try await call(service, "GET", "\(prefix)/connections/{connectionId}/ads-spend",
                                       "\(prefix)/connections/\(connection)/ads-spend?from=\(CivilDate(utcDayOf: Date()).adding(days: -6))")
            #expect(spend.status == 200, "\(spend.text)")
        }
    }

    // MARK: Listings and the catalogue (integrations, and main-api's gateway in front of it)

    /// Read, create, change, bulk-change and delete a listing; look a product up by ASIN and EAN.
    func listings() async throws {
        for (service, prefix) in [(mainAPI, "/api/v1/amazon"), (integrations, "/internal/amazon")] {
            let base = "\(prefix)/connections/{connectionId}"
            let target = "\(prefix)/connections/\(connection)"
            let page = try await call(service, "GET", "\(base)/listings", "\(target)/listings")
            #expect(page.status == 200, "\(page.text)")
            let first = try ((json(page)["listings"] as? [[String: Any]])?.first).unwrap("a listing in \(page.text)")
            let sku = try (first["sku"] as? String).unwrap("sku")
            let asin = try (first["asin"] as? String).unwrap("asin")
            #expect(try await call(service, "GET", "\(base)/listings/{sku}", "\(target)/listings/\(sku)").status == 200)
            let created = "HAPPY-\(service.service == .mainAPI ? "GW" : "IN")"
            let put = try await call(service, "PUT", "\(base)/listings/{sku}", "\(target)/listings/\(created)",
                                     json: #"{"title":"Happy mug","price":"12.00","quantity":4}"#)
            #expect(put.status == 200, "\(put.text)")
            let patch = try await call(service, "PATCH", "\(base)/listings/{sku}", "\(target)/listings/\(created)", json: #"{"price":"11.00"}"#)
            #expect(patch.status == 200, "\(patch.text)")
            let product = try await call(service, "GET", "\(base)/catalog/items/{asin}", "\(target)/catalog/items/\(asin)")
            #expect(product.status == 200, "\(product.text)")
            let ean = try ((json(product)["identifiers"] as? [[String: Any]])?.first { $0["type"] as? String == "EAN" }?["value"] as? String)
                .unwrap("an EAN in \(product.text)")
            #expect(try await call(service, "GET", "\(base)/catalog/items", "\(target)/catalog/items?query=\(ean)").status == 200)
            #expect(try await call(service, "GET", "\(base)/notifications", "\(target)/notifications?limit=5").status == 200)
            let bulkBody = #"{"requestKey":"happy-\#(service.service.name)","changes":[{"sku":"\#(created)","quantity":6}]}"#
            let bulk = try await call(service, "POST", "\(base)/listing-bulk-updates", "\(target)/listing-bulk-updates", json: bulkBody)
            #expect(bulk.status == 202, "\(bulk.text)")
            #expect(try await call(service, "POST", "\(base)/listing-bulk-updates", "\(target)/listing-bulk-updates", json: bulkBody).status == 200)
            let bulkID = try ((json(bulk)["bulkUpdate"] as? [String: Any])?["bulkUpdateId"] as? String).unwrap("bulkUpdateId")
            #expect(try await call(service, "GET", "\(base)/listing-bulk-updates", "\(target)/listing-bulk-updates").status == 200)
            #expect(try await call(service, "GET", "\(base)/listing-bulk-updates/{bulkUpdateId}",
                                   "\(target)/listing-bulk-updates/\(bulkID)").status == 200)
            if service.service == .mainAPI {
                listingSKU = sku
                bulkUpdate = bulkID
            }
            #expect(try await call(service, "DELETE", "\(base)/listings/{sku}", "\(target)/listings/\(created)").status == 200)
        }
    }

    // MARK: The FBA inbound workflow (integrations, and main-api's gateway in front of it)

    /// A plan taken through every step, once through the gateway and once straight to
    /// integrations: each action answers 202 and the workflow rests at the next step once Amazon
    /// is done (the cluster's sandbox finishes an operation in half a second).
    func inbound() async throws {
        let listed = try await call(integrations, "GET", "/internal/amazon/connections/{connectionId}/listings",
                                    "/internal/amazon/connections/\(connection)/listings")
        let skus = ((json(listed)["listings"] as? [[String: Any]]) ?? []).filter { $0["fulfillment"] as? String == "amazon" }
            .compactMap { $0["sku"] as? String }
        try #require(skus.count >= 2, "two FBA listings in \(listed.text)")
        for (service, prefix) in [(mainAPI, "/api/v1/amazon"), (integrations, "/internal/amazon")] {
            let base = "\(prefix)/connections/{connectionId}/inbound-workflows"
            let target = "\(prefix)/connections/\(connection)/inbound-workflows"
            let body = """
                {"requestKey":"happy-inbound-\(service.service.name)","name":"Happy restock","items":[{"msku":"\(skus[0])","quantity":6},{"msku":"\(skus[1])","quantity":4}],
                 "sourceAddress":{"name":"Warehouse","addressLine1":"1 Dock Rd","city":"Reno","stateOrProvinceCode":"NV","postalCode":"89501","countryCode":"US","phoneNumber":"7755550100"}}
                """
            let created = try await call(service, "POST", base, target, json: body)
            #expect(created.status == 202, "\(created.text)")
            #expect(try await call(service, "POST", base, target, json: body).status == 200, "the same requestKey answers the same workflow")
            let id = try ((json(created)["workflow"] as? [String: Any])?["workflowId"] as? String).unwrap("workflowId")
            #expect(try await call(service, "GET", base, target).status == 200)
            let one = "\(base)/{workflowId}", oneTarget = "\(target)/\(id)"

            /// The workflow once Amazon is done with the last action.
            func settled() async throws -> InboundWorkflowView {
                let port = service.port, owner = service.service, tenant = self.tenant, session = self.session
                let rested = try await eventually(timeout: .seconds(60)) {
                    // Polled outside the audit: the GET below, at rest, is the one it records.
                    let bearer = try await Self.bearer(path: one, to: owner, tenant: tenant, session: session)
                    let reply = try await RawHTTP.request(port: port, method: "GET", target: oneTarget, headers: ["Authorization": "Bearer \(bearer)"],
                                                          body: Data())
                    return try OpsideJSON.decoder.decode(Answer.self, from: reply.payload).workflow.working == false
                }
                guard rested else { throw HarnessError("the inbound workflow kept working") }
                let latest = try OpsideJSON.decoder.decode(Answer.self, from: try await call(service, "GET", one, oneTarget).payload).workflow
                #expect(latest.problems.isEmpty, "\(latest.problems)")
                return latest
            }
            func act(_ action: String, _ json: String) async throws {
                let reply = try await call(service, "POST", "\(one)/\(action)", "\(oneTarget)/\(action)", json: json)
                #expect(reply.status == 202, "\(action): \(reply.text)")
            }
            struct Answer: Decodable { let workflow: InboundWorkflowView }

            var workflow = try await settled()
            let packing = try workflow.amazon.packingOptions.first.unwrap("a packing option")
            try await act("packing", #"{"packingOptionId":"\#(packing.packingOptionId)"}"#)
            workflow = try await settled()
            let groupings = packing.groups.map { group in
                let items = group.items.map { #"{"msku":"\#($0.msku)","quantity":\#($0.quantity),"labelOwner":"\#($0.labelOwner)","prepOwner":"\#($0.prepOwner ?? "SELLER")"}"# }
                return #"{"packingGroupId":"\#(group.packingGroupId)","boxes":[{"contentInformationSource":"BOX_CONTENT_PROVIDED","quantity":1,"dimensions":{"length":12,"width":10,"height":8,"unitOfMeasurement":"IN"},"weight":{"value":9,"unit":"LB"},"items":[\#(items.joined(separator: ","))]}]}"#
            }
            try await act("boxes", #"{"packageGroupings":[\#(groupings.joined(separator: ","))]}"#)
            workflow = try await settled()
            let placement = try workflow.amazon.placementOptions.first { $0.shipmentIds.count == 1 }.unwrap("a single-shipment placement")
            try await act("placement", #"{"placementOptionId":"\#(placement.placementOptionId)"}"#)
            workflow = try await settled()
            let tomorrow = Date().addingTimeInterval(86_400).formatted(.iso8601)
            try await act("shipping-details", #"{"readyToShip":"\#(tomorrow)","contact":{"name":"Dock","phoneNumber":"7755550100"}}"#)
            workflow = try await settled()
            let shipment = try placement.shipmentIds.first.unwrap("a shipment")
            let own = try workflow.amazon.transportationOptions.first { $0.shipmentId == shipment && $0.shippingSolution == "USE_YOUR_OWN_CARRIER" }
                .unwrap("an own-carrier option")
            try await act("carriers", #"{"selections":[{"shipmentId":"\#(shipment)","transportationOptionId":"\#(own.transportationOptionId)"}]}"#)
            workflow = try await settled()
            #expect(workflow.step == .ready)
            let labels = try await call(service, "GET", "\(one)/shipments/{shipment}/labels", "\(oneTarget)/shipments/\(shipment)/labels")
            #expect(labels.status == 200 && labels.header("content-type") == "application/pdf", "\(labels.status)")
            let boxes = try workflow.amazon.shipments.first.unwrap("the shipment").boxIds
            let parcels = boxes.enumerated().map { #"{"boxId":"\#($1)","trackingId":"1ZHAPPY\#($0)"}"# }.joined(separator: ",")
            try await act("tracking", #"{"shipmentId":"\#(shipment)","parcels":[\#(parcels)]}"#)
            _ = try await settled()
            // Amazon refuses to cancel a shipped plan; the action is still accepted and answered in words.
            let cancel = try await call(service, "POST", "\(one)/cancel", "\(oneTarget)/cancel")
            #expect(cancel.status == 202, "\(cancel.text)")
            if service.service == .mainAPI { inboundWorkflow = id }
        }
    }

    /// Another tenant asking for this tenant's connection or run gets the answer an unknown id
    /// gets, and main-api's answer is the owner's envelope byte for byte.
    func anotherTenantGetsTheSame404() async throws {
        let signUp = try await call(mainAPI, "POST", "/api/v1/auth/signup", json: TestSignUp.signUpBody(email: "other-tenant@shop.test"))
        #expect(signUp.status == 201, "\(signUp.text)")
        let otherTenant = try (json(signUp)["tenantId"] as? String).unwrap("tenantId")
        let login = try await call(mainAPI, "POST", "/api/v1/auth/login",
                                   json: #"{"email":"other-tenant@shop.test","password":"Correct-Horse-42"}"#)
        #expect(login.status == 200, "\(login.text)")
        let other = try (json(login)["token"] as? String).unwrap("token")
        let unknown = UUID().uuidString.lowercased()
        for template in ["/api/v1/amazon/connections/{id}", "/api/v1/amazon/syncs/{id}", "/api/v1/amazon/connections/{id}/ads",
                         "/api/v1/amazon/connections/{id}/ads-spend"] {
            let real = template.hasSuffix("syncs/{id}") ? run : connection
            let theirs = try await RawHTTP.request(port: mainAPI.port, target: template.replacingOccurrences(of: "{id}", with: real),
                                                   headers: ["Authorization": "Bearer \(other)", "x-request-id": "same-404"])
            let nobodys = try await RawHTTP.request(port: mainAPI.port, target: template.replacingOccurrences(of: "{id}", with: unknown),
                                                    headers: ["Authorization": "Bearer \(other)", "x-request-id": "same-404"])
            #expect(theirs.status == 404 && nobodys.status == 404, "\(template): \(theirs.status) \(nobodys.status)")
            #expect(theirs.payload == nobodys.payload, "\(template): \(theirs.text) vs \(nobodys.text)")
        }
        let token = try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            .token(for: .inventorySync, tenantID: UUID(uuidString: otherTenant))
        let direct = try await RawHTTP.request(port: inventorySync.port, target: "/internal/amazon/syncs/\(run)",
                                               headers: ["Authorization": "Bearer \(token)", "x-request-id": "envelope-1"])
        let gateway = try await RawHTTP.request(port: mainAPI.port, target: "/api/v1/amazon/syncs/\(run)",
                                                headers: ["Authorization": "Bearer \(other)", "x-request-id": "envelope-1"])
        #expect(direct.status == 404 && gateway.status == 404)
        #expect(gateway.payload == direct.payload, "main-api passes inventory-sync's envelope through unchanged")
    }

    /// A sign-in of its own (the run's session must outlive this): refreshed with its cookie and
    /// CSRF token, listed, another one ended from it, then signed out, and one more signed out everywhere.
    func signIns() async throws {
        func signIn() async throws -> (bearer: String, cookie: String, csrf: String, id: String) {
            let login = try await RawHTTP.request(port: mainAPI.port, method: "POST", target: "/api/v1/auth/login",
                                                  headers: ["Content-Type": "application/json"],
                                                  body: Data(#"{"email":"other-tenant@shop.test","password":"Correct-Horse-42"}"#.utf8))
            audit.record(.mainAPI, "POST", "/api/v1/auth/login", login, label: "happy path")
            let body = json(login)
            let cookie = try (login.header("set-cookie")?.split(separator: ";").first.map(String.init)).unwrap("the refresh cookie")
            return (try (body["token"] as? String).unwrap("token"), cookie, try (body["csrfToken"] as? String).unwrap("csrfToken"),
                    try (body["sessionId"] as? String).unwrap("sessionId"))
        }
        func record(_ method: String, _ path: String, _ target: String? = nil, headers: [String: String]) async throws -> RawHTTP.Reply {
            let reply = try await RawHTTP.request(port: mainAPI.port, method: method, target: target ?? path, headers: headers)
            audit.record(.mainAPI, method, path, reply, label: "happy path")
            return reply
        }
        let mine = try await signIn(), other = try await signIn()
        let refreshed = try await record("POST", "/api/v1/auth/refresh", headers: ["Cookie": mine.cookie, "X-CSRF-Token": mine.csrf])
        #expect(refreshed.status == 200, "\(refreshed.text)")
        let bearer = try (json(refreshed)["token"] as? String).unwrap("token")
        let listed = try await record("GET", "/api/v1/auth/sessions", headers: ["Authorization": "Bearer \(bearer)"])
        #expect(listed.status == 200, "\(listed.text)")
        let ended = try await record("DELETE", "/api/v1/auth/sessions/{id}", "/api/v1/auth/sessions/\(other.id)",
                                     headers: ["Authorization": "Bearer \(bearer)"])
        #expect(ended.status == 204, "\(ended.text)")
        let out = try await record("POST", "/api/v1/auth/logout", headers: ["Authorization": "Bearer \(bearer)"])
        #expect(out.status == 204, "\(out.text)")
        let last = try await signIn()
        let everywhere = try await record("POST", "/api/v1/auth/logout-all", headers: ["Authorization": "Bearer \(last.bearer)"])
        #expect(everywhere.status == 200, "\(everywhere.text)")
    }

    /// A forgotten password, through the mail: the link that arrives sets a new one.
    func passwordReset() async throws {
        let signUp = try await call(mainAPI, "POST", "/api/v1/auth/signup", json: TestSignUp.signUpBody(email: "forgetful@shop.test"))
        #expect(signUp.status == 201, "\(signUp.text)")
        let before = try mailSink.messages().count
        let asked = try await call(mainAPI, "POST", "/api/v1/auth/password-reset", json: #"{"email":"forgetful@shop.test"}"#)
        #expect(asked.status == 202, "\(asked.text)")
        let link = try (try await mailSink.waitForMessages(before + 1).last { $0.envelopeTo == "forgetful@shop.test" }?.firstLink)
            .unwrap("the reset link")
        let token = try (URLComponents(string: link)?.queryItems?.first { $0.name == "token" }?.value).unwrap("the token in \(link)")
        // The link leads to main-api's page for the new password.
        let page = try await call(mainAPI, "GET", "/reset-password", "/reset-password?token=\(token)")
        #expect(page.status == 200 && page.header("content-security-policy")?.contains("frame-ancestors 'none'") == true)
        let confirmed = try await call(mainAPI, "POST", "/api/v1/auth/password-reset/confirm",
                                       json: #"{"token":"\#(token)","password":"Fresh-Battery-Staple-3"}"#)
        #expect(confirmed.status == 204, "\(confirmed.text)")
    }

    /// The run's owner builds a team: invites a new person (who creates an account from the
    /// link) and a person with an account (who accepts signed in, then switches to this tenant),
    /// promotes and removes a member, revokes an invitation.
    func team() async throws {
        func raw(_ method: String, _ path: String, _ target: String? = nil, bearer: String, json: String? = nil) async throws -> RawHTTP.Reply {
            var headers = ["Authorization": "Bearer \(bearer)"]
            if json != nil { headers["Content-Type"] = "application/json" }
            let reply = try await RawHTTP.request(port: mainAPI.port, method: method, target: target ?? path, headers: headers,
                                                  body: Data((json ?? "").utf8))
            audit.record(.mainAPI, method, path, reply, label: "happy path")
            return reply
        }
        func invite(_ email: String) async throws -> (id: String, token: String) {
            let before = try mailSink.messages().count
            let invited = try await call(mainAPI, "POST", "/api/v1/team/invitations", json: #"{"email":"\#(email)","role":"member"}"#)
            #expect(invited.status == 201, "\(invited.text)")
            let id = try ((json(invited)["invitation"] as? [String: Any])?["id"] as? String).unwrap("invitation id")
            let link = try (try await mailSink.waitForMessages(before + 1).last { $0.envelopeTo == email }?.firstLink).unwrap("the link")
            return (id, try (URLComponents(string: link)?.queryItems?.first { $0.name == "token" }?.value).unwrap("token"))
        }
        #expect(try await call(mainAPI, "GET", "/api/v1/team").status == 200)
        let newcomer = try await invite("teammate@shop.test")
        let page = try await call(mainAPI, "GET", "/accept-invitation", "/accept-invitation?token=\(newcomer.token)")
        #expect(page.status == 200)
        let created = try await call(mainAPI, "POST", "/api/v1/auth/invitations/accept",
                                     json: #"{"token":"\#(newcomer.token)","password":"Blue-Battery-Staple-4"}"#)
        #expect(created.status == 201, "\(created.text)")
        let teammate = try (json(created)["userId"] as? String).unwrap("userId")

        let existing = try await invite("other-tenant@shop.test")
        let login = try await RawHTTP.request(port: mainAPI.port, method: "POST", target: "/api/v1/auth/login",
                                              headers: ["Content-Type": "application/json"],
                                              body: Data(#"{"email":"other-tenant@shop.test","password":"Correct-Horse-42"}"#.utf8))
        let other = try (json(login)["token"] as? String).unwrap("token")
        let accepted = try await raw("POST", "/api/v1/auth/invitations/accept", bearer: other, json: #"{"token":"\#(existing.token)"}"#)
        #expect(accepted.status == 200, "\(accepted.text)")
        #expect(try await raw("GET", "/api/v1/auth/tenants", bearer: other).status == 200)
        let switched = try await raw("POST", "/api/v1/auth/switch-tenant", bearer: other,
                                     json: #"{"tenantId":"\#(tenant.uuidString.lowercased())"}"#)
        #expect(switched.status == 200, "\(switched.text)")

        let promoted = try await call(mainAPI, "PATCH", "/api/v1/team/members/{userId}", "/api/v1/team/members/\(teammate)", json: #"{"role":"admin"}"#)
        #expect(promoted.status == 200, "\(promoted.text)")
        #expect(try await call(mainAPI, "DELETE", "/api/v1/team/members/{userId}", "/api/v1/team/members/\(teammate)").status == 204)
        let pending = try await invite("never-accepts@shop.test")
        #expect(try await call(mainAPI, "DELETE", "/api/v1/team/invitations/{id}", "/api/v1/team/invitations/\(pending.id)").status == 204)
    }

    func headers(for service: RunningService, path: String) async throws -> [String: String] {
        guard path.hasPrefix("/internal/") else { return ["Authorization": "Bearer \(session)"] }
        let token = try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            .token(for: service.service, tenantID: tenant)
        return ["Authorization": "Bearer \(token)"]
    }

    // MARK: Billing and jobs

    func billingAndJobs() async throws {
        let (port, session) = (mainAPI.port, self.session)
        let billed = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            try await RawHTTP.request(port: port, target: "/api/v1/billing", headers: ["Authorization": "Bearer \(session)"]).status == 200
        }
        #expect(billed)
        #expect(try await call(mainAPI, "GET", "/api/v1/billing").status == 200)
        #expect(try await call(payments, "GET", "/internal/billing-account").status == 200)
        // A Stripe webhook, signed with the secret payments was started with.
        let now = Int(Date().timeIntervalSince1970)
        let event = Data(#"{"id":"evt_1HappyPath00000","object":"event","type":"customer.created","created":\#(now),"livemode":false,"data":{"object":{}}}"#.utf8)
        let signature = StripeWebhookSignature.header(payload: event, secrets: [Self.stripeWebhookSecret], timestamp: now)
        #expect(try await call(payments, "POST", "/webhooks/stripe/{endpoint}", "/webhooks/stripe/account", body: event,
                               headers: ["Stripe-Signature": signature, "Content-Type": "application/json"]).status == 200)

        try await billing()
        try await partners()

        // A job of the tenant's that has not finished: cancel it, then run it again.
        let listed = try await call(inventorySync, "GET", "/internal/jobs", "/internal/jobs?limit=1000")
        let jobs = (json(listed)["jobs"] as? [[String: Any]]) ?? []
        var cancelled: Int?
        for job in jobs where ["available", "scheduled", "retryable", "running"].contains(job["state"] as? String ?? "") {
            guard let id = job["id"] as? Int else { continue }
            let reply = try await call(inventorySync, "POST", "/internal/jobs/{id}/cancel", "/internal/jobs/\(id)/cancel")
            if reply.status == 200 {
                cancelled = id
                break
            }
        }
        let id = try cancelled.unwrap("a job of the tenant to cancel among \(jobs.count)")
        // A running job is cancelled once its handler stops; until then a retry is refused.
        var again = false
        for _ in 0..<150 where !again {
            again = try await call(inventorySync, "POST", "/internal/jobs/{id}/retry", "/internal/jobs/\(id)/retry").status == 200
            if !again { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(again, "a cancelled job runs again")
    }

    /// The Billing page's operations on both sides of the gateway: a commission line waits, the
    /// owner settles it (no card yet: the payment fails) and tries again, saves a card through
    /// Checkout, changes how the commission is collected.
    func billing() async throws {
        let tenant = self.tenant
        _ = try await database.withSuperuser { connection in
            try await connection.query("""
                INSERT INTO payments.commissions (commission_id, tenant_id, entry_id, source_event_id, connection_id, reimbursement_id, kind,
                    case_id, amazon_case_id, recovered_minor, currency, rate_bps, commission_minor)
                VALUES (gen_random_uuid(), \(tenant), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), '4455667788', 'reimbursement',
                    gen_random_uuid(), '17700000001', 10000, 'USD', 2000, 2000)
                """, logger: TestEnvironment.logger)
        }
        for (service, prefix) in [(mainAPI, "/api/v1/billing"), (payments, "/internal/billing")] {
            let overview = prefix == "/api/v1/billing" ? "/api/v1/billing/overview" : "/internal/billing"
            #expect(try await call(service, "GET", overview).status == 200)
            #expect(try await call(service, "GET", prefix + "/commissions", prefix + "/commissions?limit=5").status == 200)
            #expect(try await call(service, "GET", prefix + "/commissions/export").status == 200)
            let setup = try await call(service, "POST", prefix + "/card-setup",
                                       json: #"{"successUrl":"https://app.opside.test/app/billing","cancelUrl":"https://app.opside.test/app/billing"}"#)
            #expect(setup.status == 200)
            let session = json(setup)["sessionId"] as? String ?? ""
            #expect(try await call(service, "POST", prefix + "/card-setup/complete", json: #"{"sessionId":"\#(session)"}"#).status == 200)
            #expect(try await call(service, "PUT", prefix + "/collection", json: #"{"collection":"monthly_invoice"}"#).status == 200)
        }
        // The first settle invoices the waiting line; with no card its payment fails, and is tried again.
        let settled = try await call(mainAPI, "POST", "/api/v1/billing/settle", json: "{}")
        #expect(settled.status == 200)
        #expect(try await call(payments, "POST", "/internal/billing/settle", json: "{}").status == 200)
        let invoice = ((json(settled)["invoices"] as? [[String: Any]])?.first?["invoiceId"] as? String) ?? ""
        #expect(try await call(mainAPI, "POST", "/api/v1/billing/invoices/{invoiceId}/pay", "/api/v1/billing/invoices/\(invoice)/pay",
                               json: "{}").status == 200)
        #expect(try await call(payments, "POST", "/internal/billing/invoices/{invoiceId}/pay", "/internal/billing/invoices/\(invoice)/pay",
                               json: "{}").status == 200)
        #expect(try await call(payments, "PUT", "/internal/billing/commission-rate", json: #"{"commissionBasisPoints":2000}"#).status == 200)
    }

    /// The partner programme on both sides of the gateway: this tenant joins, onboards on Stripe's
    /// page, is paid out, sets its schedule; and, as a seller, names another partner's code.
    func partners() async throws {
        let tenant = self.tenant
        for (service, prefix) in [(mainAPI, "/api/v1/partners"), (payments, "/internal/partners")] {
            #expect(try await call(service, "GET", prefix).status == 200)
            let joined = try await call(service, "POST", prefix,
                                        json: #"{"kind":"agency","displayName":"Happy Agency","contactEmail":"payouts@happy.test","country":"US"}"#)
            #expect(joined.status == 200, "\(joined.text)")
            // Stripe's page sends the browser back: here to a page that answers.
            let back = mainAPI.baseURL + "/health/live"
            let link = try await call(service, "POST", prefix + "/onboarding", json: #"{"returnUrl":"\#(back)","refreshUrl":"\#(back)"}"#)
            #expect(link.status == 200, "\(link.text)")
            let page = try (json(link)["url"] as? String).unwrap("onboarding URL")
            _ = try await TestHTTP.request(.POST, page, body: Data("account_number=000123456789".utf8),
                                           headers: ["content-type": "application/x-www-form-urlencoded"])
            let refreshed = try await call(service, "POST", prefix + "/account/refresh", json: "{}")
            #expect(refreshed.status == 200, "\(refreshed.text)")
            #expect(try await call(service, "POST", prefix + "/dashboard-link", json: "{}").status == 200)
            #expect(try await call(service, "PUT", prefix + "/payout-schedule", json: #"{"schedule":"weekly","minimum":"50.00"}"#).status == 200)
            // Funds in the partner's balance (a test-mode top-up at the sandbox), then a payout.
            let account = try ((json(refreshed)["partner"] as? [String: Any])?["stripeAccountId"] as? String).unwrap("account")
            let sandbox = try URL(string: page).flatMap { URL(string: "/", relativeTo: $0)?.absoluteString }.unwrap("sandbox address")
            _ = try await TestHTTP.request(.POST, sandbox + "_sandbox/balance", json: #"{"account":"\#(account)","amount":1000,"currency":"usd"}"#)
            let payout = try await call(service, "POST", prefix + "/payouts", json: #"{"requestId":"\#(UUID())","currency":"USD","amount":"5.00"}"#)
            #expect(payout.status == 200, "\(payout.text)")
            #expect(try await call(service, "GET", prefix + "/earnings").status == 200)
            #expect(try await call(service, "GET", prefix + "/earnings/export").status == 200)
        }
        #expect(try await call(payments, "PUT", "/internal/partners/share", json: #"{"shareBasisPoints":2500}"#).status == 200)
        // As a seller, this tenant names the code of another partner (made directly: its own code is refused).
        let other = UUID()
        _ = try await database.withSuperuser { connection in
            try await connection.query("""
                INSERT INTO payments.partners (partner_id, tenant_id, kind, display_name, contact_email, country, referral_code, share_bps)
                VALUES (gen_random_uuid(), \(other), 'referrer', 'Happy Referrer', 'ann@happy.test', 'US', 'HAPPYREF1', 2500)
                """, logger: TestEnvironment.logger)
        }
        for (service, path) in [(mainAPI, "/api/v1/billing/referral"), (payments, "/internal/billing/referral")] {
            let given = try await call(service, "POST", path, json: #"{"code":"happyref1"}"#)
            #expect(given.status == 200, "\(given.text)")
            _ = try await database.withSuperuser { connection in
                try await connection.query("DELETE FROM payments.referrals WHERE tenant_id = \(tenant)", logger: TestEnvironment.logger)
            }
        }
    }

    // MARK: Claims (claim-detector, and main-api's gateway in front of it)

    func claims() async throws {
        // A listing of the consented connection, as a sync would have loaded it: data to detect in.
        let (tenant, connection) = (self.tenant, self.connection)
        try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id) VALUES (\(UUID(uuidString: connection)), \(tenant))
                ON CONFLICT DO NOTHING
                """, logger: TestEnvironment.logger)
            try await db.query("""
                INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku)
                VALUES (\(tenant), \(UUID(uuidString: connection)), 'ATVPDKIKX0DER', 'HAPPY-SKU') ON CONFLICT DO NOTHING
                """, logger: TestEnvironment.logger)
        }
        for (service, prefix) in [(mainAPI, "/api/v1/claims"), (claimDetector, "/internal/claims")] {
            let detect = try await call(service, "POST", "\(prefix)/detections", json: #"{"asOf":"2026-03-01"}"#)
            #expect(detect.status == 200, "\(detect.text)")
            let list = try await call(service, "GET", prefix, prefix + "?sort=amount&limit=10")
            #expect(list.status == 200, "\(list.text)")
            let id = try ((json(list)["claims"] as? [[String: Any]])?.first?["id"] as? String).unwrap("a claim in \(list.text)")
            #expect(try await call(service, "GET", "\(prefix)/export", "\(prefix)/export?status=claimable").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/summary").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/{claimId}", "\(prefix)/\(id)").status == 200)
            let dismissed = try await call(service, "POST", "\(prefix)/{claimId}/dismiss", "\(prefix)/\(id)/dismiss", json: #"{"reason":"filed by hand"}"#)
            #expect(dismissed.status == 200, "\(dismissed.text)")
            for kind in ["unit-costs", "expected-fees"] {
                let set = try await call(service, "PUT", "\(prefix)/\(kind)",
                                         json: #"{"items":[{"sku":"HAPPY-SKU","amount":{"amountMinor":725,"currency":"USD"}}]}"#)
                #expect(set.status == 200, "\(set.text)")
                #expect(try await call(service, "GET", "\(prefix)/\(kind)").status == 200)
                let upload = try await call(service, "POST", "\(prefix)/\(kind)/import", body: Data("sku,amount,currency\nHAPPY-SKU,7.25,USD\n".utf8),
                                            headers: ["Content-Type": "text/csv"])
                #expect(upload.status == 200, "\(upload.text)")
            }
        }
    }

    // MARK: Cases (refund-engine, and main-api's gateway in front of it)

    /// The claims detected above became cases (an inbound shortage each, waiting for documents):
    /// one walks the assisted case's whole path through main-api, another through refund-engine's
    /// own routes; every read route answers.
    func cases() async throws {
        let refundEngine = self.refundEngine
        // The fuzz pass before may have switched this tenant's filing to the sandbox desk; these are assisted cases.
        let assisted = try await call(refundEngine, "PUT", "/internal/filing", json: #"{"channel": "assisted", "continuous": false}"#)
        #expect(assisted.status == 200, "\(assisted.text)")
        let token = try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            .token(for: .refundEngine, tenantID: tenant)
        var waiting: [[String: Any]] = []
        let made = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let reply = try await RawHTTP.request(port: refundEngine.port, target: "/internal/cases?status=needs_documents",
                                                  headers: ["Authorization": "Bearer \(token)"])
            let found = ((try? JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])?["cases"] as? [[String: Any]]) ?? []
            return found.count >= 2
        }
        #expect(made, "the inbound shortages became cases waiting for documents")
        waiting = json(try await call(refundEngine, "GET", "/internal/cases", "/internal/cases?status=needs_documents"))["cases"]
            as? [[String: Any]] ?? []
        #expect(waiting.count >= 2)
        for (index, (service, prefix)) in [(mainAPI, "/api/v1"), (refundEngine, "/internal")].enumerated() where index < waiting.count {
            let item = waiting[index]
            let id = try (item["id"] as? String).unwrap("a case id")
            let claimId = try (item["claimId"] as? String).unwrap("its claim")
            #expect(try await call(service, "GET", "\(prefix)/cases", "\(prefix)/cases?limit=10&channel=assisted").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/cases/export", "\(prefix)/cases/export?status=needs_documents").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/cases/metrics").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/filing").status == 200)
            let limit = try await call(service, "PUT", "\(prefix)/filing", json: #"{"dailyLimit": 20}"#)
            #expect(limit.status == 200, "\(limit.text)")
            let ready = try await call(service, "POST", "\(prefix)/cases/{caseId}/documents-ready", "\(prefix)/cases/\(id)/documents-ready", json: "{}")
            #expect(ready.status == 200, "\(ready.text)")
            let filedNow = try await call(service, "POST", "\(prefix)/cases/file", json: #"{"claimId": "\#(claimId)"}"#)
            #expect(filedNow.status == 200, "\(filedNow.text)")
            let filed = try await call(service, "POST", "\(prefix)/cases/{caseId}/filed", "\(prefix)/cases/\(id)/filed",
                                       json: #"{"amazonCaseId": "12345678\#(index)0"}"#)
            #expect(filed.status == 200, "\(filed.text)")
            let asked = try await call(service, "POST", "\(prefix)/cases/{caseId}/outcome", "\(prefix)/cases/\(id)/outcome",
                                       json: #"{"outcome": "more_information_needed", "reason": "Send the supplier invoice."}"#)
            #expect(asked.status == 200, "\(asked.text)")
            let answered = try await call(service, "POST", "\(prefix)/cases/{caseId}/reply", "\(prefix)/cases/\(id)/reply",
                                          json: #"{"body": "The invoice is attached."}"#)
            #expect(answered.status == 200, "\(answered.text)")
            #expect(try await call(service, "GET", "\(prefix)/cases/{caseId}", "\(prefix)/cases/\(id)").status == 200)
            #expect(try await call(service, "POST", "\(prefix)/cases/retry-failed", json: "{}").status == 200)
            #expect(try await call(service, "POST", "\(prefix)/cases/file", json: "{}").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/recoveries", "\(prefix)/recoveries?limit=10").status == 200)
            #expect(try await call(service, "GET", "\(prefix)/recoveries/summary").status == 200)
        }
        // Last: the sweep marks these March cases' deadlines missed, which would stop the walk above.
        for (service, prefix) in [(mainAPI, "/api/v1"), (refundEngine, "/internal")] {
            #expect(try await call(service, "POST", "\(prefix)/cases/refresh").status == 200)
        }
    }

    // MARK: Notifications, account settings and the dashboard's pages (main-api)

    /// The claims detected above notify the tenant's people: read, unread, all read, deleted, and
    /// the e-mail preferences set.
    func notifications() async throws {
        let (port, session) = (mainAPI.port, self.session)
        let arrived = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let reply = try await RawHTTP.request(port: port, target: "/api/v1/notifications", headers: ["Authorization": "Bearer \(session)"])
            return ((try? JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])?["notifications"] as? [Any])?.isEmpty == false
        }
        #expect(arrived, "the claims found reach the bell")
        let list = try await call(mainAPI, "GET", "/api/v1/notifications", "/api/v1/notifications?limit=5&unread_only=true")
        #expect(list.status == 200, "\(list.text)")
        let id = try ((json(list)["notifications"] as? [[String: Any]])?.first?["id"] as? String).unwrap("a notification in \(list.text)")
        #expect(try await call(mainAPI, "GET", "/api/v1/notifications/unread-count").status == 200)
        #expect(try await call(mainAPI, "POST", "/api/v1/notifications/{id}/read", "/api/v1/notifications/\(id)/read").status == 200)
        #expect(try await call(mainAPI, "POST", "/api/v1/notifications/{id}/unread", "/api/v1/notifications/\(id)/unread").status == 200)
        #expect(try await call(mainAPI, "POST", "/api/v1/notifications/read-all").status == 200)
        #expect(try await call(mainAPI, "GET", "/api/v1/notifications/preferences").status == 200)
        let preferences = try await call(mainAPI, "PUT", "/api/v1/notifications/preferences",
                                         json: #"{"emailKinds":["claims_found","sync_failed"],"delivery":"immediate"}"#)
        #expect(preferences.status == 200, "\(preferences.text)")
        #expect(try await call(mainAPI, "DELETE", "/api/v1/notifications/{id}", "/api/v1/notifications/\(id)").status == 204)
    }

    /// A person changes their password, another their address (each with their own sign-in).
    func account() async throws {
        let changed = try await call(mainAPI, "POST", "/api/v1/account/password",
                                     json: #"{"currentPassword":"Correct-Horse-42","newPassword":"Correct-Horse-43-Longer"}"#)
        #expect(changed.status == 204, "\(changed.text)")
        let mover = try await TestSignUp.signUp(mainAPI, email: "moving@shop.test")
        let moved = try await RawHTTP.request(port: mainAPI.port, method: "POST", target: "/api/v1/account/email",
                                              headers: ["Authorization": "Bearer \(mover.token)", "Content-Type": "application/json"],
                                              body: Data(#"{"password":"Correct-Horse-42","email":"moved@shop.test"}"#.utf8))
        audit.record(.mainAPI, "POST", "/api/v1/account/email", moved, label: "happy path")
        #expect(moved.status == 200, "\(moved.text)")
    }

    /// Every page, signed in by the access cookie as a browser is.
    func dashboard() async throws {
        let cookie = ["Cookie": "opside_access=\(session)"]
        let claim = try await call(mainAPI, "GET", "/api/v1/claims", "/api/v1/claims?limit=1")
        let claimID = try ((json(claim)["claims"] as? [[String: Any]])?.first?["id"] as? String).unwrap("a claim")
        let listed = try await call(mainAPI, "GET", "/api/v1/cases", "/api/v1/cases?limit=1")
        let caseID = try ((json(listed)["cases"] as? [[String: Any]])?.first?["id"] as? String).unwrap("a case")
        let pages: [(String, String)] = [
            ("/app", "/app"), ("/app/claims", "/app/claims?status=claimable&sort=amount&order=desc"),
            ("/app/claims/{id}", "/app/claims/\(claimID)"), ("/app/connections", "/app/connections"),
            ("/app/connections/{id}", "/app/connections/\(connection)"), ("/app/syncs/{id}", "/app/syncs/\(run)"),
            ("/app/notifications", "/app/notifications"), ("/app/team", "/app/team"), ("/app/settings", "/app/settings"),
            ("/app/cases", "/app/cases"), ("/app/cases", "/app/cases?tab=filed"), ("/app/cases/{id}", "/app/cases/\(caseID)"),
            ("/app/recoveries", "/app/recoveries"), ("/app/documents", "/app/documents"),
            ("/app/documents/{id}", "/app/documents/\(document)"), ("/app/prompts", "/app/prompts"), ("/app/costs", "/app/costs"),
            ("/app/billing", "/app/billing"), ("/app/partners", "/app/partners"),
            ("/app/system", "/app/system"), ("/app/system/runs/{id}", "/app/system/runs/\(testRun)"),
            ("/app/listings", "/app/listings"), ("/app/listings/{sku}", "/app/listings/\(listingSKU)"),
            ("/app/listings/bulk/{id}", "/app/listings/bulk/\(bulkUpdate)"), ("/app/catalog", "/app/catalog?query=Sandbox"),
            ("/app/search-queries", "/app/search-queries"), ("/app/search-queries", "/app/search-queries?period=MONTH"),
            ("/app/inbound", "/app/inbound"), ("/app/inbound/{id}", "/app/inbound/\(inboundWorkflow)"),
            ("/app/advertising", "/app/advertising"), ("/app/advertising", "/app/advertising?days=7"),
        ]
        for (path, target) in pages {
            let page = try await call(mainAPI, "GET", path, target, headers: cookie)
            #expect(page.status == 200, "\(target): \(page.status) \(page.text.prefix(300))")
            #expect(page.header("content-security-policy")?.contains("script-src 'self'") == true, "\(target)")
        }
        #expect(try await call(mainAPI, "GET", "/sign-in", "/sign-in?next=/app/claims").status == 200)
        #expect(try await call(mainAPI, "GET", "/assets/{name}", "/assets/app.js").status == 200)
    }
}
