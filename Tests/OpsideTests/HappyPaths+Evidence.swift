import EvidenceEngine
import Foundation
import OpsideClaimsAccess
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocumentSamples
import OpsideDocuments
import OpsideTesting
import PostgresNIO
import Testing

// MARK: Evidence (evidence-engine, mcde, cost-docs, and main-api's gateway in front of the first two)

extension HappyPaths {
    /// The seller proves a claim with a supplier invoice: two invoices naming one of the tenant's
    /// SKUs uploaded (one through main-api), read by evidence-engine's parser and costed by mcde;
    /// corrected, read again, downloaded; the SKU's costs, the invoices, the manufacturing-cost
    /// file and the supplier-SKU table read and set; a question about a match answered yes on each
    /// side; a paid claim's proof packet listed and downloaded; and cost-docs' own routes: a file
    /// stored twice and read back, a cost document and a proof summary rendered.
    func evidence() async throws {
        let sku = try await listedSKU()
        let (stored, storedPDF) = try await uploadInvoice(through: evidenceEngine, path: "/internal/documents", number: "HP-2026-0101", seed: 7101,
                                                          sku: sku)
        let (forwarded, _) = try await uploadInvoice(through: mainAPI, path: "/api/v1/documents", number: "HP-2026-0102", seed: 7102, sku: sku)
        self.document = stored
        for id in [stored, forwarded] {
            let read = try await settled(id)
            #expect(read["status"] as? String == "parsed", "the invoice was read: \(read)")
            let fields = read["fields"] as? [String: Any] ?? [:]
            #expect((fields["lines"] as? [[String: Any]])?.contains { $0["sku"] as? String == sku } == true, "the line names \(sku): \(fields)")
            try await waitUntilCosted(id)
        }

        try await documents(stored: stored, forwarded: forwarded, pdf: storedPDF)
        try await costs(sku: sku, stored: stored, forwarded: forwarded)
        let claims = try await tenantClaims()
        try await prompts(document: stored, forwarded: forwarded, claims: claims)
        try await proofPacket(claim: claims[0], invoice: storedPDF)
        try await renders(claim: claims[0], pdf: storedPDF)
    }

    /// A SKU of the tenant's listings: a synced one when the sync loaded listings, else the one
    /// `claims()` put there; one main-api's gateway passes on as a path segment as it is.
    func listedSKU() async throws -> String {
        let tenant = self.tenant
        let skus = try await database.withSuperuser { db -> [String] in
            let rows = try await db.query("""
                SELECT seller_sku FROM amazon.listings WHERE tenant_id = \(tenant) AND seller_sku ~ '^[A-Za-z0-9_-]{1,64}$'
                ORDER BY seller_sku = 'HAPPY-SKU', seller_sku LIMIT 5
                """, logger: TestEnvironment.logger)
            var found: [String] = []
            for try await sku in rows.decode(String.self) { found.append(sku) }
            return found
        }
        return try skus.first.unwrap("a listing of the happy-path tenant")
    }

    /// Uploads one generated invoice PDF with a line for `sku` as a browser's form sends it.
    /// - Returns: the new document's id and the PDF's bytes.
    func uploadInvoice(through service: RunningService, path: String, number: String, seed: UInt64, sku: String) async throws -> (String, Data) {
        let invoice = SampleInvoice.with(lines: [
            SampleInvoice.LineSpec(description: "Stainless steel travel mug, 16 oz", sellerSku: sku, quantity: 240, unitPrice: Decimal(string: "4.15")!),
            SampleInvoice.LineSpec(description: "Printed gift box", quantity: 240, unitPrice: Decimal(string: "0.35")!),
        ], number: number, issueDate: SampleDate(year: 2026, month: 1, day: 12), currency: "USD", supplier: "Harbor Light Housewares Co., Ltd.",
                                         seed: seed)
        let pdf = try SampleDocumentRenderer.textPDF(invoice, layout: .classic)
        let boundary = "----opside-happy-path-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"invoice-\(number).pdf\"\r\n".utf8)
        body.append(Data("Content-Type: application/pdf\r\n\r\n".utf8))
        body.append(pdf)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let upload = try await call(service, "POST", path, body: body, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        #expect(upload.status == 202, "\(upload.text)")
        let outcome = try ((json(upload)["documents"] as? [[String: Any]])?.first).unwrap("an outcome in \(upload.text)")
        #expect(outcome["status"] as? String == "accepted", "\(outcome)")
        return (try (outcome["documentId"] as? String).unwrap("the document's id in \(upload.text)"), pdf)
    }

    /// Waits until evidence-engine has read (or refused) the document, and returns it.
    func settled(_ id: String) async throws -> [String: Any] {
        let (port, headers) = (evidenceEngine.port, try await headers(for: evidenceEngine, path: "/internal/documents"))
        let read = try await eventually(timeout: .seconds(90), every: .milliseconds(250)) {
            let reply = try await RawHTTP.request(port: port, target: "/internal/documents/\(id)", headers: headers)
            let document = (try? JSONSerialization.jsonObject(with: reply.payload) as? [String: Any])?["document"] as? [String: Any]
            return document.map { $0["status"] as? String != "received" } ?? false
        }
        #expect(read, "document \(id) was read")
        let reply = try await call(evidenceEngine, "GET", "/internal/documents/{documentId}", "/internal/documents/\(id)")
        #expect(reply.status == 200, "\(reply.text)")
        return try (json(reply)["document"] as? [String: Any]).unwrap("the document in \(reply.text)")
    }

    /// Waits until mcde has costed the document (its row in `costs.invoices`).
    func waitUntilCosted(_ id: String) async throws {
        let (database, documentId) = (self.database, try UUID(uuidString: id).unwrap("a document id"))
        let costed = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
            try await database.withSuperuser { db in
                let rows = try await db.query("SELECT count(*) FROM costs.invoices WHERE document_id = \(documentId)", logger: TestEnvironment.logger)
                for try await count in rows.decode(Int64.self) { return count == 1 }
                return false
            }
        }
        #expect(costed, "mcde costed document \(id)")
    }

    /// The documents on both sides: listed, one read, its file and pages, corrected, read again.
    func documents(stored: String, forwarded: String, pdf: Data) async throws {
        for (service, prefix, id) in [(evidenceEngine, "/internal", stored), (mainAPI, "/api/v1", forwarded)] {
            let listed = try await call(service, "GET", "\(prefix)/documents", "\(prefix)/documents?status=parsed&limit=10")
            #expect(listed.status == 200, "\(listed.text)")
            #expect((json(listed)["documents"] as? [[String: Any]])?.contains { $0["id"] as? String == id } == true, "\(listed.text.prefix(300))")
            let limits = try await call(service, "GET", "\(prefix)/documents/limits")
            #expect(limits.status == 200 && (json(limits)["kinds"] as? [String])?.contains("pdf") == true, "\(limits.text)")
            #expect(try await call(service, "GET", "\(prefix)/documents/{documentId}", "\(prefix)/documents/\(id)").status == 200)
            let file = try await call(service, "GET", "\(prefix)/documents/{documentId}/file", "\(prefix)/documents/\(id)/file")
            #expect(file.status == 200 && file.payload.prefix(5) == Data("%PDF-".utf8), "\(file.status) \(file.text.prefix(200))")
            if id == stored { #expect(file.payload == pdf, "the file is the one uploaded") }
            let pages = try await call(service, "GET", "\(prefix)/documents/{documentId}/pages", "\(prefix)/documents/\(id)/pages")
            #expect(pages.status == 200, "\(pages.text)")
            #expect((json(pages)["pages"] as? [String])?.first?.contains("Stainless steel travel mug") == true, "\(pages.text.prefix(300))")

            let supplier = "Harbor Light Housewares (Ningbo) Co., Ltd."
            let corrected = try await call(service, "PUT", "\(prefix)/documents/{documentId}/corrections", "\(prefix)/documents/\(id)/corrections",
                                           json: #"{"corrections": {"supplier": "\#(supplier)"}}"#)
            #expect(corrected.status == 200, "\(corrected.text)")
            let corrections = (json(corrected)["document"] as? [String: Any])?["corrections"] as? [String: Any]
            #expect(corrections?["supplier"] as? String == supplier, "\(corrected.text.prefix(300))")
            let again = try await call(service, "POST", "\(prefix)/documents/{documentId}/parse", "\(prefix)/documents/\(id)/parse")
            #expect(again.status == 202, "\(again.text)")
        }
    }

    /// mcde's costs on both sides: per SKU, per invoice, anomalies, the file for Seller Central,
    /// the supplier-SKU table.
    func costs(sku: String, stored: String, forwarded: String) async throws {
        for (service, prefix, id) in [(mcde, "/internal", stored), (mainAPI, "/api/v1", forwarded)] {
            let skus = try await call(service, "GET", "\(prefix)/costs/skus")
            #expect(skus.status == 200, "\(skus.text)")
            #expect((json(skus)["skus"] as? [[String: Any]])?.contains { $0["sku"] as? String == sku } == true, "\(skus.text.prefix(300))")
            let one = try await call(service, "GET", "\(prefix)/costs/skus/{sku}", "\(prefix)/costs/skus/\(sku)")
            #expect(one.status == 200, "\(one.text)")
            #expect(((json(one)["sku"] as? [String: Any])?["observations"] as? [Any])?.isEmpty == false, "\(one.text.prefix(300))")
            for query in ["", "?lines=true"] {
                let invoices = try await call(service, "GET", "\(prefix)/costs/invoices", "\(prefix)/costs/invoices\(query)")
                #expect(invoices.status == 200, "\(invoices.text)")
                #expect((json(invoices)["invoices"] as? [[String: Any]])?.count == 2, "both invoices\(query): \(invoices.text.prefix(300))")
            }
            let invoice = try await call(service, "GET", "\(prefix)/costs/invoices/{documentId}", "\(prefix)/costs/invoices/\(id)")
            #expect(invoice.status == 200, "\(invoice.text)")
            #expect((json(invoice)["costing"] as? [String: Any])?["documentId"] as? String == id, "\(invoice.text.prefix(300))")
            #expect(try await call(service, "GET", "\(prefix)/costs/anomalies").status == 200)
            let file = try await call(service, "GET", "\(prefix)/costs/manufacturing-cost-file")
            #expect(file.status == 200 && file.text.contains(sku), "\(file.text.prefix(300))")

            #expect(try await call(service, "GET", "\(prefix)/costs/supplier-skus").status == 200)
            let table = try await call(service, "PUT", "\(prefix)/costs/supplier-skus",
                                       json: #"{"items": [{"supplier": "Harbor Light Housewares Co., Ltd.", "supplierSku": "HL-40417", "sku": "\#(sku)"}]}"#)
            #expect(table.status == 200, "\(table.text)")
            let items = json(table)["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1 && items.first?["supplierSku"] as? String == "HL-40417" && items.first?["sku"] as? String == sku, "\(table.text)")
        }
    }

    /// The tenant's claims, as claim-detector lists them.
    func tenantClaims() async throws -> [ListedClaim] {
        struct Page: Decodable { let claims: [ListedClaim] }
        let listed = try await call(claimDetector, "GET", "/internal/claims", "/internal/claims?limit=10")
        #expect(listed.status == 200, "\(listed.text)")
        let claims = try OpsideJSON.decoder.decode(Page.self, from: listed.payload).claims
        guard claims.count >= 2 else { throw UnwrapError(what: "two claims of the tenant to prove in \(listed.text.prefix(300))") }
        return claims
    }

    /// A match of the invoice with a claim, unsure enough to be put to the seller, written as
    /// evidence-engine's `MatchStore` writes one: the happy-path claims (`OneClaimPerMarketplace`)
    /// are of SKUs no listing has, and an invoice names a listed SKU to be costed, so the matcher
    /// finds no claim of this invoice's products to ask about.
    func askAbout(document: String, claim: ListedClaim) async throws -> String {
        let (tenant, documentId) = (self.tenant, try UUID(uuidString: document).unwrap("a document id"))
        let now = Date()
        let features = """
            [{"name":"skuOnLine","score":0.5,"weight":0.4,"contribution":0.2,"explanation":"The line names a SKU like the claim's"},\
            {"name":"datedBeforeLoss","score":1,"weight":0.2,"contribution":0.2,"explanation":"Dated before the loss"},\
            {"name":"quantityCovers","score":1,"weight":0.2,"contribution":0.2,"explanation":"240 units cover the units lost"}]
            """
        let question = "Does invoice HP-2026-0101 prove the units of \(claim.sku ?? "the SKU") lost?"
        let prompt = try await database.withSuperuser { db -> UUID in
            let matches = try await db.query("""
                INSERT INTO evidence.matches (match_id, tenant_id, document_id, claim_id, sku, line_indexes, confidence, features, status,
                                              created_at, updated_at)
                VALUES (\(UUID()), \(tenant), \(documentId), \(claim.id), \(claim.sku), '[0]'::jsonb, 0.6, \(features)::jsonb, 'prompted', \(now), \(now))
                ON CONFLICT (tenant_id, document_id, claim_id) DO UPDATE SET status = 'prompted', confidence = 0.6, features = EXCLUDED.features
                RETURNING match_id
                """, logger: TestEnvironment.logger)
            var match: UUID?
            for try await id in matches.decode(UUID.self) { match = id }
            let matchId = try match.unwrap("the match")
            let prompts = try await db.query("""
                INSERT INTO evidence.prompts (prompt_id, tenant_id, match_id, claim_id, document_id, question, status, created_at, expires_at)
                VALUES (\(UUID()), \(tenant), \(matchId), \(claim.id), \(documentId), \(question), 'open', \(now), \(now.addingTimeInterval(7 * 86_400)))
                RETURNING prompt_id
                """, logger: TestEnvironment.logger)
            for try await id in prompts.decode(UUID.self) { return id }
            throw UnwrapError(what: "the prompt")
        }
        return prompt.uuidString.lowercased()
    }

    /// A question on each side, answered yes; the matches list the confirmed pair.
    func prompts(document: String, forwarded: String, claims: [ListedClaim]) async throws {
        for (index, (service, prefix)) in [(evidenceEngine, "/internal"), (mainAPI, "/api/v1")].enumerated() {
            let claim = claims[index]
            let prompt = try await askAbout(document: index == 0 ? document : forwarded, claim: claim)
            let open = try await call(service, "GET", "\(prefix)/prompts")
            #expect(open.status == 200, "\(open.text)")
            #expect((json(open)["prompts"] as? [[String: Any]])?.contains { $0["id"] as? String == prompt } == true, "\(open.text.prefix(300))")
            let answered = try await call(service, "POST", "\(prefix)/prompts/{promptId}/answer", "\(prefix)/prompts/\(prompt)/answer",
                                          json: #"{"answer": "yes"}"#)
            #expect(answered.status == 200, "\(answered.text)")
            #expect((json(answered)["prompt"] as? [String: Any])?["status"] as? String == "confirmed", "\(answered.text)")
            let all = try await call(service, "GET", "\(prefix)/prompts", "\(prefix)/prompts?status=all")
            #expect(all.status == 200, "\(all.text)")
            let claimId = claim.id.uuidString.lowercased()
            let matches = try await call(service, "GET", "\(prefix)/matches", "\(prefix)/matches?claimId=\(claimId)")
            #expect(matches.status == 200, "\(matches.text)")
            #expect((json(matches)["matches"] as? [[String: Any]])?.contains { $0["status"] as? String == "confirmed" } == true,
                    "\(matches.text.prefix(300))")
            #expect(try await call(service, "GET", "\(prefix)/matches").status == 200)
        }
    }

    /// A paid claim's proof packet, as evidence-engine keeps one: its summary rendered by
    /// cost-docs, the ZIP (summary, invoice, reimbursement record, SHA-256 manifest) stored there
    /// twice (stored, then already stored), its row written; then listed, read and downloaded on
    /// both sides.
    func proofPacket(claim: ListedClaim, invoice: Data) async throws {
        let reimbursement = Data(#"{"reimbursementId":"HP-REIMB-1","amountPaid":{"amountMinor":2500,"currency":"USD"}}"#.utf8)
        let evidence = [("evidence/invoice-HP-2026-0101.pdf", invoice), ("reimbursement.json", reimbursement)]
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        let summary = ProofSummaryContent(
            claim: Self.renderClaim(claim), arithmetic: ["Claimed: \(claim.units) units = \(claim.amount.displayText)"], caseId: nil,
            amazonCaseId: "1234567890", caseStatus: "paid", filedAt: now.addingTimeInterval(-86_400), reimbursementId: "HP-REIMB-1",
            amountPaid: claim.amount, paidOn: now,
            files: evidence.map { ProofSummaryContent.File(path: $0.0, sha256: ContentHash(of: $0.1).hex, sizeBytes: $0.1.count) }, generatedAt: now)
        let rendered = try await call(costDocs, "POST", "/internal/renders/proof-summary", body: try OpsideJSON.encode(summary),
                                      headers: ["Content-Type": "application/json"], as: .evidenceEngine)
        #expect(rendered.status == 200, "\(rendered.text)")
        let summarySHA = try (json(rendered)["sha256"] as? String).unwrap("the summary's hash in \(rendered.text)")
        let summaryPDF = try await call(costDocs, "GET", "/internal/objects/{sha256}", "/internal/objects/\(summarySHA)", as: .evidenceEngine)
        #expect(summaryPDF.status == 200 && summaryPDF.payload.prefix(5) == Data("%PDF-".utf8), "\(summaryPDF.status)")

        let (zip, manifest) = try ProofPacketArchive.make(files: evidence + [("summary.pdf", summaryPDF.payload)], modifiedAt: now)
        for expected in [201, 200] {
            let put = try await call(costDocs, "PUT", "/internal/objects", "/internal/objects?purpose=proof_packet", body: zip,
                                     headers: ["Content-Type": "application/zip"], as: .evidenceEngine)
            #expect(put.status == expected, "storing the packet (\(expected)): \(put.text)")
            #expect(json(put)["sha256"] as? String == ContentHash(of: zip).hex, "\(put.text)")
        }
        let (tenant, packetId, sha256) = (self.tenant, UUID(), ContentHash(of: zip).hex)
        let manifestJSON = String(decoding: try OpsideJSON.encode(manifest), as: UTF8.self)
        try await database.withSuperuser { db in
            try await db.query("""
                INSERT INTO evidence.proof_packets (packet_id, tenant_id, claim_id, case_id, sha256, size_bytes, manifest, generated_at)
                VALUES (\(packetId), \(tenant), \(claim.id), NULL, \(sha256), \(Int64(zip.count)), \(manifestJSON)::jsonb, \(now))
                """, logger: TestEnvironment.logger)
        }
        let packet = packetId.uuidString.lowercased()
        for (service, prefix) in [(evidenceEngine, "/internal"), (mainAPI, "/api/v1")] {
            let listed = try await call(service, "GET", "\(prefix)/proof-packets", "\(prefix)/proof-packets?claimId=\(claim.id.uuidString.lowercased())")
            #expect(listed.status == 200, "\(listed.text)")
            #expect((json(listed)["proofPackets"] as? [[String: Any]])?.first?["id"] as? String == packet, "\(listed.text)")
            let one = try await call(service, "GET", "\(prefix)/proof-packets/{packetId}", "\(prefix)/proof-packets/\(packet)")
            #expect(one.status == 200, "\(one.text)")
            #expect(((json(one)["proofPacket"] as? [String: Any])?["manifest"] as? [Any])?.count == 3, "\(one.text)")
            let download = try await call(service, "GET", "\(prefix)/proof-packets/{packetId}/download", "\(prefix)/proof-packets/\(packet)/download")
            #expect(download.status == 200 && download.payload == zip, "the ZIP stored: \(download.status) \(download.payload.count) bytes")
            #expect(try ProofPacketArchive.verify(download.payload).sorted() == manifest.map(\.path).sorted())
        }
    }

    /// cost-docs renders a claim's cost document from the invoice read, and serves the invoice
    /// evidence-engine stored there.
    func renders(claim: ListedClaim, pdf: Data) async throws {
        let stored = try await call(costDocs, "GET", "/internal/objects/{sha256}", "/internal/objects/\(ContentHash(of: pdf).hex)", as: .evidenceEngine)
        #expect(stored.status == 200 && stored.payload == pdf, "the invoice as evidence-engine stored it: \(stored.status)")
        let content = CostDocumentContent(
            claim: Self.renderClaim(claim), supplier: "Harbor Light Housewares Co., Ltd.", invoiceNumber: "HP-2026-0101",
            invoiceDate: CivilDate(year: 2026, month: 1, day: 12), currency: "USD", incoterm: "FOB Ningbo", fileName: "invoice-HP-2026-0101.pdf",
            fileSHA256: ContentHash(of: pdf).hex,
            lines: [CostDocumentContent.Line(description: "Stainless steel travel mug, 16 oz", supplierSku: "HL-40417", quantity: 240,
                                             unitPrice: "4.15", lineTotal: "996.00", matched: true)],
            mapping: "Line 1 is \(claim.sku ?? "the SKU"): the SKU is on the line; the seller confirmed the match.",
            manufacturingUnitCost: Money(amountMinor: 415, currency: .usd), landedUnitCost: Money(amountMinor: 432, currency: .usd),
            arithmetic: ["996.00 / 240 units = 4.15 per unit", "Claimed: \(claim.units) units = \(claim.amount.displayText)"],
            preparedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        let rendered = try await call(costDocs, "POST", "/internal/renders/cost-document", body: try OpsideJSON.encode(content),
                                      headers: ["Content-Type": "application/json"], as: .evidenceEngine)
        #expect(rendered.status == 200, "\(rendered.text)")
        let sha256 = try (json(rendered)["sha256"] as? String).unwrap("the PDF's hash in \(rendered.text)")
        let file = try await call(costDocs, "GET", "/internal/objects/{sha256}", "/internal/objects/\(sha256)", as: .evidenceEngine)
        #expect(file.status == 200 && file.payload.prefix(5) == Data("%PDF-".utf8) && file.header("content-type") == "application/pdf",
                "\(file.status) \(file.header("content-type") ?? "")")
    }

    static func renderClaim(_ claim: ListedClaim) -> CostDocumentContent.Claim {
        CostDocumentContent.Claim(claimId: claim.id, type: claim.type, sku: claim.sku, asin: claim.asin, fnsku: claim.fnsku, units: claim.units,
                                  amountClaimed: claim.amount, lossDate: claim.clockStartedAt, marketplaceId: claim.marketplaceId)
    }
}
