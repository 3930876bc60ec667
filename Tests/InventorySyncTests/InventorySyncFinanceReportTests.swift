import Foundation
import OpsideTesting
@testable import InventorySync
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import Testing

/// The payment reports a seller downloads (the settlement report V2 and the Date Range
/// transaction report) load into the financial event tables in the Finances API's shapes, each
/// row marked with its source; unreadable lines are quarantined with their reason; the same
/// file twice changes nothing; a localised transaction report is refused by name.
@Suite(.serialized) struct InventorySyncFinanceReportTests {
    typealias Merge = InventorySyncMergeTests

    /// Imports `bytes` as a file a seller uploaded.
    static func importFile(_ importer: Merge.Importer, _ bytes: Data, into connection: UUID, name: String = "report.txt") async throws -> ImportResult {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("finance-\(UUID().uuidString)-\(name)").path
        try bytes.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tenant = importer.tenant
        return try await importer.withDatabase { database in
            try await ReportImporter(database: database, logger: TestEnvironment.logger)
                .importFile(path: path, tenantID: tenant, connectionID: connection, marketplaceID: Merge.marketplace)
        }
    }

    static let settlementHeader = [
        "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency", "transaction-type",
        "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description", "amount",
        "fulfillment-id", "posted-date", "posted-date-time", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id",
        "sku", "quantity-purchased", "promotion-id",
    ]

    /// A settlement line: the named columns set, the others empty.
    static func settlementLine(_ values: [String: String]) -> String {
        settlementHeader.map { values[$0] ?? "" }.joined(separator: "\t")
    }

    static func amountLine(_ type: String, order: String, adjustment: String = "", shipment: String = "", item: String, sku: String,
                           quantity: String, posted: String, _ amountType: String, _ description: String, _ amount: String) -> String {
        settlementLine([
            "settlement-id": "11223344556", "transaction-type": type, "order-id": order, "adjustment-id": adjustment, "shipment-id": shipment,
            "marketplace-name": "Amazon.com", "amount-type": amountType, "amount-description": description, "amount": amount,
            "fulfillment-id": "AFN", "posted-date": String(posted.prefix(10)), "posted-date-time": posted, "order-item-code": item,
            "sku": sku, "quantity-purchased": quantity,
        ])
    }

    /// A settlement as Seller Central writes it: the summary, an order item (price, tax,
    /// shipping, referral and fulfilment fees, withheld tax), a refund (with the refunded
    /// commission and the refund commission), a reimbursement and its reversal, a storage fee
    /// (not an event these tables keep), and an order item one of whose amounts is unreadable.
    static let settlementLines: [String] = {
        let order = { (description: String, amountType: String, amount: String) in
            amountLine("Order", order: "111-1111111-1111111", shipment: "DkQq8xNmR", item: "61234567890123", sku: "MUG-BLUE", quantity: "2",
                       posted: "2026-01-03 10:15:00 UTC", amountType, description, amount)
        }
        let refund = { (description: String, amountType: String, amount: String) in
            amountLine("Refund", order: "111-2222222-2222222", adjustment: "amzn1.adj.1", item: "71234567890123", sku: "WIDGET", quantity: "1",
                       posted: "2026-01-05 12:00:00 UTC", amountType, description, amount)
        }
        let broken = { (description: String, amountType: String, amount: String) in
            amountLine("Order", order: "111-3333333-3333333", shipment: "Zz9", item: "81234567890123", sku: "THING", quantity: "1",
                       posted: "2026-01-07 08:00:00 UTC", amountType, description, amount)
        }
        let reimbursement = { (description: String, amount: String, quantity: String, posted: String) in
            settlementLine([
                "settlement-id": "11223344556", "transaction-type": "other-transaction", "adjustment-id": "amzn1.reimb.\(description)",
                "amount-type": "FBA Inventory Reimbursement", "amount-description": description, "amount": amount,
                "posted-date": String(posted.prefix(10)), "posted-date-time": posted, "sku": "MUG-BLUE", "quantity-purchased": quantity,
            ])
        }
        return [
            settlementLine([
                "settlement-id": "11223344556", "settlement-start-date": "2026-01-01 08:00:00 UTC", "settlement-end-date": "2026-01-15 08:00:00 UTC",
                "deposit-date": "2026-01-17 08:00:00 UTC", "total-amount": "1,012.34", "currency": "USD",
            ]),
            order("Principal", "ItemPrice", "39.98"),
            order("Tax", "ItemPrice", "3.20"),
            order("Shipping", "ItemPrice", "4.99"),
            order("MarketplaceFacilitatorTax-Principal", "ItemWithheldTax", "-3.20"),
            order("Commission", "ItemFees", "-6.00"),
            order("FBAPerUnitFulfillmentFee", "ItemFees", "-7.34"),
            refund("Principal", "ItemPrice", "-19.99"),
            refund("Commission", "ItemFees", "3.00"),
            refund("RefundCommission", "ItemFees", "-0.60"),
            reimbursement("WAREHOUSE_DAMAGE", "45.00", "3", "2026-01-06 09:00:00 UTC"),
            reimbursement("REVERSAL_REIMBURSEMENT", "-15.00", "1", "2026-01-09 09:00:00 UTC"),
            settlementLine([
                "settlement-id": "11223344556", "transaction-type": "other-transaction", "amount-type": "other-transaction",
                "amount-description": "Storage Fee", "amount": "-12.00", "posted-date-time": "2026-01-08 00:00:00 UTC",
            ]),
            broken("Principal", "ItemPrice", "12.3.4"),
            broken("Commission", "ItemFees", "-1.80"),
        ]
    }()

    static var settlementFile: Data {
        Data((([settlementHeader.joined(separator: "\t")] + settlementLines).joined(separator: "\r\n") + "\r\n").utf8)
    }

    static let shipmentColumns = """
        amazon_order_id, order_item_id, seller_sku, quantity, posted_at AT TIME ZONE 'UTC', principal_minor, charges_minor, fees_minor,
        currency, source
        """
    static let adjustmentColumns = """
        adjustment_type, seller_sku, quantity, per_unit_minor, total_minor, currency, transaction_number, posted_at AT TIME ZONE 'UTC', source
        """

    /// The amount of one component of a row's `fees` (or `charges`) JSON, in the API's shape.
    static func component(_ json: String, _ kind: String, _ type: String) -> String {
        let (typeKey, amountKey) = kind == "fees" ? ("FeeType", "FeeAmount") : ("ChargeType", "ChargeAmount")
        return "(SELECT string_agg(round((c->'\(amountKey)'->>'CurrencyAmount')::numeric, 2)::text || ' ' || (c->'\(amountKey)'->>'CurrencyCode'), ',')"
            + " FROM jsonb_array_elements(\(json)) AS c WHERE c->>'\(typeKey)' = '\(type)')"
    }

    /// The quarantine's reason for the amount `12.3.4` in `column`.
    static func unreadable(_ column: String) -> String {
        #"\#(column): "12.3.4" is not an amount (expected decimal text such as 1234.56, -0.50 or 1,234.50)"#
    }

    @Test func aSettlementReportLoadsOrdersRefundsAndReimbursementsAsTheFinancesAPIWouldAndQuarantinesAnUnreadableItem() async throws {
        let importer = try await Merge.Importer.make()
        let connection = UUID()
        let result = try await Self.importFile(importer, try await InventorySyncImportTests.gzip(Array(Self.settlementFile)), into: connection,
                                               name: "settlement.txt.gz")
        #expect(result.detectedReportType == "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2")
        #expect(result.dataset == "financial_events")
        // One shipment item, one refund item, two adjustments; the broken item's two lines held back.
        #expect((result.rowsLoaded, result.rowsInserted, result.rowsUpdated) == (4, 4, 0))
        #expect(result.rowsQuarantined == 2)
        #expect(result.quarantinedLines.sorted() == [15, 16])

        #expect(try await importer.rows("financial_shipment_events", connection, columns: Self.shipmentColumns) == [
            "111-1111111-1111111|61234567890123|MUG-BLUE|2|2026-01-03 10:15:00|3998|4817|-1334|USD|settlement_report",
        ])
        #expect(try await importer.rows("financial_refund_events", connection, columns: Self.shipmentColumns.replacingOccurrences(
            of: "order_item_id", with: "order_adjustment_item_id")) == [
            "111-2222222-2222222|WIDGET|1|2026-01-05 12:00:00|-1999|-1999|240|USD|settlement_report",
        ])
        #expect(try await importer.rows("financial_adjustment_events", connection, columns: Self.adjustmentColumns) == [
            "REVERSAL_REIMBURSEMENT|MUG-BLUE|1|-1500|-1500|USD|amzn1.reimb.REVERSAL_REIMBURSEMENT|2026-01-09 09:00:00|settlement_report",
            "WAREHOUSE_DAMAGE|MUG-BLUE|3|1500|4500|USD|amzn1.reimb.WAREHOUSE_DAMAGE|2026-01-06 09:00:00|settlement_report",
        ])
        // The charges and fees one by one, as the Finances API's components.
        #expect(try await importer.database.strings("""
            SELECT concat_ws('|', \(Self.component("charges", "charges", "Principal")), \(Self.component("charges", "charges", "Tax")),
                   \(Self.component("charges", "charges", "ShippingCharge")), \(Self.component("fees", "fees", "Commission")),
                   \(Self.component("fees", "fees", "FBAPerUnitFulfillmentFee")))
            FROM amazon.financial_shipment_events WHERE connection_id = '\(connection)'
            """) == ["39.98 USD|3.20 USD|4.99 USD|-6.00 USD|-7.34 USD"])
        #expect(try await importer.database.strings("""
            SELECT concat_ws('|', \(Self.component("fees", "fees", "Commission")), \(Self.component("fees", "fees", "RefundCommission")))
            FROM amazon.financial_refund_events WHERE connection_id = '\(connection)'
            """) == ["3.00 USD|-0.60 USD"])
        // The unreadable amount is named; its item's other line says why it was held back too.
        #expect(try await importer.database.strings("""
            SELECT line_number || ': ' || reason FROM amazon.sync_quarantine WHERE connection_id = '\(connection)' ORDER BY line_number
            """) == [
            "15: \(Self.unreadable("amount"))",
            "16: not loaded: line 15 of the same item cannot be read (\(Self.unreadable("amount")))",
        ])

        // The same file again changes nothing.
        let again = try await Self.importFile(importer, Self.settlementFile, into: connection)
        #expect((again.rowsLoaded, again.rowsInserted, again.rowsUpdated) == (4, 0, 0))
        #expect(try await importer.database.count("""
            SELECT (SELECT count(*) FROM amazon.financial_shipment_events WHERE connection_id = '\(connection)')
                 + (SELECT count(*) FROM amazon.financial_refund_events WHERE connection_id = '\(connection)')
                 + (SELECT count(*) FROM amazon.financial_adjustment_events WHERE connection_id = '\(connection)')
            """) == 4)
    }

    static let transactionPreamble = [
        #""Includes Amazon Marketplace, Fulfillment by Amazon (FBA), and Amazon Webstore transactions""#,
        #""All amounts in USD, unless specified""#,
        #""Definitions:""#,
        #""Selling fees: Includes variable closing fees and referral fees.""#,
        #""Other: Includes non-order transaction amounts. For more details, see the ""Type"" and ""Description"" columns for each order ID.""#,
    ]
    static let transactionHeader = #""date/time","settlement id","type","order id","sku","description","quantity","marketplace","fulfillment","order city","order state","order postal","tax collection model","product sales","product sales tax","shipping credits","shipping credits tax","gift wrap credits","giftwrap credits tax","Regulatory Fee","Tax On Regulatory Fee","promotional rebates","promotional rebates tax","marketplace withheld tax","selling fees","fba fees","other transaction fees","other","total""#
    static let transactionLines = [
        #""Jan 1, 2026 12:03:45 AM PST","11223344556","Order","111-1111111-1111111","MUG-BLUE","Café Mug, blue","10","amazon.com","Amazon","Seattle","WA","98101","MarketplaceFacilitator","1,249.90","100.00","0","0","0","0","0","0","0","0","-100.00","-187.49","-55.30","0","0","1,007.11""#,
        #""Jan 2, 2026 3:15:00 PM PST","11223344556","Refund","111-2222222-2222222","WIDGET","Widget","1","amazon.com","Amazon","","","","MarketplaceFacilitator","-19.99","-1.60","0","0","0","0","0","0","0","0","1.60","2.40","0","0","0","-17.59""#,
        #""Jan 3, 2026 1:00:00 AM PST","11223344556","Adjustment","5555555555","MUG-BLUE","FBA Inventory Reimbursement - Damaged:Warehouse","2","amazon.com","Amazon","","","","","0","0","0","0","0","0","0","0","0","0","0","0","0","0","30.00","30.00""#,
        #""Jan 4, 2026 9:00:00 AM PST","11223344556","Transfer","","","To account ending in: 123","","amazon.com","","","","","","0","0","0","0","0","0","0","0","0","0","0","0","0","0","-500.00","-500.00""#,
        #""Jan 5, 2026 10:00:00 AM PST","11223344556","Order","111-3333333-3333333","THING","Thing","1","amazon.com","Amazon","","","","","12.3.4","0","0","0","0","0","0","0","0","0","0","-1.80","-3.22","0","0","7.28""#,
    ]

    @Test func aDateRangeTransactionReportLoadsOrdersRefundsAndReimbursementsAndRefusesALocalisedOne() async throws {
        let importer = try await Merge.Importer.make()
        let connection = UUID()
        // Windows-1252 (Excel's save), CRLF, as a seller re-saves it.
        let text = (Self.transactionPreamble + [Self.transactionHeader] + Self.transactionLines).joined(separator: "\r\n") + "\r\n"
        let file = try text.data(using: .windowsCP1252).unwrap("Windows-1252 text")
        #expect(file.contains(0xE9))  // é as one Windows-1252 byte
        let result = try await Self.importFile(importer, file, into: connection, name: "2026Jan1-2026Jan31CustomTransaction.csv")
        #expect(result.detectedReportType == "GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA")
        #expect((result.rowsLoaded, result.rowsInserted, result.rowsQuarantined) == (3, 3, 1))
        // Line numbers are the file's: five lines of explanations, the header, then the data.
        #expect(result.quarantinedLines == [11])

        #expect(try await importer.rows("financial_shipment_events", connection, columns: Self.shipmentColumns) == [
            "111-1111111-1111111|MUG-BLUE|10|2026-01-01 08:03:45|124990|134990|-24279|USD|transaction_report",
        ])
        #expect(try await importer.rows("financial_refund_events", connection, columns: Self.shipmentColumns.replacingOccurrences(
            of: "order_item_id", with: "order_adjustment_item_id")) == [
            "111-2222222-2222222|WIDGET|1|2026-01-02 23:15:00|-1999|-2159|240|USD|transaction_report",
        ])
        #expect(try await importer.rows("financial_adjustment_events", connection, columns: Self.adjustmentColumns) == [
            "WAREHOUSE_DAMAGE|MUG-BLUE|2|1500|3000|USD|5555555555|2026-01-03 09:00:00|transaction_report",
        ])
        #expect(try await importer.database.strings("""
            SELECT concat_ws('|', \(Self.component("fees", "fees", "Commission")), \(Self.component("fees", "fees", "FBAPerUnitFulfillmentFee")))
            FROM amazon.financial_shipment_events WHERE connection_id = '\(connection)'
            """) == ["-187.49 USD|-55.30 USD"])
        #expect(try await importer.database.strings("""
            SELECT reason FROM amazon.sync_quarantine WHERE connection_id = '\(connection)'
            """) == [Self.unreadable("product sales")])

        // The same file again changes nothing.
        let again = try await Self.importFile(importer, file, into: connection, name: "again.csv")
        #expect((again.rowsLoaded, again.rowsInserted, again.rowsUpdated) == (3, 0, 0))

        // The German download: refused by name, before any run is recorded.
        let german = [
            #""Alle Beträge in Euro, sofern nicht anders angegeben""#,
            #""Datum/Uhrzeit","Abrechnungsnummer","Typ","Bestellnummer","SKU","Beschreibung","Menge","Marketplace","Versand","Ort der Bestellung","Bundesland","Postleitzahl","Steuererhebungsmodell","Umsätze","Produktumsatzsteuer","Verkaufsgebühren","Gebühren zu Versand durch Amazon","Andere","Gesamt""#,
            #""01.01.2026 00:03:45 UTC","11223344556","Bestellung","302-1111111-1111111","MUG-BLUE","Becher","1","amazon.de","Amazon","","","","","19,99","0","-3,00","-3,22","0","13,77""#,
        ].joined(separator: "\n") + "\n"
        let other = UUID()
        do {
            _ = try await Self.importFile(importer, Data(german.utf8), into: other, name: "de.csv")
            Issue.record("a German transaction report was accepted")
        } catch let error as LoadError {
            #expect(error == .localizedReport(header: ["Datum/Uhrzeit", "Abrechnungsnummer", "Typ", "Bestellnummer", "SKU", "Beschreibung",
                                                       "Menge", "Marketplace", "Versand", "Ort der Bestellung", "Bundesland", "Postleitzahl",
                                                       "Steuererhebungsmodell", "Umsätze", "Produktumsatzsteuer", "Verkaufsgebühren",
                                                       "Gebühren zu Versand durch Amazon", "Andere", "Gesamt"]))
            #expect(error.description.contains("not in English") && error.description.contains("Datum/Uhrzeit, Abrechnungsnummer"))
        }
        #expect(try await importer.database.count("SELECT count(*) FROM amazon.sync_runs WHERE connection_id = '\(other)'") == 0)
    }

    /// A settlement file loading on a connection that syncs its finances through the API: a
    /// sync of `financial_events` requested meanwhile is a run of its own, and the import (a run
    /// of that dataset without a job) is neither joined nor closed as abandoned.
    @Test func aFinanceSyncRequestedWhileASettlementFileLoadsLeavesTheImportAlone() async throws {
        let importer = try await Merge.Importer.make()
        let connection = UUID(), tenant = importer.tenant
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("finance-\(UUID().uuidString).txt").path
        try Self.settlementFile.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await importer.withDatabase { database in
            let reportImporter = ReportImporter(database: database, logger: TestEnvironment.logger)
            let accepted = try await reportImporter.accept(path: path, tenantID: tenant, connectionID: connection, marketplaceID: Merge.marketplace)
            #expect(accepted.run.dataset == "financial_events" && accepted.run.state == "running")
            let sync = try await database.withTransaction(tenant: tenant) { db in
                try await SyncPostgresRepository.requestRun(tenantID: tenant, connectionID: connection, dataset: .financialEvents, trigger: .manual,
                                                            priority: 1, queue: "inventory-sync", kind: "inventory-sync.sync", maxAttempts: 3,
                                                            leaseSeconds: 60, on: db, logger: TestEnvironment.logger)
            }
            #expect(sync.runId != accepted.run.runId && sync.trigger == "manual")
            #expect(try await importer.database.strings("SELECT state FROM amazon.sync_runs WHERE run_id = '\(accepted.run.runId)'")
                    == ["running"])
            return try await reportImporter.load(accepted)
        }
        #expect(result.rowsInserted == 4)
        #expect(try await importer.database.strings("""
            SELECT trigger || '=' || state FROM amazon.sync_runs WHERE connection_id = '\(connection)' ORDER BY trigger
            """) == ["import=succeeded", "manual=queued"])
    }

    /// The transaction report's dates in the US and UK forms, and the EU settlement's decimal comma.
    @Test func transactionDatesAndLocalAmountsAreRead() throws {
        #expect(TransactionReportReader.isoForm("Jan 1, 2026 12:03:45 AM PST") == "2026-01-01 00:03:45 PST")
        #expect(TransactionReportReader.isoForm("Dec 31, 2025 11:59:59 PM PDT") == "2025-12-31 23:59:59 PDT")
        #expect(TransactionReportReader.isoForm("Jan. 2, 2026 12:00:00 p.m. EST") == "2026-01-02 12:00:00 EST")
        #expect(TransactionReportReader.isoForm("1 Jan 2026 00:03:45 GMT") == "2026-01-01 00:03:45 GMT")
        #expect(TransactionReportReader.isoForm("15 Mar 2026 13:03:45 GMT+01:00") == "2026-03-15 13:03:45 +01:00")
        #expect(TransactionReportReader.isoForm("2026-01-01 08:00:00 UTC") == "2026-01-01 08:00:00 UTC")
        #expect(TransactionReportReader.isoForm("yesterday") == nil)
        #expect(TransactionReportReader.isoForm("Jan 1, 2026 13:03:45 PM PST") == nil)
        #expect(try ReportValues.timestamp(TransactionReportReader.isoForm("15 Mar 2026 13:03:45 GMT+01:00"), dayOrder: .dayFirst)
                == "2026-03-15 12:03:45+00")
        let eur = try Currency(code: "EUR")
        #expect(try FinanceReportValues.money("1.234,56", column: "amount", currency: eur, decimalComma: true)
                == Money(amountMinor: 123_456, currency: eur))
        #expect(try FinanceReportValues.money("-95,00", column: "amount", currency: eur, decimalComma: true)
                == Money(amountMinor: -9500, currency: eur))
        #expect(try FinanceReportValues.money("1,234.50", column: "amount", currency: eur, decimalComma: true)
                == Money(amountMinor: 123_450, currency: eur))
        #expect(throws: ReportRowError.self) { try FinanceReportValues.money("95,00", column: "total", currency: eur) }
    }

    /// An API-synced connection that also imports a settlement file holds the refund once per
    /// source; the detector's rule (per order and SKU, the largest count among sources) counts
    /// it once. The API's rows are marked `finances_api`.
    @Test func theSameRefundFromTheAPIAndASettlementFileIsOneRowPerSourceAndCountsOnce() async throws {
        let importer = try await Merge.Importer.make()
        let connection = UUID(), tenant = importer.tenant
        let events = try JSONDecoder().decode(FinancialEvents.self, from: Data("""
            {"RefundEventList": [{"AmazonOrderId": "111-2222222-2222222", "MarketplaceName": "Amazon.com",
              "PostedDate": "2026-01-05T12:00:00Z",
              "ShipmentItemAdjustmentList": [{"SellerSKU": "WIDGET", "OrderAdjustmentItemId": "9988", "QuantityShipped": 1,
                "ItemChargeAdjustmentList": [{"ChargeType": "Principal", "ChargeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -19.99}}],
                "ItemFeeAdjustmentList": [{"FeeType": "Commission", "FeeAmount": {"CurrencyCode": "USD", "CurrencyAmount": 3.0}},
                                          {"FeeType": "RefundCommission", "FeeAmount": {"CurrencyCode": "USD", "CurrencyAmount": -0.6}}]}]}]}
            """.utf8))
        var rows = FinanceRows()
        try rows.add(events, marketplace: Merge.marketplace, windowStart: Date(timeIntervalSince1970: 1_767_225_600))
        let apiRows = rows
        /// Loads the API's refund as a finance window does.
        let loadFromAPI = { @Sendable (first: Bool) async throws -> MergeCounts in
            try await importer.withDatabase { database in
                try await database.withTransaction(tenant: tenant) { db in
                    if first {
                        try await db.query("""
                            INSERT INTO amazon.connections (connection_id, tenant_id, marketplace_ids, status)
                            VALUES (\(connection), \(tenant), \([Merge.marketplace]), 'import_only')
                            """, logger: TestEnvironment.logger)
                    }
                    let session = StagingSession(connection: db, logger: TestEnvironment.logger, tenantID: tenant, connectionID: connection,
                                                 runID: UUID(), dataset: "financial_events")
                    try await session.stage(AmazonTables.refundEvents, rows: apiRows.refunds)
                    return try await session.merge()
                }
            }
        }
        #expect(try await loadFromAPI(true).inserted == 1)

        // A database from before `source`: the migration marks the row the API's and re-keys it
        // as the loader keys it, so the next sync of the same window finds it unchanged.
        try await importer.database.withSuperuser { db in
            for table in ["financial_shipment_events", "financial_refund_events", "financial_adjustment_events"] {
                try await db.query("ALTER TABLE amazon.\(unescaped: table) DROP COLUMN source", logger: TestEnvironment.logger)
            }
            try await db.query("UPDATE amazon.financial_refund_events SET event_key = 'keyed before source'", logger: TestEnvironment.logger)
            try await db.query("DELETE FROM amazon.schema_migrations WHERE version = 11", logger: TestEnvironment.logger)
        }
        let applied = try await importer.withDatabase { database in try await InventorySyncService.migrators()[0].apply(on: database) }
        #expect(applied == [11])
        #expect(try await importer.rows("financial_refund_events", connection, columns: "source") == ["finances_api"])
        let resynced = try await loadFromAPI(false)
        #expect((resynced.inserted, resynced.updated) == (0, 0))

        _ = try await Self.importFile(importer, Self.settlementFile, into: connection)

        #expect(try await importer.rows("financial_refund_events", connection, columns: "source, quantity, principal_minor, fees_minor") == [
            "finances_api|1|-1999|240", "settlement_report|1|-1999|240",
        ])
        // The rule AmazonTables documents: per order and SKU, the largest count among sources.
        #expect(try await importer.database.strings("""
            SELECT amazon_order_id || ' ' || seller_sku || ' ' || max(units) FROM (
                SELECT amazon_order_id, seller_sku, coalesce(source, 'finances_api') AS source, sum(coalesce(quantity, 1)) AS units
                FROM amazon.financial_refund_events WHERE connection_id = '\(connection)'
                GROUP BY amazon_order_id, seller_sku, coalesce(source, 'finances_api')) AS by_source
            GROUP BY amazon_order_id, seller_sku
            """) == ["111-2222222-2222222 WIDGET 1"])

        // Read back through the shared reader, each row with its source.
        let records = try await importer.withDatabase { database in
            try await AmazonDataReader(database: database).refundEvents(tenant: tenant, connection: connection).collect()
        }
        #expect(Set(records.map(\.source)) == [.financesAPI, .settlementReport])
    }
}
