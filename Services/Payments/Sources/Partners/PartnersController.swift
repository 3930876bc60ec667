import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// payments' partner routes for the tenant named in the caller's service token (the partner's
/// own workspace); main-api's gateway serves them as `/api/v1/partners/…`. The seller's side,
/// giving the code of the partner who brought it, is `POST /internal/billing/referral`.
public struct PartnersController: Sendable {
    let store: PartnerStore
    let accounts: PartnerAccounts
    let payouts: PartnerPayouts
    let billing: BillingStore
    let settings: PartnerSettings

    public init(store: PartnerStore, accounts: PartnerAccounts, payouts: PartnerPayouts, billing: BillingStore, settings: PartnerSettings) {
        self.store = store
        self.accounts = accounts
        self.payouts = payouts
        self.billing = billing
        self.settings = settings
    }

    public func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/internal/partners")
        group.get("") { _, context in try await overview(context) }
        group.post("") { request, context in try await enroll(request, context) }
        group.post("/onboarding") { request, context in try await onboarding(request, context) }
        group.post("/account/refresh") { _, context in try await refresh(context) }
        group.post("/dashboard-link") { _, context in try await dashboardLink(context) }
        group.put("/payout-schedule") { request, context in try await setSchedule(request, context) }
        group.post("/payouts") { request, context in try await requestPayout(request, context) }
        group.get("/earnings") { _, context in try await earnings(context) }
        group.get("/earnings/export") { _, context in try await exportEarnings(context) }
        group.put("/share") { request, context in try await setShare(request, context) }
        router.post("/internal/billing/referral") { request, context in try await giveCode(request, context) }
    }

    // MARK: Reading

    @Sendable func overview(_ context: OpsideRequestContext) async throws -> PartnerOverview {
        let tenant = try context.requireCallerTenant()
        guard let partner = try await store.partner(tenantId: tenant) else {
            return PartnerOverview(partner: nil, defaultShareBasisPoints: settings.defaultShareBasisPoints, balance: [], balanceError: nil,
                                   totals: [], referrals: [], payouts: [])
        }
        var balance: [PartnerPayouts.Balance] = []
        var balanceError: String?
        do {
            balance = try await payouts.balance(of: partner)
        } catch let refusal as StripeRequestError {
            // The page still shows what we keep; the balance is Stripe's to tell.
            balanceError = "Stripe did not give the balance: \(refusal.message)"
        }
        return PartnerOverview(partner: partner, defaultShareBasisPoints: settings.defaultShareBasisPoints, balance: balance,
                               balanceError: balanceError, totals: try await store.earningTotals(partnerTenantId: tenant),
                               referrals: try await store.referrals(partnerTenantId: tenant),
                               payouts: try await store.payouts(partnerTenantId: tenant, limit: 50))
    }

    @Sendable func earnings(_ context: OpsideRequestContext) async throws -> EarningsResponse {
        let tenant = try context.requireCallerTenant()
        return EarningsResponse(earnings: try await store.earnings(partnerTenantId: tenant, limit: 500))
    }

    @Sendable func exportEarnings(_ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let iso = ISO8601DateFormatter()
        var text = "settled_at,seller,amazon_case_id,commission,share_percent,earning,currency,transfer\r\n"
        for earning in try await store.earnings(partnerTenantId: tenant, limit: 1_000_000) {
            let fields = [iso.string(from: earning.settledAt), earning.sellerName, earning.amazonCaseId ?? "", earning.commission.decimalString,
                          String(format: "%.2f", Double(earning.shareBasisPoints) / 100), earning.earning.decimalString,
                          earning.earning.currency.code, earning.transfer]
            text += fields.map(CSVField.escape).joined(separator: ",") + "\r\n"
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"partner-earnings.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Enrolling and onboarding

    struct EnrollRequest: Decodable {
        let kind: String
        let displayName: String
        let contactEmail: String
        let country: String?
    }

    @Sendable func enroll(_ request: Request, _ context: OpsideRequestContext) async throws -> PartnerResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: EnrollRequest.self, context: context)
        var problems: [String: String] = [:]
        if !["agency", "referrer"].contains(body.kind) { problems["kind"] = "must be agency or referrer" }
        let name = body.displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 200 || name.contains(where: { $0.isNewline }) { problems["displayName"] = "must be 1 to 200 characters on one line" }
        let email = body.contactEmail.trimmingCharacters(in: .whitespaces)
        let emailParts = email.split(separator: "@")
        if emailParts.count != 2 || !emailParts[1].contains(".") || email.count > 254 || email.contains(where: { $0.isWhitespace }) {
            problems["contactEmail"] = "must be an e-mail address"
        }
        let country = (body.country ?? settings.defaultCountry).uppercased()
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) { problems["country"] = "must be a two-letter country code" }
        guard problems.isEmpty else {
            throw APIError.validation("the partner's details are not acceptable: " + problems.keys.sorted().joined(separator: ", "), details: problems)
        }
        return PartnerResponse(partner: try await store.enroll(tenantId: tenant, kind: body.kind, displayName: name, contactEmail: email,
                                                               country: country, shareBasisPoints: settings.defaultShareBasisPoints))
    }

    struct OnboardingRequest: Decodable {
        let returnUrl: String
        let refreshUrl: String
    }

    @Sendable func onboarding(_ request: Request, _ context: OpsideRequestContext) async throws -> StripeAccountLinkAnswer {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: OnboardingRequest.self, context: context)
        for (field, value) in [("returnUrl", body.returnUrl), ("refreshUrl", body.refreshUrl)] {
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, value.count <= 2000 else {
                throw APIError.validation("\(field) must be an http(s) address", details: [field: value])
            }
        }
        return try await Self.partnerCall {
            try await accounts.onboardingLink(tenantId: tenant, returnURL: body.returnUrl, refreshURL: body.refreshUrl)
        }
    }

    @Sendable func refresh(_ context: OpsideRequestContext) async throws -> PartnerResponse {
        let tenant = try context.requireCallerTenant()
        guard let partner = try await Self.partnerCall({ try await accounts.refresh(tenantId: tenant) }) else {
            throw APIError.notFound("this workspace is not a partner")
        }
        return PartnerResponse(partner: partner)
    }

    @Sendable func dashboardLink(_ context: OpsideRequestContext) async throws -> LinkResponse {
        let tenant = try context.requireCallerTenant()
        return LinkResponse(url: try await Self.partnerCall { try await accounts.dashboardLink(tenantId: tenant) })
    }

    // MARK: Payouts

    struct ScheduleRequest: Decodable {
        let schedule: String
        /// Decimal text in major units (`50.00`): a scheduled payout waits until the balance
        /// reaches it. Empty or absent: any amount.
        let minimum: String?
    }

    @Sendable func setSchedule(_ request: Request, _ context: OpsideRequestContext) async throws -> PartnerResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ScheduleRequest.self, context: context)
        guard ["manual", "weekly", "monthly"].contains(body.schedule) else {
            throw APIError.validation("schedule must be manual, weekly or monthly", details: ["schedule": body.schedule])
        }
        var hundredths: Int64 = 0
        if let text = body.minimum?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // Parsed as a two-decimal amount; the schedule scales it to each currency it pays out.
            guard let parsed = try? Money(parsing: text, currency: .usd), (0...1_000_000_000).contains(parsed.amountMinor) else {
                throw APIError.validation("minimum must be an amount such as 50.00", details: ["minimum": text])
            }
            hundredths = parsed.amountMinor
        }
        guard let partner = try await store.setSchedule(tenantId: tenant, schedule: body.schedule, minimumHundredths: hundredths) else {
            throw APIError.notFound("this workspace is not a partner")
        }
        return PartnerResponse(partner: partner)
    }

    struct PayoutRequest: Decodable {
        /// The caller's id for this request: sending it again answers the same payout.
        let requestId: UUID
        let currency: String
        /// Decimal text in major units (`125.50`); absent or empty: everything available.
        let amount: String?
    }

    @Sendable func requestPayout(_ request: Request, _ context: OpsideRequestContext) async throws -> PayoutResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: PayoutRequest.self, context: context)
        guard let currency = try? Currency(code: body.currency.uppercased()) else {
            throw APIError.validation("currency must be an ISO 4217 code", details: ["currency": body.currency])
        }
        var amountMinor: Int64?
        if let text = body.amount?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let parsed = try? Money(parsing: text, currency: currency), parsed.amountMinor > 0 else {
                throw APIError.validation("amount must be a positive amount of \(currency.code) such as 125.50", details: ["amount": text])
            }
            amountMinor = parsed.amountMinor
        }
        let payout = try await Self.partnerCall { [amountMinor] in
            try await payouts.request(tenantId: tenant, requestId: body.requestId, currency: currency, amountMinor: amountMinor)
        }
        return PayoutResponse(payout: payout)
    }

    // MARK: Operators and sellers

    struct ShareRequest: Decodable {
        let shareBasisPoints: Int
    }

    /// The partner's share from now on, for operators: the gateway does not expose it.
    @Sendable func setShare(_ request: Request, _ context: OpsideRequestContext) async throws -> PartnerResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ShareRequest.self, context: context)
        guard (0...10_000).contains(body.shareBasisPoints) else {
            throw APIError.validation("shareBasisPoints must be 0 to 10000", details: ["shareBasisPoints": String(body.shareBasisPoints)])
        }
        guard let partner = try await store.setShare(tenantId: tenant, shareBasisPoints: body.shareBasisPoints) else {
            throw APIError.notFound("this workspace is not a partner")
        }
        return PartnerResponse(partner: partner)
    }

    struct CodeRequest: Decodable {
        let code: String
    }

    /// The seller names the partner who brought it. Once only: a seller already brought by a
    /// partner keeps it.
    @Sendable func giveCode(_ request: Request, _ context: OpsideRequestContext) async throws -> ReferralResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: CodeRequest.self, context: context)
        guard let profile = try await billing.profile(tenantId: tenant) else { throw APIError.notFound("no billing account for this tenant yet") }
        switch try await store.attribute(sellerTenantId: tenant, sellerName: profile.companyName, code: body.code, source: "seller") {
        case .attributed(let referral):
            return ReferralResponse(referral: referral)
        case .alreadyReferred(let referral):
            throw APIError.conflict("this account was already brought by \(referral.partnerName)", details: ["code": "already_referred"])
        case .unknownCode:
            throw APIError.validation("no partner has this code", details: ["code": body.code])
        case .ownCode:
            throw APIError.validation("a partner cannot be its own referral", details: ["code": body.code])
        }
    }

    /// The programme's refusals and Stripe's as our envelope.
    static func partnerCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await BillingController.stripeCall(body)
        } catch let error as PartnerError {
            switch error {
            case .notAPartner: throw APIError.notFound("this workspace is not a partner")
            case .notOnboarded: throw APIError.conflict("finish setting up payouts with Stripe first", details: ["code": "not_onboarded"])
            case .payoutsNotEnabled:
                throw APIError.conflict("Stripe does not pay out to this account yet: finish setting up payouts", details: ["code": "payouts_disabled"])
            case .nothingAvailable(let currency):
                throw APIError.conflict("nothing in \(currency) is available to pay out yet", details: ["code": "nothing_available"])
            case .moreThanAvailable(let available):
                throw APIError.conflict("only \(available.displayText) is available to pay out", details: ["code": "more_than_available"])
            case .requestIdTaken:
                throw APIError.conflict("this requestId was used for another request; send a new one", details: ["code": "request_id_taken"])
            }
        }
    }
}

struct PartnerOverview: ResponseEncodable {
    /// Absent when the workspace has not joined the programme.
    let partner: Partner?
    /// The share a partner joining now gets.
    let defaultShareBasisPoints: Int
    let balance: [PartnerPayouts.Balance]
    let balanceError: String?
    let totals: [PartnerEarningTotals]
    let referrals: [PartnerReferral]
    let payouts: [PartnerPayout]
}

struct PartnerResponse: ResponseEncodable {
    let partner: Partner
}

struct EarningsResponse: ResponseEncodable {
    let earnings: [PartnerEarning]
}

struct LinkResponse: ResponseEncodable {
    let url: String
}

struct PayoutResponse: ResponseEncodable {
    let payout: PartnerPayout
}

struct ReferralResponse: ResponseEncodable {
    let referral: SellerReferral
}
