import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The Partners page: for an agency's or a referrer's workspace, joining the programme, its code
/// and link, setting up payouts on Stripe's Express onboarding, the balance (available and on
/// its way), asking for a payout, the payout schedule and history, the sellers it brought and
/// what it earned on each. What it changes goes through `/api/v1/partners…`.
extension DashboardPages {
    func addPartnerRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/app/partners") { request, context in try await signedIn(request, context) { try await partners($0, request) } }
    }

    func partners(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "partners", title: "Partners", request: request)
        let overview = try await sources.partnerOverview(tenant: viewer.tenant)
        values["defaultShare"] = Self.rate(overview.defaultShareBasisPoints)
        guard let partner = overview.partner else {
            values["joining"] = ["displayName": viewer.tenantName, "email": viewer.user.email]
            return try renderer.page("partners", values)
        }
        async let earningsLoad = sources.partnerEarnings(tenant: viewer.tenant)
        // Back from Stripe's onboarding: the page asks payments to read the account (a POST from its script).
        if request.uri.queryParameters.get("onboarding") == "return" { values["refreshAccount"] = true }
        values["partner"] = [
            "name": partner.displayName, "kind": partner.kind == "agency" ? "Agency" : "Referrer", "code": partner.referralCode,
            "share": Self.rate(partner.shareBasisPoints), "status": partner.accountStatus,
            "statusLabel": Self.accountStatus(partner.accountStatus),
        ] as [String: Any]
        values["canOnboard"] = viewer.canEdit && partner.accountStatus != "active" && partner.accountStatus != "disconnected"
        values["onboardLabel"] = partner.stripeAccountId == nil ? "Set up payouts with Stripe" : "Continue setting up payouts"
        values["canOpenDashboard"] = viewer.canEdit && partner.detailsSubmitted && partner.accountStatus != "disconnected"
        if !partner.requirementsDue.isEmpty, partner.accountStatus != "not_started" {
            values["requirements"] = partner.requirementsDue.map(Self.requirement).joined(separator: ", ")
        }
        let active = partner.accountStatus == "active" && partner.payoutsEnabled
        values["balances"] = overview.balance.map { balance in
            ["currency": balance.available.currency.code, "available": balance.available.displayText, "pending": balance.pending.displayText,
             "canPayOut": active && viewer.canEdit && balance.available.amountMinor > 0] as [String: Any]
        }
        values["noBalance"] = overview.balance.isEmpty
        if let problem = overview.balanceError { values["balanceError"] = problem }
        values["totals"] = overview.totals.map { totals in
            ["earned": totals.earned.displayText, "transferred": totals.transferred.displayText, "awaiting": totals.awaitingTransfer.displayText]
        }
        values["canRequestPayout"] = active && viewer.canEdit && overview.balance.contains { $0.available.amountMinor > 0 }
        // A fresh id per page: a double submit, or a retried request, makes one payout.
        values["requestId"] = UUID().uuidString.lowercased()
        values["payoutCurrencies"] = overview.balance.filter { $0.available.amountMinor > 0 }.map { $0.available.currency.code }
        values["schedule"] = ["manual": partner.payoutSchedule == "manual", "weekly": partner.payoutSchedule == "weekly",
                              "monthly": partner.payoutSchedule == "monthly",
                              "minimum": partner.payoutMinimumHundredths == 0 ? ""
                                  : String(format: "%.2f", Double(partner.payoutMinimumHundredths) / 100)] as [String: Any]
        values["scheduleText"] = Self.scheduleText(partner.payoutSchedule)
        values["payouts"] = overview.payouts.map { payout in
            var row: [String: Any] = [
                "date": DashboardWords.instantDay(payout.createdAt), "amount": payout.amount.displayText, "status": payout.status,
                "statusLabel": Self.payoutStatus(payout.status), "trigger": Self.payoutTrigger(payout.trigger),
                "arrival": payout.arrivalDate.map(DashboardWords.instantDay) ?? "—",
            ]
            if payout.status == "failed", let failure = payout.failureMessage { row["failure"] = failure }
            return row
        }
        values["noPayouts"] = overview.payouts.isEmpty
        values["referrals"] = overview.referrals.map { referral in
            ["seller": referral.sellerName, "since": DashboardWords.instantDay(referral.since), "how": Self.referralSource(referral.source),
             "earned": referral.earned.isEmpty ? "—" : referral.earned.map(\.displayText).joined(separator: " · ")]
        }
        values["noReferrals"] = overview.referrals.isEmpty
        let earnings = try await earningsLoad
        values["earnings"] = earnings.prefix(100).map { earning in
            ["date": DashboardWords.instantDay(earning.settledAt), "seller": earning.sellerName, "case": earning.amazonCaseId ?? "—",
             "commission": earning.commission.displayText, "share": Self.rate(earning.shareBasisPoints), "earning": earning.earning.displayText,
             "transfer": Self.transferState(earning.transfer), "transferState": earning.transfer]
        }
        values["noEarnings"] = earnings.isEmpty
        return try renderer.page("partners", values)
    }

    static func accountStatus(_ status: String) -> String {
        switch status {
        case "not_started": "Payouts not set up"
        case "onboarding": "Setup not finished"
        case "restricted": "Stripe needs more information"
        case "active": "Payouts on"
        case "disconnected": "Disconnected from Opside"
        default: status
        }
    }

    /// Stripe's requirement paths in words (`individual.dob.day` → "date of birth").
    static func requirement(_ path: String) -> String {
        switch path {
        case "external_account": "bank account"
        case let p where p.hasPrefix("individual.dob"): "date of birth"
        case let p where p.hasPrefix("tos_acceptance"): "terms of service"
        case "business_profile.url": "website"
        case let p where p.hasSuffix("first_name") || p.hasSuffix("last_name"): "name"
        default: path.replacingOccurrences(of: "_", with: " ")
        }
    }

    static func scheduleText(_ schedule: String) -> String {
        switch schedule {
        case "weekly": "Paid out every Monday"
        case "monthly": "Paid out on the 1st of each month"
        default: "Paid out when you ask"
        }
    }

    static func payoutStatus(_ status: String) -> String {
        switch status {
        case "requesting": "Being requested"
        case "pending": "Pending"
        case "in_transit": "On its way"
        case "paid": "Paid"
        case "failed": "Failed"
        case "canceled": "Canceled"
        default: status
        }
    }

    static func payoutTrigger(_ trigger: String) -> String {
        switch trigger {
        case "request": "Requested"
        case "schedule": "Scheduled"
        default: "By Stripe"
        }
    }

    static func referralSource(_ source: String) -> String {
        switch source {
        case "sign_up": "Signed up with your code"
        case "seller": "Entered your code"
        default: "Added by Opside"
        }
    }

    static func transferState(_ state: String) -> String {
        switch state {
        case "sent": "In your Stripe balance"
        case "waiting_funds", "creating": "Being sent"
        default: "To send"
        }
    }
}
