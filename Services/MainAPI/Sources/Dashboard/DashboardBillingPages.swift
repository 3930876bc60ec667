import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Billing page: the card on file (saved on Stripe's Checkout page), how the commission is
/// collected, the commission per currency, the upcoming and past invoices with Stripe's pages,
/// and the commission statement with its CSV. What it changes goes through `/api/v1/billing…`.
extension DashboardPages {
    func addBillingRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/billing") { request, context in try await signedIn(request, context) { try await billing($0, request) } }
    }

    func billing(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "billing", title: "Billing", request: request)
        async let linesLoad = sources.commissions(tenant: viewer.tenant, limit: 100)
        let overview = try await sources.billingOverview(tenant: viewer.tenant)
        let profile = overview.billing
        // Back from Checkout: the page finishes saving the card (a POST from its script, not this GET).
        if let session = request.uri.queryParameters.get("session_id"), session.hasPrefix("cs_") { values["completeSession"] = session }
        if let card = profile.card {
            values["card"] = ["brand": card.brand.capitalized, "last4": card.last4,
                              "expires": String(format: "%02d/%d", card.expMonth, card.expYear)]
        }
        values["rate"] = Self.rate(profile.commissionBasisPoints)
        values["monthly"] = profile.collection == "monthly_invoice"
        values["perReimbursement"] = profile.collection == "per_reimbursement"
        switch profile.standing {
        case "past_due":
            values["standing"] = ["level": "error", "text": "Your account is past due: \(profile.standingReason ?? "an invoice is unpaid"). "
                                      + "Opside files no new cases until it is paid; claims are still found."]
        case "payment_failed":
            values["standing"] = ["level": "warning", "text": "A payment failed: \(profile.standingReason ?? "an invoice is unpaid"). "
                                      + "We will try again; you can pay now or change the card."]
        default:
            break
        }
        values["totals"] = overview.totals.map { totals in
            [
                "currency": totals.commission.currency.code, "recovered": totals.recovered.displayText, "commission": totals.commission.displayText,
                "settled": totals.settled.displayText, "upcoming": totals.upcoming.displayText, "invoiced": totals.invoiced.displayText,
                "hasUpcoming": totals.upcoming.amountMinor > 0,
            ] as [String: Any]
        }
        values["hasTotals"] = !overview.totals.isEmpty
        values["hasUpcoming"] = overview.totals.contains { $0.upcoming.amountMinor > 0 }
        values["invoices"] = overview.invoices.map { invoice in
            var row: [String: Any] = [
                "id": invoice.invoiceId.uuidString.lowercased(), "number": invoice.number ?? "—",
                "period": "\(DashboardWords.instantDay(invoice.periodStart)) – \(DashboardWords.instantDay(invoice.periodEnd))",
                "total": invoice.total.displayText, "status": invoice.status, "statusLabel": Self.invoiceStatus(invoice.status),
                "lines": invoice.lineCount,
                "canRetry": viewer.canEdit && ["payment_failed", "requires_action", "open"].contains(invoice.status),
                "needsAction": invoice.status == "requires_action",
            ]
            // Optional values are left out, not rendered as empty (the templates show a part for a present value).
            if let url = invoice.hostedInvoiceUrl { row["hostedUrl"] = url }
            if let url = invoice.invoicePdf { row["pdfUrl"] = url }
            if ["payment_failed", "requires_action"].contains(invoice.status), let failure = invoice.lastFailure {
                row["failure"] = failure
                if let next = invoice.nextRetryAt { row["nextRetry"] = DashboardWords.instantDay(next) }
            }
            return row
        }
        values["noInvoices"] = overview.invoices.isEmpty
        if let referral = overview.referral {
            values["referral"] = ["partner": referral.partnerName, "since": DashboardWords.instantDay(referral.since)]
        }
        let lines = try await linesLoad
        values["lines"] = lines.map { line in
            var row: [String: Any] = [
                "date": DashboardWords.instantDay(line.createdAt), "reimbursementId": line.reimbursementId, "reversal": line.kind == "reversal",
                "amazonCaseId": line.amazonCaseId ?? "—", "type": line.claimType.map(DashboardWords.claimType) ?? "—",
                "recovered": line.recovered.displayText, "rate": Self.rate(line.rateBasisPoints), "commission": line.commission.displayText,
                "state": line.state, "stateLabel": Self.lineState(line.state),
            ]
            if let caseId = line.caseId { row["case"] = caseId.uuidString.lowercased() }
            if line.state == "pending", let failure = line.chargeFailure { row["failure"] = failure }
            return row
        }
        values["noLines"] = lines.isEmpty
        return try renderer.page("billing", values)
    }

    static func rate(_ basisPoints: Int) -> String {
        basisPoints % 100 == 0 ? "\(basisPoints / 100) %" : String(format: "%.2f %%", Double(basisPoints) / 100)
    }

    static func invoiceStatus(_ status: String) -> String {
        switch status {
        case "creating": "Being made"
        case "open": "Open"
        case "payment_failed": "Payment failed"
        case "requires_action": "Needs your confirmation"
        case "paid": "Paid"
        case "void": "Void"
        case "uncollectible": "Written off"
        default: status
        }
    }

    static func lineState(_ state: String) -> String {
        switch state {
        case "pending": "Next invoice"
        case "invoiced": "Invoiced"
        case "charging": "Being charged"
        case "paid": "Paid"
        case "credited": "Refunded"
        default: state
        }
    }
}
