import CompressNIO
import Foundation
import NIOCore
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

@Suite("Report lifecycle and parsing")
struct ReportTests {
    static let us = "ATVPDKIKX0DER"

    @Test func ledgerReportStreamsTypedRowsThatConserveUnits() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 301, skus: 15, months: 6)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            var onHand: [String: Int] = [:]
            var rows = 0
            for try await row in try await api.runReport(CreateReportSpecification(reportType: LedgerDetailRow.reportType, marketplaceIDs: [Self.us]),
                                                         as: LedgerDetailRow.self) {
                onHand[row.fnsku, default: 0] += row.quantity
                rows += 1
            }
            #expect(rows > 100)
            var fromInventory: [String: Int] = [:]
            for try await page in api.allInventorySummaries(marketplaceID: Self.us) {
                for summary in page.payload?.inventorySummaries ?? [] { fromInventory[summary.fnSku ?? ""] = summary.totalQuantity }
            }
            #expect(!onHand.isEmpty)
            #expect(onHand == fromInventory.filter { onHand[$0.key] != nil })
        }
    }

    /// The summary splits each product by disposition; every row conserves units and the last
    /// period's ending balances, summed over dispositions, equal the detail ledger's totals.
    @Test func ledgerSummaryCarriesEveryDispositionAndConserves() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 305, skus: 15, months: 6)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            var detail: [String: Int] = [:]
            var detailDispositions: Set<String> = []
            for try await row in try await api.runReport(CreateReportSpecification(reportType: LedgerDetailRow.reportType, marketplaceIDs: [Self.us]),
                                                         as: LedgerDetailRow.self) {
                detail[row.fnsku, default: 0] += row.quantity
                detailDispositions.insert(row.disposition ?? "")
            }
            var summaries: [LedgerSummaryRow] = []
            for try await row in try await api.runReport(CreateReportSpecification(reportType: LedgerSummaryRow.reportType, marketplaceIDs: [Self.us]),
                                                         as: LedgerSummaryRow.self) {
                summaries.append(row)
            }
            #expect(Set(summaries.compactMap(\.disposition)) == detailDispositions)
            #expect(detailDispositions.isSuperset(of: ["SELLABLE", "WAREHOUSE_DAMAGED"]))
            for row in summaries {
                let moved = row.receipts + row.customerShipments + row.customerReturns + row.vendorReturns + row.warehouseTransferInOut
                    + row.found + row.lost + row.damaged + row.disposed + row.otherEvents
                #expect(row.startingWarehouseBalance + moved == row.endingWarehouseBalance, "\(row.fnsku) \(row.disposition ?? "") \(row.date)")
            }
            let lastPeriod = try #require(summaries.map(\.date).max())
            var ending: [String: Int] = [:]
            for row in summaries where row.date == lastPeriod { ending[row.fnsku, default: 0] += row.endingWarehouseBalance }
            #expect(ending == detail.filter { $0.value != 0 || ending[$0.key] != nil })
        }
    }

    @Test func expiredDocumentURLIsRefreshedAndTruncatedGzipIsTyped() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 302)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let spec = CreateReportSpecification(reportType: ReimbursementRow.reportType, marketplaceIDs: [Self.us])
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "expireDocumentURLs": ["count": 1]])
            var reimbursements = 0
            for try await _ in try await api.runReport(spec, as: ReimbursementRow.self) { reimbursements += 1 }
            #expect(reimbursements > 0)
            #expect(try await harness.requests(seller.sellingPartnerId, "reports_2021-06-30.getReportDocument") == 2)

            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "truncateGzip": ["count": 1]])
            await #expect(throws: ReportError.self) {
                for try await _ in try await api.runReport(spec, as: ReimbursementRow.self) {}
            }
        }
    }

    @Test func reportWithoutDataIsCancelledAndEmpty() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 303)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let spec = CreateReportSpecification(reportType: CustomerReturnRow.reportType, marketplaceIDs: [Self.us],
                                                 dataStartTime: "2001-01-01T00:00:00Z", dataEndTime: "2001-02-01T00:00:00Z")
            #expect(try await api.createReportAndWait(spec) == .cancelled(reportID: try await api.getReports(reportTypes: [CustomerReturnRow.reportType]).reports.first?.reportId ?? ""))
            var rows = 0
            for try await _ in try await api.runReport(spec, as: CustomerReturnRow.self) { rows += 1 }
            #expect(rows == 0)
        }
    }

    @Test func malformedRowsFailOrAreSkippedAndCounted() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 304)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "malformedRows": ["rate": 1.0]])
            let spec = CreateReportSpecification(reportType: LedgerDetailRow.reportType, marketplaceIDs: [Self.us])
            await #expect(throws: ReportError.self) {
                for try await _ in try await api.runReport(spec, as: LedgerDetailRow.self) {}
            }
            let statistics = ReportParsingStatistics()
            let rows = try await api.runReport(spec, as: LedgerDetailRow.self, options: ReportParsingOptions(skipMalformedRows: true, statistics: statistics))
            var good = 0
            for try await _ in rows { good += 1 }
            #expect(statistics.skippedRows > 0)
            #expect(statistics.rows == good)
            #expect(statistics.firstSkipReason?.contains("fields") == true)
        }
    }

    // MARK: Parser

    static func parse<Row: ReportRow>(_ bytes: [UInt8], as row: Row.Type, encoding: ReportTextEncoding = .automatic(fallback: nil)) async throws -> [Row] {
        var rows: [Row] = []
        for try await row in ReportRows<Row, ChunkSource>(source: ChunkSource(bytes), options: ReportParsingOptions(encoding: encoding)) {
            rows.append(row)
        }
        return rows
    }

    @Test(arguments: ["Event Type", "event-type", "EventType", "EVENT_TYPE"])
    func headerSpellingsAreOneColumn(_ spelling: String) async throws {
        let text = "Date\tFNSKU\t\(spelling)\tQuantity\tReference ID\r\n2026-01-02\tX001\tShipments\t-2\t111-1\r\n"
        let rows = try await Self.parse(Array(text.utf8), as: LedgerDetailRow.self)
        #expect(rows.map(\.eventType) == ["Shipments"])
        #expect(rows.first?.quantity == -2)
        #expect(rows.first?.referenceID == "111-1")
    }

    @Test func columnsAreFoundByTheirWholeNormalizedName() async throws {
        // "quantit" is also what the ASCII letters of "Quantité" normalize to.
        let records = try await Self.parse(Array("Quantité\tQuantit\n1\t2\n".utf8), as: ReportRecord.self)
        #expect(records.first?.string("quantité") == "1")
        #expect(records.first?.string("QUANTIT") == "2")
        #expect(records.first?.string("Quanti") == nil)
    }

    @Test func wholeNumbersTakeSignsAndThousandsSeparators() async throws {
        let text = "Quantity\n1,234\n+2\n-3\n-9223372036854775808\n0\n"
        let records = try await Self.parse(Array(text.utf8), as: ReportRecord.self)
        #expect(try records.map { try $0.int("Quantity") } == [1234, 2, -3, Int.min, 0])
    }

    @Test(arguments: ["9223372036854775808", "1.5", "-", "12a", "3-", "\u{0663}"])
    func notAWholeNumberIsAnError(_ text: String) async throws {
        let records = try await Self.parse(Array("Quantity\n\(text)\n".utf8), as: ReportRecord.self)
        #expect(records.count == 1)
        #expect(throws: ReportRowError.self) { try records.first?.int("Quantity") }
    }

    @Test func utf8BOMAndCRLFAreHandled() async throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("sku\tproduct-name\tquantity\treturn-date\torder-id\r\nA-1\tCafé crème\t1\t2026-01-01\t1\r\n".utf8)
        let rows = try await Self.parse(bytes, as: CustomerReturnRow.self)
        #expect(rows.first?.sku == "A-1")
        #expect(rows.first?.productName == "Café crème")
    }

    @Test func windows1252IsDecoded() async throws {
        // "Café – 10 €" in Windows-1252: é = E9, en dash = 96, euro = 80.
        let name: [UInt8] = [0x43, 0x61, 0x66, 0xE9, 0x20, 0x96, 0x20, 0x31, 0x30, 0x20, 0x80]
        let bytes = Array("sku\titem-name\tseller-sku\n".utf8) + Array("x\t".utf8) + name + Array("\tSKU-9\n".utf8)
        let rows = try await Self.parse(bytes, as: MerchantListingRow.self)
        #expect(rows.first?.itemName == "Café – 10 €")
        let declared = try await Self.parse(bytes, as: MerchantListingRow.self, encoding: .windowsCP1252)
        #expect(declared.first?.itemName == "Café – 10 €")
    }

    @Test func shiftJISIsDecoded() async throws {
        let japanese = try #require("日本語の商品".data(using: .shiftJIS))
        let bytes = Array("seller-sku\titem-name\n".utf8) + Array("JP-1\t".utf8) + Array(japanese) + [0x0A]
        let rows = try await Self.parse(bytes, as: MerchantListingRow.self, encoding: .automatic(fallback: .shiftJIS))
        #expect(rows.first?.itemName == "日本語の商品")
    }

    @Test func truncatedGzipIsDetected() async throws {
        var text = ByteBuffer(string: String(repeating: "a\tb\tc\n", count: 10_000))
        let compressed = try text.compress(with: .gzip)
        let whole = Array(compressed.readableBytesView)
        var count = 0
        for try await chunk in GunzipSequence(ChunkSource(whole, chunkSize: 1000)) { count += chunk.readableBytes }
        #expect(count == 60_000)
        await #expect(throws: ReportError.self) {
            for try await _ in GunzipSequence(ChunkSource(Array(whole.prefix(whole.count / 2)), chunkSize: 1000)) {}
        }
    }
}
