import Foundation
import OpsideStripe

extension StripeSandboxState {
    // MARK: Checkout Sessions (setup mode)

    /// Checkout in `setup` mode: Stripe's hosted page that saves a card for later, without
    /// Stripe.js on our side. The sandbox serves the page (`/_hosted/checkout/<id>`).
    func routeCheckout(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        guard path.count >= 2, path[1] == "sessions" else { throw unrecognized(request) }
        switch (request.method, path.count) {
        case ("POST", 2):
            try parameters.allowOnly(["mode", "customer", "success_url", "cancel_url", "currency", "payment_method_types", "metadata",
                                      "client_reference_id", "setup_intent_data", "customer_email", "expires_at", "ui_mode"])
            let mode = try parameters.requiredString("mode")
            guard mode == "setup" else {
                throw .invalidValue("mode", "The sandbox's Checkout saves cards: mode must be setup (payment and subscription are not offered).")
            }
            let customer = try parameters.string("customer")
            if let customer { _ = try customerObject(customer, live: true, param: "customer") }
            let successURL = try parameters.requiredString("success_url")
            let types = try parameters.stringList("payment_method_types")
            let currency = try parameters.currency(required: false)
            guard types != nil || currency != nil else {
                throw .invalidRequest("currency is required in setup mode when payment_method_types is not passed.", param: "currency")
            }
            let id = "cs_test_" + Self.randomBase62(58)
            let expiresAt = try parameters.integer("expires_at") ?? now + 24 * 3600
            let session = StripeObject([
                ("id", .string(id)), ("object", "checkout.session"), ("adaptive_pricing", nil), ("after_expiration", nil),
                ("allow_promotion_codes", nil), ("amount_subtotal", nil), ("amount_total", nil),
                ("automatic_tax", .object(StripeObject([("enabled", false), ("liability", nil), ("provider", nil), ("status", nil)]))),
                ("billing_address_collection", nil), ("cancel_url", .optional(try parameters.string("cancel_url"))),
                ("client_reference_id", .optional(try parameters.string("client_reference_id"))), ("client_secret", nil),
                ("collected_information", nil), ("consent", nil), ("consent_collection", nil), ("created", .int(now)),
                ("currency", .optional(currency)), ("currency_conversion", nil), ("custom_fields", []), ("custom_text", nil), ("customer", .optional(customer)),
                ("customer_account", nil), ("customer_creation", nil), ("customer_details", nil), ("customer_email", .optional(try parameters.string("customer_email"))),
                ("discounts", nil), ("expires_at", .int(expiresAt)), ("integration_identifier", nil), ("invoice", nil), ("invoice_creation", nil), ("livemode", false),
                ("locale", nil), ("managed_payments", nil), ("metadata", .object(try parameters.metadata() ?? StripeObject())),
                ("mode", "setup"), ("origin_context", nil),
                ("payment_intent", nil), ("payment_link", nil), ("payment_method_collection", "always"),
                ("payment_method_configuration_details", nil), ("payment_method_options", .object(StripeObject())),
                ("payment_method_types", .array((types ?? ["card"]).map(StripeJSON.string))), ("payment_status", "no_payment_required"),
                ("permissions", nil),
                ("phone_number_collection", .object(StripeObject([("enabled", false)]))), ("recovered_from", nil),
                ("saved_payment_method_options", nil), ("setup_intent", nil), ("shipping_address_collection", nil),
                ("shipping_cost", nil), ("shipping_options", []), ("status", "open"), ("submit_type", nil), ("subscription", nil),
                ("success_url", .string(successURL)), ("total_details", nil), ("ui_mode", "hosted"),
                ("url", .string("\(publicURL)/_hosted/checkout/\(id)")), ("wallet_options", nil),
            ])
            store(session)
            checkoutSetupMetadata[id] = parameters.hash("setup_intent_data")?["metadata"]
                .flatMap { try? StripeParameters(["metadata": $0]).metadata() }
            return .object(session)
        case ("GET", 2):
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "customer", "status", "setup_intent"])
            let customer = try parameters.string("customer")
            let status = try parameters.string("status")
            return try list(type: "checkout.session", url: "/v1/checkout/sessions", parameters: parameters, account: nil) {
                (customer == nil || $0["customer"]?.string == customer) && (status == nil || $0["status"]?.string == status)
            }
        case ("GET", 3):
            return .object(try checkoutSession(path[2]))
        case ("POST", 4) where path[3] == "expire":
            var session = try checkoutSession(path[2])
            guard session["status"]?.string == "open" else {
                throw .state("Only Checkout Sessions with a status of open can be expired.", code: "checkout_session_unexpected_state")
            }
            session["status"] = "expired"
            store(session)
            emit("checkout.session.expired", session)
            return .object(session)
        default:
            throw unrecognized(request)
        }
    }

    func checkoutSession(_ id: String) throws(StripeAPIError) -> StripeObject {
        var session = try find(id, type: "checkout.session", resource: "checkout.session", account: nil)
        if session["status"]?.string == "open", let expires = session["expires_at"]?.int, expires <= now {
            session["status"] = "expired"
            store(session)
            emit("checkout.session.expired", session)
        }
        return session
    }

    /// What the hosted Checkout page does with the card typed in: a SetupIntent for the session's
    /// customer, confirmed with that card.
    enum CheckoutOutcome: Sendable {
        case completed(redirect: String)
        case needsAuthentication(page: String)
        case declined(message: String)
        case unavailable(message: String)
    }

    func submitCheckout(sessionId: String, cardNumber: String, cardholder: String?) -> CheckoutOutcome {
        guard var session = try? checkoutSession(sessionId), session["status"]?.string == "open" else {
            return .unavailable(message: "This Checkout Session is no longer open.")
        }
        guard let card = TestCard.number(cardNumber) else {
            return .declined(message: "Your card number is incorrect. Use one of Stripe's test card numbers.")
        }
        let method = makeCardPaymentMethod(card, billingName: cardholder)
        let customer = session["customer"]?.string
        let setupId = newId("seti")
        var metadata = StripeObject()
        if let saved = checkoutSetupMetadata[sessionId] ?? nil { metadata = saved }
        let intent = StripeObject([
            ("id", .string(setupId)), ("object", "setup_intent"), ("application", nil), ("automatic_payment_methods", nil),
            ("cancellation_reason", nil), ("client_secret", .string("\(setupId)_secret_\(Self.randomBase62(25))")), ("created", .int(now)),
            ("customer", .optional(customer)), ("description", nil), ("excluded_payment_method_types", nil), ("flow_directions", nil),
            ("last_setup_error", nil), ("latest_attempt", nil), ("livemode", false), ("mandate", nil), ("metadata", .object(metadata)),
            ("next_action", nil), ("on_behalf_of", nil), ("payment_method", .string(method.id)), ("payment_method_configuration_details", nil),
            ("payment_method_options", .object(StripeObject())), ("payment_method_types", ["card"]), ("single_use_mandate", nil),
            ("status", "requires_confirmation"), ("usage", "off_session"),
        ])
        store(intent)
        session["setup_intent"] = .string(setupId)
        store(session)
        let returnURL = "\(publicURL)/_hosted/checkout/\(sessionId)/complete"
        do {
            let confirmed = try confirmSetup(setupId, paymentMethod: nil, returnURL: returnURL)
            if confirmed["status"]?.string == "requires_action" {
                return .needsAuthentication(page: "\(publicURL)/_hosted/authenticate/\(setupId)")
            }
            return .completed(redirect: completeCheckout(sessionId))
        } catch {
            return .declined(message: error.message)
        }
    }

    /// The session's SetupIntent succeeded: the session completes and the browser goes to its
    /// `success_url` (`{CHECKOUT_SESSION_ID}` filled in, as Stripe does).
    func completeCheckout(_ sessionId: String) -> String {
        guard var session = objects[sessionId] else { return publicURL }
        let successURL = (session["success_url"]?.string ?? publicURL).replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: sessionId)
        guard session["status"]?.string == "open",
              let setupId = session["setup_intent"]?.string, objects[setupId]?["status"]?.string == "succeeded" else {
            return session["status"]?.string == "complete" ? successURL : (session["cancel_url"]?.string ?? successURL)
        }
        session["status"] = "complete"
        store(session)
        emit("checkout.session.completed", session)
        return successURL
    }

    // MARK: Test clocks

    func routeTestClocks(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        guard path.count >= 2, path[1] == "test_clocks" else { throw unrecognized(request) }
        switch (request.method, path.count) {
        case ("POST", 2):
            try parameters.allowOnly(["frozen_time", "name"])
            let frozen = try parameters.requiredInteger("frozen_time")
            let id = newId("clock")
            let clock = StripeObject([
                ("id", .string(id)), ("object", "test_helpers.test_clock"), ("created", .int(now)),
                ("deletes_after", .int(now + 30 * 86_400)), ("frozen_time", .int(frozen)), ("livemode", false),
                ("name", .optional(try parameters.string("name"))), ("status", "ready"), ("status_details", .object(StripeObject())),
            ])
            store(clock)
            emit("test_helpers.test_clock.created", clock)
            return .object(clock)
        case ("GET", 2):
            try parameters.allowOnly(["limit", "starting_after", "ending_before"])
            return try list(type: "test_helpers.test_clock", url: "/v1/test_helpers/test_clocks", parameters: parameters, account: nil)
        case ("GET", 3):
            return .object(try find(path[2], type: "test_helpers.test_clock", resource: "test_helpers.test_clock", account: nil))
        case ("DELETE", 3):
            var clock = try find(path[2], type: "test_helpers.test_clock", resource: "test_helpers.test_clock", account: nil)
            clock["deleted"] = true
            store(clock)
            return .object(StripeObject([("id", .string(clock.id)), ("object", "test_helpers.test_clock"), ("deleted", true)]))
        case ("POST", 4) where path[3] == "advance":
            try parameters.allowOnly(["frozen_time"])
            var clock = try find(path[2], type: "test_helpers.test_clock", resource: "test_helpers.test_clock", account: nil)
            let target = try parameters.requiredInteger("frozen_time")
            guard target > (clock["frozen_time"]?.int ?? 0) else {
                throw .invalidValue("frozen_time", "The test clock can only be advanced forward in time.")
            }
            // The advance applies at once (Stripe's takes a few seconds in `advancing`); the
            // customers' invoices then move as their time did.
            clock["status"] = "advancing"
            clock["frozen_time"] = .int(target)
            store(clock)
            emit("test_helpers.test_clock.advancing", clock)
            advanceInvoices()
            clock["status"] = "ready"
            store(clock)
            emit("test_helpers.test_clock.ready", clock)
            return .object(clock)
        default:
            throw unrecognized(request)
        }
    }
}
