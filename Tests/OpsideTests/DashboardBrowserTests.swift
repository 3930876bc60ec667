import ClaimDetector
import CostDocs
import EvidenceEngine
import Foundation
import InventorySync
import MCDE
import OpsideCore
import OpsideTesting
import Testing

/// The dashboard in a real browser (Debian's headless Chromium through chromedriver), against the
/// whole suite as production wires it: a seller signs up, connects Amazon through the consent
/// page, watches the first sync finish live, reads a claim's explanation, exports claims, files a
/// case and sees it paid with its proof packet, proves a claim with a supplier invoice (uploaded,
/// read, answered), imports a report file, reads a notification, invites an agency, which
/// switches to the seller's account; then everyone signs out. Every page visited is kept as a
/// screenshot (`$OPSIDE_TEST_SCREENSHOTS`, or a temporary folder; the path is printed).
/// A hung browser or service fails this suite by itself instead of holding the pass to its limit.
@Suite(.serialized, .timeLimit(.minutes(10))) struct DashboardBrowserTests {
    /// The suite under test: the sandbox, the services the dashboard reads (the evidence ones with
    /// cost-docs' files in a temporary folder), and main-api.
    struct Suite {
        let sandbox: IntegrationsSandbox
        let stripe: StripeSandboxHarness
        let services: [RunningService]
        let mainAPI: RunningService
        let mailSink: MailSink
        let storage: URL

        static func start(database: TestDatabase) async throws -> Suite {
            let mailSink = try await MailSink.start()
            // Amazon's redirect must name main-api before it starts, and the evidence services call
            // one another: their ports are held for them till then.
            let mainReservation = try TestEnvironment.reservePort()
            let runnerReservation = try TestEnvironment.reservePort()
            let evidenceReservations = try [OpsideService.costDocs, .evidenceEngine, .mcde].map { ($0, try TestEnvironment.reservePort()) }
            defer {
                mainReservation.release()
                runnerReservation.release()
                for (_, reservation) in evidenceReservations { reservation.release() }
            }
            let mainPort = mainReservation.port
            let base = "http://127.0.0.1:\(mainPort)"
            let evidenceURLs = Dictionary(uniqueKeysWithValues: evidenceReservations.map {
                ("services.\($0.0.configKeyName).url", "http://127.0.0.1:\($0.1.port)")
            })
            let port = Dictionary(uniqueKeysWithValues: evidenceReservations.map { ($0.0, $0.1.port) })
            let sandbox = try await IntegrationsSandbox.start(timeScale: 2000, reportProcessingSeconds: 0.2,
                                                              redirectURIs: [base + "/api/v1/amazon/callback"])
            let amazon = sandbox.amazonOverrides.merging(["amazon.redirectUri": base + "/api/v1/amazon/callback",
                                                          "ads.redirectUri": base + "/api/v1/amazon/ads/callback",
                                                          "amazon.rateLimit.timeScale": "2000"]) { $1 }
            // Amazon's notifications come through the sandbox's SQS queue, as deploy/up has them.
            let integrations = try await RunningService.start(.integrations, database: database,
                                                              overrides: amazon.merging(sandbox.notificationOverrides) { $1 })
            // Amazon's time is the sandbox's: a test that moves it on gets fresh reports, not the reused ones.
            let inventorySync = try await RunningService.start(.inventorySync, database: database, overrides: amazon.merging([
                "services.integrations.url": integrations.baseURL, "sync.reportPollMilliseconds": "100", "sync.reportPollMaxMilliseconds": "200",
                "sync.maxAttempts": "3", "sync.retryBaseSeconds": "0.2", "sync.retryMaxSeconds": "1", "jobs.concurrency": "8",
                "sync.manualCooldownSeconds": "0",
                // The search queries' first sync follows the backfill at once here (Amazon's quota runs 2000 times faster).
                "sync.searchQueryFirstSyncDelaySeconds": "0", "sync.scheduleTick": "@every 2s",
                "ads.reportPollSeconds": "0.2", "ads.reportPollMaxSeconds": "0.5",
            ]) { $1 }) { reader in
                try await InventorySyncService.buildApplication(reader: reader, accessTokens: nil, amazonClock: sandbox.clock)
            }
            // The real rules, detecting a second after a sync settles.
            let claimDetector = try await RunningService.start(.claimDetector, database: database,
                                                               overrides: ["claims.settleDelaySeconds": "1"]) { reader in
                try await ClaimDetectorService.buildApplication(reader: reader, detector: ClaimDetectorService.rules)
            }
            // The case desk: cases in the seller's own hands (the assisted channel), the sandbox's
            // Seller Central where the seller files them, the token vault for the seller's access.
            let refundEngine = try await RunningService.start(.refundEngine, database: database, overrides: [
                "services.integrations.url": integrations.baseURL, "services.claimDetector.url": claimDetector.baseURL,
                "filing.caseDeskUrl": sandbox.baseURL,
            ].merging(evidenceURLs) { $1 })
            // The evidence services: documents stored by cost-docs, read by evidence-engine's parser
            // subprocess, costed by mcde. Every match is put to the seller as a question (none is
            // sure enough to file a claim alone), so the browser answers one.
            let storage = FileManager.default.temporaryDirectory.appendingPathComponent("opside-dashboard-documents-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
            let evidence = evidenceURLs.merging([
                "services.claimDetector.url": claimDetector.baseURL, "services.refundEngine.url": refundEngine.baseURL,
                "jobs.pollIntervalMilliseconds": "200",
            ]) { $1 }
            let costDocs = try await RunningService.start(.costDocs, database: database, overrides: evidence.merging(["storage.localPath": storage.path]) { $1 },
                                                          port: port[.costDocs]) { reader in
                try await CostDocsService.buildApplication(reader: reader)
            }
            let mcde = try await RunningService.start(.mcde, database: database, overrides: evidence, port: port[.mcde]) { reader in
                try await MCDEService.buildApplication(reader: reader)
            }
            let evidenceEngine = try await RunningService.start(.evidenceEngine, database: database, overrides: evidence.merging([
                "evidence.autoSubmitThreshold": "0.99",
            ]) { $1 }, port: port[.evidenceEngine]) { reader in
                try await EvidenceEngineService.buildApplication(reader: reader)
            }
            // Billing: payments against the Stripe sandbox, whose Checkout page the browser fills in.
            let stripe = try await StripeSandboxHarness.start()
            let payments: RunningService, mainAPI: RunningService
            do {
                payments = try await RunningService.start(.payments, database: database, overrides: ["stripe.apiBase": stripe.baseURL])
                mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: [
                "services.payments.url": payments.baseURL,
                "services.integrations.url": integrations.baseURL, "services.inventorySync.url": inventorySync.baseURL,
                "services.claimDetector.url": claimDetector.baseURL, "services.refundEngine.url": refundEngine.baseURL,
                "dashboard.publicUrl": base,
                "realtime.heartbeatMilliseconds": "1000",
                "services.testRunner.url": "http://127.0.0.1:\(runnerReservation.port)", "operators.emails": DashboardBrowserTests.sellerEmail,
            ].merging(evidenceURLs) { $1 }.merging(mailSink.overrides) { $1 }, port: mainPort) { reader in
                try await RunningService.buildApplication(.mainAPI, reader: reader)
            }
            } catch {
                // The sandbox's HTTP client must be shut down however the start ends.
                try? await stripe.shutdown()
                throw error
            }
            // test-runner, for the System tests pages (the seller runs this deployment too).
            var services = [integrations, inventorySync, claimDetector, refundEngine, costDocs, mcde, evidenceEngine, payments, mainAPI]
            let targets = (services.map { "\($0.service.name)=\($0.baseURL)" } + ["test-runner=http://127.0.0.1:\(runnerReservation.port)"])
                .joined(separator: ",")
            do {
                services.append(try await RunningService.start(.testRunner, database: database, overrides: [
                    "testRunner.targets": targets, "testRunner.schedule": "0 0 1 1 *", "jobs.pollIntervalMilliseconds": "200",
                ], port: runnerReservation.port) { reader in
                    try await RunningService.buildApplication(.testRunner, reader: reader)
                })
            } catch {
                for service in services.reversed() { await service.stop() }
                try? await stripe.shutdown()
                throw error
            }
            return Suite(sandbox: sandbox, stripe: stripe, services: services, mainAPI: mainAPI, mailSink: mailSink, storage: storage)
        }

        func stop() async {
            for service in services.reversed() { await service.stop() }
            await sandbox.stop()
            try? await stripe.shutdown()
            mailSink.stop()
            try? FileManager.default.removeItem(at: storage)
        }
    }

    static func screenshotFolder() throws -> URL {
        let folder = ProcessInfo.processInfo.environment["OPSIDE_TEST_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("opside-screenshots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        print("dashboard screenshots: \(folder.path)")
        return folder
    }

    /// The seller who walks through the pages; she runs the deployment too (`operators.emails`).
    static let sellerEmail = "mia@maple.test"

    @Test func aSellerAndTheirAgencyUseTheDashboardInABrowser() async throws {
        let database = try await TestDatabase.create()
        let suite = try await Suite.start(database: database)
        let folder = try Self.screenshotFolder()
        let seller = try await WebBrowser.start(name: "seller", screenshots: folder)
        var agency: WebBrowser?
        do {
            agency = try await walkThrough(suite: suite, seller: seller, screenshots: folder)
            try await systemTestsRun(suite: suite, browser: seller)
            try await listingsInBrowser(suite: suite, browser: seller)
            try await searchQueriesInBrowser(suite: suite, browser: seller)
            try await advertisingInBrowser(suite: suite, browser: seller)
            try await inboundInBrowser(suite: suite, browser: seller)
        } catch {
            try? await seller.screenshot("failed")
            await seller.quit()
            await agency?.quit()
            await suite.stop()
            throw error
        }
        await seller.quit()
        await agency?.quit()
        await suite.stop()
    }

    func walkThrough(suite: Suite, seller browser: WebBrowser, screenshots: URL) async throws -> WebBrowser {
        let base = suite.mainAPI.baseURL

        // Sign up.
        try await browser.open(base + "/app")
        #expect(try await browser.url.hasPrefix(base + "/sign-in?next=/app"), "a signed-out visit goes to sign in")
        try await browser.screenshot("sign-in")
        try await browser.click("#show-sign-up")
        try await browser.type("#sign-up-form input[name=companyName]", "Maple Goods")
        try await browser.type("#sign-up-form input[name=displayName]", "Mia Maple")
        try await browser.type("#sign-up-form input[name=email]", Self.sellerEmail)
        try await browser.type("#sign-up-form input[name=password]", "Maple-Syrup-Season-7")
        try await browser.screenshot("sign-up")
        try await browser.click("#sign-up-form button[type=submit]")
        try await browser.waitUntil("the connections page", "return location.pathname === '/app/connections'")
        #expect(try await browser.text("#flash").contains("Connect your Amazon account"))
        try await browser.screenshot("connections-welcome")

        // Connect Amazon through the consent page.
        let amazonSeller = try await suite.sandbox.admin(post: "/_sandbox/sellers", json: #"{"seed":4242,"skus":6,"months":6}"#)
        let sellingPartner = try (amazonSeller["sellingPartnerId"] as? String).unwrap("the sandbox seller")
        try await browser.click("[data-testid=connect-amazon]")
        try await browser.waitUntil("Amazon's consent page", "return location.pathname === '/apps/authorize/consent'")
        try await browser.screenshot("amazon-consent")
        try await browser.select("select[name=selling_partner_id]", value: sellingPartner)
        try await browser.click("button[type=submit]")
        try await browser.waitUntil("the new connection's page", "return location.pathname.startsWith('/app/connections/')")
        #expect(try await browser.text("#flash").hasPrefix("Connected."))
        try await browser.screenshot("connection-connected")
        let connectionPage = try await browser.url.components(separatedBy: "?")[0]

        // The page's live feed is a WebSocket.
        try await browser.waitUntil("the WebSocket feed", "return document.body.dataset.realtime === 'websocket'")
        // Watch a sync finish without reloading: the page's rows change as the events arrive.
        var watchedLive = false
        for _ in 0..<6 where !watchedLive {
            _ = try await browser.run("""
                window.opsideWatch = Array.from(document.querySelectorAll('table.runs tr[data-run]'))
                  .filter((row) => row.dataset.state !== 'succeeded').map((row) => row.dataset.run);
                """)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let state = try await browser.run("""
                    if (!window.opsideWatch) return 'reloaded';
                    return window.opsideWatch.some((run) => {
                      const row = document.querySelector('tr[data-run="' + run + '"]');
                      return row && row.dataset.state === 'succeeded';
                    }) ? 'live' : 'waiting';
                    """) as? String
                if state == "live" { watchedLive = true; break }
                if state == "reloaded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(watchedLive, "a run turned done on the open page")
        try await browser.screenshot("sync-progress")
        // Every run done (reloading now and then), then the claims they give.
        try await eventuallyInBrowser(browser, "every sync done", reloadEvery: .seconds(2), timeout: .seconds(180),
                                      "return document.querySelectorAll('table.runs tr[data-run]').length > 0 && "
                                      + "!document.querySelector('table.runs tr[data-state=queued], table.runs tr[data-state=running], table.runs tr[data-state=retrying]')")
        try await browser.screenshot("sync-finished")
        // With the history in, every kind of claim is looked for, and the open page says so as the
        // syncs end (its coverage section follows them live).
        #expect(try await browser.count("[data-testid=claim-coverage] li[data-family]") == 6)
        try await browser.waitUntil("every claim covered",
                                    "return !document.querySelector('[data-testid=claim-coverage]').textContent.includes('Waiting')")
        #expect(try await browser.text("[data-testid=claim-coverage]").contains("Units lost, damaged or disposed of"))
        // Amazon told the page as the syncs' reports finished (REPORT_PROCESSING_FINISHED through SQS).
        try await eventuallyInBrowser(browser, "Amazon's notifications on the connection page", reloadEvery: .seconds(2), timeout: .seconds(60),
                                      "return document.querySelectorAll('[data-testid=amazon-notification]').length > 0")
        #expect(try await browser.text("[data-testid=amazon-live]").contains("Reports"), "the section names what Amazon tells")
        try await browser.screenshot("amazon-live")
        try await browser.open(base + "/app/claims")
        try await eventuallyInBrowser(browser, "claims detected", reloadEvery: .seconds(2), timeout: .seconds(120),
                                      "return document.querySelectorAll('[data-testid=claims-table] tbody tr').length > 0")
        try await browser.screenshot("claims")

        // Export the list as CSV, with the page's own sign-in.
        let exportURL = try (try await browser.attribute("[data-testid=export-csv]", "href")).unwrap("the export link")
        let csv = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], { credentials: 'same-origin' }).then((r) => r.text().then((t) => done(r.status + '\\n' + t)));
            """, [exportURL]) as? String ?? ""
        #expect(csv.hasPrefix("200\nid,type,status,connectionId"), "\(csv.prefix(200))")
        #expect(csv.split(separator: "\r\n").count > 1, "the export holds the claims")

        // Open a claim and read why Amazon owes it.
        try await browser.click("[data-testid=claims-table] tbody tr a")
        let explanation = try await browser.text("[data-testid=explanation]")
        #expect(explanation.count > 40 && explanation.contains("Amazon"), "\(explanation)")
        #expect(try await browser.count("[data-testid=source-rows] tbody tr") > 0, "the claim shows its source rows")
        try await browser.screenshot("claim")
        try await browser.open(base + "/app")
        try await browser.screenshot("overview")
        try await fileAnAssistedCase(suite: suite, browser: browser, connectionPage: connectionPage,
                                     refreshToken: try (amazonSeller["refreshToken"] as? String).unwrap("the seller's refresh token"))
        try await keepTheProofOfAPaidClaim(suite: suite, browser: browser)
        try await payTheCommission(suite: suite, browser: browser)
        try await partnerGetsPaid(suite: suite, seller: browser, screenshots: screenshots)
        try await proveAClaimWithAnInvoice(suite: suite, browser: browser)

        // Import a report file by choosing it (the drop zone's input), and read the result.
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).tsv")
        let header = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity", "Fulfillment Center",
                      "Disposition", "Reason", "Country", "Reconciled Quantity", "Unreconciled Quantity", "Date and Time"]
        let row = ["2026-01-02", "X00IMPORT1", "B00IMPORT1", "IMPORT-SKU", "A mug", "Adjustments", "9000001", "-1", "BFI4",
                   "SELLABLE", "M", "US", "0", "1", "2026-01-02T10:00:00Z"]
        try Data((header.joined(separator: "\t") + "\n" + row.joined(separator: "\t") + "\nnot a ledger line\n").utf8).write(to: report)
        defer { try? FileManager.default.removeItem(at: report) }
        try await browser.open(connectionPage)
        try await browser.type("[data-testid=import-file]", report.path)
        try await browser.waitUntil("the import's result", timeout: .seconds(60),
                                    "const t = document.querySelector('[data-field=result]').textContent; return t.startsWith('Imported') || t.startsWith('The import')")
        let imported = try await browser.text("[data-field=result]")
        #expect(imported.hasPrefix("Imported") && imported.contains("1 lines set aside"), "\(imported)")
        _ = try await browser.run("document.querySelector('.dropzone').scrollIntoView({ block: 'center' })")
        try await browser.screenshot("import")
        // The line it could not read, on the import's own page.
        try await eventuallyInBrowser(browser, "the import's run", reloadEvery: .seconds(1), timeout: .seconds(20),
                                      "return !!document.querySelector('table.runs a[href^=\"/app/syncs/\"]')")
        try await browser.click("table.runs a[href^='/app/syncs/']")
        #expect(try await browser.text("[data-testid=quarantine] tbody tr").contains("not a ledger line"))
        try await browser.screenshot("quarantine")
        try await browser.open(base + "/app/connections")
        try await browser.screenshot("connections")

        // The bell has the claims found; read one.
        try await eventuallyInBrowser(browser, "a notification", reloadEvery: .seconds(1), timeout: .seconds(30),
                                      "return Number(document.getElementById('bell-count').textContent) > 0")
        try await browser.click("#bell")
        try await browser.waitUntil("the notifications", "return location.pathname === '/app/notifications'")
        let titles = try await browser.run("return Array.from(document.querySelectorAll('[data-testid=notifications] li h2')).map((h) => h.textContent)")
        #expect((titles as? [String] ?? []).contains { $0.contains("new claims found") }, "\(String(describing: titles))")
        try await browser.screenshot("notifications")
        let notice = try (try await browser.attribute("[data-testid=notifications] li.unread", "data-notification")).unwrap("an unread notice")
        try await browser.click("li[data-notification='\(notice)'] button[data-api$='/read']")
        try await browser.waitUntil("the notice read",
                                    "const li = document.querySelector(\"li[data-notification='\(notice)']\"); return !!li && !li.classList.contains('unread')")

        // Invite the agency (which has its own account) as a member.
        _ = try await TestHTTP.request(.POST, base + "/api/v1/auth/signup",
                                       json: TestSignUp.signUpBody(email: "ada@agency.test", password: "Agency-Works-Hard-1", company: "Ada Agency"))
        try await browser.open(base + "/app/team")
        try await browser.type("#invite-form input[name=email]", "ada@agency.test")
        try await browser.click("#invite-form button[type=submit]")
        try await browser.waitUntil("the invitation sent", "return location.search.includes('notice=')")
        try await browser.screenshot("team")
        try await browser.open(base + "/app/settings")
        try await browser.screenshot("settings")
        let mail = try await suite.mailSink.waitForMessages(1).first { $0.envelopeTo == "ada@agency.test" }
        let link = try (mail?.firstLink).unwrap("the invitation's link")

        // The agency signs in, accepts, and switches to the seller's account.
        let agency = try await WebBrowser.start(name: "agency", screenshots: screenshots)
        try await agency.open(base + "/sign-in")
        try await agency.type("#sign-in-form input[name=email]", "ada@agency.test")
        try await agency.type("#sign-in-form input[name=password]", "Agency-Works-Hard-1")
        try await agency.click("#sign-in-form button[type=submit]")
        try await agency.waitUntil("the agency's overview", "return location.pathname === '/app'")
        try await agency.open(link)
        try await agency.waitUntil("the invitation accepted", "return document.getElementById('result').textContent.startsWith('You joined')")
        try await agency.screenshot("invitation-accepted")
        try await agency.open(base + "/app")
        #expect(try await agency.count("#tenant-switch option") == 2, "the agency sees its own account and the seller's")
        // The switch posts, then loads /app: a page of the old load still has this mark, so the
        // wait below ends only on the page the server drew after the switch.
        _ = try await agency.run("window.opsideBeforeSwitch = true; return true")
        try await agency.select("#tenant-switch", value: try await agency.run(
            "return Array.from(document.querySelectorAll('#tenant-switch option')).find((o) => o.textContent.startsWith('Maple Goods')).value") as? String ?? "")
        try await agency.waitUntil("the seller's account", """
            return window.opsideBeforeSwitch !== true && location.pathname === '/app'
                && document.querySelector('#tenant-switch option:checked').textContent.startsWith('Maple Goods')
            """)
        try await agency.open(base + "/app/claims")
        #expect(try await agency.count("[data-testid=claims-table] tbody tr") > 0, "the agency sees the seller's claims")
        try await agency.screenshot("agency-switched")

        // Sign out.
        try await browser.click("#sign-out")
        try await browser.waitUntil("the sign-in page", "return location.pathname === '/sign-in'")
        try await browser.open(base + "/app/claims")
        #expect(try await browser.url.hasPrefix(base + "/sign-in"), "signed out, the pages ask to sign in")
        try await browser.screenshot("signed-out")

        // No page broke its policy or threw.
        for person in [browser, agency] {
            let errors = try await person.consoleErrors().filter { $0.contains("Content Security Policy") || $0.contains("Uncaught") }
            #expect(errors.isEmpty, "\(person.name): \(errors)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: screenshots.appendingPathComponent("seller").path)
        #expect(files.count >= 21, "a screenshot of every page: \(files.sorted())")
        return agency
    }

    /// Waits until `script` is true, reloading the page every `reloadEvery` (for what a page shows
    /// only once it is loaded again).
    func eventuallyInBrowser(_ browser: WebBrowser, _ what: String, reloadEvery: Duration, timeout: Duration, _ script: String) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? await browser.run(script)) as? Bool == true { return }
            if ContinuousClock.now > deadline {
                try? await browser.screenshot("timed-out")
                throw HarnessError("timed out waiting for \(what) on \(try await browser.url)")
            }
            try await Task.sleep(for: reloadEvery)
            try await browser.reload()
        }
    }
}

extension IntegrationsSandbox {
    /// A POST to the sandbox's own administration API.
    func admin(post path: String, json: String) async throws -> [String: Any] {
        let reply = try await TestHTTP.request(.POST, baseURL + path, json: json)
        guard (200..<300).contains(reply.status) else { throw HarnessError("sandbox \(path) answered \(reply.status): \(reply.text)") }
        return try reply.json()
    }
}
