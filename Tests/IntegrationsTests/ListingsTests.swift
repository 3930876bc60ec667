import Foundation
import Integrations
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

/// Listings and the catalogue end to end: main-api's gateway, integrations, the SP-API client and
/// the Amazon sandbox's Listings Items, Catalog Items and Product Pricing.
@Suite struct ListingsTests {
    /// A signed-in seller with a connected sandbox seller (5 generated FBA products).
    struct Seller: Sendable {
        let stack: IntegrationsStack
        let session: String
        let tenant: String
        let connection: String
        let sellingPartnerID: String
        let refreshToken: String

        var base: String { "/api/v1/amazon/connections/\(connection)" }

        func call(_ method: HTTPMethod, _ path: String, json: String? = nil) async throws -> TestHTTP.Reply {
            try await stack.api(method, base + path, token: session, json: json)
        }

        func listing(_ sku: String) async throws -> ListingView {
            let reply = try await call(.GET, "/listings/\(sku)")
            guard reply.status == 200 else { throw TestFailure(description: "GET listing \(sku): \(reply.status) \(reply.text)") }
            return try OpsideJSON.decoder.decode(ListingView.self, from: reply.body)
        }

        func bulkUpdate(_ id: String) async throws -> BulkListingUpdate {
            struct Answer: Decodable { let bulkUpdate: BulkListingUpdate }
            let reply = try await call(.GET, "/listing-bulk-updates/\(id)")
            return try OpsideJSON.decoder.decode(Answer.self, from: reply.body).bulkUpdate
        }

        func allListings() async throws -> [ListingView] {
            var listings: [ListingView] = []
            var token: String?
            repeat {
                let reply = try await call(.GET, "/listings" + (token.map { "?pageToken=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""))
                guard reply.status == 200 else { throw TestFailure(description: "GET listings: \(reply.status) \(reply.text)") }
                let page = try OpsideJSON.decoder.decode(ListingPage.self, from: reply.body)
                listings += page.listings
                token = page.nextPageToken
            } while token != nil
            return listings
        }

        static func connect(_ stack: IntegrationsStack, email: String, seed: Int) async throws -> Seller {
            let seller = try await stack.sandbox.createSeller(seed: seed)
            let (session, tenant) = try await TestSignUp.signUp(stack.mainAPI, email: email)
            let connect = try await stack.api(.POST, "/api/v1/amazon/connections/refresh-token", token: session, json: """
                {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
                """)
            guard connect.status == 201 else { throw TestFailure(description: "connect: \(connect.status) \(connect.text)") }
            return Seller(stack: stack, session: session, tenant: tenant, connection: try (try connect.json()["id"] as? String).unwrap("id"),
                          sellingPartnerID: seller.sellingPartnerId, refreshToken: seller.refreshToken)
        }
    }

    @Test func aListingIsCreatedChangedAndDeletedWithAmazonsIssuesInWords() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "listings@acme.test", seed: 31)

        let generated = try await seller.allListings()
        #expect(generated.count == 5, "the sandbox seller's five products are its listings")
        let fba = try generated.first.unwrap("a generated listing")
        #expect(fba.fulfillment == "amazon")
        #expect(fba.price?.currency.code == "USD" && (fba.price?.amountMinor ?? 0) > 0)

        // A new merchant-fulfilled product without an image: accepted, with Amazon's warning explained.
        let created = try await seller.call(.PUT, "/listings/OPS-NEW%201", json: """
            {"title":"Opside test mug","price":"24.99","quantity":7}
            """)
        #expect(created.status == 200, "create answered \(created.text)")
        let submission = try OpsideJSON.decoder.decode(ListingSubmission.self, from: created.body)
        #expect(submission.status == "accepted" && submission.sku == "OPS-NEW 1")
        let imageWarning = submission.issues.first { $0.categories.contains("MISSING_IMAGE") }
        #expect(imageWarning?.severity == "warning")
        #expect(imageWarning?.fields == ["Main image"])
        #expect(imageWarning?.explanation.contains("no main image") == true)

        var mug = try await seller.listing("OPS-NEW%201")
        #expect(mug.title == "Opside test mug")
        #expect(mug.price == Money(amountMinor: 2499, currency: .usd))
        #expect(mug.quantity == 7 && mug.fulfillment == "merchant")
        #expect(mug.issues.contains { $0.categories.contains("MISSING_IMAGE") }, "the warning stays on the listing until an image is added")

        let changed = try await seller.call(.PATCH, "/listings/OPS-NEW%201", json: #"{"price":"9.50","quantity":3}"#)
        #expect(changed.status == 200, "change answered \(changed.text)")
        mug = try await seller.listing("OPS-NEW%201")
        #expect(mug.price == Money(amountMinor: 950, currency: .usd) && mug.quantity == 3)

        // Amazon counts an FBA listing's units: the change is refused before Amazon is asked.
        let fbaQuantity = try await seller.call(.PATCH, "/listings/\(fba.sku)", json: #"{"quantity":10}"#)
        #expect(fbaQuantity.status == 422)
        #expect(try fbaQuantity.envelope().error.code == "quantity_set_by_amazon")

        // A price far above what Amazon expects: Amazon suppresses the listing, the seller reads why.
        let reference = try fba.price.unwrap("the FBA listing's price")
        let fivefold = try reference.multiplied(by: 5)
        #expect(try await seller.call(.PATCH, "/listings/\(fba.sku)", json: #"{"price":"\#(fivefold.decimalString)"}"#).status == 200)
        let suppressed = try await seller.listing(fba.sku)
        #expect(suppressed.state == "suppressed")
        #expect(!suppressed.statuses.contains("BUYABLE"))
        let pricing = try suppressed.issues.first { $0.categories.contains("INVALID_PRICE") }.unwrap("the pricing issue")
        #expect(pricing.severity == "error" && pricing.blocksSale)
        #expect(pricing.explanation.contains("off sale"))
        #expect(pricing.enforcement == "Amazon took the listing off sale.")
        #expect(pricing.fields == ["Price"])
        #expect(try await seller.call(.PATCH, "/listings/\(fba.sku)", json: #"{"price":"\#(reference.decimalString)"}"#).status == 200)
        let restored = try await seller.listing(fba.sku)
        #expect(restored.state != "suppressed" && restored.errorCount == 0)

        // Refused: a new product without a title. Nothing is created; the seller reads which field.
        let refused = try await seller.call(.PUT, "/listings/OPS-NO-TITLE", json: #"{"price":"5.00","quantity":1}"#)
        #expect(refused.status == 422)
        let envelope = try refused.envelope().error
        #expect(envelope.code == "listing_refused")
        #expect(envelope.details.values.contains { $0.hasPrefix("Title: Amazon needs title for this listing. Add title to the listing") }, "details: \(envelope.details)")
        #expect(try await seller.call(.GET, "/listings/OPS-NO-TITLE").status == 404)

        // A preview answers what Amazon would say and creates nothing.
        let preview = try await seller.call(.PUT, "/listings/OPS-PREVIEW", json: #"{"price":"5.00","preview":true}"#)
        #expect(preview.status == 200)
        #expect(try OpsideJSON.decoder.decode(ListingSubmission.self, from: preview.body).status == "invalid")
        let validPreview = try await seller.call(.PUT, "/listings/OPS-PREVIEW", json: #"{"title":"Preview","price":"5.00","preview":true}"#)
        #expect(try OpsideJSON.decoder.decode(ListingSubmission.self, from: validPreview.body).status == "valid")
        #expect(try await seller.call(.GET, "/listings/OPS-PREVIEW").status == 404)

        // Our own checks, before Amazon: an amount that is not one, a zero price, an FBA quantity.
        for body in [#"{"title":"x","price":"abc"}"#, #"{"title":"x","price":"0"}"#, #"{"title":"x","price":"1.999"}"#,
                     #"{"title":"x","price":"5","fulfillment":"amazon","quantity":3}"#, #"{"title":"x","price":"5","condition":"shiny"}"#] {
            let bad = try await seller.call(.PUT, "/listings/OPS-BAD", json: body)
            #expect(bad.status == 422, "\(body) answered \(bad.status)")
            #expect(try bad.envelope().error.code == "validation_failed")
        }

        let deleted = try await seller.call(.DELETE, "/listings/OPS-NEW%201")
        #expect(deleted.status == 200)
        #expect(try await seller.call(.GET, "/listings/OPS-NEW%201").status == 404)

        // Another tenant reaches none of it.
        let (otherSession, _) = try await TestSignUp.signUp(stack.mainAPI, email: "other-listings@acme.test")
        #expect(try await stack.api(.GET, seller.base + "/listings", token: otherSession).status == 404)
        #expect(try await stack.api(.PATCH, seller.base + "/listings/\(fba.sku)", token: otherSession, json: #"{"price":"1.00"}"#).status == 404)
        await stack.stop()
    }

    @Test func aBulkUpdateIsCheckedWholeThenAppliedSKUBySKUOnce() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "bulk@acme.test", seed: 32)
        let generated = try await seller.allListings()
        let (first, second) = (generated[0], generated[1])
        let merchant = try await seller.call(.PUT, "/listings/OPS-BULK-M", json: #"{"title":"Bulk mug","price":"10.00","quantity":1}"#)
        #expect(merchant.status == 200)

        // A bad line refuses the whole request, naming the line: nothing reaches Amazon.
        let badLine = try await seller.call(.POST, "/listing-bulk-updates", json: """
            {"changes":[{"sku":"\(first.sku)","price":"12.00"},{"sku":"\(first.sku)","price":"13.00"}]}
            """)
        #expect(badLine.status == 422)
        #expect(try badLine.envelope().error.message.contains("change 2 (\(first.sku))"))
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.listing_bulk_updates") == 0)

        let newPrice = try (try first.price.unwrap("price")).multiplied(by: 2)
        let body = """
            {"requestKey":"bulk-1","changes":[
              {"sku":"\(first.sku)","price":"\(newPrice.decimalString)"},
              {"sku":"OPS-BULK-M","quantity":40},
              {"sku":"NO-SUCH-SKU","price":"5.00"},
              {"sku":"\(second.sku)","quantity":9}]}
            """
        let queued = try await seller.call(.POST, "/listing-bulk-updates", json: body)
        #expect(queued.status == 202, "bulk answered \(queued.text)")
        let id = try ((try queued.json()["bulkUpdate"] as? [String: Any])?["bulkUpdateId"] as? String).unwrap("bulkUpdateId")
        let again = try await seller.call(.POST, "/listing-bulk-updates", json: body)
        #expect(again.status == 200, "the same requestKey is the same bulk update")
        #expect(((try again.json()["bulkUpdate"] as? [String: Any])?["bulkUpdateId"] as? String) == id)
        // The same key with other changes is another request: refused, never answered with this one.
        let reused = try await seller.call(.POST, "/listing-bulk-updates", json: """
            {"requestKey":"bulk-1","changes":[{"sku":"\(first.sku)","price":"1.00"}]}
            """)
        #expect(reused.status == 409, "a reused requestKey answered \(reused.text)")
        #expect(try reused.envelope().error.message.contains("bulk-1"))

        #expect(try await eventually(timeout: .seconds(60)) { try await seller.bulkUpdate(id).status == "finished" })
        let update = try await seller.bulkUpdate(id)
        #expect(update.accepted == 2 && update.failed == 2 && update.invalid == 0 && update.pending == 0)
        let items = Dictionary(uniqueKeysWithValues: (update.items ?? []).map { ($0.sku, $0) })
        #expect(items[first.sku]?.outcome == "accepted" && items[first.sku]?.submissionId != nil)
        #expect(items["OPS-BULK-M"]?.outcome == "accepted")
        #expect(items["NO-SUCH-SKU"]?.outcome == "failed" && items["NO-SUCH-SKU"]?.error?.contains("no listing") == true)
        #expect(items[second.sku]?.outcome == "failed" && items[second.sku]?.error?.contains("Amazon fulfils") == true)
        #expect(try await seller.listing(first.sku).price == newPrice)
        #expect(try await seller.listing("OPS-BULK-M").quantity == 40)
        #expect(try await stack.database.count("SELECT count(*) FROM integrations.listing_bulk_updates") == 1)
        #expect(try await stack.database.count("""
            SELECT count(*) FROM platform.jobs WHERE kind = 'integrations.listing-bulk-update'
            """) == 1, "one job for one bulk update, however often it was asked for")

        let recent = try await seller.call(.GET, "/listing-bulk-updates")
        #expect(recent.status == 200 && recent.text.contains(id))
        let (otherSession, _) = try await TestSignUp.signUp(stack.mainAPI, email: "other-bulk@acme.test")
        #expect(try await stack.api(.GET, seller.base + "/listing-bulk-updates/\(id)", token: otherSession).status == 404)
        await stack.stop()
    }

    /// Amazon throttles every change, integrations goes down with the bulk update half answered,
    /// and a new integrations process finishes it: the SKU answered before the restart is not
    /// sent again, the others are sent once.
    @Test func aBulkUpdateResumesAfterARestartWithoutSendingAnAnsweredSKUAgain() async throws {
        // One attempt per SP-API call, so a throttled change fails its job attempt at once.
        let stack = try await IntegrationsStack.start(integrationsOverrides: ["amazon.maxAttempts": "1"])
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "bulk-restart@acme.test", seed: 35)
        let listings = Array(try await seller.allListings().prefix(3))
        let throttle = try await TestHTTP.request(.PUT, stack.sandbox.baseURL + "/_sandbox/faults", json: """
            {"sellingPartnerId":"\(seller.sellingPartnerID)","operations":["patchListingsItem"],"throttle":{"rate":1}}
            """)
        #expect(throttle.status == 200)
        let doubled = try listings.map { try (try $0.price.unwrap("price")).multiplied(by: 2) }
        let changes = zip(listings, doubled).map { #"{"sku":"\#($0.sku)","price":"\#($1.decimalString)"}"# }.joined(separator: ",")
        let queued = try await seller.call(.POST, "/listing-bulk-updates", json: #"{"requestKey":"restart-1","changes":[\#(changes)]}"#)
        #expect(queued.status == 202, "bulk answered \(queued.text)")
        let id = try ((try queued.json()["bulkUpdate"] as? [String: Any])?["bulkUpdateId"] as? String).unwrap("bulkUpdateId")
        #expect(try await eventually(timeout: .seconds(30)) {
            try await stack.database.count("""
                SELECT count(*) FROM platform.jobs WHERE kind = 'integrations.listing-bulk-update' AND attempt >= 1 AND state = 'retryable'
                """) == 1
        }, "Amazon's throttling ends the job's attempt, to be retried")
        #expect(try await seller.bulkUpdate(id).pending == 3, "nothing was answered, so nothing is recorded")

        // integrations goes down; meanwhile the first SKU had been answered (as if its answer had
        // been written just before the crash).
        await stack.integrations.stop()
        try await stack.database.withSuperuser { db in
            try await db.query("""
                UPDATE integrations.listing_bulk_update_items SET outcome = 'accepted', submission_id = 'before-the-restart', done_at = now()
                WHERE bulk_update_id = \(UUID(uuidString: id)) AND position = 0
                """, logger: TestEnvironment.logger)
            // The retry comes due now rather than after its backoff.
            try await db.query("""
                UPDATE platform.jobs SET scheduled_at = now() WHERE kind = 'integrations.listing-bulk-update' AND state = 'retryable'
                """, logger: TestEnvironment.logger)
        }
        #expect(try await TestHTTP.request(.DELETE, stack.sandbox.baseURL + "/_sandbox/faults").status == 200)
        let restarted = try await RunningService.start(.integrations, database: stack.database,
                                                       overrides: stack.sandbox.amazonOverrides.merging(["amazon.maxAttempts": "1"]) { $1 })
        defer { Task { await restarted.stop() } }
        let internalBulk = "/internal/amazon/connections/\(seller.connection)/listing-bulk-updates/\(id)"
        @Sendable func update() async throws -> BulkListingUpdate {
            struct Answer: Decodable { let bulkUpdate: BulkListingUpdate }
            let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            let token = try await authority.token(for: .integrations, tenantID: UUID(uuidString: seller.tenant))
            let reply = try await TestHTTP.request(.GET, restarted.baseURL + internalBulk, headers: ["authorization": "Bearer \(token)"])
            return try OpsideJSON.decoder.decode(Answer.self, from: reply.body).bulkUpdate
        }
        #expect(try await eventually(timeout: .seconds(60)) { try await update().status == "finished" })
        let finished = try await update()
        #expect(finished.accepted == 3 && finished.pending == 0 && finished.failed == 0)
        #expect(finished.items?.first?.submissionId == "before-the-restart", "the answer kept before the restart stays")

        // Read through the new process: the first SKU was not sent again, the other two were.
        @Sendable func price(_ sku: String) async throws -> Money? {
            let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
            let token = try await authority.token(for: .integrations, tenantID: UUID(uuidString: seller.tenant))
            let reply = try await TestHTTP.request(.GET, restarted.baseURL + "/internal/amazon/connections/\(seller.connection)/listings/\(sku)",
                                                   headers: ["authorization": "Bearer \(token)"])
            return try OpsideJSON.decoder.decode(ListingView.self, from: reply.body).price
        }
        #expect(try await price(listings[0].sku) == listings[0].price)
        #expect(try await price(listings[1].sku) == doubled[1])
        #expect(try await price(listings[2].sku) == doubled[2])
        await restarted.stop()
        await stack.stop()
    }

    @Test func theCatalogueGivesAProductWithYourPriceAndTheBuyBox() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "catalog@acme.test", seed: 33)
        let listing = try (try await seller.allListings()).first.unwrap("a listing")
        let asin = try listing.asin.unwrap("the listing's ASIN")

        let reply = try await seller.call(.GET, "/catalog/items/\(asin)")
        #expect(reply.status == 200, "catalog answered \(reply.text)")
        let product = try OpsideJSON.decoder.decode(CatalogProduct.self, from: reply.body)
        #expect(product.asin == asin && product.title == listing.title)
        #expect(product.dimensions["weight"] != nil)
        let ean = try product.identifiers.first { $0.type == "EAN" }.unwrap("an EAN").value
        let pricing = try product.pricing.unwrap("pricing")
        #expect(pricing.yourPrice == listing.price && pricing.yourSku == listing.sku)
        #expect(pricing.offerCount >= 2, "the seller and at least one competitor")
        #expect(pricing.buyBoxPrice != nil)

        // Undercut everyone (half the price stays inside Amazon's plausible range): the Buy Box is yours.
        let half = Money(amountMinor: (try listing.price.unwrap("price")).amountMinor / 2, currency: .usd)
        #expect(try await seller.call(.PATCH, "/listings/\(listing.sku)", json: #"{"price":"\#(half.decimalString)"}"#).status == 200)
        let undercut = try OpsideJSON.decoder.decode(CatalogProduct.self, from: try await seller.call(.GET, "/catalog/items/\(asin)").body)
        #expect(undercut.pricing?.yourPrice == half)
        #expect(undercut.pricing?.buyBoxIsYours == true)
        #expect(undercut.pricing?.buyBoxPrice == half)

        let byCode = try await seller.call(.GET, "/catalog/items?query=\(ean)")
        #expect(byCode.status == 200 && byCode.text.contains(asin), "EAN search answered \(byCode.text)")
        let word = try (listing.title?.split(separator: " ").first.map(String.init)).unwrap("a title word")
        let byWords = try await seller.call(.GET, "/catalog/items?query=\(word)")
        #expect(byWords.status == 200 && byWords.text.contains(asin))

        #expect(try await seller.call(.GET, "/catalog/items/B000000000").status == 404)
        #expect(try await seller.call(.GET, "/catalog/items/xyz").status == 422)
        #expect(try await seller.call(.GET, "/catalog/items?query=a").status == 422)
        await stack.stop()
    }

    @Test func aRevokedAuthorizationIsReportedAndMarkedNotRetried() async throws {
        let stack = try await IntegrationsStack.start()
        defer { Task { await stack.stop() } }
        let seller = try await Seller.connect(stack, email: "revoked-listings@acme.test", seed: 34)
        let fault = try await TestHTTP.request(.PUT, stack.sandbox.baseURL + "/_sandbox/faults",
                                               json: #"{"revokeRefreshTokens":true,"sellingPartnerId":"\#(seller.sellingPartnerID)"}"#)
        #expect(fault.status == 200)
        let reply = try await seller.call(.GET, "/listings")
        #expect(reply.status == 409, "answered \(reply.status) \(reply.text)")
        #expect(try reply.envelope().error.code == "needs_reauthorization")
        #expect(try await stack.database.count("""
            SELECT count(*) FROM integrations.amazon_connections WHERE id = '\(seller.connection)' AND status = 'needs_reauthorization'
            """) == 1)
        await stack.stop()
    }
}
