import Foundation
import OpsideClaimsAccess
import OpsideCore
import OpsideTesting
import Testing

/// From an uploaded invoice to what it proves, with the claims scripted: a line naming the SKU
/// proves its claim outright (evidence.matched, once, with a cost document), a line only like the
/// product's title becomes one yes-or-no question, reminded once and expired by the injected clock,
/// and the seller's answer decides it and teaches mcde the mapping.
@Suite(.serialized) struct PromptLifecycleTests {
    static let lossDay = CivilDate(year: 2026, month: 9, day: 1)

    /// The claims of a seller of markers and mats, and the invoice for both: one line names the
    /// SKU, the other only describes the product.
    /// A second loss of the described product (`sibling`) shares its question: one answer settles both.
    static func setUp(_ suite: EvidenceSuite, claims: ScriptedClaims, tenant: UUID)
        async throws -> (exact: ListedClaim, described: ListedClaim, sibling: ListedClaim, documentId: String) {
        let exact = ScriptedClaims.loss(sku: "CHALK-12PK", units: 3, lossDate: lossDay)
        let described = ScriptedClaims.loss(sku: "MAT-SIL-2", units: 4, lossDate: lossDay, type: "inbound_shortage")
        let sibling = ScriptedClaims.loss(sku: "MAT-SIL-2", units: 2, lossDate: lossDay.adding(days: 5))
        claims.set([exact, described, sibling], tenant: tenant)
        // mcde maps lines against the seller's listings: the synced catalog.
        try await database(suite).withSuperuser { db in
            for (sku, title) in [("CHALK-12PK", "Liquid chalk markers, 12 pack, fine tip"), ("MAT-SIL-2", "Silicone baking mat, set of 2, non-stick")] {
                try await db.query("""
                    INSERT INTO amazon.listings (tenant_id, connection_id, marketplace_id, seller_sku, item_name)
                    VALUES (\(tenant), \(exact.connectionId), 'ATVPDKIKX0DER', \(sku), \(title))
                    """, logger: TestEnvironment.logger)
            }
        }
        let invoice = TestInvoices.invoice(seed: 21, number: "4471", date: lossDay.adding(days: -45), supplier: "Shenzhen Huaxin Trading Co., Ltd.",
                                           lines: [.init(description: "Liquid chalk markers 12 pack", sellerSku: "CHALK-12PK", quantity: 300, unitPrice: 2.35),
                                                   .init(description: "Baking mats 2pc", sellerSku: nil, quantity: 120, unitPrice: 3.10)])
        let reply = try await suite.upload([("invoice-4471.pdf", try TestInvoices.pdf(invoice))], tenant: tenant)
        let id = try #require((try reply.json()["documents"] as? [[String: Any]])?.first?["documentId"] as? String, "\(reply.text)")
        return (exact, described, sibling, id)
    }

    static func database(_ suite: EvidenceSuite) -> TestDatabase { suite.database }

    @Test func aNamedSKUProvesItsClaimAndADescribedOneBecomesAQuestion() async throws {
        let database = try await TestDatabase.create()
        let claims = ScriptedClaims()
        let clock = ManualWallClock(Date())
        let suite = try await EvidenceSuite.start(database: database, claims: claims, wallClock: clock)
        let tenant = UUID()
        let (exact, described, sibling, documentId) = try await Self.setUp(suite, claims: claims, tenant: tenant)

        try await suite.waitFor("the named SKU's claim proved and the described one asked about") {
            let matched = try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'evidence.matched'")
            let open = try await database.count("SELECT count(*) FROM evidence.prompts WHERE status = 'open'")
            return matched == 1 && open == 1
        }
        #expect(try await database.count("SELECT count(*) FROM evidence.matches WHERE status = 'prompted'") == 2,
                "both losses of the described product wait on the one question")
        let matches = try await suite.json(suite.evidenceEngine, .GET, "/internal/matches", tenant: tenant)["matches"] as? [[String: Any]] ?? []
        let proved = try #require(matches.first { $0["claimId"] as? String == exact.id.uuidString.lowercased() })
        #expect(proved["status"] as? String == "ready" && (proved["confidence"] as? Double ?? 0) >= 0.85, "\(proved)")
        let features = proved["features"] as? [[String: Any]] ?? []
        #expect(Set(features.compactMap { $0["name"] as? String }) == ["skuOnLine", "datedBeforeLoss", "quantityCovers", "supplierConsistent",
                                                                       "currencyOfMarketplace"])
        let sum = features.reduce(0.0) { $0 + ($1["contribution"] as? Double ?? 0) }
        #expect(abs(sum - (proved["confidence"] as? Double ?? 0)) < 0.001, "the features add up to the confidence")
        // The announcement carries the invoice and the claim's cost document.
        let payload = try await database.strings("SELECT payload::text FROM platform.outbox WHERE type = 'evidence.matched'")
        let attachments = try JSONSerialization.jsonObject(with: Data(payload[0].utf8)) as? [String: Any]
        let titles = (attachments?["attachments"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        #expect(titles == ["Supplier invoice 4471", "Cost document for SKU CHALK-12PK"], "\(titles)")

        let prompts = try await suite.json(suite.evidenceEngine, .GET, "/internal/prompts", tenant: tenant)["prompts"] as? [[String: Any]] ?? []
        let prompt = try #require(prompts.first)
        #expect([described.id, sibling.id].map { $0.uuidString.lowercased() }.contains(prompt["claimId"] as? String ?? ""))
        let question = prompt["question"] as? String ?? ""
        #expect(question.hasPrefix("Is invoice 4471 from Shenzhen Huaxin") && question.hasSuffix("for SKU MAT-SIL-2?"), "\(question)")
        #expect(prompt["documentId"] as? String == documentId)

        // A day on, the seller is asked again, once; three days on, the question closes.
        clock.advance(by: 25 * 3600)
        _ = try await runSweep(suite, tenant: tenant)
        _ = try await runSweep(suite, tenant: tenant)
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'prompt.created' AND payload->>'reminder' = 'true'") == 1)
        clock.advance(by: 48 * 3600)
        _ = try await runSweep(suite, tenant: tenant)
        let expired = try await suite.json(suite.evidenceEngine, .GET, "/internal/prompts?status=expired", tenant: tenant)["prompts"] as? [[String: Any]]
        #expect(expired?.count == 1)
        let late = try await suite.call(suite.evidenceEngine, .POST, "/internal/prompts/\(prompt["id"]!)/answer", tenant: tenant, json: #"{"answer": "yes"}"#)
        #expect(late.status == 409, "an expired question cannot be answered: \(late.text)")
        await suite.stop()
    }

    @Test func theSellersYesFilesTheClaimAndTeachesTheMapping() async throws {
        let database = try await TestDatabase.create()
        let claims = ScriptedClaims()
        let suite = try await EvidenceSuite.start(database: database, claims: claims)
        let tenant = UUID()
        let (_, described, sibling, _) = try await Self.setUp(suite, claims: claims, tenant: tenant)
        try await suite.waitFor("the question asked") {
            try await database.count("SELECT count(*) FROM evidence.prompts WHERE status = 'open'") == 1
        }
        let prompt = try #require((try await suite.json(suite.evidenceEngine, .GET, "/internal/prompts", tenant: tenant)["prompts"] as? [[String: Any]])?.first)
        let user = UUID().uuidString.lowercased()
        let answered = try await suite.json(suite.evidenceEngine, .POST, "/internal/prompts/\(prompt["id"]!)/answer", tenant: tenant,
                                            json: #"{"answer": "yes", "userId": "\#(user)"}"#)
        #expect((answered["prompt"] as? [String: Any])?["status"] as? String == "confirmed")
        // The same answer again changes nothing; the other answer is refused.
        let again = try await suite.call(suite.evidenceEngine, .POST, "/internal/prompts/\(prompt["id"]!)/answer", tenant: tenant, json: #"{"answer": "yes"}"#)
        #expect(again.status == 200)
        let contrary = try await suite.call(suite.evidenceEngine, .POST, "/internal/prompts/\(prompt["id"]!)/answer", tenant: tenant, json: #"{"answer": "no"}"#)
        #expect(contrary.status == 409)
        for claim in [described, sibling] {
            let announced = try await database.strings("""
                SELECT payload::text FROM platform.outbox WHERE type = 'evidence.matched' AND payload->>'claimId' = '\(claim.id.uuidString.lowercased())'
                  AND payload->>'decidedBy' = 'confirmed'
                """)
            #expect(announced.count == 1, "each loss the answer settles is announced once")
            #expect(announced.first?.contains("Cost document for SKU MAT-SIL-2") == true, "with its own cost document: \(announced)")
        }
        #expect(try await database.count("SELECT count(*) FROM evidence.matches WHERE status = 'confirmed'") == 2)
        // mcde learnt the mapping: the line is now certain, and its cost counts.
        try await suite.waitFor("mcde's mapping confirmed and the line costed again") {
            let learnt = try await database.count("SELECT count(*) FROM costs.confirmed_mappings WHERE sku = 'MAT-SIL-2' AND confirmed")
            let costed = try await database.count("SELECT count(*) FROM costs.invoice_lines WHERE sku = 'MAT-SIL-2' AND method = 'confirmed'")
            return learnt == 1 && costed == 1
        }
        let costs = try await suite.json(suite.mcde, .GET, "/internal/costs/skus/MAT-SIL-2", tenant: tenant)["sku"] as? [String: Any] ?? [:]
        #expect((costs["manufacturingUnitCost"] as? NSNumber)?.doubleValue == 3.10, "\(costs)")
        let file = try await suite.call(suite.mcde, .GET, "/internal/costs/manufacturing-cost-file", tenant: tenant)
        #expect(file.text.contains("MAT-SIL-2,3.10,USD,2026-07-18"), "\(file.text)")
        await suite.stop()
    }

    /// Runs the prompt sweep now (the cron line is a year away in tests).
    func runSweep(_ suite: EvidenceSuite, tenant: UUID) async throws -> Int {
        try await suite.database.withSuperuser { db in
            try await db.query("""
                INSERT INTO platform.jobs (queue, kind, args, state, max_attempts, scheduled_at, created_at)
                VALUES ('evidence-engine', 'evidence-engine.prompt-sweep', '{}', 'available', 3, now(), now())
                """, logger: TestEnvironment.logger)
        }
        let before = try await suite.database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'evidence-engine.prompt-sweep' AND state = 'completed'")
        try await suite.waitFor("the sweep ran") {
            try await suite.database.count("SELECT count(*) FROM platform.jobs WHERE kind = 'evidence-engine.prompt-sweep' AND state = 'completed'") > before
        }
        return before + 1
    }
}
