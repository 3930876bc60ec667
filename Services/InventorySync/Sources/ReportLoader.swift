import Foundation
import NIOCore
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import Synchronization

/// Streams a report document (from Amazon or from a file) through the shared parser into a
/// staging session: bytes → lines → typed rows → COPY, one chunk at a time. Malformed lines —
/// rows the parser refuses (wrong field count) and rows the typed row refuses (a bad number, a
/// missing value) — go to the quarantine with their line number and reason.
enum ReportLoader {
    /// Lines the parser skipped, handed over from its callback.
    final class SkippedLines: Sendable {
        private let lines = Mutex<[QuarantinedLine]>([])
        func add(_ line: Int, _ reason: String, _ text: String) {
            lines.withLock { $0.append(QuarantinedLine(lineNumber: line, reason: reason, rawLine: text)) }
        }
        func drain() -> [QuarantinedLine] { lines.withLock { lines in defer { lines.removeAll() }; return lines } }
    }

    /// - Parameters:
    ///   - mapping: the report type, or nil to detect it from the header (file import).
    ///   - limits: the most the source may hold (lines, columns, rows).
    /// - Returns: the mapping used, nil when the source had no header and no mapping was given.
    ///   A header without data lines (a report of a quiet period) is a report of no rows.
    /// - Throws: `LoadError.missingColumns` when the header lacks a required column,
    ///   `LoadError.unknownReportType` when detection finds nothing (`localizedReport` for a
    ///   transaction report in another language than English); `ReportLimitError` past a
    ///   limit; `ReportError` from the source.
    @discardableResult
    static func load<Source: AsyncSequence & Sendable>(source: Source, mapping: ReportMapping?, marketplace: String,
                                                       session: StagingSession, limits: ReportLimits = ReportLimits(),
                                                       progress: (@Sendable (Int) async -> Void)? = nil) async throws -> ReportMapping?
    where Source.Element == ByteBuffer {
        let skipped = SkippedLines()
        let options = ReportParsingOptions(encoding: encoding(marketplace), skipMalformedRows: true,
                                           onSkippedRow: { skipped.add($0, $1, $2) }, limits: limits)
        var iterator = ReportRows<ReportRecord, Source>(source: source, options: options).makeAsyncIterator()
        let first = try await iterator.next()
        guard let header = first?.header ?? iterator.header else {
            for line in skipped.drain() { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
            return mapping
        }
        let chosen = try Self.mapping(for: header, given: mapping)
        // The report's marketplace decides its currency and day order: one Amazon does not
        // list stops the load rather than guess them.
        let reportMarketplace = try AmazonMarketplace.require(marketplace)
        guard let first else {
            for line in skipped.drain() { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
            return chosen
        }
        switch chosen.target {
        case .table(let table, let map):
            try await session.stageStream(table) { sink in
                var context = ReportMappingContext(marketplace: reportMarketplace)
                try await Self.forEach(first, &iterator, skipped: skipped, session: session, progress: progress) { record in
                    context.warnings.removeAll(keepingCapacity: true)
                    let row = try map(record, &context)
                    session.warn(line: record.line, context.warnings)
                    try await sink.append(row)
                }
            }
        case .financialEvents(let format):
            var reader = format.makeReader(marketplace: reportMarketplace)
            try await Self.forEach(first, &iterator, skipped: skipped, session: session, progress: progress) { record in
                try reader.read(record)
            }
            let (rows, refused) = reader.finish()
            for line in refused { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
            try await session.stage(AmazonTables.shipmentEvents, rows: rows.shipments)
            try await session.stage(AmazonTables.refundEvents, rows: rows.refunds)
            try await session.stage(AmazonTables.adjustmentEvents, rows: rows.adjustments)
        case .orders:
            var reader = AllOrdersReportReader(marketplace: reportMarketplace)
            try await Self.forEach(first, &iterator, skipped: skipped, session: session, progress: progress) { record in
                try reader.read(record)
            }
            let (orders, items, refused) = reader.finish()
            for line in refused { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
            try await session.stage(AmazonTables.orders, rows: orders)
            try await session.stage(AmazonTables.orderItems, rows: items)
        }
        for line in skipped.drain() { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
        return chosen
    }

    /// Hands `body` each record from `first` on; a record `body` refuses with a
    /// `ReportRowError` is quarantined with the reason, as are the lines the parser skipped.
    private static func forEach<Source: AsyncSequence & Sendable>(
        _ first: ReportRecord, _ iterator: inout ReportRows<ReportRecord, Source>.AsyncIterator, skipped: SkippedLines,
        session: StagingSession, progress: (@Sendable (Int) async -> Void)?, _ body: (ReportRecord) async throws -> Void
    ) async throws where Source.Element == ByteBuffer {
        var next: ReportRecord? = first
        var sinceYield = 0, rows = 0
        while let record = next {
            do {
                try await body(record)
            } catch let error as ReportRowError {
                session.quarantine(line: record.line, reason: error.reason, raw: record.fields.joined(separator: "\t"))
            }
            for line in skipped.drain() { session.quarantine(line: line.lineNumber, reason: line.reason, raw: line.rawLine) }
            // Parsing is CPU work on the shared pool: it lets other work (health checks,
            // other requests) run now and then, however long the file.
            sinceYield += 1
            rows += 1
            if sinceYield == 4096 {
                sinceYield = 0
                await Task.yield()
            }
            if let progress, rows % Self.progressRows == 0 { await progress(rows) }
            next = try await iterator.next()
        }
    }

    /// How often (in rows) a load reports its progress.
    static let progressRows = 50_000

    /// Amazon's undeclared encodings: Shift_JIS in Japan, Windows-1252 elsewhere.
    static func encoding(_ marketplace: String) -> ReportTextEncoding {
        .automatic(fallback: marketplace == "A1VC38T7YXB528" ? .shiftJIS : .windowsCP1252)
    }

    /// The header of a source, read without its data lines (a problem there is the load's to
    /// find); nil when it has none.
    static func header<Source: AsyncSequence & Sendable>(source: Source, marketplace: String,
                                                         limits: ReportLimits) async throws -> ReportHeader?
    where Source.Element == ByteBuffer {
        let options = ReportParsingOptions(encoding: encoding(marketplace), skipMalformedRows: true, limits: limits)
        var iterator = ReportRows<ReportRecord, Source>(source: source, options: options).makeAsyncIterator()
        return try await iterator.readHeader()
    }

    /// The mapping of a header: `given`, or the one detected; it must find its required columns.
    /// - Throws: `LoadError.unknownReportType`, `LoadError.missingColumns`.
    static func mapping(for header: ReportHeader, given: ReportMapping?) throws -> ReportMapping {
        guard let chosen = given ?? ReportMapping.detect(header) else {
            if FinanceReportFormat.isLocalizedTransactionReport(header) { throw LoadError.localizedReport(header: header.names) }
            throw LoadError.unknownReportType(header: header.names)
        }
        let missing = chosen.missingColumns(in: header)
        guard missing.isEmpty else { throw LoadError.missingColumns(reportType: chosen.reportType, columns: missing) }
        return chosen
    }
}

/// Staging rows for the JSON APIs (orders, inventory, inbound).
enum OrderRows {
    /// An amount in minor units and its currency.
    /// - Throws: `MoneyError` for an unknown currency or an amount that is not decimal text.
    static func money(_ value: OrderMoney?) throws(MoneyError) -> (String?, String?) {
        guard let money = try value?.money() else { return (nil, value?.CurrencyCode) }
        return (String(money.amountMinor), money.currency.code)
    }

    static func order(_ order: Order, marketplace: String) throws(MoneyError) -> [String?] {
        let (total, currency) = try money(order.OrderTotal)
        return [marketplace, order.AmazonOrderId, order.SellerOrderId, order.PurchaseDate, order.LastUpdateDate, order.OrderStatus,
                order.FulfillmentChannel, order.SalesChannel, order.OrderType, total, currency,
                order.NumberOfItemsShipped.map(String.init), order.NumberOfItemsUnshipped.map(String.init),
                order.IsReplacementOrder.map { $0 ? "true" : "false" }, order.ReplacedOrderId,
                order.IsBusinessOrder.map { $0 ? "true" : "false" }, order.IsPrime.map { $0 ? "true" : "false" }]
    }

    static func item(_ item: OrderItem, orderID: String, marketplace: String) throws(MoneyError) -> [String?] {
        let (price, priceCurrency) = try money(item.ItemPrice)
        let (tax, _) = try money(item.ItemTax)
        let (discount, _) = try money(item.PromotionDiscount)
        return [marketplace, orderID, item.OrderItemId, item.ASIN, item.SellerSKU, item.Title, String(item.QuantityOrdered),
                item.QuantityShipped.map(String.init), price, tax, discount, priceCurrency, item.ConditionId]
    }

    static func inventory(_ summary: InventorySummary, marketplace: String) -> [String?] {
        let details = summary.inventoryDetails
        return [marketplace, summary.sellerSku ?? "", summary.fnSku ?? "", summary.asin, summary.condition, summary.productName,
                summary.totalQuantity.map(String.init), details?.fulfillableQuantity.map(String.init),
                details?.inboundWorkingQuantity.map(String.init), details?.inboundShippedQuantity.map(String.init),
                details?.inboundReceivingQuantity.map(String.init), details?.reservedQuantity?.totalReservedQuantity.map(String.init),
                details?.researchingQuantity?.totalResearchingQuantity.map(String.init),
                details?.unfulfillableQuantity?.totalUnfulfillableQuantity.map(String.init), summary.lastUpdatedTime]
    }
}
