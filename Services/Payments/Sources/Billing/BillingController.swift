import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// payments' billing routes for the tenant named in the caller's service token; main-api's
/// gateway serves them as `/api/v1/billing/…` (`PaymentsRoutes`).
public struct BillingController: Sendable {
    let store: BillingStore
    let ledger: CommissionLedger
    let cards: CardOnFileSetup
    let invoicing: CommissionInvoicing
    let partners: PartnerStore

    public init(store: BillingStore, ledger: CommissionLedger, cards: CardOnFileSetup, invoicing: CommissionInvoicing, partners: PartnerStore) {
        self.store = store
        self.ledger = ledger
        self.cards = cards
        self.invoicing = invoicing
        self.partners = partners
    }

    public func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/internal/billing")
        group.get("") { _, context in try await overview(context) }
        group.get("/commissions") { request, context in try await commissions(request, context) }
        group.get("/commissions/export") { _, context in try await export(context) }
        group.post("/card-setup") { request, context in try await startCardSetup(request, context) }
        group.post("/card-setup/complete") { request, context in try await completeCardSetup(request, context) }
        group.put("/collection") { request, context in try await setCollection(request, context) }
        group.put("/commission-rate") { request, context in try await setRate(request, context) }
        group.post("/settle") { _, context in try await settle(context) }
        group.post("/invoices/:invoiceId/pay") { _, context in try await pay(context) }
    }

    // MARK: Reading

    @Sendable func overview(_ context: OpsideRequestContext) async throws -> BillingOverview {
        let tenant = try context.requireCallerTenant()
        guard let profile = try await store.profile(tenantId: tenant) else { throw APIError.notFound("no billing account for this tenant yet") }
        return BillingOverview(billing: profile, totals: try await ledger.totals(tenantId: tenant),
                               invoices: try await store.invoices(tenantId: tenant, limit: 24),
                               referral: try await partners.referral(sellerTenantId: tenant))
    }

    @Sendable func commissions(_ request: Request, _ context: OpsideRequestContext) async throws -> CommissionsResponse {
        let tenant = try context.requireCallerTenant()
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = try limitText.map { text in
            guard let value = Int(text), (1...500).contains(value) else { throw APIError.validation("limit must be 1 to 500", details: ["limit": text]) }
            return value
        } ?? 100
        var before: Date?
        if let text = request.uri.queryParameters["before"].map(String.init) {
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw APIError.validation("before must be an ISO 8601 time", details: ["before": text])
            }
            before = date
        }
        let lines = try await ledger.lines(tenantId: tenant, limit: limit + 1, before: before)
        let page = Array(lines.prefix(limit))
        let next = lines.count > limit ? page.last.map { ISO8601DateFormatter().string(from: $0.createdAt) } : nil
        return CommissionsResponse(commissions: page, nextBefore: next)
    }

    /// The whole statement as CSV: each reimbursement, its case and the commission on it.
    @Sendable func export(_ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        var text = CommissionCSV.header
        // One read: a statement is thousands of lines at most, and a page boundary on equal
        // timestamps could drop one.
        for line in try await ledger.lines(tenantId: tenant, limit: 1_000_000) { text += CommissionCSV.row(line) }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"commission-statement.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Card on file

    struct CardSetupRequest: Decodable {
        let successUrl: String
        let cancelUrl: String
    }

    @Sendable func startCardSetup(_ request: Request, _ context: OpsideRequestContext) async throws -> CardSetupResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: CardSetupRequest.self, context: context)
        for (field, value) in [("successUrl", body.successUrl), ("cancelUrl", body.cancelUrl)] {
            // Stripe's placeholder is not URL syntax; it is replaced before anyone follows the address.
            let checked = value.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: "cs")
            guard let url = URL(string: checked), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, value.count <= 2000 else {
                throw APIError.validation("\(field) must be an http(s) address", details: [field: value])
            }
        }
        // Checkout puts the session's id where the success address says {CHECKOUT_SESSION_ID}.
        let success = body.successUrl.contains("{CHECKOUT_SESSION_ID}") ? body.successUrl
            : body.successUrl + (body.successUrl.contains("?") ? "&" : "?") + "session_id={CHECKOUT_SESSION_ID}"
        let session = try await Self.stripeCall { try await cards.start(tenantId: tenant, successURL: success, cancelURL: body.cancelUrl) }
        guard let url = session.url else { throw APIError.unavailable("Stripe gave the Checkout Session no address") }
        return CardSetupResponse(url: url, sessionId: session.id)
    }

    struct CompleteRequest: Decodable {
        let sessionId: String
    }

    @Sendable func completeCardSetup(_ request: Request, _ context: OpsideRequestContext) async throws -> CardResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: CompleteRequest.self, context: context)
        let card = try await Self.stripeCall { try await cards.complete(tenantId: tenant, sessionId: body.sessionId) }
        return CardResponse(card: card)
    }

    // MARK: Plan

    struct CollectionRequest: Decodable {
        let collection: String
    }

    @Sendable func setCollection(_ request: Request, _ context: OpsideRequestContext) async throws -> BillingProfileResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: CollectionRequest.self, context: context)
        guard let collection = CommissionCollection(rawValue: body.collection) else {
            throw APIError.validation("collection must be monthly_invoice or per_reimbursement", details: ["collection": body.collection])
        }
        guard let profile = try await store.setPlan(tenantId: tenant, commissionBasisPoints: nil, collection: collection) else {
            throw APIError.notFound("no billing account for this tenant yet")
        }
        return BillingProfileResponse(billing: profile)
    }

    struct RateRequest: Decodable {
        let commissionBasisPoints: Int
    }

    /// The tenant's plan rate, for operators: main-api's gateway does not expose it to sellers.
    /// It applies to reimbursements entered from now on; a reversal is still credited at the
    /// rate its case was charged.
    @Sendable func setRate(_ request: Request, _ context: OpsideRequestContext) async throws -> BillingProfileResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: RateRequest.self, context: context)
        guard (0...10_000).contains(body.commissionBasisPoints) else {
            throw APIError.validation("commissionBasisPoints must be 0 to 10000", details: ["commissionBasisPoints": String(body.commissionBasisPoints)])
        }
        guard let profile = try await store.setPlan(tenantId: tenant, commissionBasisPoints: body.commissionBasisPoints, collection: nil) else {
            throw APIError.notFound("no billing account for this tenant yet")
        }
        return BillingProfileResponse(billing: profile)
    }

    // MARK: Paying

    /// Invoices everything outstanding now, one invoice per currency, and tries to collect it:
    /// what the owner does after a failed payment, or to settle before the month ends.
    @Sendable func settle(_ context: OpsideRequestContext) async throws -> InvoicesResponse {
        let tenant = try context.requireCallerTenant()
        let currencies = Set(try await ledger.totals(tenantId: tenant).filter { $0.upcoming.amountMinor > 0 }.map(\.upcoming.currency.code))
        var invoices: [CommissionInvoice] = []
        for currency in currencies.sorted() {
            if let invoice = try await Self.stripeCall({ try await invoicing.invoice(tenantId: tenant, currency: currency) }) {
                invoices.append(invoice)
            }
        }
        return InvoicesResponse(invoices: invoices)
    }

    /// Tries an unpaid invoice again now (after the owner changed the card, say).
    @Sendable func pay(_ context: OpsideRequestContext) async throws -> InvoiceResponse {
        let tenant = try context.requireCallerTenant()
        guard let id = context.parameters.get("invoiceId").flatMap(UUID.init(uuidString:)),
              try await store.invoice(tenantId: tenant, invoiceId: id) != nil else { throw APIError.noSuch("invoice") }
        try await Self.stripeCall { try await invoicing.attemptPayment(tenantId: tenant, invoiceId: id) }
        guard let invoice = try await store.invoice(tenantId: tenant, invoiceId: id) else { throw APIError.noSuch("invoice") }
        return InvoiceResponse(invoice: invoice)
    }

    /// Stripe's refusals as our envelope: Stripe being down or throttling is a 503 to retry.
    static func stripeCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as StripeRequestError {
            if refusal.isRateLimited || refusal.status >= 500 {
                throw APIError.unavailable("Stripe is not answering; try again shortly", details: ["stripe": refusal.description])
            }
            throw APIError.conflict("Stripe refused: \(refusal.message)", details: ["code": refusal.code ?? refusal.type])
        }
    }
}

struct BillingOverview: ResponseEncodable {
    let billing: BillingProfile
    /// Per currency: recovered, commission, settled, upcoming (the next invoice) and invoiced.
    let totals: [CommissionTotals]
    let invoices: [CommissionInvoice]
    /// The partner who brought the seller, if one did.
    let referral: SellerReferral?
}

struct CommissionsResponse: ResponseEncodable {
    let commissions: [CommissionLine]
    /// Pass as `before` for the next page; absent on the last.
    let nextBefore: String?
}

struct CardSetupResponse: ResponseEncodable {
    let url: String
    let sessionId: String
}

struct CardResponse: ResponseEncodable {
    let card: CardOnFile?
}

struct BillingProfileResponse: ResponseEncodable {
    let billing: BillingProfile
}

struct InvoicesResponse: ResponseEncodable {
    let invoices: [CommissionInvoice]
}

struct InvoiceResponse: ResponseEncodable {
    let invoice: CommissionInvoice
}

/// The commission statement as CSV.
enum CommissionCSV {
    static let header = "created_at,reimbursement_id,kind,case_id,amazon_case_id,claim_type,approval_date,recovered,rate_percent,commission,currency,state\r\n"

    static func row(_ line: CommissionLine) -> String {
        let iso = ISO8601DateFormatter()
        let fields: [String] = [
            iso.string(from: line.createdAt), line.reimbursementId, line.kind, line.caseId?.uuidString.lowercased() ?? "",
            line.amazonCaseId ?? "", line.claimType ?? "", line.approvalDate.map { iso.string(from: $0) } ?? "",
            line.recovered.decimalString, String(format: "%.2f", Double(line.rateBasisPoints) / 100), line.commission.decimalString,
            line.commission.currency.code, line.state,
        ]
        return fields.map(CSVField.escape).joined(separator: ",") + "\r\n"
    }
}
