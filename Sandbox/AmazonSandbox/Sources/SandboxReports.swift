import CompressNIO
import Crypto
import Foundation
import Hummingbird
import NIOCore
import OpsideCore

/// Reports 2021-06-30: reports finish after a short sandbox-time delay; documents are gzipped
/// TSV files behind expiring, signed URLs.
struct SandboxReports: Sendable {
    let state: SandboxState
    static let signingKey = SymmetricKey(size: .bits256)

    func create(_ request: Request, _ caller: SPAPICaller) async throws -> Response {
        guard let seller = caller.sellingPartnerID else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let body = try await SandboxResponse.body(request)
        guard let type = body["reportType"] as? String, let marketplaces = body["marketplaceIds"] as? [String], !marketplaces.isEmpty else {
            throw SandboxInputError(message: "reportType and marketplaceIds are required")
        }
        // Amazon generates settlements itself and refuses to make one on request (§2.2 of
        // docs/amazon-reports-backfill.md; its message names the type by number).
        if SandboxPaymentReports.settlementTypes.contains(type) {
            throw SandboxInputError(message: "Request for report type \(type) is not allowed at this time")
        }
        guard SandboxReportRenderer.supported.contains(type) else {
            throw SandboxInputError(message: "Report type \(type) is not supported by the sandbox")
        }
        var options: [String: String] = [:]
        if let given = body["reportOptions"] {
            guard let strings = given as? [String: String] else {
                throw SandboxInputError(message: "reportOptions must map option names to string values")
            }
            options = strings
        }
        let id = String(50_000_000_000 + state.nextSerial())
        let startText = body["dataStartTime"] as? String, endText = body["dataEndTime"] as? String
        var job = SandboxState.ReportJob(id: id, sellingPartnerID: seller, type: type, marketplaceIDs: marketplaces,
                                         dataStart: Date(iso: startText) ?? CivilDate(iso: startText?.prefix(10) ?? "")?.startInstant,
                                         dataEnd: Date(iso: endText) ?? CivilDate(iso: endText?.prefix(10) ?? "")?.startInstant,
                                         createdAt: caller.now, createdReal: .now, cancelled: false, documentID: nil, rowCount: nil,
                                         options: options, requestedStart: startText, requestedEnd: endText)
        if SandboxAllOrdersReport.types.contains(type) {
            job.fatal = SandboxAllOrdersReport.refusal(dataStart: job.dataStart, dataEnd: job.dataEnd, now: caller.now)
        }
        if type == SandboxSearchQueryPerformance.reportType, let history = caller.history {
            job.fatal = SandboxSearchQueryPerformance.refusal(options: options, marketplaces: marketplaces, history: history,
                                                              dataStart: startText, dataEnd: endText, now: caller.now)
        }
        state.withLock { $0.reports[id] = job }
        return SandboxResponse.json(["reportId": id], status: .accepted)
    }

    /// Advances a report: IN_QUEUE for the first half of the processing time, IN_PROGRESS for the
    /// second, then DONE (document rendered) or CANCELLED when the range holds no rows.
    func status(of id: String, at now: Date) -> SandboxState.ReportJob? {
        guard var job = state.withLock({ $0.reports[id] }) else { return nil }
        if job.cancelled || job.documentID != nil || job.rowCount != nil { return job }
        let elapsed = Double((ContinuousClock.now - job.createdReal).components.seconds) + now.timeIntervalSince(job.createdAt)
        guard elapsed >= state.settings.reportProcessingSeconds, let history = state.history(for: job.sellingPartnerID) else { return job }
        let malformed = state.fault(\.malformedRows, seller: job.sellingPartnerID, operation: nil) != nil
        let text: String, rows: Int
        if let fatal = job.fatal {
            // A FATAL report's document is Amazon's account of why.
            let reason = (try? JSONSerialization.data(withJSONObject: ["errorDetails": fatal], options: [.sortedKeys])) ?? Data()
            (text, rows) = (String(decoding: reason, as: UTF8.self), 1)
        } else if job.type == SandboxSearchQueryPerformance.reportType {
            (text, rows) = SandboxSearchQueryPerformance.render(history: history, options: job.options, dataStart: job.requestedStart ?? "",
                                                                dataEnd: job.requestedEnd ?? "")
        } else {
            (text, rows) = SandboxReportRenderer.render(type: job.type, history: history, start: job.dataStart, end: min(job.dataEnd ?? now, now),
                                                        now: now, malformedRows: malformed)
        }
        job.rowCount = rows
        var document: (id: String, bytes: [UInt8])?
        if rows > 0 {
            var buffer = ByteBuffer(string: text)
            let compressed = (try? buffer.compress(with: .gzip)) ?? ByteBuffer()
            document = ("amzn1.spdoc.1.4.na.\(UUID().uuidString.lowercased())", Array(compressed.readableBytesView))
            job.documentID = document?.id
        }
        // Two callers (getReport, a getReports listing) may render the same job at once: the first
        // to finish wins, and the other returns that one, so a document id once handed out stays.
        return state.withLock { inner in
            if let finished = inner.reports[id], finished.documentID != nil || finished.rowCount != nil { return finished }
            if let document { inner.documents[document.id] = document.bytes }
            inner.reports[id] = job
            return job
        }
    }

    func processingStatus(_ job: SandboxState.ReportJob, now: Date) -> String {
        if job.cancelled { return "CANCELLED" }
        if let rows = job.rowCount { return job.fatal != nil ? "FATAL" : rows > 0 ? "DONE" : "CANCELLED" }
        let elapsed = Double((ContinuousClock.now - job.createdReal).components.seconds) + now.timeIntervalSince(job.createdAt)
        return elapsed < state.settings.reportProcessingSeconds / 2 ? "IN_QUEUE" : "IN_PROGRESS"
    }

    func json(_ job: SandboxState.ReportJob, now: Date) -> [String: Any] {
        var report: [String: Any] = ["reportId": job.id, "reportType": job.type, "marketplaceIds": job.marketplaceIDs,
                                     "createdTime": job.createdAt.iso, "processingStatus": processingStatus(job, now: now)]
        if let start = job.dataStart { report["dataStartTime"] = start.iso }
        if let end = job.dataEnd { report["dataEndTime"] = end.iso }
        if let documentID = job.documentID {
            report["reportDocumentId"] = documentID
            report["processingStartTime"] = job.createdAt.iso
            report["processingEndTime"] = job.createdAt.addingTimeInterval(state.settings.reportProcessingSeconds).iso
        }
        return report
    }

    func get(_ id: String, _ caller: SPAPICaller) -> Response {
        guard let job = status(of: id, at: caller.now), job.sellingPartnerID == caller.sellingPartnerID else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "Report \(id) was not found.")
        }
        return SandboxResponse.json(json(job, now: caller.now))
    }

    /// `getReports`: `reportTypes` (1-10) or `nextToken` is required, and a call with `nextToken`
    /// must send nothing else (Amazon refuses it), so the token carries the whole query:
    /// `processingStatuses`, `marketplaceIds`, `createdSince` (default 90 days ago), `createdUntil`
    /// (default now) and `pageSize` 1-100 (default 10).
    func list(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        let query = request.uri.queryParameters
        if query.get("nextToken") != nil, query.contains(where: { $0.key != "nextToken" }) {
            throw SandboxInputError(message: "nextToken must be the only parameter: call getReports with the token alone to get the next page.")
        }
        var paged = try PagedQuery(request, operation: "getReports", seller: caller.sellingPartnerID, tokenParameter: "nextToken",
                                   criteria: ["reportTypes", "processingStatuses", "marketplaceIds", "createdSince", "createdUntil", "pageSize"])
        guard paged.continued || paged["reportTypes"] != nil else { throw SandboxInputError(message: "Either reportTypes or nextToken is required") }
        paged.pin("createdSince", caller.now.addingTimeInterval(-90 * 86_400))
        paged.pin("createdUntil", caller.now)
        func list(_ name: String) -> Set<String> { Set((paged[name] ?? "").split(separator: ",").map(String.init)) }
        let types = list("reportTypes"), statuses = list("processingStatuses"), marketplaces = list("marketplaceIds")
        guard types.count <= 10 else { throw SandboxInputError(message: "reportTypes takes at most 10 report types") }
        let since = Date(iso: paged["createdSince"]) ?? .distantPast
        let until = Date(iso: paged["createdUntil"]) ?? caller.now
        let pageSize = try SandboxInboundPlans.pageSize(paged["pageSize"], range: 1...100, default: 10)
        if types.isEmpty || !types.isDisjoint(with: SandboxPaymentReports.settlementTypes) { generateSettlements(caller) }
        let ids = state.withLock { $0.reports.values.filter { $0.sellingPartnerID == caller.sellingPartnerID }.map(\.id) }.sorted()
        let jobs = ids.compactMap { status(of: $0, at: caller.now) }.filter { job in
            (types.isEmpty || types.contains(job.type)) && (statuses.isEmpty || statuses.contains(processingStatus(job, now: caller.now)))
                && (marketplaces.isEmpty || !marketplaces.isDisjoint(with: job.marketplaceIDs))
                && job.createdAt >= since && job.createdAt <= until
        }
        var body: [String: Any] = ["reports": jobs.dropFirst(paged.offset).prefix(pageSize).map { json($0, now: caller.now) }]
        if paged.offset + pageSize < jobs.count { body["nextToken"] = paged.token(at: paged.offset + pageSize) }
        return SandboxResponse.json(body)
    }

    /// Amazon's settlement reports of the caller: one per 14-day period, generated as the period
    /// closes and listable for the 90 days `getReports` keeps. Made when first listed, once each;
    /// the document holds the period's money, as the settlement file of that period does.
    func generateSettlements(_ caller: SPAPICaller) {
        guard let seller = caller.sellingPartnerID, let history = caller.history else { return }
        let listable = SandboxPaymentReports.closedSettlements(history, now: caller.now)
            .filter { caller.now.timeIntervalSince($0.end) <= 90 * 86_400 }
        let fresh = state.withLock { inner in listable.filter { inner.generatedSettlements.insert("\(seller)|\($0.index)").inserted } }
        for period in fresh {
            let id = String(50_000_000_000 + state.nextSerial())
            // The report holds the period up to, not including, its end, where the next one starts
            // (the renderer's end is inclusive).
            let job = SandboxState.ReportJob(id: id, sellingPartnerID: seller, type: SandboxPaymentReports.settlementReportType,
                                             marketplaceIDs: [history.marketplaceID], dataStart: period.start,
                                             dataEnd: period.end.addingTimeInterval(-0.001), createdAt: period.end, createdReal: .now,
                                             cancelled: false, documentID: nil, rowCount: nil)
            state.withLock { $0.reports[id] = job }
        }
    }

    func cancel(_ id: String, _ caller: SPAPICaller) -> Response {
        guard let job = status(of: id, at: caller.now), job.sellingPartnerID == caller.sellingPartnerID else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "Report \(id) was not found.")
        }
        guard processingStatus(job, now: caller.now) == "IN_QUEUE" else {
            return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "Only IN_QUEUE reports can be cancelled.")
        }
        state.withLock { $0.reports[id]?.cancelled = true }
        return Response(status: .ok)
    }

    /// getReportDocument: a URL signed for `documentUrlLifetimeSeconds` of sandbox time.
    func document(_ id: String, request: Request, _ caller: SPAPICaller) -> Response {
        let owned = state.withLock { $0.reports.values.contains { $0.documentID == id && $0.sellingPartnerID == caller.sellingPartnerID } }
        guard owned else { return SandboxResponse.error(.notFound, code: "NotFound", message: "Report document \(id) was not found.") }
        let expires = Int(caller.now.timeIntervalSince1970) + state.settings.documentURLLifetimeSeconds
        let authority = request.head.authority ?? "\(state.settings.host):\(state.settings.port)"
        let url = "http://\(authority)/report-documents/\(id)?X-Amz-Expires=\(expires)&X-Amz-Signature=\(Self.sign(id, expires))"
        return SandboxResponse.json(["reportDocumentId": id, "url": url, "compressionAlgorithm": "GZIP"])
    }

    static func sign(_ id: String, _ expires: Int) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(id)|\(expires)".utf8), using: signingKey).map { String(format: "%02x", $0) }.joined()
    }

    func download(_ id: String, request: Request) -> Response {
        let query = request.uri.queryParameters
        let accessDenied = SandboxResponse.html("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", status: .forbidden)
        guard let expires = Int(query.get("X-Amz-Expires") ?? ""), let signature = query.get("X-Amz-Signature"),
              signature == Self.sign(id, expires) else { return accessDenied }
        guard Double(expires) > state.now.timeIntervalSince1970 else { return accessDenied }
        let seller = state.withLock { $0.reports.values.first { $0.documentID == id }?.sellingPartnerID }
        if state.fault(\.expireDocumentURLs, seller: seller, operation: nil) != nil { return accessDenied }
        guard var bytes = state.withLock({ $0.documents[id] }) else { return accessDenied }
        if state.fault(\.truncateGzip, seller: seller, operation: nil) != nil { bytes = Array(bytes.prefix(bytes.count * 2 / 3)) }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Schedules

    func createSchedule(_ request: Request, _ caller: SPAPICaller) async throws -> Response {
        guard let seller = caller.sellingPartnerID else { throw SandboxInputError(message: "Grantless access is not allowed") }
        let body = try await SandboxResponse.body(request)
        guard let type = body["reportType"] as? String, let period = body["period"] as? String,
              let marketplaces = body["marketplaceIds"] as? [String] else {
            throw SandboxInputError(message: "reportType, marketplaceIds and period are required")
        }
        // Replaces a schedule with the same report type and marketplaces.
        let id = state.withLock { inner -> String in
            let existing = inner.schedules.first { $0.value.seller == seller && ($0.value.body["reportType"] as? String) == type
                && ($0.value.body["marketplaceIds"] as? [String]) == marketplaces }?.key
            let id = existing ?? String(60_000_000_000 + inner.serial)
            inner.serial += 1
            var schedule: [String: any Sendable] = ["reportScheduleId": id, "reportType": type, "marketplaceIds": marketplaces, "period": period]
            if let next = body["nextReportCreationTime"] as? String { schedule["nextReportCreationTime"] = next }
            inner.schedules[id] = (seller, schedule)
            return id
        }
        return SandboxResponse.json(["reportScheduleId": id], status: .created)
    }

    func listSchedules(_ caller: SPAPICaller) -> Response {
        let schedules = state.withLock { $0.schedules.values.filter { $0.seller == caller.sellingPartnerID }.map(\.body) }
        return SandboxResponse.json(["reportSchedules": schedules])
    }

    func getSchedule(_ id: String, _ caller: SPAPICaller) -> Response {
        guard let schedule = state.withLock({ $0.schedules[id] }), schedule.seller == caller.sellingPartnerID else {
            return SandboxResponse.error(.notFound, code: "NotFound", message: "Report schedule \(id) was not found.")
        }
        return SandboxResponse.json(schedule.body)
    }

    func cancelSchedule(_ id: String, _ caller: SPAPICaller) -> Response {
        let removed = state.withLock { inner -> Bool in
            guard inner.schedules[id]?.seller == caller.sellingPartnerID else { return false }
            inner.schedules[id] = nil
            return true
        }
        return removed ? Response(status: .ok) : SandboxResponse.error(.notFound, code: "NotFound", message: "Report schedule \(id) was not found.")
    }
}

/// Renders a seller's history as Amazon's tab-separated report files.
enum SandboxReportRenderer {
    static let supported: Set<String> = Set([
        "GET_LEDGER_DETAIL_VIEW_DATA", "GET_LEDGER_SUMMARY_VIEW_DATA", "GET_FBA_REIMBURSEMENTS_DATA",
        "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA", "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA",
        "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA", "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA",
        "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA", "GET_MERCHANT_LISTINGS_ALL_DATA", "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
        SandboxSearchQueryPerformance.reportType, SandboxPaymentReports.settlementReportType, SandboxPaymentReports.transactionReportType,
    ]).union(SandboxAllOrdersReport.types)

    static func day(_ date: Date) -> String { String(date.iso.prefix(10)) }

    /// - Returns: the file text and its number of data rows.
    static func render(type: String, history: SellerHistory, start: Date?, end: Date, now: Date, malformedRows: Bool) -> (String, Int) {
        if SandboxAllOrdersReport.types.contains(type) { return SandboxAllOrdersReport.render(type: type, history: history, start: start, end: end, now: now) }
        let from = start ?? history.start
        if let payments = SandboxPaymentReports.render(type: type, history: history, from: from, end: end) { return payments }
        func inRange(_ date: Date) -> Bool { date >= from && date <= end }
        var header: [String] = []
        var rows: [[String]] = []
        let money = { (minor: Int64) in decimalString(minor, currency: history.currency) }
        switch type {
        case "GET_LEDGER_DETAIL_VIEW_DATA":
            header = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Event Type", "Reference ID", "Quantity", "Fulfillment Center",
                      "Disposition", "Reason", "Country", "Reconciled Quantity", "Unreconciled Quantity", "Date and Time"]
            for event in history.ledger where inRange(event.date) {
                let product = history.products[event.product]
                var reconciled = "", unreconciled = ""
                if ["M", "5", "E"].contains(event.reason) {
                    let done = max(0, min(-event.quantity, event.reconciliations.filter { $0.date <= now }.reduce(0) { $0 + $1.quantity }))
                    reconciled = String(done)
                    unreconciled = String(-event.quantity - done)
                }
                // `Date` is the marketplace-local day (claim clocks start on it); `Date and Time` the instant.
                rows.append([history.localDay(event.date), product.fnsku, product.asin, product.sku, product.title, event.eventType, event.referenceID,
                             String(event.quantity), event.fulfillmentCenter, event.disposition, event.reason, history.countryCode,
                             reconciled, unreconciled, event.date.iso])
            }
        case "GET_LEDGER_SUMMARY_VIEW_DATA":
            header = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "Disposition", "Starting Warehouse Balance", "In Transit Between Warehouses",
                      "Receipts", "Customer Shipments", "Customer Returns", "Vendor Returns", "Warehouse Transfer In/Out", "Found", "Lost",
                      "Damaged", "Disposed", "Other Events", "Ending Warehouse Balance", "Unknown Events", "Location"]
            // Monthly periods, one row per product and disposition (SELLABLE, WAREHOUSE_DAMAGED,
            // CUSTOMER_DAMAGED…, as Seller Central splits them); every movement lands in one
            // column of its disposition's row, so start + movements = end on every row.
            let dispositions = Array(Set(history.ledger.map(\.disposition))).sorted()
            let dispositionIndex = Dictionary(uniqueKeysWithValues: dispositions.enumerated().map { ($1, $0) })
            let width = max(1, dispositions.count)
            var balance = Array(repeating: 0, count: history.products.count * width)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
            var periodStart = calendar.dateInterval(of: .month, for: history.start)?.start ?? history.start
            var cursor = 0
            while periodStart <= end {
                guard let periodEnd = calendar.date(byAdding: .month, value: 1, to: periodStart) else { break }
                var moves = Array(repeating: [Int](repeating: 0, count: 9), count: balance.count)
                let starting = balance
                while cursor < history.ledger.count, history.ledger[cursor].date < periodEnd, history.ledger[cursor].date <= end {
                    let event = history.ledger[cursor]
                    let column: Int = switch (event.eventType, event.reason) {
                    case ("Receipts", _): 0
                    case ("Shipments", _): 1
                    case ("CustomerReturns", _): 2
                    case ("VendorReturns", _): 3
                    case (_, "F"), (_, "N"): 4
                    case (_, "M"), (_, "5"): 5
                    case (_, "E"), (_, "P"): 6
                    case (_, "D"): 7
                    default: 8
                    }
                    let key = event.product * width + (dispositionIndex[event.disposition] ?? 0)
                    moves[key][column] += event.quantity
                    balance[key] += event.quantity
                    cursor += 1
                }
                if periodEnd > from {
                    for (index, product) in history.products.enumerated() {
                        for (offset, disposition) in dispositions.enumerated() {
                            let key = index * width + offset
                            let m = moves[key]
                            guard starting[key] != 0 || balance[key] != 0 || m.contains(where: { $0 != 0 }) else { continue }
                            rows.append([String(day(periodStart).prefix(7)).replacingOccurrences(of: "-", with: "/"), product.fnsku, product.asin,
                                         product.sku, product.title, disposition, String(starting[key]), "0", String(m[0]), String(m[1]),
                                         String(m[2]), String(m[3]), "0", String(m[4]), String(m[5]), String(m[6]), String(m[7]), String(m[8]),
                                         String(balance[key]), "0", history.countryCode])
                        }
                    }
                }
                periodStart = periodEnd
            }
        case "GET_FBA_REIMBURSEMENTS_DATA":
            header = ["approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku", "fnsku", "asin", "product-name",
                      "condition", "currency-unit", "amount-per-unit", "amount-total", "quantity-reimbursed-cash", "quantity-reimbursed-inventory",
                      "quantity-reimbursed-total", "original-reimbursement-id", "original-reimbursement-type"]
            for line in history.reimbursements where inRange(line.date) && line.date <= now {
                let product = history.products[line.product]
                let quantity = line.quantityCash + line.quantityInventory
                rows.append([line.date.iso, line.id, line.caseID ?? "", line.orderID ?? "", line.reason, product.sku, product.fnsku, product.asin,
                             product.title, "New", history.currency, money(line.perUnitMinor), money(line.amountTotalMinor),
                             String(line.quantityCash), String(line.quantityInventory), String(quantity), line.originalID ?? "", line.originalType ?? ""])
            }
        case "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA":
            header = ["return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity", "fulfillment-center-id",
                      "detailed-disposition", "reason", "status", "license-plate-number", "customer-comments"]
            for line in history.returns where inRange(line.date) {
                let product = history.products[line.product]
                rows.append([line.date.iso, line.orderID, product.sku, product.asin, product.fnsku, product.title, String(line.quantity),
                             line.fulfillmentCenter, line.disposition, line.reason, line.status, line.licensePlate, ""])
            }
        case "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA":
            header = ["shipment-date", "sku", "asin", "fulfillment-center-id", "original-fulfillment-center-id", "quantity",
                      "replacement-reason-code", "replacement-amazon-order-id", "original-amazon-order-id"]
            for line in history.replacements where inRange(line.date) {
                let product = history.products[line.product]
                rows.append([line.date.iso, product.sku, product.asin, line.fulfillmentCenter, line.fulfillmentCenter, String(line.quantity),
                             "5", line.replacementOrderID, line.originalOrderID])
            }
        case "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA":
            header = ["request-date", "order-id", "order-type", "service-speed", "order-status", "last-updated-date", "sku", "fnsku",
                      "disposition", "requested-quantity", "cancelled-quantity", "disposed-quantity", "shipped-quantity",
                      "in-process-quantity", "removal-fee", "currency"]
            for line in history.removals where inRange(line.requested) && line.requested <= now {
                let product = history.products[line.product]
                let completed = line.shipped <= now
                rows.append([line.requested.iso, line.orderID, line.orderType, "Standard", completed ? "Completed" : "Pending",
                             (completed ? line.shipped : line.requested).iso, product.sku, product.fnsku, "Sellable", String(line.quantity), "0",
                             completed ? String(line.disposedQuantity) : "0", completed ? String(line.shippedQuantity) : "0",
                             completed ? "0" : String(line.quantity), money(Int64(line.quantity) * 97), history.currency])
            }
        case "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA":
            header = ["request-date", "order-id", "shipment-date", "sku", "fnsku", "disposition", "shipped-quantity", "carrier",
                      "tracking-number", "removal-order-type"]
            for line in history.removals where inRange(line.shipped) && line.orderType == "Return" && line.deliveredQuantity > 0 {
                let product = history.products[line.product]
                rows.append([line.requested.iso, line.orderID, line.shipped.iso, product.sku, product.fnsku, "Sellable",
                             String(line.deliveredQuantity), "UPS", line.tracking, "Return"])
            }
        case "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA":
            header = ["sku", "fnsku", "asin", "product-name", "product-group", "brand", "fulfilled-by", "your-price", "sales-price",
                      "longest-side", "median-side", "shortest-side", "length-and-girth", "unit-of-dimension", "item-package-weight",
                      "unit-of-weight", "product-size-tier", "currency", "estimated-fee-total", "estimated-referral-fee-per-unit",
                      "estimated-variable-closing-fee", "expected-fulfillment-fee-per-unit"]
            for product in history.products {
                let sides = [product.lengthCm, product.widthCm, product.heightCm].sorted(by: >)
                let referral = product.priceMinor * 15 / 100
                rows.append([product.sku, product.fnsku, product.asin, product.title, "Home", "Sandbox", "Amazon", money(product.priceMinor),
                             money(product.priceMinor), String(sides[0]), String(sides[1]), String(sides[2]),
                             String(sides[0] + 2 * (sides[1] + sides[2])), "centimeters", String(product.weightKg), "kilograms",
                             "Standard", history.currency, money(referral + product.fulfillmentFeeMinor), money(referral), "0",
                             money(product.fulfillmentFeeMinor)])
            }
        case "GET_MERCHANT_LISTINGS_ALL_DATA":
            header = ["item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date", "image-url",
                      "item-is-marketplace", "product-id-type", "item-note", "item-condition", "asin1", "product-id",
                      "fulfillment-channel", "status"]
            let balances = history.balances(at: now)
            for (index, product) in history.products.enumerated() {
                rows.append([product.title, "", "L" + product.fnsku, product.sku, money(product.priceMinor), "", day(history.start), "", "y",
                             "1", "", "11", product.asin, product.asin, "AMAZON_NA", balances[index] > 0 ? "Active" : "Inactive"])
            }
        case "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA":
            header = ["sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists", "mfn-fulfillable-quantity",
                      "afn-listing-exists", "afn-warehouse-quantity", "afn-fulfillable-quantity", "afn-unsellable-quantity",
                      "afn-reserved-quantity", "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
                      "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity", "afn-researching-quantity"]
            let balances = history.balances(at: now)
            for (index, product) in history.products.enumerated() {
                let units = String(max(0, balances[index]))
                rows.append([product.sku, product.fnsku, product.asin, product.title, "New", money(product.priceMinor), "No", "",
                             "Yes", units, units, "0", "0", units, String(product.lengthCm * product.widthCm * product.heightCm / 1000), "0", "0", "0", "0"])
            }
        default:
            return ("", 0)
        }
        guard !rows.isEmpty else { return ("", 0) }
        var text = header.joined(separator: "\t") + "\n"
        for (index, row) in rows.enumerated() {
            if malformedRows, index % 50 == 7 {
                text += row.prefix(3).joined(separator: "\t") + "\t" + row.joined(separator: "\t") + "\n"  // too many fields
            } else {
                text += row.joined(separator: "\t") + "\n"
            }
        }
        return (text, rows.count)
    }
}
