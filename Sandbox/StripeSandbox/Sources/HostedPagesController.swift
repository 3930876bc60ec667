import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideStripe

/// The pages Stripe hosts, as the sandbox serves them to a browser: Checkout (saving a card),
/// the 3-D Secure challenge, the hosted invoice page and its PDF, Connect onboarding, the
/// Express dashboard and receipts. Their forms post back here.
struct HostedPagesController: Sendable {
    let state: StripeSandboxState

    func register(on router: Router<BasicRequestContext>) {
        router.get("/_hosted/checkout/:id") { _, context in await checkoutPage(try context.parameters.require("id"), error: nil) }
        router.post("/_hosted/checkout/:id") { request, context in
            let id = try context.parameters.require("id")
            let form = try await Self.form(request)
            switch await state.submitCheckout(sessionId: id, cardNumber: form["card_number"] ?? "", cardholder: form["name"]) {
            case .completed(let redirect), .needsAuthentication(let redirect): return Self.redirect(redirect)
            case .declined(let message), .unavailable(let message): return await checkoutPage(id, error: message)
            }
        }
        router.get("/_hosted/checkout/:id/complete") { _, context in
            Self.redirect(await state.completeCheckout(try context.parameters.require("id")))
        }
        router.get("/_hosted/authenticate/:intent") { _, context in
            let intent = try context.parameters.require("intent")
            return Self.page(title: "3D Secure 2 Test Page", body: """
                <p>This is the sandbox's stand-in for the card issuer's authentication page (intent <code>\(Self.escape(intent))</code>).</p>
                <form method="post"><button name="decision" value="complete" id="complete">Complete authentication</button>
                <button name="decision" value="fail" id="fail" class="secondary">Fail authentication</button></form>
                """)
        }
        router.post("/_hosted/authenticate/:intent") { request, context in
            let intent = try context.parameters.require("intent")
            let form = try await Self.form(request)
            do {
                if let next = try await state.completeAuthentication(intentId: intent, approved: form["decision"] == "complete") {
                    return Self.redirect(next)
                }
                return Self.page(title: "Authentication finished", body: "<p id=\"result\">You can close this window.</p>")
            } catch let error as StripeAPIError {
                return Self.page(title: "Nothing to authenticate", body: "<p class=\"error\">\(Self.escape(error.message))</p>", status: 409)
            }
        }
        router.get("/_hosted/invoices/:id") { _, context in await invoicePage(try context.parameters.require("id"), error: nil) }
        router.post("/_hosted/invoices/:id/pay") { request, context in
            let id = try context.parameters.require("id")
            let form = try await Self.form(request)
            switch await state.payInvoiceOnHostedPage(invoiceId: id, cardNumber: form["card_number"]) {
            case .paid: return Self.redirect(await state.publicURL + "/_hosted/invoices/\(id)")
            case .needsAuthentication(let page): return Self.redirect(page)
            case .failed(let message): return await invoicePage(id, error: message)
            }
        }
        router.get("/_hosted/invoices/:id/pdf") { _, context in
            guard let lines = await state.invoiceSummary(try context.parameters.require("id")) else {
                return Self.page(title: "Not found", body: "<p>No such invoice.</p>", status: 404)
            }
            return Response(status: .ok, headers: [.contentType: "application/pdf"],
                            body: .init(byteBuffer: ByteBuffer(bytes: SimplePDF.document(lines: lines))))
        }
        router.get("/_hosted/onboarding/:token") { _, context in
            let token = try context.parameters.require("token")
            switch await state.onboardingLink(token) {
            case .none: return Self.page(title: "Link not found", body: "<p>This onboarding link does not exist.</p>", status: 404)
            case .some(.expired(let refresh)): return Self.redirect(refresh)
            case .some(.open(let email)):
                return Self.page(title: "Get paid by Opside", body: """
                    <p>Stripe Express onboarding (sandbox) for <strong>\(Self.escape(email ?? "your account"))</strong>.</p>
                    <form method="post">
                    <label>Legal name <input name="legal_name" value="Partner Agency LLC"></label>
                    <label>Bank account (test numbers)
                    <select name="account_number" id="account_number">
                      <option value="000123456789">000123456789: payouts succeed</option>
                      <option value="000111111116">000111111116: payouts fail (no_account)</option>
                      <option value="000111111113">000111111113: payouts fail (account_closed)</option>
                      <option value="000222222227">000222222227: payouts fail (insufficient_funds)</option>
                    </select></label>
                    <button name="action" value="submit" id="submit">Agree and submit</button>
                    <button name="action" value="later" id="later" class="secondary">Save for later</button>
                    </form>
                    """)
            }
        }
        router.post("/_hosted/onboarding/:token") { request, context in
            let form = try await Self.form(request)
            guard let next = await state.submitOnboarding(token: try context.parameters.require("token"),
                                                          accountNumber: form["account_number"] ?? "000123456789",
                                                          finished: form["action"] != "later") else {
                return Self.page(title: "Link not found", body: "<p>This onboarding link does not exist.</p>", status: 404)
            }
            return Self.redirect(next)
        }
        router.get("/_hosted/express/:account") { _, context in
            guard let summary = await state.expressSummary(try context.parameters.require("account")) else {
                return Self.page(title: "Not found", body: "<p>No such account.</p>", status: 404)
            }
            return Self.page(title: "Express dashboard", body: summary.map { "<p>\(Self.escape($0))</p>" }.joined())
        }
        router.get("/_hosted/receipts/:charge") { _, context in
            guard let lines = await state.receiptSummary(try context.parameters.require("charge")) else {
                return Self.page(title: "Not found", body: "<p>No such receipt.</p>", status: 404)
            }
            return Self.page(title: "Receipt", body: lines.map { "<p>\(Self.escape($0))</p>" }.joined())
        }
    }

    private func checkoutPage(_ id: String, error: String?) async -> Response {
        guard let session = await state.checkoutSessionForPage(id) else {
            return Self.page(title: "Checkout", body: "<p>This Checkout Session does not exist.</p>", status: 404)
        }
        guard session.open else {
            return Self.page(title: "Checkout", body: "<p id=\"closed\">This Checkout Session is \(Self.escape(session.status)).</p>", status: 410)
        }
        let cards = TestCard.all.map { "<li><code>\($0.number)</code> \(Self.escape(Self.describe($0.behaviour)))</li>" }.joined()
        return Self.page(title: "Save a card", body: """
            \(error.map { "<p class=\"error\" id=\"error\">\(Self.escape($0))</p>" } ?? "")
            <form method="post">
            <label>Card number <input name="card_number" id="card_number" value="4242 4242 4242 4242" autocomplete="off"></label>
            <label>Name on card <input name="name" id="name" value=""></label>
            <button id="save">Save card</button>
            </form>
            \(session.cancelURL.map { "<p><a href=\"\(Self.escape($0))\">Cancel</a></p>" } ?? "")
            <h2>Test cards</h2><ul>\(cards)</ul>
            """)
    }

    private func invoicePage(_ id: String, error: String?) async -> Response {
        guard let lines = await state.invoiceSummary(id), let status = await state.invoiceStatus(id) else {
            return Self.page(title: "Invoice", body: "<p>No such invoice.</p>", status: 404)
        }
        let payForm = status == "open" ? """
            <form method="post" action="/_hosted/invoices/\(Self.escape(id))/pay">
            <label>Pay with another card (leave empty to use the card on file)
            <input name="card_number" id="card_number" value="" autocomplete="off"></label>
            <button id="pay">Pay invoice</button></form>
            """ : ""
        return Self.page(title: "Invoice", body: """
            \(error.map { "<p class=\"error\" id=\"error\">\(Self.escape($0))</p>" } ?? "")
            \(lines.map { "<p>\(Self.escape($0))</p>" }.joined())
            <p>Status: <strong id="status">\(Self.escape(status))</strong></p>
            \(payForm)
            <p><a href="/_hosted/invoices/\(Self.escape(id))/pdf">Download PDF</a></p>
            """)
    }

    private static func describe(_ behaviour: TestCard.Behaviour) -> String {
        switch behaviour {
        case .succeeds: "succeeds"
        case .declines(let code): "is declined (\(code))"
        case .chargesFail: "saves, then every charge is declined"
        case .alwaysAuthenticates: "asks for authentication every time"
        case .authenticatesOnSetup: "asks for authentication once, when saved"
        case .bypassesPending: "succeeds, funds available at once"
        }
    }

    // MARK: HTML

    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        let values = (try? StripeForm.decode(String(buffer: buffer))) ?? [:]
        return values.compactMapValues(\.string)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Stripe sandbox</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font:15px system-ui,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1a1f36}
            h1{font-size:22px}label{display:block;margin:12px 0}input,select{display:block;width:100%;padding:8px;margin-top:4px;
            border:1px solid #c4c9d4;border-radius:6px}button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:10px 16px;
            margin:8px 8px 0 0;cursor:pointer}button.secondary{background:#e3e8ee;color:#1a1f36}.error{color:#b3093c}
            code{background:#f6f8fa;padding:1px 4px}</style></head>
            <body><p><small>Stripe sandbox (test mode)</small></p><h1>\(escape(title))</h1>\(body)</body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

// MARK: What the pages read

extension StripeSandboxState {
    struct CheckoutPageInfo: Sendable {
        let open: Bool
        let status: String
        let cancelURL: String?
    }

    func checkoutSessionForPage(_ id: String) -> CheckoutPageInfo? {
        guard let session = try? checkoutSession(id) else { return nil }
        return CheckoutPageInfo(open: session["status"]?.string == "open", status: session["status"]?.string ?? "",
                                cancelURL: session["cancel_url"]?.string)
    }

    enum OnboardingLinkState: Sendable {
        case open(email: String?)
        case expired(refreshURL: String)
    }

    func onboardingLink(_ token: String) -> OnboardingLinkState? {
        guard let link = accountLinks[token] else { return nil }
        guard !link.used, link.expiresAt > now else { return .expired(refreshURL: link.refreshURL) }
        return .open(email: objects[link.account]?["email"]?.string)
    }

    enum HostedPaymentOutcome: Sendable {
        case paid
        case needsAuthentication(page: String)
        case failed(message: String)
    }

    /// The customer pays on the hosted invoice page, present (on session): a card that asks for
    /// authentication goes through the 3-D Secure page and comes back here.
    func payInvoiceOnHostedPage(invoiceId: String, cardNumber: String?) -> HostedPaymentOutcome {
        var method: String?
        if let cardNumber, !cardNumber.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let card = TestCard.number(cardNumber) else { return .failed(message: "Your card number is incorrect.") }
            method = makeCardPaymentMethod(card).id
        }
        do {
            let invoice = try payInvoice(invoiceId, paymentMethod: method, offSession: false)
            if invoice["status"]?.string == "paid" { return .paid }
            let intent = invoiceOfIntent.first { $0.value == invoiceId && objects[$0.key]?["status"]?.string == "requires_action" }?.key
            guard let intent else { return .failed(message: "The payment could not be completed.") }
            return .needsAuthentication(page: "\(publicURL)/_hosted/authenticate/\(intent)")
        } catch {
            return .failed(message: error.message)
        }
    }

    func invoiceStatus(_ id: String) -> String? {
        guard let invoice = objects[id], invoice.objectType == "invoice" else { return nil }
        return invoice["status"]?.string
    }

    func invoiceSummary(_ id: String) -> [String]? {
        guard let invoice = objects[id], invoice.objectType == "invoice" else { return nil }
        let currency = (invoice["currency"]?.string ?? "usd").uppercased()
        func money(_ amount: Int?) -> String { String(format: "%@ %.2f", currency, Double(amount ?? 0) / 100) }
        var lines = ["Invoice \(invoice["number"]?.string ?? "(draft)")", "Billed to \(invoice["customer_email"]?.string ?? invoice["customer"]?.string ?? "")"]
        for line in invoice["lines"]?.object?["data"]?.array ?? [] {
            lines.append("\(line.object?["description"]?.string ?? "Item"): \(money(line.object?["amount"]?.int))")
        }
        lines.append("Total: \(money(invoice["total"]?.int))")
        lines.append("Amount paid: \(money(invoice["amount_paid"]?.int))")
        lines.append("Amount remaining: \(money(invoice["amount_remaining"]?.int))")
        return lines
    }

    func expressSummary(_ accountId: String) -> [String]? {
        guard let account = objects[accountId], account.objectType == "account" else { return nil }
        var lines = ["Account \(accountId) (\(account["email"]?.string ?? ""))"]
        for (currency, amounts) in balance(account: accountId).sorted(by: { $0.key < $1.key }) {
            lines.append("\(currency.uppercased()): available \(amounts.available), pending \(amounts.pending) (minor units)")
        }
        for id in (idsByType["payout"] ?? []).reversed() where owners[id] == accountId {
            let payout = objects[id]!
            lines.append("Payout \(id): \(payout["amount"]?.int ?? 0) \(payout["currency"]?.string ?? ""), \(payout["status"]?.string ?? "")")
        }
        return lines
    }

    func receiptSummary(_ chargeId: String) -> [String]? {
        guard let charge = objects[chargeId], charge.objectType == "charge" else { return nil }
        return ["Receipt for \(charge["description"]?.string ?? "payment")",
                "Amount: \(charge["amount"]?.int ?? 0) \(charge["currency"]?.string ?? "") (minor units)",
                "Status: \(charge["status"]?.string ?? "")"]
    }
}
