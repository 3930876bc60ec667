import Foundation
import InventorySync
import InventorySyncTesting
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

@Suite(.serialized) struct InventorySyncImportTests {
    static func gzip(_ bytes: [UInt8]) async throws -> Data {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).txt")
        try Data(bytes).write(to: input)
        let output = URL(fileURLWithPath: input.path + ".gz")
        defer { try? FileManager.default.removeItem(at: output) }
        let gzip = try await TestProcess.run(URL(fileURLWithPath: "/usr/bin/gzip"), ["-f", input.path])
        guard gzip.status == 0 else { throw HarnessError("gzip failed: \(gzip.error)") }
        return try Data(contentsOf: output)
    }

    /// Rows of a connection's table, minus what differs by connection, for comparing two loads.
    static func rows(_ database: TestDatabase, _ table: String, _ connection: UUID, columns: String) async throws -> [String] {
        try await database.strings("SELECT concat_ws('|', \(columns)) FROM amazon.\(table) WHERE connection_id = '\(connection)'").sorted()
    }

    static let ledgerColumns = """
        event_key, occurrence, event_date, event_at, fnsku, asin, msku, title, event_type, reference_id, quantity, fulfillment_center,
        disposition, reason, country, reconciled_quantity, unreconciled_quantity, marketplace_id
        """
    static let returnColumns = """
        order_id, fnsku, license_plate_number, return_date, sku, asin, product_name, quantity, fulfillment_center_id,
        detailed_disposition, reason, status, marketplace_id
        """

    @Test func importedFilesWithEveryQuirkLoadTheSameRowsAsTheAPI() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4601, skus: 3, months: 3)
        let marketplace = seller.marketplaceIds[0]
        let tenant = UUID(), viaAPI = UUID(), viaFile = UUID()
        tokens.register(connectionID: viaAPI, tenantID: tenant, seller: seller)
        for dataset in ["ledger_detail", "customer_returns"] {
            let runs = try await service.syncAndWait(tenant: tenant, connection: viaAPI, dataset: dataset)
            #expect(runs.map(\.state) == ["succeeded"])
        }

        // 1. Ledger: SP-API header spellings, CRLF, UTF-8 BOM, gzip; uploaded through the API.
        let ledgerText = String(decoding: try await sandbox.reportText(seller, type: "GET_LEDGER_DETAIL_VIEW_DATA"), as: UTF8.self)
        var lines = ledgerText.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let dataLines = lines.count - 1
        #expect(dataLines > 20)
        lines[0] = lines[0].replacingOccurrences(of: "Event Type", with: "EventType").replacingOccurrences(of: "Reference ID", with: "ReferenceID")
            .replacingOccurrences(of: "Fulfillment Center", with: "FulfillmentCenter")
            .replacingOccurrences(of: "Unreconciled Quantity", with: "UnreconciledQuantity")
            .replacingOccurrences(of: "Reconciled Quantity", with: "ReconciledQuantity")
        let quirky: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let upload = try await service.importAndWait(tenant: tenant, connection: viaFile, query: "?marketplaceId=\(marketplace)&fileName=ledger.txt.gz",
                                                     body: try await Self.gzip(quirky))
        #expect(upload.reply.status == 202, "\(upload.reply.text)")
        let ledger = try upload.result.unwrap("the ledger import's result: \(String(describing: upload.run))")
        #expect(ledger.detectedReportType == "GET_LEDGER_DETAIL_VIEW_DATA")
        #expect(ledger.rowsLoaded == dataLines && ledger.rowsQuarantined == 0)
        let apiLedger = try await Self.rows(database, "ledger_detail", viaAPI, columns: Self.ledgerColumns)
        let fileLedger = try await Self.rows(database, "ledger_detail", viaFile, columns: Self.ledgerColumns)
        #expect(apiLedger.count == dataLines)
        #expect(fileLedger == apiLedger)

        // 2. Returns: Windows-1252 with accented text, plain, LF; through the `opside import` CLI.
        let returnsText = String(decoding: try await sandbox.reportText(seller, type: "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA"), as: UTF8.self)
        var returnLines = returnsText.split(separator: "\n").map(String.init)
        #expect(returnLines.count > 1)
        var fields = returnLines[1].components(separatedBy: "\t")
        fields[fields.count - 1] = "Très bien – déçu"
        returnLines[1] = fields.joined(separator: "\t")
        let cp1252 = try (returnLines.joined(separator: "\n") + "\n").data(using: .windowsCP1252).unwrap("Windows-1252 text")
        #expect(cp1252.contains(0xE8))  // è as one Windows-1252 byte, not UTF-8
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("returns-\(UUID().uuidString).txt")
        try cp1252.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let cli = try await database.runCLI(["import", "--tenant", tenant.uuidString, "--connection", viaFile.uuidString, "--marketplace", marketplace, file.path])
        #expect(cli.status == 0, "opside import failed: \(cli.error)")
        let returns = try JSONDecoder.opside.decode(ImportResult.self, from: Data(cli.output.utf8))
        #expect(returns.detectedReportType == "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA" && returns.rowsLoaded == returnLines.count - 1)
        #expect(try await Self.rows(database, "customer_returns", viaFile, columns: Self.returnColumns)
                == (try await Self.rows(database, "customer_returns", viaAPI, columns: Self.returnColumns)))
        let comments = try await database.strings("SELECT customer_comments FROM amazon.customer_returns WHERE connection_id = '\(viaFile)' AND customer_comments IS NOT NULL")
        #expect(comments == ["Très bien – déçu"])

        // 3. A required column missing: a clear error, nothing loaded.
        let eventTypeIndex = lines[0].components(separatedBy: "\t").firstIndex(of: "EventType")!
        let withoutEventType = lines.map { line in
            var columns = line.components(separatedBy: "\t")
            columns.remove(at: eventTypeIndex)
            return columns.joined(separator: "\t")
        }.joined(separator: "\n")
        let other = UUID()
        let missing = try await service.call(.POST, "/internal/amazon/connections/\(other)/imports", tenant: tenant, body: Data(withoutEventType.utf8))
        #expect(missing.status == 422 || missing.status == 400, "\(missing.status) \(missing.text)")
        #expect(missing.text.contains("Event Type"))
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(other)'") == 0)

        // 4. Malformed rows are quarantined with their line numbers; the rest loads.
        let quantityIndex = lines[0].components(separatedBy: "\t").firstIndex(of: "Quantity")!
        var badQuantity = lines[1].components(separatedBy: "\t")
        badQuantity[quantityIndex] = "lots"
        let malformed = lines.joined(separator: "\n") + "\n" + badQuantity.joined(separator: "\t") + "\n"
            + lines[2] + "\textra\tfields\n"
        let broken = try await service.importAndWait(tenant: tenant, connection: other, query: "?marketplaceId=\(marketplace)",
                                                     body: Data(malformed.utf8))
        #expect(broken.reply.status == 202, "\(broken.reply.text)")
        let result = try broken.result.unwrap("the malformed import's result: \(String(describing: broken.run))")
        #expect(result.rowsQuarantined == 2 && result.quarantinedLines == [dataLines + 2, dataLines + 3])
        #expect(result.rowsLoaded == dataLines)
        let reasons = try await database.strings("SELECT line_number || ': ' || reason FROM amazon.sync_quarantine WHERE run_id = '\(result.runId)' ORDER BY line_number")
        #expect(reasons.count == 2 && reasons[1].contains("fields for"), "\(reasons)")
    }

    @Test func anotherTenantsIdsAreAnsweredExactlyLikeUnknownOnes() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 4602, skus: 2, months: 1)
        let owner = UUID(), stranger = UUID(), connection = UUID()
        let text = String(decoding: try await sandbox.reportText(seller, type: "GET_LEDGER_DETAIL_VIEW_DATA"), as: UTF8.self)
        let upload = try await service.importAndWait(tenant: owner, connection: connection,
                                                     query: "?marketplaceId=\(seller.marketplaceIds[0])", body: Data(text.utf8))
        let run = try upload.run.unwrap("the owner's import run: \(upload.reply.text)")

        func answer(_ method: HTTPMethod, _ path: String, json: String? = nil, body: Data? = nil) async throws -> (Int, String) {
            let reply = try await service.call(method, path, tenant: stranger, json: json, body: body)
            return (reply.status, reply.status >= 400 ? try reply.envelope().error.message : reply.text)
        }
        let unknownConnection = UUID(), unknownRun = UUID()
        let probes: [(HTTPMethod, String, String?, Data?)] = [
            (.GET, "/internal/amazon/connections/{c}/syncs", nil, nil),
            (.GET, "/internal/amazon/connections/{c}/schedules", nil, nil),
            (.GET, "/internal/amazon/connections/{c}/discrepancies", nil, nil),
            (.PUT, "/internal/amazon/connections/{c}/schedules/orders", #"{"intervalSeconds":3600}"#, nil),
            (.POST, "/internal/amazon/connections/{c}/imports", nil, Data(text.utf8)),
            (.GET, "/internal/amazon/syncs/{r}", nil, nil),
            (.GET, "/internal/amazon/syncs/{r}/quarantine", nil, nil),
        ]
        for (method, template, json, body) in probes {
            let theirs = template.replacingOccurrences(of: "{c}", with: connection.uuidString).replacingOccurrences(of: "{r}", with: run.runId.uuidString)
            let unknown = template.replacingOccurrences(of: "{c}", with: unknownConnection.uuidString)
                .replacingOccurrences(of: "{r}", with: unknownRun.uuidString)
            let (theirStatus, theirMessage) = try await answer(method, theirs, json: json, body: body)
            #expect(theirStatus == 404, "\(method) \(template) on another tenant's id: \(theirStatus) \(theirMessage)")
            if template.contains("/imports") {
                // An import to an unknown id creates that connection for the caller; to another
                // tenant's id it must not, and the refusal reads like any unknown id's.
                #expect(theirMessage == "no Amazon connection with this id in this account", "\(theirMessage)")
            } else {
                let (unknownStatus, unknownMessage) = try await answer(method, unknown, json: json, body: body)
                #expect(unknownStatus == 404 && theirMessage == unknownMessage,
                        "\(method) \(template): another tenant's id and an unknown one get the same answer")
            }
        }
        // The owner still sees everything.
        #expect(try await service.call(.GET, "/internal/amazon/connections/\(connection)/syncs", tenant: owner).status == 200)
        #expect(try await service.call(.GET, "/internal/amazon/syncs/\(run.runId)/quarantine", tenant: owner).status == 200)
    }
}
