import Foundation
import OpsideCore
import OpsideDocumentSamples
import OpsideDocuments
import OpsideTesting
import Testing

/// Uploads through evidence-engine (as main-api's gateway passes them on): several files at once,
/// each judged on its own: its size, its type sniffed from its bytes, duplicates by content; bad
/// files refused or failed with their reason while the others go through and the service stays
/// up; what was read served back; another tenant sees none of it.
@Suite(.serialized) struct DocumentIntakeTests {
    static let lossDay = CivilDate(year: 2026, month: 9, day: 1)

    @Test func goodFilesGoThroughWhileBadOnesAreRefusedWithTheirReason() async throws {
        let database = try await TestDatabase.create()
        let claims = ScriptedClaims()
        let suite = try await EvidenceSuite.start(database: database, claims: claims, evidenceOverrides: ["documents.maxFileBytes": String(5 << 20)])
        let tenant = UUID()
        let invoice = TestInvoices.invoice(seed: 11, number: "INV-4471", date: Self.lossDay.adding(days: -40), supplier: "Shenzhen Huaxin Trading Co., Ltd.",
                                           lines: [.init(description: "Chalk markers 12 pack", sellerSku: "CHALK-12PK", quantity: 200, unitPrice: 2.35)])
        let pdf = try TestInvoices.pdf(invoice)
        let malformed = BadDocuments.malformedPDF(from: pdf, damage: .truncated)
        let program = Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) + Data(repeating: 0x90, count: 4000) // an ELF executable named .pdf
        let oversized = Data("%PDF-1.7\n".utf8) + Data(repeating: 0x20, count: 6 << 20)
        let reply = try await suite.upload([("invoice-4471.pdf", pdf), ("broken.pdf", malformed), ("../../etc/invoice.pdf", program),
                                            ("huge.pdf", oversized)], tenant: tenant)
        #expect(reply.status == 202, "\(reply.text)")
        let outcomes = try reply.json()["documents"] as? [[String: Any]] ?? []
        #expect(outcomes.count == 4)
        let byName = Dictionary(uniqueKeysWithValues: outcomes.map { ($0["fileName"] as? String ?? "", $0) })
        #expect(byName["invoice-4471.pdf"]?["status"] as? String == "accepted")
        #expect(byName["broken.pdf"]?["status"] as? String == "accepted", "a PDF that does not read is found out by the parser, not at the door")
        // The name's folders are gone: storage goes by hash, and the name is for display only.
        let program_ = try #require(byName["invoice.pdf"], "the uploader's folders are stripped from the name: \(byName.keys.sorted())")
        #expect(program_["status"] as? String == "rejected" && program_["code"] as? String == "unsupported_type", "\(program_)")
        let huge = try #require(byName["huge.pdf"])
        #expect(huge["status"] as? String == "rejected" && huge["code"] as? String == "too_large", "\(huge)")
        #expect((huge["message"] as? String ?? "").contains("5 MB"), "the message names the limit: \(huge)")

        let good = try await suite.settledDocument(try #require(byName["invoice-4471.pdf"]?["documentId"] as? String), tenant: tenant)
        let document = try #require(good["document"] as? [String: Any])
        #expect(document["status"] as? String == "parsed" && document["method"] as? String == "pdftotext", "\(document)")
        let fields = try #require(document["fields"] as? [String: Any])
        #expect(fields["number"] as? String == "INV-4471")
        #expect(fields["currency"] as? String == "USD")
        #expect((fields["supplier"] as? String ?? "").contains("Shenzhen Huaxin"), "\(fields["supplier"] ?? "none")")
        let lines = fields["lines"] as? [[String: Any]] ?? []
        #expect(lines.count == 1 && lines.first?["quantity"] as? Int == 200, "\(lines)")
        let broken = try await suite.settledDocument(try #require(byName["broken.pdf"]?["documentId"] as? String), tenant: tenant)
        let failure = (broken["document"] as? [String: Any])?["failure"] as? [String: Any]
        #expect(failure?["code"] as? String == "malformed", "\(broken)")

        // The same bytes again are the same document; nothing is stored twice.
        let again = try await suite.upload([("copy-of-invoice.pdf", pdf)], tenant: tenant)
        let duplicate = try #require((try again.json()["documents"] as? [[String: Any]])?.first)
        #expect(duplicate["status"] as? String == "duplicate")
        #expect(duplicate["documentId"] as? String == byName["invoice-4471.pdf"]?["documentId"] as? String)
        #expect(try await database.count("SELECT count(*) FROM evidence.documents") == 2)
        // The original comes back byte for byte.
        let file = try await suite.call(suite.evidenceEngine, .GET, "/internal/documents/\(document["id"]!)/file", tenant: tenant)
        #expect(file.status == 200 && file.body == pdf)

        // Not multipart, or past the request's limit: refused whole, with the reason.
        let plain = try await suite.call(suite.evidenceEngine, .POST, "/internal/documents", tenant: tenant, json: "{}")
        #expect(plain.status == 415, "\(plain.text)")
        let live = try await suite.call(suite.evidenceEngine, .GET, "/health/ready", tenant: tenant)
        #expect(live.status == 200, "the service stayed up")
        await suite.stop()
    }

    @Test func aTwoHundredMegabyteFileIsRefusedAndTheOthersInItsRequestGoThrough() async throws {
        let database = try await TestDatabase.create()
        let suite = try await EvidenceSuite.start(database: database, claims: ScriptedClaims())
        let tenant = UUID()
        let invoice = TestInvoices.invoice(seed: 12, number: "INV-200", date: Self.lossDay,
                                           lines: [.init(description: "Yoga strap 8ft", sellerSku: "YOGA-8", quantity: 50, unitPrice: 1.1)])
        let big = Data("%PDF-1.7\n".utf8) + Data(count: 200 << 20)
        let reply = try await suite.upload([("scan-archive.pdf", big), ("invoice-200.pdf", try TestInvoices.pdf(invoice))], tenant: tenant)
        #expect(reply.status == 202, "\(reply.text.prefix(300))")
        let outcomes = try reply.json()["documents"] as? [[String: Any]] ?? []
        #expect(outcomes.first?["code"] as? String == "too_large" && (outcomes.first?["sizeBytes"] as? Int ?? 0) > 200 << 20, "\(outcomes)")
        #expect(outcomes.last?["status"] as? String == "accepted", "\(outcomes)")
        // Nothing of the big file was kept: only the invoice is stored.
        #expect(try await database.count("SELECT count(*) FROM documents.objects") == 1)
        await suite.stop()
    }

    @Test func aTenantSeesNoneOfAnotherTenantsDocuments() async throws {
        let database = try await TestDatabase.create()
        let suite = try await EvidenceSuite.start(database: database, claims: ScriptedClaims())
        let owner = UUID(), stranger = UUID()
        let invoice = TestInvoices.invoice(seed: 13, number: "INV-77", date: Self.lossDay,
                                           lines: [.init(description: "Silicone baking mat 2-pack", sellerSku: "MAT-2", quantity: 20, unitPrice: 3.5)])
        let pdf = try TestInvoices.pdf(invoice)
        let uploaded = try await suite.upload([("invoice-77.pdf", pdf)], tenant: owner)
        let id = try #require((try uploaded.json()["documents"] as? [[String: Any]])?.first?["documentId"] as? String)
        _ = try await suite.settledDocument(id, tenant: owner)
        for path in ["/internal/documents/\(id)", "/internal/documents/\(id)/file", "/internal/documents/\(id)/pages"] {
            let reply = try await suite.call(suite.evidenceEngine, .GET, path, tenant: stranger)
            #expect(reply.status == 404, "\(path) for another tenant: \(reply.status)")
        }
        let listed = try await suite.json(suite.evidenceEngine, .GET, "/internal/documents", tenant: stranger)
        #expect((listed["documents"] as? [Any])?.isEmpty == true)
        // Knowing the hash is not enough at cost-docs either.
        let sha = ContentHash(of: pdf).hex
        #expect(try await suite.call(suite.costDocs, .GET, "/internal/objects/\(sha)", tenant: stranger).status == 404)
        #expect(try await suite.call(suite.costDocs, .GET, "/internal/objects/\(sha)", tenant: owner).status == 200)
        // The same file uploaded by the stranger is the stranger's own document.
        let theirs = try await suite.upload([("mine.pdf", pdf)], tenant: stranger)
        #expect((try theirs.json()["documents"] as? [[String: Any]])?.first?["status"] as? String == "accepted")
        await suite.stop()
    }
}
