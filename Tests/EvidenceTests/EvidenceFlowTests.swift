import Foundation
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing
import ZIPFoundation

import EvidenceEngine
import MCDE
import OpsideInvoices

/// The seeds' flow on a sandbox seller, every service real: invoices uploaded through main-api,
/// read, costed and matched; the claim the invoice names proved at once, the one it only
/// describes asked about and confirmed; the case filed at the sandbox's desk, approved, paid; and
/// the paid claim's proof packet, whose manifest verifies and which the same inputs rebuild byte
/// for byte.
@Suite(.serialized) struct EvidenceFlowTests {
    @Test func anInvoiceTakesAClaimFromUploadToAProofPacket() async throws {
        let database = try await TestDatabase.create()
        let suite = try await EvidenceSuite.start(database: database)
        let mainAPI = try #require(suite.mainAPI), sandbox = try #require(suite.sandbox), refundEngine = try #require(suite.refundEngine)
        let signedUp = try await TestSignUp.signUp(mainAPI, email: "evidence-\(UUID().uuidString.prefix(8))@opside.test")
        let tenant = try #require(UUID(uuidString: signedUp.tenant))
        let session = ["authorization": "Bearer \(signedUp.token)"]

        // Three months of history: recent enough that its warehouse and inbound claims are still open.
        let seller = try await sandbox.createSeller(seed: 1307, skus: 12, months: 3)
        let connection = UUID()
        suite.tokens!.register(connectionID: connection, tenantID: tenant, seller: seller)
        _ = try await suite.json(refundEngine, .PUT, "/internal/filing", tenant: tenant,
                                 json: #"{"continuous": false, "channel": "sandbox", "dailyLimit": 500}"#)
        let runs = try await suite.inventorySync!.syncAndWait(tenant: tenant, connection: connection)
        #expect(runs.allSatisfy { $0.state == "succeeded" })
        _ = try await suite.json(suite.claimDetector!, .POST, "/internal/claims/detections", tenant: tenant,
                                 json: #"{"connectionId": "\#(connection.uuidString.lowercased())"}"#)
        let types = EvidenceMatcher.provableTypes.sorted().joined(separator: ",")
        let listed = try await suite.json(suite.claimDetector!, .GET, "/internal/claims?status=claimable&type=\(types)&limit=500", tenant: tenant)
        let provable = (listed["claims"] as? [[String: Any]] ?? []).filter {
            EvidenceMatcher.provableTypes.contains($0["type"] as? String ?? "") && $0["sku"] is String
        }
        // Two claims of two products: one the invoice names, one it only describes.
        let bySKU = Dictionary(grouping: provable, by: { $0["sku"] as! String })
        let skus = bySKU.keys.sorted()
        try #require(skus.count >= 2, "the generated seller has provable claims on two SKUs: \(skus)")
        let named = bySKU[skus[0]]!.first!, described = bySKU[skus[1]]!.first!
        let namedId = named["id"] as! String, describedId = described["id"] as! String
        let titles = try await database.strings("""
            SELECT seller_sku || '|' || item_name FROM amazon.listings WHERE seller_sku IN ('\(skus[0])', '\(skus[1])') ORDER BY seller_sku
            """)
        // A description only like the product's title, as a supplier words it: one the mapper takes
        // for the SKU without being sure (so the seller is asked).
        let catalog = titles.map { row -> CatalogItem in
            let parts = row.split(separator: "|", maxSplits: 1).map(String.init)
            return CatalogItem(sku: parts[0], title: parts.count > 1 ? parts[1] : parts[0])
        }
        let describedTitle = try #require(catalog.first { $0.sku == skus[1] }?.title)
        let titleWords = describedTitle.split(separator: " ").map(String.init)
        let variants = (0..<titleWords.count).map { dropped in titleWords.enumerated().filter { $0.offset != dropped }.map(\.element) }
            .flatMap { words in [words.joined(separator: " "), words.reversed().joined(separator: " "), words.joined(separator: " ") + " carton"] }
        let mapper = SKUMapper(catalog: catalog)
        let description = try #require(variants.first { text in
            let mapping = mapper.map(InvoiceLine(description: text, quantity: 10, unitPrice: 1, lineTotal: 10), supplier: nil)
            return mapping.sku == skus[1] && mapping.method == .fuzzyTitle && mapping.confidence > 0.45 && mapping.confidence < 0.78
        }, "a wording of '\(describedTitle)' the mapper is unsure of")
        let lossDates = [named, described].compactMap { ($0["clockStartedAt"] as? String).flatMap { CivilDate(iso: $0) } }
        let invoiceDate = try #require(lossDates.min()).adding(days: -30)
        let units = [named, described].map { $0["units"] as? Int ?? 1 }
        // The supplier invoices in euros: a currency other than the marketplace's weighs on the
        // match without breaking it (the SKU it names is still proved; the one it describes is asked about).
        let currency = "EUR"

        // The seller uploads the invoice, with a photo of a shelf that is no document at all.
        let invoice = TestInvoices.invoice(seed: 31, number: "4471", date: invoiceDate, currency: currency, supplier: "Shenzhen Huaxin Trading Co., Ltd.",
                                           lines: [.init(description: "Item for \(skus[0])", sellerSku: skus[0], quantity: units[0] * 50, unitPrice: 4.20),
                                                   .init(description: description, sellerSku: nil, quantity: units[1] * 50, unitPrice: 2.75)])
        let form = MultipartForm(files: [("invoice-4471.pdf", try TestInvoices.pdf(invoice)), ("notes.txt", Data([0, 1, 2, 3, 0xFF]))])
        let upload = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/documents", body: form.body,
                                                headers: session.merging(["content-type": form.contentType]) { $1 }, timeout: .seconds(120))
        #expect(upload.status == 202, "\(upload.text)")
        let outcomes = try upload.json()["documents"] as? [[String: Any]] ?? []
        #expect(outcomes.map { $0["status"] as? String ?? "" } == ["accepted", "rejected"], "\(outcomes)")

        // The named SKU's claim is proved at once; the described one becomes a question.
        try await suite.waitFor("the named claim proved, the described one asked about", timeout: .seconds(120)) {
            let matches = try await suite.json(suite.evidenceEngine, .GET, "/internal/matches", tenant: tenant)["matches"] as? [[String: Any]] ?? []
            let statuses = Dictionary(matches.map { ($0["claimId"] as? String ?? "", $0["status"] as? String ?? "") }, uniquingKeysWith: { first, _ in first })
            return statuses[namedId] == "ready" && statuses[describedId] == "prompted"
        }
        let prompts = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/prompts", headers: session)
        let prompt = try #require((try prompts.json()["prompts"] as? [[String: Any]])?.first)
        #expect((prompt["question"] as? String ?? "").hasSuffix("for SKU \(skus[1])?"), "\(prompt)")
        let answer = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/prompts/\(prompt["id"]!)/answer", json: #"{"answer": "yes"}"#,
                                                headers: session)
        #expect(answer.status == 200, "\(answer.text)")

        // Both cases carry the invoice and their cost document.
        var caseId = ""
        try await suite.waitFor("the described claim's case carries its evidence", timeout: .seconds(120)) {
            let cases = try await suite.json(refundEngine, .GET, "/internal/cases?limit=500", tenant: tenant)["cases"] as? [[String: Any]] ?? []
            guard let item = cases.first(where: { $0["claimId"] as? String == describedId }), let id = item["id"] as? String else { return false }
            let detail = try await suite.json(refundEngine, .GET, "/internal/cases/\(id)", tenant: tenant)
            let evidence = detail["evidence"] as? [[String: Any]] ?? []
            return (detail["case"] as? [String: Any])?["documentsReady"] as? Bool == true && evidence.count == 2
        }
        let cases = try await suite.json(refundEngine, .GET, "/internal/cases?limit=500", tenant: tenant)["cases"] as? [[String: Any]] ?? []
        caseId = try #require(cases.first { $0["claimId"] as? String == describedId }?["id"] as? String)

        // Filed at the desk, approved, paid: the reimbursement appears in the synced report.
        let filed = try await suite.call(refundEngine, .POST, "/internal/cases/file", tenant: tenant, json: #"{"claimId": "\#(describedId)"}"#)
        #expect(filed.status == 200, "\(filed.text)")
        _ = try await sandbox.admin(.PUT, "/_sandbox/case-desk", ["forcedOutcomes": Array(repeating: "approved", count: 20)])
        try await sandbox.admin(.POST, "/_sandbox/clock", ["advanceDays": 4])
        _ = try await suite.json(refundEngine, .POST, "/internal/cases/refresh", tenant: tenant)
        _ = try await suite.inventorySync!.syncAndWait(tenant: tenant, connection: connection, dataset: "reimbursements")
        try await suite.waitFor("the paid claim's proof packet", timeout: .seconds(120)) {
            try await database.count("SELECT count(*) FROM evidence.proof_packets WHERE claim_id = '\(describedId)'") == 1
        }
        let packets = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/proof-packets?claimId=\(describedId)", headers: session)
        let packet = try #require((try packets.json()["proofPackets"] as? [[String: Any]])?.first)
        #expect(packet["caseId"] as? String == caseId)
        let zip = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/proof-packets/\(packet["id"]!)/download", headers: session)
        #expect(zip.status == 200 && zip.header("content-type") == "application/zip")

        // The manifest verifies every file, and the packet holds what the seeds ask for.
        let checked = try ProofPacketArchive.verify(zip.body)
        #expect(checked.contains("summary.pdf") && checked.contains("reimbursement.json"), "\(checked)")
        #expect(checked.contains("evidence/invoice-4471.pdf") && checked.contains { $0.hasPrefix("evidence/cost-document-") }, "\(checked)")
        #expect(try await database.count("SELECT count(*) FROM platform.outbox WHERE type = 'proof_packet.generated'") == 1)

        // The same files and date give the same bytes.
        let archive = try Archive(data: zip.body, accessMode: .read)
        var files: [(path: String, bytes: Data)] = []
        for entry in archive where entry.path != ProofPacketArchive.manifestPath {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            files.append((entry.path, bytes))
        }
        let generatedAt = try #require((packet["generatedAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
        #expect(try ProofPacketArchive.make(files: files, modifiedAt: generatedAt).data == zip.body, "the packet is reproducible byte for byte")

        // The summary reads back: the claim, the reimbursement, the files.
        let summary = try #require(files.first { $0.path == "summary.pdf" }?.bytes)
        let text = try PDFText.read(summary)
        #expect(text.contains(skus[1]) && text.contains("reimbursement.json") && text.contains("Amount paid"), "\(text.prefix(600))")

        // The named SKU's cost came from the invoice into claim-detector's unit costs.
        #expect(try await database.count("SELECT count(*) FROM claims.sku_amounts WHERE sku = '\(skus[0])' AND source = 'invoice'") == 1)
        // Dated by the invoice: the cost in force from then on (a euro cost values no dollar claim).
        #expect(try await database.count("""
            SELECT count(*) FROM claims.invoice_unit_costs WHERE sku = '\(skus[0])' AND effective_on = '\(invoiceDate)' AND currency = 'EUR'
            """) == 1)
        await suite.stop()
    }
}

/// A PDF's text as poppler reads it (the way a seller's viewer would).
enum PDFText {
    static func read(_ pdf: Data) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-pdftext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.pdf"), output = folder.appendingPathComponent("out.txt")
        try pdf.write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        process.arguments = ["-layout", input.path, output.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw UnwrapError(what: "pdftotext to read the PDF (exit \(process.terminationStatus))") }
        return try String(contentsOf: output, encoding: .utf8)
    }
}
