import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The evidence and cost pages: the documents a seller uploads (with what was read from each, its
/// lines highlighted in the page's text, its checks, the claims it matched and the seller's
/// corrections), the yes-or-no questions about unsure matches, the costs per SKU over time with
/// their anomalies, and the proof packets made after Amazon pays. What they change goes through
/// `/api/v1/documents…`, `/api/v1/prompts…` and `/api/v1/costs…`.
extension DashboardPages {
    func addEvidenceRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/documents") { request, context in try await signedIn(request, context) { try await documentList($0, request) } }
        router.get("/app/documents/:id") { request, context in
            try await signedIn(request, context) { try await evidenceDocument($0, id: try Self.uuid(context, "id"), request) }
        }
        router.get("/app/prompts") { request, context in try await signedIn(request, context) { try await promptList($0, request) } }
        router.get("/app/costs") { request, context in try await signedIn(request, context) { try await costs($0, request) } }
    }

    // MARK: Documents

    func documentList(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "documents", title: "Documents", request: request)
        async let limitsLoad = sources.documentLimits(tenant: viewer.tenant)
        async let packetsLoad = sources.proofPackets(tenant: viewer.tenant)
        let documents = try await sources.documents(tenant: viewer.tenant, limit: 200)
        values["documents"] = documents.map(documentRow)
        values["empty"] = documents.isEmpty
        let limits = try await limitsLoad
        let kinds = limits.kinds.compactMap { DashboardWords.documentKinds[$0] }
        values["limits"] = [
            "maxFileBytes": limits.maxFileBytes, "maxFile": DashboardWords.bytes(limits.maxFileBytes), "maxFiles": limits.maxFiles,
            "maxPages": limits.maxPages, "kinds": kinds.map(\.label).joined(separator: ", "),
            "accept": kinds.flatMap(\.extensions).joined(separator: ","),
        ] as [String: Any]
        var problems: [String] = []
        do {
            let packets = try await packetsLoad
            values["packets"] = packets.map(packetRow)
            values["hasPackets"] = !packets.isEmpty
        } catch {
            problems.append("Proof packets could not be loaded: \(error)")
        }
        values["problems"] = problems
        return try renderer.page("documents", values)
    }

    /// A document as the list and its page show it.
    func documentRow(_ document: DashboardSources.EvidenceDocument) -> [String: Any] {
        let fields = document.fields
        var row: [String: Any] = [
            "id": document.id.uuidString.lowercased(), "fileName": document.fileName, "status": document.status,
            "statusLabel": DashboardWords.documentStatuses[document.status] ?? document.status, "pending": document.status == "received",
            "kind": DashboardWords.documentKinds[document.kind]?.label ?? document.kind, "size": DashboardWords.bytes(document.sizeBytes),
            "supplier": fields?.supplier ?? "—", "number": fields?.number ?? "—", "date": fields?.date.map(DashboardWords.day) ?? "—",
            "total": DashboardWords.amount(fields?.total, currency: fields?.currency), "lines": fields.map { String($0.lines.count) } ?? "—",
            "uploaded": DashboardWords.relative(document.uploadedAt, now: now()), "uploadedAt": DashboardWords.instant(document.uploadedAt),
        ]
        if let failure = document.failure { row["failure"] = failure.message }
        return row
    }

    func packetRow(_ packet: DashboardSources.ProofPacket) -> [String: Any] {
        var row: [String: Any] = [
            "id": packet.id.uuidString.lowercased(), "claimId": packet.claimId.uuidString.lowercased(),
            "generatedAt": DashboardWords.instant(packet.generatedAt), "files": packet.manifest.count, "size": DashboardWords.bytes(packet.sizeBytes),
            "sha256": String(packet.sha256.prefix(12)), "manifest": packet.manifest.map {
                ["path": $0.path, "size": DashboardWords.bytes($0.sizeBytes), "sha256": $0.sha256]
            },
        ]
        if let caseId = packet.caseId { row["caseId"] = caseId }
        return row
    }

    func evidenceDocument(_ viewer: Viewer, id: UUID, _ request: Request) async throws -> Response {
        let detail: DashboardSources.DocumentDetail
        do {
            detail = try await sources.document(id, tenant: viewer.tenant)
        } catch let error as DashboardSourceError where error.status == 404 {
            return try missing(viewer, page: "documents", title: "No such document", what: "This document does not exist, or belongs to another account.")
        }
        let document = detail.document
        var values = chrome(viewer, page: "documents", title: document.fileName, request: request)
        var row = documentRow(document)
        row["method"] = DashboardWords.readingMethod(document.method, ocrConfidence: document.ocrConfidence)
        row["pageCount"] = document.pageCount.map(String.init) ?? "—"
        values["document"] = row
        var problems: [String] = []
        if let fields = document.fields {
            values["fields"] = fieldValues(fields)
            values["lines"] = fields.lines.enumerated().map { lineRow($0.offset, $0.element, currency: fields.currency) }
            values["hasLines"] = !fields.lines.isEmpty
            if document.status == "parsed" {
                do {
                    let pages = Self.pageText(try await sources.documentPages(id, tenant: viewer.tenant), fields: fields)
                    values["pages"] = pages
                    values["hasPages"] = !pages.isEmpty
                } catch {
                    problems.append("The document's text could not be loaded: \(error)")
                }
            }
            values["correction"] = [
                "supplier": fields.supplier ?? "", "number": fields.number ?? "", "date": fields.date ?? "", "currency": fields.currency ?? "",
                "lines": fields.lines.enumerated().map { index, line in
                    ["index": index, "number": index + 1, "label": String(line.description.prefix(60)),
                     "quantity": line.quantity.map(String.init) ?? "", "unitPrice": "\(line.unitPrice)", "sku": line.sku ?? ""] as [String: Any]
                },
            ] as [String: Any]
        }
        values["matches"] = try await matchValues(detail.matches, tenant: viewer.tenant, showClaim: true)
        values["canCorrect"] = viewer.canEdit && document.status == "parsed"
        values["problems"] = problems
        return try renderer.page("document", values)
    }

    func fieldValues(_ fields: DashboardSources.InvoiceFields) -> [String: Any] {
        let currency = fields.currency
        let kinds = ["invoice": "Invoice", "purchaseOrder": "Purchase order", "priceList": "Price list", "unknown": "Not recognised"]
        var values: [String: Any] = [
            "documentType": kinds[fields.documentType] ?? fields.documentType, "supplier": fields.supplier ?? "—", "number": fields.number ?? "—",
            "date": fields.date.map(DashboardWords.day) ?? "—", "currency": currency ?? "—",
            "subtotal": DashboardWords.amount(fields.subtotal, currency: currency), "total": DashboardWords.amount(fields.total, currency: currency),
            "checks": fields.checks.map { check -> [String: Any] in
                var row: [String: Any] = ["severity": check.severity, "message": check.message, "code": check.code]
                if let page = check.page, let line = check.lineIndex { row["where"] = "page \(page), text line \(line + 1)" }
                return row
            },
            "hasChecks": !fields.checks.isEmpty,
        ]
        // Charges only when the document has them: an absent freight is not a zero one.
        var charges: [[String: String]] = []
        for (label, value) in [("Discount", fields.discount), ("Freight", fields.freight), ("Duty", fields.duty), ("Other charges", fields.otherCharges),
                               ("Tax", fields.tax)] {
            if let value { charges.append(["label": label, "amount": DashboardWords.amount(value, currency: currency)]) }
        }
        values["charges"] = charges
        if let purchaseOrder = fields.purchaseOrderNumber { values["purchaseOrder"] = purchaseOrder }
        if let incoterm = fields.incoterm { values["incoterm"] = [incoterm.rule, incoterm.place].compactMap { $0 }.joined(separator: " ") }
        if fields.date == nil, !fields.dateCandidates.isEmpty {
            values["dateCandidates"] = fields.dateCandidates.map(DashboardWords.day).joined(separator: " or ")
        }
        return values
    }

    func lineRow(_ index: Int, _ line: DashboardSources.InvoiceLine, currency: String?) -> [String: Any] {
        var row: [String: Any] = [
            "index": index, "number": index + 1, "description": line.description, "sku": line.sku ?? "—", "asin": line.asin ?? "—",
            "quantity": line.quantity.map(String.init) ?? "—", "unitPrice": DashboardWords.amount(line.unitPrice, currency: currency),
            "lineTotal": DashboardWords.amount(line.lineTotal, currency: currency), "sourceText": line.sourceText,
        ]
        if let code = line.supplierSku { row["supplierSku"] = code }
        if line.fromTable {
            row["where"] = "table \(line.page), row \(line.lineIndex + 1)"
        } else {
            row["where"] = "page \(line.page), text line \(line.lineIndex + 1)"
            row["inText"] = true
        }
        return row
    }

    /// Each page's text, line by line, with the lines each invoice line was read from
    /// highlighted (and numbered as in the lines table) and those a check points at flagged.
    static func pageText(_ pages: [String], fields: DashboardSources.InvoiceFields) -> [[String: Any]] {
        var texts = pages
        if texts.count == 1, texts[0].contains("\u{0C}") {
            // As the reader does: pdftotext may give every page in one text, split by form feeds.
            texts = texts[0].split(separator: "\u{0C}", omittingEmptySubsequences: false).map(String.init)
            while texts.count > 1, texts.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { texts.removeLast() }
        }
        struct Key: Hashable { let page: Int, line: Int }
        var covered: [Key: (number: Int, first: Bool)] = [:]
        for (index, line) in fields.lines.enumerated() where !line.fromTable {
            for offset in 0..<max(1, line.lineCount) {
                covered[Key(page: line.page, line: line.lineIndex + offset)] = (index + 1, offset == 0)
            }
        }
        var flagged: [Key: String] = [:]
        for check in fields.checks {
            if let page = check.page, let line = check.lineIndex { flagged[Key(page: page, line: line), default: ""] += check.message }
        }
        return texts.enumerated().map { pageIndex, text in
            let page = pageIndex + 1
            let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\u{0C}", with: "")
                .split(separator: "\n", omittingEmptySubsequences: false)
            return ["page": page, "lines": lines.enumerated().map { lineIndex, content -> [String: Any] in
                var row: [String: Any] = ["text": String(content), "index": lineIndex]
                let key = Key(page: page, line: lineIndex)
                if let mark = covered[key] {
                    row["invoiceLine"] = mark.number
                    row["parity"] = mark.number % 2 == 0 ? "even" : "odd"
                    if mark.first { row["first"] = true }
                }
                if let message = flagged[key] { row["flag"] = message }
                return row
            }]
        }
    }

    /// Matches with their features, each feature's push shown; with the claim each proves
    /// (`showClaim`, on a document's page) or the document that proves it (on a claim's page).
    func matchValues(_ matches: [DashboardSources.EvidenceMatch], tenant: UUID, showClaim: Bool) async throws -> [[String: Any]] {
        // A claim or document named by many matches is read once; at most 25 are read.
        let wanted = Array(Set(matches.map { showClaim ? $0.claimId : $0.documentId })).prefix(25)
        let sources = self.sources
        var labels: [UUID: String] = [:]
        await withTaskGroup(of: (UUID, String?).self) { group in
            for id in wanted {
                group.addTask {
                    if showClaim {
                        guard let claim = try? await sources.claim(id, tenant: tenant) else { return (id, nil) }
                        return (id, "\(DashboardWords.claimType(claim.type)): \(claim.sku ?? claim.asin ?? "—"), \(claim.units) units, \(claim.amount.displayText)")
                    }
                    guard let detail = try? await sources.document(id, tenant: tenant) else { return (id, nil) }
                    let fields = detail.document.fields
                    let invoice = [fields?.supplier, fields?.number.map { "no. \($0)" }, fields?.date.map(DashboardWords.day)].compactMap { $0 }
                    return (id, detail.document.fileName + (invoice.isEmpty ? "" : " (" + invoice.joined(separator: ", ") + ")"))
                }
            }
            for await (id, label) in group { if let label { labels[id] = label } }
        }
        return matches.map { match in
            let target = showClaim ? match.claimId : match.documentId
            return [
                "id": match.id.uuidString.lowercased(), "claimId": match.claimId.uuidString.lowercased(),
                "documentId": match.documentId.uuidString.lowercased(),
                "label": labels[target] ?? (showClaim ? "Claim " : "Document ") + String(target.uuidString.lowercased().prefix(8)),
                "status": match.status, "statusLabel": DashboardWords.matchStatuses[match.status] ?? match.status,
                "confidence": DashboardWords.percent(match.confidence), "sku": match.sku ?? "—",
                "lines": match.lineIndexes.map { "\($0 + 1)" }.joined(separator: ", ").nonEmpty ?? "none",
                "lineLinks": match.lineIndexes.map { ["number": $0 + 1] }, "prompted": match.status == "prompted",
                "features": Self.featureRows(match),
            ] as [String: Any]
        }
    }

    /// What each feature of a match scored, weighs and adds to the confidence, and why.
    static func featureRows(_ match: DashboardSources.EvidenceMatch) -> [[String: Any]] {
        match.features.map { feature in
            ["label": DashboardWords.matchFeatures[feature.name] ?? feature.name, "name": feature.name,
             "score": DashboardWords.percent(feature.score), "weight": String(format: "%.2f", feature.weight),
             "contribution": String(format: "+%.2f", feature.contribution), "explanation": feature.explanation]
        }
    }

    // MARK: Prompts

    func promptList(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "prompts", title: "Questions", request: request)
        let prompts = try await sources.prompts(tenant: viewer.tenant, status: "all")
        let open = prompts.filter { $0.status == "open" }
        let closed = prompts.filter { $0.status != "open" }.sorted { ($0.answeredAt ?? $0.expiresAt) > ($1.answeredAt ?? $1.expiresAt) }
        // Each open question with what it is about: the document and its match, and the claim.
        let tenant = viewer.tenant, sources = self.sources
        var documents: [UUID: DashboardSources.DocumentDetail] = [:]
        var claims: [UUID: DashboardSources.Claim] = [:]
        var problems: [String] = []
        await withTaskGroup(of: (UUID, DashboardSources.DocumentDetail?, String?).self) { group in
            for id in Set(open.prefix(50).map(\.documentId)) {
                group.addTask {
                    do { return (id, try await sources.document(id, tenant: tenant), nil) } catch { return (id, nil, "\(error)") }
                }
            }
            for await (id, detail, problem) in group {
                if let detail { documents[id] = detail }
                if let problem { problems.append("A document could not be loaded: \(problem)") }
            }
        }
        await withTaskGroup(of: (UUID, DashboardSources.Claim?, String?).self) { group in
            for id in Set(open.prefix(50).map(\.claimId)) {
                group.addTask {
                    do { return (id, try await sources.claim(id, tenant: tenant), nil) } catch { return (id, nil, "\(error)") }
                }
            }
            for await (id, claim, problem) in group {
                if let claim { claims[id] = claim }
                if let problem { problems.append("A claim could not be loaded: \(problem)") }
            }
        }
        var openRows: [[String: Any]] = []
        for prompt in open {
            var row = promptRow(prompt, viewer: viewer)
            if let detail = documents[prompt.documentId] {
                let fields = detail.document.fields
                row["document"] = detail.document.fileName
                row["invoice"] = [fields?.supplier, fields?.number.map { "no. \($0)" }, fields?.date.map(DashboardWords.day)]
                    .compactMap { $0 }.joined(separator: ", ").nonEmpty ?? "—"
                if let match = detail.matches.first(where: { $0.id == prompt.matchId }) {
                    row["confidence"] = DashboardWords.percent(match.confidence)
                    row["lines"] = match.lineIndexes.compactMap { index -> [String: Any]? in
                        guard let line = fields?.lines.indices.contains(index) == true ? fields?.lines[index] : nil else { return nil }
                        return ["number": index + 1, "description": line.description, "quantity": line.quantity.map(String.init) ?? "—",
                                "unitPrice": DashboardWords.amount(line.unitPrice, currency: fields?.currency)]
                    }
                    row["features"] = Self.featureRows(match)
                }
            }
            if let claim = claims[prompt.claimId] {
                row["claim"] = ["type": DashboardWords.claimType(claim.type), "item": claim.sku ?? claim.asin ?? "—", "units": claim.units,
                                "amount": claim.amount.displayText, "lossDate": DashboardWords.day(claim.clockStartedAt),
                                "deadline": DashboardWords.day(claim.deadline)] as [String: Any]
            }
            openRows.append(row)
        }
        values["open"] = openRows
        values["noneOpen"] = open.isEmpty
        var closedRows: [[String: Any]] = []
        for prompt in closed.prefix(100) { closedRows.append(try await closedPromptRow(prompt, viewer: viewer)) }
        values["closed"] = closedRows
        values["hasClosed"] = !closed.isEmpty
        values["problems"] = problems
        return try renderer.page("prompts", values)
    }

    func promptRow(_ prompt: DashboardSources.Prompt, viewer: Viewer) -> [String: Any] {
        var row: [String: Any] = [
            "id": prompt.id.uuidString.lowercased(), "question": prompt.question, "status": prompt.status,
            "statusLabel": DashboardWords.promptStatuses[prompt.status] ?? prompt.status,
            "claimId": prompt.claimId.uuidString.lowercased(), "documentId": prompt.documentId.uuidString.lowercased(),
            "asked": DashboardWords.relative(prompt.createdAt, now: now()), "askedAt": DashboardWords.instant(prompt.createdAt),
            "closes": DashboardWords.relative(prompt.expiresAt, now: now()), "closesAt": DashboardWords.instant(prompt.expiresAt),
            "canAnswer": viewer.canEdit,
        ]
        if let reminded = prompt.remindedAt { row["reminded"] = DashboardWords.relative(reminded, now: now()) }
        return row
    }

    func closedPromptRow(_ prompt: DashboardSources.Prompt, viewer: Viewer) async throws -> [String: Any] {
        var row = promptRow(prompt, viewer: viewer)
        if let answered = prompt.answeredAt {
            row["answered"] = DashboardWords.instant(answered)
            row["by"] = try await answerer(prompt.answeredBy, viewer: viewer)
        } else {
            row["answered"] = "closed unanswered " + DashboardWords.instant(prompt.expiresAt)
        }
        return row
    }

    /// `user:<id>` as the person's name (`you` for the viewer); a service's answer as Opside's.
    func answerer(_ actor: String?, viewer: Viewer) async throws -> String {
        guard let actor else { return "—" }
        guard actor.hasPrefix("user:"), let id = UUID(uuidString: String(actor.dropFirst(5))) else { return "Opside" }
        if id == viewer.user.id { return "you" }
        guard let user = try await accounts.user(id: id) else { return "a former member" }
        return user.displayName ?? user.email
    }

    // MARK: Costs

    func costs(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "costs", title: "Costs", request: request)
        async let tableLoad = sources.supplierSKUs(tenant: viewer.tenant)
        let skus = try await sources.skuCosts(tenant: viewer.tenant)
        var anomalies: [[String: Any]] = []
        values["skus"] = skus.enumerated().map { index, sku -> [String: Any] in
            let currency = sku.currency ?? sku.observations.first?.currency
            let anchor = "sku-\(index + 1)"
            let history = sku.observations.sorted { ($0.invoiceDate ?? "") > ($1.invoiceDate ?? "") }.map { observation -> [String: Any] in
                let row: [String: Any] = [
                    "date": observation.invoiceDate.map(DashboardWords.day) ?? "—", "supplier": observation.supplier ?? "—",
                    "invoice": observation.invoiceNumber ?? "—", "documentId": observation.documentId.uuidString.lowercased(),
                    "lineNumber": observation.lineIndex + 1, "quantity": observation.quantity,
                    "cost": DashboardWords.amount(observation.manufacturingUnitCost, currency: observation.currency),
                    "landed": DashboardWords.amount(observation.landedUnitCost, currency: observation.currency),
                    "anomalies": observation.anomalies.map { ["code": $0.code, "message": $0.message] }, "anomalous": !observation.anomalies.isEmpty,
                ]
                for anomaly in observation.anomalies {
                    anomalies.append(["sku": sku.sku, "anchor": anchor, "message": anomaly.message, "date": row["date"]!, "invoice": row["invoice"]!,
                                      "documentId": row["documentId"]!, "cost": row["cost"]!])
                }
                return row
            }
            // The chart: the costs in the SKU's currency, by invoice date.
            let points = sku.observations.compactMap { observation -> CostChart.Point? in
                guard let iso = observation.invoiceDate, let day = CivilDate(iso: iso), observation.currency == currency else { return nil }
                let cost = DashboardWords.amount(observation.manufacturingUnitCost, currency: currency)
                let flagged = observation.anomalies.map(\.message).joined(separator: "; ")
                return CostChart.Point(day: day, cost: observation.manufacturingUnitCost, anomalous: !observation.anomalies.isEmpty,
                                       label: "\(DashboardWords.day(iso)): \(cost)" + (flagged.isEmpty ? "" : " (\(flagged))"))
            }
            var row: [String: Any] = [
                "sku": sku.sku, "anchor": anchor, "currency": currency ?? "—",
                "cost": DashboardWords.amount(sku.manufacturingUnitCost, currency: currency),
                "landed": DashboardWords.amount(sku.landedUnitCost, currency: currency),
                "effectiveOn": sku.effectiveOn.map(DashboardWords.day) ?? "not yet (every invoice is dated later)",
                "invoices": sku.observations.count, "anomalies": sku.anomalies, "hasAnomalies": sku.anomalies > 0, "history": history,
            ]
            if !points.isEmpty, let currency {
                row["svg"] = CostChart.svg(points: points, currency: currency, title: "\(sku.sku): unit cost on each invoice, in \(currency)",
                                           id: anchor)
            }
            return row
        }
        values["empty"] = skus.isEmpty
        values["anomalies"] = anomalies
        values["hasAnomalies"] = !anomalies.isEmpty
        values["anomalyCount"] = anomalies.count
        do {
            let table = try await tableLoad
            values["supplierSkus"] = table.map { ["supplier": $0.supplier, "supplierSku": $0.supplierSku, "sku": $0.sku] }
            values["hasSupplierSkus"] = !table.isEmpty
            values["supplierSkuText"] = table.map { "\($0.supplier), \($0.supplierSku), \($0.sku)" }.joined(separator: "\n")
        } catch {
            values["problems"] = ["The supplier-SKU table could not be loaded: \(error)"]
        }
        return try renderer.page("costs", values)
    }
}
