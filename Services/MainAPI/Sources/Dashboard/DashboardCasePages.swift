import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The case desk's pages: the queue (to file, with Amazon, decided, closed) with the filing
/// controls and numbers, one case with the text to copy into Seller Central and its history, and
/// the money recovered over time and by type. What they change goes through `/api/v1/cases…`.
extension DashboardPages {
    func addCaseRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/cases") { request, context in try await signedIn(request, context) { try await cases($0, request) } }
        router.get("/app/cases/:id") { request, context in
            try await signedIn(request, context) { try await reimbursementCase($0, id: try Self.uuid(context, "id")) }
        }
        router.get("/app/recoveries") { request, context in try await signedIn(request, context) { try await recoveries($0, request) } }
    }

    func cases(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "cases", title: "Cases", request: request)
        let query = request.uri.queryParameters
        let tabKey = query.get("tab") ?? "queue"
        let tab = DashboardWords.caseTabs.first { $0.key == tabKey } ?? DashboardWords.caseTabs[0]
        let statuses = query.get("status").flatMap { $0.isEmpty ? nil : $0 } ?? tab.statuses
        var items = [URLQueryItem(name: "status", value: statuses), URLQueryItem(name: "limit", value: "100")]
        if let connection = query.get("connectionId"), !connection.isEmpty { items.append(URLQueryItem(name: "connectionId", value: connection)) }
        if let cursor = query.get("cursor"), !cursor.isEmpty { items.append(URLQueryItem(name: "cursor", value: cursor)) }
        async let metricsLoad = sources.caseMetrics(tenant: viewer.tenant)
        async let settingsLoad = sources.filingSettings(tenant: viewer.tenant)
        async let modelLoad = sources.approvalModel(tenant: viewer.tenant)
        let page = try await sources.cases(tenant: viewer.tenant, query: Self.encode(items))
        values["cases"] = page.cases.map { caseRow($0) }
        values["empty"] = page.cases.isEmpty
        if let next = page.nextCursor {
            values["nextPage"] = "/app/cases?" + Self.encode([URLQueryItem(name: "tab", value: tab.key), URLQueryItem(name: "cursor", value: next)])
        }
        values["tabs"] = DashboardWords.caseTabs.map { ["key": $0.key, "label": $0.label, "current": $0.key == tab.key] }
        values["exportUrl"] = "/api/v1/cases/export?" + Self.encode([URLQueryItem(name: "status", value: statuses)])
        let metrics = try await metricsLoad
        let counts = Dictionary(uniqueKeysWithValues: metrics.byStatus.map { ($0.status, $0.cases) })
        values["metrics"] = [
            "filed": metrics.filed, "approved": metrics.approved, "denied": metrics.denied, "pending": metrics.pending,
            "missed": metrics.missedDeadlines, "hasMissed": metrics.missedDeadlines > 0,
            "claimed": metrics.claimed.map(\.displayText).joined(separator: ", ").nonEmpty ?? "—",
            "recovered": metrics.recovered.map(\.displayText).joined(separator: ", ").nonEmpty ?? "—",
            "automatic": metrics.recoveredAutomatically.map(\.displayText).joined(separator: ", ").nonEmpty ?? "—",
            "medianDays": metrics.medianDaysToDecision.map { String(format: "%.1f days", $0) } ?? "—",
            "failed": counts["failed"] ?? 0, "hasFailed": (counts["failed"] ?? 0) > 0,
        ] as [String: Any]
        let settings = try await settingsLoad
        values["filing"] = ["continuous": settings.continuous, "channel": settings.channel, "dailyLimit": settings.dailyLimit,
                            "assisted": settings.channel == "assisted", "sandbox": settings.channel == "sandbox"] as [String: Any]
        values["approvalModel"] = Self.calibrationValues(try await modelLoad)
        return try renderer.page("cases", values)
    }

    /// How well the approval chances the queue is ranked by have matched Amazon's decisions.
    static func calibrationValues(_ model: DashboardSources.ApprovalModel) -> [String: Any] {
        func percent(_ value: Double?) -> String { value.map(DashboardWords.percent) ?? "—" }
        guard let calibration = model.calibration else {
            return ["trained": false, "method": model.calibrationMethod]
        }
        return [
            "trained": true, "examples": model.examples, "method": model.calibrationMethod,
            "brier": String(format: "%.3f", calibration.brierScore), "baseRate": String(format: "%.3f", calibration.baseRateBrierScore),
            "trainedAt": model.trainedAt.map(DashboardWords.instant) ?? "—",
            "bins": calibration.reliability.filter { $0.cases > 0 }.map {
                ["range": "\(Int(($0.from * 100).rounded()))–\(Int(($0.to * 100).rounded())) %", "cases": $0.cases,
                 "predicted": percent($0.meanPredicted), "observed": percent($0.observedRate)] as [String: Any]
            },
        ]
    }

    func caseRow(_ item: DashboardSources.Case) -> [String: Any] {
        [
            "id": item.id.uuidString.lowercased(), "type": DashboardWords.claimType(item.claimType), "status": item.status,
            "statusLabel": DashboardWords.caseStatus(item.status), "item": item.sku ?? item.fnsku ?? item.asin ?? "—", "units": item.units,
            "amount": item.amountClaimed.displayText, "recovered": item.recovered.isZero ? "—" : item.recovered.displayText,
            "deadline": DashboardWords.day(item.deadline), "deadlineIso": item.deadline, "channel": item.channel,
            "amazonCaseId": item.amazonCaseId ?? "—", "marketplaceId": item.marketplaceId,
        ]
    }

    func reimbursementCase(_ viewer: Viewer, id: UUID) async throws -> Response {
        let item: DashboardSources.Case
        do {
            item = try await sources.reimbursementCase(id, tenant: viewer.tenant)
        } catch let error as DashboardSourceError where error.status == 404 {
            return try missing(viewer, page: "cases", title: "No such case", what: "This case does not exist, or belongs to another account.")
        }
        var values = chrome(viewer, page: "cases", title: DashboardWords.claimType(item.claimType))
        values["case"] = caseRow(item)
        values["subject"] = item.subject
        values["body"] = item.body
        values["references"] = item.references.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        values["attachments"] = item.attachments
        values["hasAttachments"] = !item.attachments.isEmpty
        values["opensOn"] = DashboardWords.day(item.opensOn)
        values["probability"] = DashboardWords.percent(item.approvalProbability)
        values["outstanding"] = item.outstanding.displayText
        values["claimId"] = item.claimId.uuidString.lowercased()
        values["filedAt"] = item.filedAt.map(DashboardWords.instant) ?? "—"
        if let reason = item.decisionReason { values["decision"] = ["reason": reason, "at": item.decidedAt.map(DashboardWords.instant) ?? ""] }
        if let error = item.lastError { values["lastError"] = error }
        if let next = item.nextAttemptAt { values["nextAttempt"] = DashboardWords.instant(next) }
        values["approved"] = item.approvedAmount?.displayText
        values["history"] = (item.history ?? []).reversed().map {
            ["at": DashboardWords.instant($0.at), "status": DashboardWords.caseStatus($0.toStatus), "who": DashboardWords.caseActors[$0.actor] ?? $0.actor,
             "reason": $0.reason]
        }
        let editor = viewer.canEdit
        values["canMarkFiled"] = editor && ["ready", "needs_documents", "failed", "missed"].contains(item.status)
        values["canMarkOutcome"] = editor && item.channel == "assisted" && ["filed", "more_information_needed", "denied"].contains(item.status)
        values["canReply"] = editor && (item.status == "more_information_needed" || (["denied", "reversed"].contains(item.status) && !item.appealed))
        values["isAppeal"] = item.status != "more_information_needed"
        values["canDocumentsReady"] = editor && item.status == "needs_documents"
        values["canFileNow"] = editor && item.channel == "sandbox" && item.status == "ready"
        return try renderer.page("case", values)
    }

    func recoveries(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "recoveries", title: "Money recovered", request: request)
        async let listLoad = sources.recoveries(tenant: viewer.tenant, query: "limit=50")
        let summary = try await sources.recoverySummary(tenant: viewer.tenant)
        values["totals"] = summary.totals.map(\.displayText)
        values["byCase"] = summary.byCase.map(\.displayText).joined(separator: ", ").nonEmpty ?? "—"
        values["automatic"] = summary.automatic.map(\.displayText).joined(separator: ", ").nonEmpty ?? "—"
        values["hasMoney"] = !summary.totals.isEmpty
        // One chart per currency of what our cases brought back, month by month.
        let ours = summary.byMonth.filter { $0.attribution == "case" }
        let byCurrency = Dictionary(grouping: ours, by: \.amount.currency)
        if let last = ours.map(\.month).max() {
            let months = ClaimsChart.months(endingAt: last, count: 12)
            values["charts"] = byCurrency.sorted { $0.key < $1.key }.map { currency, entries in
                let byMonth = Dictionary(entries.map { ($0.month, $0.amount) }, uniquingKeysWith: { first, _ in first })
                let bars = months.map { ClaimsChart.Bar(month: $0, amount: byMonth[$0] ?? .zero(currency), claims: byMonth[$0] == nil ? 0 : 1) }
                return ["currency": currency.code,
                        "svg": ClaimsChart.svg(bars: bars, currency: currency, title: "Money Amazon paid on your cases per month, in %@",
                                               unit: "payments"),
                        "rows": bars.map { ["month": $0.month, "amount": $0.amount.displayText] }] as [String: Any]
            }
        }
        values["byType"] = summary.byType.map {
            ["type": $0.claimType == "automatic" ? "Paid by Amazon by itself" : DashboardWords.claimType($0.claimType), "entries": $0.entries,
             "amount": $0.amount.displayText]
        }
        values["entries"] = try await listLoad.map {
            ["date": $0.approvalDate.map(DashboardWords.instant) ?? "—", "sku": $0.sku, "fromFinances": $0.source == "finances",
             "reimbursementId": $0.source == "finances" ? "in Finances, report pending" : $0.reimbursementId,
             "reason": $0.reason ?? "—", "amount": $0.amount.displayText, "case": $0.caseId?.uuidString.lowercased() as Any,
             "amazonCaseId": $0.amazonCaseId ?? "", "automatic": $0.attribution == "automatic", "reversal": $0.kind == "reversal",
             "confirmed": $0.confirmedByFinance]
        }
        return try renderer.page("recoveries", values)
    }
}

extension String {
    /// nil for the empty string, so `?? "—"` can stand in for nothing.
    var nonEmpty: String? { isEmpty ? nil : self }
}
