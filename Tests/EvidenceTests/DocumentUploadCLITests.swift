import Foundation
import OpsideCore
import OpsideDocumentSamples
import OpsideTesting
import Testing

/// `opside documents upload`: a seller's folder sent through main-api's public API with the
/// seller's own sign-in, one line (or one JSON entry) per file, what was read with `--wait`, an
/// exit status a script can trust, and nothing of another tenant's reachable.
@Suite(.serialized) struct DocumentUploadCLITests {
    static let password = "Correct-Horse-42"

    @Test func aFolderGoesUpThroughTheGatewayAndEachFileGetsItsLine() async throws {
        let database = try await TestDatabase.create()
        // Two files per request at most: the CLI splits the folder as the server's limits say.
        let suite = try await EvidenceSuite.start(database: database, claims: ScriptedClaims(), evidenceOverrides: ["documents.maxFiles": "2"],
                                                  gateway: true)
        defer { Task { await suite.stop() } }
        let mainAPI = try #require(suite.mainAPI)
        let email = "cli-\(UUID().uuidString.prefix(8))@shop.test"
        let (token, _) = try await TestSignUp.signUp(mainAPI, email: email)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-cli-upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("march"), withIntermediateDirectories: true)
        let invoice = TestInvoices.invoice(seed: 41, number: "INV-7731", date: CivilDate(year: 2026, month: 3, day: 4), supplier: "Ningbo Sunrise Housewares Co., Ltd.",
                                           lines: [.init(description: "Silicone spatula set", sellerSku: "SPAT-SET-3", quantity: 300, unitPrice: 1.85)])
        let pdf = try TestInvoices.pdf(invoice)
        try pdf.write(to: folder.appendingPathComponent("march/INV-7731.pdf"))
        try pdf.write(to: folder.appendingPathComponent("march/copy of INV-7731.pdf"))
        try SampleSpreadsheetWriter.csv(TestInvoices.invoice(seed: 42, number: "PO-118", date: CivilDate(year: 2026, month: 3, day: 9), lines: [
            .init(description: "Bamboo cutting board", sellerSku: "BOARD-L", quantity: 120, unitPrice: 4.10),
        ]), seed: 42).data.write(to: folder.appendingPathComponent("po-118.csv"))
        try Data("call the supplier on Monday\n".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        try Data().write(to: folder.appendingPathComponent("empty.pdf"))
        try Data("not a document".utf8).write(to: folder.appendingPathComponent(".DS_Store"))

        let environment = ["OPSIDE_PASSWORD": Self.password]
        let run = try await database.runCLI(["documents", "upload", "--api", mainAPI.baseURL, "--email", email, "--wait", folder.path],
                                            environment: environment)
        #expect(run.status == 1, "a rejected file makes the exit status 1: \(run.error)")
        let lines = run.output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let byName = Dictionary(uniqueKeysWithValues: lines.map { (URL(fileURLWithPath: $0[1]).lastPathComponent, $0) })
        #expect(byName.keys.sorted() == ["INV-7731.pdf", "copy of INV-7731.pdf", "empty.pdf", "notes.txt", "po-118.csv"],
                "a folder's files, sub-folders walked, hidden ones skipped: \(run.output)")
        let original = try #require(byName["INV-7731.pdf"])
        #expect(original[0] == "accepted" && original[3].contains("read by pdftotext") && original[3].contains("INV-7731")
                && original[3].contains("595.00 USD") && original[3].contains("1 line"), "\(original)")
        let copy = try #require(byName["copy of INV-7731.pdf"])
        #expect(copy[0] == "duplicate" && copy[2] == original[2], "the same bytes are the same document: \(copy)")
        #expect(byName["po-118.csv"]?[0] == "accepted" && byName["po-118.csv"]?[3].contains("read by csv") == true, "\(byName["po-118.csv"] ?? [])")
        #expect(byName["notes.txt"]?[0] == "rejected" && byName["notes.txt"]?[3].hasPrefix("unsupported_type") == true, "\(byName["notes.txt"] ?? [])")
        #expect(byName["empty.pdf"]?[0] == "rejected" && byName["empty.pdf"]?[3].contains("empty") == true,
                "refused before it is sent, in the server's words: \(byName["empty.pdf"] ?? [])")

        // What the API lists is what the CLI said: two documents, uploaded by the seller.
        let listed = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/documents", headers: ["authorization": "Bearer \(token)"])
        let documents = try listed.json()["documents"] as? [[String: Any]] ?? []
        #expect(Set(documents.compactMap { $0["id"] as? String }) == Set([original[2], byName["po-118.csv"]?[2] ?? ""]), "\(listed.text)")

        // JSON, with a token instead of a password: every file already there is a success.
        let again = try await database.runCLI(["documents", "upload", "--api", mainAPI.baseURL, "--json",
                                               folder.appendingPathComponent("march/INV-7731.pdf").path], environment: ["OPSIDE_TOKEN": token])
        #expect(again.status == 0, "\(again.error)")
        let entries = try #require((try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [String: Any])?["documents"] as? [[String: Any]])
        #expect(entries.count == 1 && entries.first?["status"] as? String == "duplicate" && entries.first?["documentId"] as? String == original[2])

        // A wrong password, another tenant, a missing path: a clear sentence and nothing sent.
        let wrong = try await database.runCLI(["documents", "upload", "--api", mainAPI.baseURL, "--email", email, folder.path],
                                              environment: ["OPSIDE_PASSWORD": "not-the-password"])
        #expect(wrong.status != 0 && wrong.error.contains("email or password is wrong"), "\(wrong.error)")
        let (_, otherTenant) = try await TestSignUp.signUp(mainAPI, email: "other-\(UUID().uuidString.prefix(8))@shop.test")
        let foreign = try await database.runCLI(["documents", "upload", "--api", mainAPI.baseURL, "--email", email, "--tenant", otherTenant, folder.path],
                                                environment: environment)
        #expect(foreign.status != 0 && foreign.error.contains("no tenant"), "another seller's tenant is not one of this person's: \(foreign.error)")
        let missing = try await database.runCLI(["documents", "upload", "--api", mainAPI.baseURL, "--email", email, folder.appendingPathComponent("nope.pdf").path],
                                                environment: environment)
        #expect(missing.status != 0 && missing.error.contains("no such file"), "\(missing.error)")
        #expect(try await database.count("SELECT count(*) FROM evidence.documents") == 2, "nothing more was stored")
    }
}

/// A request evidence-engine refuses part-way through its body (too large in all, too many
/// files), sent through main-api's gateway as a browser sends it: the seller gets the reason in
/// the error envelope, not a closed connection, and nothing is kept: the answer reaches the
/// gateway's AsyncHTTPClient while it is still sending the body.
@Suite(.serialized) struct UploadRefusedPartWayTests {
    @Test func theReasonReachesTheSellerThroughTheGateway() async throws {
        let database = try await TestDatabase.create()
        let suite = try await EvidenceSuite.start(database: database, claims: ScriptedClaims(),
                                                  evidenceOverrides: ["documents.maxRequestBytes": String(1 << 20), "documents.maxFiles": "2"],
                                                  gateway: true)
        defer { Task { await suite.stop() } }
        let mainAPI = try #require(suite.mainAPI)
        let (token, _) = try await TestSignUp.signUp(mainAPI, email: "refused-\(UUID().uuidString.prefix(8))@shop.test")
        // Written whole before the answer is read, as a browser does: AsyncHTTPClient, given an
        // answer while it still sends, may close its side first and lose it under load.
        func upload(_ files: [(name: String, bytes: Data)]) async throws -> RawHTTP.Reply {
            let form = MultipartForm(files: files)
            return try await RawHTTP.upload(port: mainAPI.port, target: "/api/v1/documents",
                                            headers: ["Authorization": "Bearer \(token)", "Content-Type": form.contentType], body: form.body)
        }
        let pdf = try TestInvoices.pdf(TestInvoices.invoice(seed: 5, number: "INV-5", date: CivilDate(year: 2026, month: 3, day: 1),
                                                            lines: [.init(description: "Spatula", sellerSku: "SPAT-1", quantity: 10, unitPrice: 1)]))
        // 24 megabytes against a one-megabyte request, far more than the sockets between the gateway
        // and evidence-engine hold: refused once the first megabyte is in, while the rest is still on its way.
        let tooLarge = try await upload([("a.pdf", pdf + Data(count: 8 << 20)), ("b.pdf", pdf + Data(count: 8 << 20)),
                                         ("c.pdf", pdf + Data(count: 8 << 20))])
        #expect(tooLarge.status == 413, "\(tooLarge.status): \(tooLarge.text)")
        #expect(tooLarge.text.contains("larger than 1 MB in all"), "\(tooLarge.text)")
        // Three small files against two per request: refused at the third part's header.
        let tooMany = try await upload([("a.pdf", pdf), ("b.pdf", pdf + Data([1])), ("c.pdf", pdf + Data([2]))])
        #expect(tooMany.status == 422 && tooMany.text.contains("send at most 2 files at once"), "\(tooMany.status): \(tooMany.text)")
        #expect(try await database.count("SELECT count(*) FROM evidence.documents") == 0, "nothing of a refused request is kept")
        // And the service took the next request as ever.
        let fine = try await upload([("a.pdf", pdf)])
        #expect(fine.status == 202, "\(fine.text)")
    }

    /// A client that stops sending part-way through a large upload, after enough for the owner to
    /// refuse it: the refusal comes back at once, and the gateway is still there. (Before the
    /// gateway relayed bodies through a task it stops, its HTTP client could still be waiting on
    /// the body when Hummingbird went on to read the rest: NIO stops the process for two readers.)
    @Test func aClientThatPausesMidBodyGetsTheRefusalAndTheGatewaySurvives() async throws {
        let database = try await TestDatabase.create()
        let suite = try await EvidenceSuite.start(database: database, claims: ScriptedClaims(),
                                                  evidenceOverrides: ["documents.maxRequestBytes": String(1 << 20)], gateway: true)
        defer { Task { await suite.stop() } }
        let mainAPI = try #require(suite.mainAPI)
        let (token, _) = try await TestSignUp.signUp(mainAPI, email: "paused-\(UUID().uuidString.prefix(8))@shop.test")
        let boundary = "opside-paused-upload"
        let first = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n".utf8)
            + Data("Content-Type: application/pdf\r\n\r\n%PDF-1.4\n".utf8) + Data(count: 2 << 20)
        let head = "POST /api/v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(24 << 20)\r\n\r\n"
        let port = mainAPI.port
        // Two of the declared 24 MB, then silence with the connection open.
        let answer = try await OwnThread.run { () -> String in
            let socket = try RawHTTP.connect(port: port)
            defer { close(socket) }
            RawHTTP.write(socket, Data(head.utf8) + first)
            var response = Data()
            var byte: UInt8 = 0
            while !response.suffix(4).elementsEqual(Data("\r\n\r\n".utf8)), recv(socket, &byte, 1, 0) == 1 { response.append(byte) }
            return String(decoding: response, as: UTF8.self)
        }
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        // The gateway answers the next person as ever.
        let health = try await TestHTTP.request(.GET, mainAPI.baseURL + "/health/live")
        #expect(health.status == 200)
        let listed = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/documents", headers: ["authorization": "Bearer \(token)"])
        let documents = try listed.json()["documents"] as? [Any]
        #expect(listed.status == 200 && documents?.isEmpty == true, "\(listed.text)")
    }
}
