import Foundation
import OpsideStripe

extension StripeSandboxState {
    // MARK: SetupIntents

    func routeSetupIntents(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count) {
        case ("POST", 1):
            try parameters.allowOnly(["customer", "payment_method", "confirm", "usage", "payment_method_types", "metadata", "description",
                                      "return_url", "automatic_payment_methods"])
            let customer = try parameters.string("customer")
            if let customer { _ = try customerObject(customer, live: true, param: "customer") }
            let usage = try parameters.string("usage") ?? "off_session"
            guard ["off_session", "on_session"].contains(usage) else {
                throw .invalidValue("usage", "Invalid usage: must be one of off_session or on_session")
            }
            let types = try parameters.stringList("payment_method_types") ?? ["card"]
            guard types == ["card"] else {
                throw .invalidValue("payment_method_types", "The sandbox takes cards only: payment_method_types must be [card]")
            }
            let id = newId("seti")
            var intent = StripeObject([
                ("id", .string(id)), ("object", "setup_intent"), ("application", nil),
                ("automatic_payment_methods", nil), ("cancellation_reason", nil),
                ("client_secret", .string("\(id)_secret_\(Self.randomBase62(25))")), ("created", .int(now)),
                ("customer", .optional(customer)), ("description", .optional(try parameters.string("description"))),
                ("excluded_payment_method_types", nil), ("flow_directions", nil), ("last_setup_error", nil), ("latest_attempt", nil),
                ("livemode", false), ("mandate", nil), ("metadata", .object(try parameters.metadata() ?? StripeObject())),
                ("next_action", nil), ("on_behalf_of", nil), ("payment_method", nil), ("payment_method_configuration_details", nil),
                ("payment_method_options", .object(StripeObject([("card", .object(StripeObject([("mandate_options", nil), ("network", nil),
                                                                                               ("request_three_d_secure", "automatic")])))]))),
                ("payment_method_types", .array(types.map(StripeJSON.string))), ("single_use_mandate", nil),
                ("status", "requires_payment_method"), ("usage", .string(usage)),
            ])
            if let method = try parameters.string("payment_method") {
                intent["payment_method"] = .string(try paymentMethod(method, param: "payment_method").id)
                intent["status"] = "requires_confirmation"
            }
            store(intent)
            emit("setup_intent.created", intent)
            if try parameters.boolean("confirm") == true {
                return .object(try confirmSetup(id, paymentMethod: nil, returnURL: try parameters.string("return_url")))
            }
            return .object(intent)
        case ("GET", 1):
            try parameters.allowOnly(["customer", "payment_method", "limit", "starting_after", "ending_before"])
            let customer = try parameters.string("customer")
            return try list(type: "setup_intent", url: "/v1/setup_intents", parameters: parameters, account: nil) {
                customer == nil || $0["customer"]?.string == customer
            }
        case ("GET", 2):
            try parameters.allowOnly(["client_secret"])
            return .object(try find(path[1], type: "setup_intent", resource: "setup_intent", account: nil))
        case ("POST", 3) where path[2] == "confirm":
            try parameters.allowOnly(["payment_method", "return_url"])
            return .object(try confirmSetup(path[1], paymentMethod: try parameters.string("payment_method"),
                                            returnURL: try parameters.string("return_url")))
        case ("POST", 3) where path[2] == "cancel":
            try parameters.allowOnly(["cancellation_reason"])
            var intent = try find(path[1], type: "setup_intent", resource: "setup_intent", account: nil)
            guard ["requires_payment_method", "requires_confirmation", "requires_action"].contains(intent["status"]?.string ?? "") else {
                throw .state("You cannot cancel this SetupIntent because it has a status of \(intent["status"]?.string ?? "").",
                             code: "setup_intent_unexpected_state")
            }
            intent["status"] = "canceled"
            intent["cancellation_reason"] = .optional(try parameters.string("cancellation_reason"))
            intent["next_action"] = .null
            store(intent)
            emit("setup_intent.canceled", intent)
            return .object(intent)
        default:
            throw unrecognized(request)
        }
    }

    func confirmSetup(_ id: String, paymentMethod method: String?, returnURL: String?) throws(StripeAPIError) -> StripeObject {
        var intent = try find(id, type: "setup_intent", resource: "setup_intent", account: nil)
        guard ["requires_payment_method", "requires_confirmation"].contains(intent["status"]?.string ?? "") else {
            throw .state("You cannot confirm this SetupIntent because it has a status of \(intent["status"]?.string ?? "").",
                         code: "setup_intent_unexpected_state")
        }
        if let method { intent["payment_method"] = .string(try paymentMethod(method, param: "payment_method").id) }
        guard let methodId = intent["payment_method"]?.string else {
            throw .invalidRequest("You must provide a payment_method to confirm this SetupIntent.", param: "payment_method")
        }
        let card = cards[methodId]
        switch card?.behaviour {
        case .declines(let code)?:
            let error = cardDeclined(code: code, attached: [])
            intent["status"] = "requires_payment_method"
            intent["last_setup_error"] = .object(lastError(error, paymentMethod: methodId))
            intent["payment_method"] = .null
            store(intent)
            emit("setup_intent.setup_failed", intent)
            var failure = error
            failure.attached = [("setup_intent", .object(intent))]
            throw failure
        case .alwaysAuthenticates?, .authenticatesOnSetup?:
            intent["status"] = "requires_action"
            intent["next_action"] = .object(nextAction(for: id, returnURL: returnURL))
            store(intent)
            emit("setup_intent.requires_action", intent)
            return intent
        default:
            return try succeedSetup(&intent, paymentMethod: methodId)
        }
    }

    private func succeedSetup(_ intent: inout StripeObject, paymentMethod methodId: String) throws(StripeAPIError) -> StripeObject {
        if let customer = intent["customer"]?.string, objects[methodId]?["customer"]?.string != customer {
            _ = try attach(paymentMethod: methodId, to: customer, param: "customer")
        }
        intent["status"] = "succeeded"
        intent["next_action"] = .null
        intent["last_setup_error"] = .null
        store(intent)
        emit("setup_intent.succeeded", intent)
        return intent
    }

    /// How the customer authenticates: the sandbox's 3-D Secure page, reached by redirect when the
    /// confirmation named a `return_url`, else through Stripe.js (`use_stripe_sdk`), which opens the
    /// same page.
    private func nextAction(for intentId: String, returnURL: String?) -> StripeObject {
        let url = "\(publicURL)/_hosted/authenticate/\(intentId)"
        if let returnURL {
            return StripeObject([("type", "redirect_to_url"),
                                 ("redirect_to_url", .object(StripeObject([("return_url", .string(returnURL)), ("url", .string(url))])))])
        }
        return StripeObject([("type", "use_stripe_sdk"),
                             ("use_stripe_sdk", .object(StripeObject([("type", "three_d_secure_redirect"), ("stripe_js", .string(url))])))])
    }

    private func lastError(_ error: StripeAPIError, paymentMethod: String?) -> StripeObject {
        var object = StripeObject()
        if let code = error.code { object["code"] = .string(code) }
        if let decline = error.declineCode { object["decline_code"] = .string(decline) }
        if let code = error.code { object["doc_url"] = .string("https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))") }
        object["message"] = .string(error.message)
        if let paymentMethod, let method = objects[paymentMethod] { object["payment_method"] = .object(method) }
        object["type"] = .string(error.type)
        return object
    }

    /// The cardholder's answer on the 3-D Secure page: the intent goes on as if confirmed, or
    /// back to `requires_payment_method` with `…_authentication_failure`.
    /// - Returns: where the browser goes next (the intent's `return_url`), if anywhere.
    func completeAuthentication(intentId: String, approved: Bool) throws(StripeAPIError) -> String? {
        guard var intent = objects[intentId], intent["status"]?.string == "requires_action" else {
            throw .state("This payment or setup does not need authentication.")
        }
        let returnURL = intent["next_action"]?.object?["redirect_to_url"]?.object?["return_url"]?.string
        let methodId = intent["payment_method"]?.string ?? ""
        let isSetup = intent.objectType == "setup_intent"
        if approved {
            authenticatedForOffSession.insert(methodId)
            if isSetup {
                _ = try succeedSetup(&intent, paymentMethod: methodId)
            } else {
                intent["next_action"] = .null
                succeedPayment(&intent, paymentMethod: methodId)
                if let invoice = invoiceOfIntent[intentId] { invoicePaymentSucceeded(invoiceId: invoice, intent: intent) }
            }
        } else {
            let code = isSetup ? "setup_intent_authentication_failure" : "payment_intent_authentication_failure"
            let message = "The latest attempt to \(isSetup ? "set up" : "pay with") the payment method has failed because authentication failed."
            let error = StripeAPIError(status: .init(code: 402), type: "invalid_request_error", message: message, code: code)
            intent["status"] = "requires_payment_method"
            intent["next_action"] = .null
            intent[isSetup ? "last_setup_error" : "last_payment_error"] = .object(lastError(error, paymentMethod: methodId))
            store(intent)
            emit(isSetup ? "setup_intent.setup_failed" : "payment_intent.payment_failed", intent)
        }
        guard let returnURL else { return nil }
        let kind = isSetup ? "setup_intent" : "payment_intent"
        let separator = returnURL.contains("?") ? "&" : "?"
        return "\(returnURL)\(separator)\(kind)=\(intentId)&\(kind)_client_secret=\(intent["client_secret"]?.string ?? "")"
            + "&redirect_status=\(approved ? "succeeded" : "failed")"
    }

    // MARK: PaymentIntents

    func routePaymentIntents(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count) {
        case ("POST", 1):
            try parameters.allowOnly(["amount", "currency", "customer", "payment_method", "confirm", "off_session", "description",
                                      "metadata", "payment_method_types", "capture_method", "setup_future_usage", "receipt_email",
                                      "statement_descriptor", "statement_descriptor_suffix", "transfer_group", "return_url",
                                      "automatic_payment_methods", "error_on_requires_action"])
            let amount = try parameters.requiredInteger("amount")
            let currency = try parameters.currency()!
            try checkAmount(amount, currency: currency)
            let customer = try parameters.string("customer")
            if let customer { _ = try customerObject(customer, live: true, param: "customer") }
            let confirm = try parameters.boolean("confirm") ?? false
            let offSession = try parameters.boolean("off_session") ?? false
            if parameters.has("off_session"), !confirm {
                throw .invalidValue("off_session", "You can only pass `off_session` when `confirm` is true.")
            }
            guard (try parameters.stringList("payment_method_types") ?? ["card"]) == ["card"] else {
                throw .invalidValue("payment_method_types", "The sandbox takes cards only: payment_method_types must be [card]")
            }
            let capture = try parameters.string("capture_method") ?? "automatic"
            guard ["automatic", "automatic_async"].contains(capture) else {
                throw .invalidValue("capture_method", "The sandbox captures automatically: capture_method must be automatic or automatic_async")
            }
            var intent = makePaymentIntent(amount: amount, currency: currency, customer: customer,
                                           description: try parameters.string("description"), metadata: try parameters.metadata(),
                                           captureMethod: capture)
            intent["transfer_group"] = .optional(try parameters.string("transfer_group"))
            intent["receipt_email"] = .optional(try parameters.string("receipt_email"))
            intent["setup_future_usage"] = .optional(try parameters.string("setup_future_usage"))
            if let method = try parameters.string("payment_method") {
                let resolved = try paymentMethod(method, param: "payment_method")
                if let owner = resolved["customer"]?.string, owner != customer {
                    throw .invalidValue("payment_method", "The provided PaymentMethod belongs to a different Customer.")
                }
                if customer != nil, resolved["customer"] == nil || resolved["customer"]?.isNull == true, TestCard.token(method) == nil {
                    throw .invalidValue("payment_method", "The provided PaymentMethod was previously used without being attached to a Customer "
                                        + "or was detached from a Customer, and may not be used again.")
                }
                intent["payment_method"] = .string(resolved.id)
                intent["status"] = "requires_confirmation"
            }
            store(intent)
            emit("payment_intent.created", intent)
            if confirm {
                return .object(try confirmPayment(intent.id, paymentMethod: nil, offSession: offSession,
                                                  returnURL: try parameters.string("return_url")))
            }
            return .object(intent)
        case ("GET", 1):
            try parameters.allowOnly(["customer", "limit", "starting_after", "ending_before", "created"])
            let customer = try parameters.string("customer")
            return try list(type: "payment_intent", url: "/v1/payment_intents", parameters: parameters, account: nil) {
                customer == nil || $0["customer"]?.string == customer
            }
        case ("GET", 2):
            try parameters.allowOnly(["client_secret"])
            return .object(try find(path[1], type: "payment_intent", resource: "payment_intent", account: nil))
        case ("POST", 2):
            try parameters.allowOnly(["description", "metadata", "amount", "payment_method", "receipt_email"])
            var intent = try find(path[1], type: "payment_intent", resource: "payment_intent", account: nil)
            let before = intent
            if let description = try parameters.string("description") { intent["description"] = .string(description) }
            if let metadata = try parameters.metadata() { intent["metadata"] = .object(merged(intent["metadata"], metadata)) }
            if let amount = try parameters.integer("amount") {
                guard ["requires_payment_method", "requires_confirmation"].contains(intent["status"]?.string ?? "") else {
                    throw .state("The amount of this PaymentIntent can no longer be changed.", code: "payment_intent_unexpected_state")
                }
                try checkAmount(amount, currency: intent["currency"]?.string ?? "usd")
                intent["amount"] = .int(amount)
            }
            if let method = try parameters.string("payment_method") {
                intent["payment_method"] = .string(try paymentMethod(method, param: "payment_method").id)
            }
            store(intent)
            emit("payment_intent.updated", intent, previous: previousAttributes(before, intent))
            return .object(intent)
        case ("POST", 3) where path[2] == "confirm":
            try parameters.allowOnly(["payment_method", "off_session", "return_url", "error_on_requires_action"])
            return .object(try confirmPayment(path[1], paymentMethod: try parameters.string("payment_method"),
                                              offSession: try parameters.boolean("off_session") ?? false,
                                              returnURL: try parameters.string("return_url")))
        case ("POST", 3) where path[2] == "cancel":
            try parameters.allowOnly(["cancellation_reason"])
            var intent = try find(path[1], type: "payment_intent", resource: "payment_intent", account: nil)
            guard ["requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"]
                .contains(intent["status"]?.string ?? "") else {
                throw .state("You cannot cancel this PaymentIntent because it has a status of \(intent["status"]?.string ?? "").",
                             code: "payment_intent_unexpected_state")
            }
            intent["status"] = "canceled"
            intent["canceled_at"] = .int(now)
            intent["cancellation_reason"] = .optional(try parameters.string("cancellation_reason"))
            intent["next_action"] = .null
            store(intent)
            emit("payment_intent.canceled", intent)
            return .object(intent)
        default:
            throw unrecognized(request)
        }
    }

    /// Stripe's minimum charge per currency (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)
    /// and its eight-digit maximum.
    func checkAmount(_ amount: Int, currency: String) throws(StripeAPIError) {
        let minimums = ["usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "jpy": 50, "mxn": 1000, "sek": 300, "pln": 200,
                        "inr": 50, "brl": 50, "sgd": 50, "chf": 50, "dkk": 250, "nok": 300]
        let minimum = minimums[currency] ?? 50
        guard amount >= minimum else {
            throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                 message: "Amount must be at least \(minimum) \(currency) minor units", code: "amount_too_small", param: "amount")
        }
        guard amount <= 99_999_999 else {
            throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                 message: "Amount must be no more than 99999999", code: "amount_too_large", param: "amount")
        }
    }

    func makePaymentIntent(amount: Int, currency: String, customer: String?, description: String?, metadata: StripeObject?,
                           captureMethod: String = "automatic") -> StripeObject {
        let id = newId("pi")
        return StripeObject([
            ("id", .string(id)), ("object", "payment_intent"), ("amount", .int(amount)), ("amount_capturable", 0),
            ("amount_details", .object(StripeObject([("tip", .object(StripeObject()))]))), ("amount_received", 0),
            ("application", nil), ("application_fee_amount", nil), ("automatic_payment_methods", nil), ("canceled_at", nil),
            ("cancellation_reason", nil), ("capture_method", .string(captureMethod)),
            ("client_secret", .string("\(id)_secret_\(Self.randomBase62(25))")), ("confirmation_method", "automatic"),
            ("created", .int(time(forCustomer: customer))), ("currency", .string(currency)), ("customer", .optional(customer)),
            ("customer_account", nil), ("description", .optional(description)), ("excluded_payment_method_types", nil),
            ("last_payment_error", nil), ("latest_charge", nil), ("livemode", false), ("managed_payments", nil),
            ("metadata", .object(metadata ?? StripeObject())), ("next_action", nil), ("on_behalf_of", nil), ("payment_method", nil),
            ("payment_method_configuration_details", nil),
            ("payment_method_options", .object(StripeObject([("card", .object(StripeObject([("installments", nil), ("mandate_options", nil),
                                                                                           ("network", nil), ("request_three_d_secure", "automatic")])))]))),
            ("payment_method_types", ["card"]), ("processing", nil), ("receipt_email", nil), ("review", nil),
            ("setup_future_usage", nil), ("shipping", nil), ("source", nil), ("statement_descriptor", nil),
            ("statement_descriptor_suffix", nil), ("status", "requires_payment_method"), ("transfer_data", nil), ("transfer_group", nil),
        ])
    }

    /// Confirms a PaymentIntent: the card decides (see `TestCard`). A decline or an off-session
    /// payment that needs the cardholder answers 402 with the PaymentIntent left in
    /// `requires_payment_method`; an on-session one that needs them goes to `requires_action`.
    func confirmPayment(_ id: String, paymentMethod method: String?, offSession: Bool, returnURL: String?) throws(StripeAPIError) -> StripeObject {
        var intent = try find(id, type: "payment_intent", resource: "payment_intent", account: nil)
        guard ["requires_payment_method", "requires_confirmation"].contains(intent["status"]?.string ?? "") else {
            throw .state("You cannot confirm this PaymentIntent because it has a status of \(intent["status"]?.string ?? "").",
                         code: "payment_intent_unexpected_state")
        }
        if let method { intent["payment_method"] = .string(try paymentMethod(method, param: "payment_method").id) }
        guard let methodId = intent["payment_method"]?.string else {
            throw .invalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. "
                                  + "To confirm the PaymentIntent with cus_, specify a payment method attached to this customer.",
                                  param: "payment_method", code: "payment_intent_unexpected_state")
        }
        let behaviour = cards[methodId]?.behaviour ?? .succeeds
        let needsCardholder: Bool
        switch behaviour {
        case .declines(let code):
            throw failPayment(&intent, paymentMethod: methodId, declineCode: code)
        case .chargesFail:
            throw failPayment(&intent, paymentMethod: methodId, declineCode: "generic_decline")
        case .alwaysAuthenticates:
            needsCardholder = true
        case .authenticatesOnSetup:
            needsCardholder = !(offSession && authenticatedForOffSession.contains(methodId))
        case .succeeds, .bypassesPending:
            needsCardholder = false
        }
        if needsCardholder {
            if offSession {
                throw failPayment(&intent, paymentMethod: methodId, declineCode: "authentication_required")
            }
            intent["status"] = "requires_action"
            intent["next_action"] = .object(nextAction(for: id, returnURL: returnURL))
            store(intent)
            emit("payment_intent.requires_action", intent)
            return intent
        }
        succeedPayment(&intent, paymentMethod: methodId)
        return intent
    }

    /// Records a failed charge and returns the 402 to throw (the intent is stored first: Stripe
    /// keeps the failed attempt whatever the client does next).
    private func failPayment(_ intent: inout StripeObject, paymentMethod methodId: String, declineCode: String) -> StripeAPIError {
        let charge = makeCharge(for: intent, paymentMethod: methodId, succeeded: false, declineCode: declineCode)
        var error = cardDeclined(code: declineCode, attached: [])
        intent["status"] = "requires_payment_method"
        intent["latest_charge"] = .string(charge.id)
        intent["payment_method"] = .null
        var last = lastError(error, paymentMethod: methodId)
        last["charge"] = .string(charge.id)
        intent["last_payment_error"] = .object(last)
        store(intent)
        emit("charge.failed", charge)
        emit("payment_intent.payment_failed", intent)
        error.attached = [("charge", .string(charge.id)), ("payment_intent", .object(intent))]
        if let method = objects[methodId] { error.attached.append(("payment_method", .object(method))) }
        return error
    }

    /// A successful charge: the platform's balance gets the amount less Stripe's fee, pending
    /// for two days (at once with the bypass-pending card).
    func succeedPayment(_ intent: inout StripeObject, paymentMethod methodId: String) {
        var charge = makeCharge(for: intent, paymentMethod: methodId, succeeded: true, declineCode: nil)
        let amount = intent["amount"]?.int ?? 0
        let currency = intent["currency"]?.string ?? "usd"
        let bypass = cards[methodId]?.behaviour == .bypassesPending
        let transaction = recordFunds(account: "", amount: amount, fee: Self.stripeFee(amount), currency: currency, type: "charge",
                                      source: charge.id, description: intent["description"]?.string,
                                      availableOn: bypass ? now : now + 2 * 86_400)
        charge["balance_transaction"] = .string(transaction)
        store(charge)
        intent["status"] = "succeeded"
        intent["amount_received"] = .int(amount)
        intent["latest_charge"] = .string(charge.id)
        intent["payment_method"] = .string(methodId)
        intent["last_payment_error"] = .null
        store(intent)
        emit("charge.succeeded", charge)
        emit("payment_intent.succeeded", intent)
    }

    /// Stripe's standard US card pricing: 2.9 % + 30 ¢.
    static func stripeFee(_ amount: Int) -> Int { Int((Double(amount) * 0.029).rounded()) + 30 }

    private func makeCharge(for intent: StripeObject, paymentMethod methodId: String, succeeded: Bool, declineCode: String?) -> StripeObject {
        let id = newId("ch")
        let card = cards[methodId]
        let amount = intent["amount"]?.int ?? 0
        let outcome = StripeObject([
            ("advice_code", nil), ("network_advice_code", nil), ("network_decline_code", nil),
            ("network_status", .string(succeeded ? "approved_by_network" : "declined_by_network")),
            ("reason", .optional(declineCode)), ("risk_level", "normal"),
            ("seller_message", .string(succeeded ? "Payment complete." : "The bank did not return any further details with this decline.")),
            ("type", .string(succeeded ? "authorized" : (declineCode == "authentication_required" ? "blocked" : "issuer_declined"))),
        ])
        let details = StripeObject([("card", .object(StripeObject([
            ("brand", .optional(card?.brand)), ("country", "US"), ("exp_month", 12), ("exp_year", 2029),
            ("fingerprint", .optional(card.map { Self.fingerprint($0.number) })), ("funding", "credit"),
            ("last4", .optional(card?.last4)), ("network", .optional(card?.brand)),
        ]))), ("type", "card")])
        let charge = StripeObject([
            ("id", .string(id)), ("object", "charge"), ("amount", .int(amount)), ("amount_captured", .int(succeeded ? amount : 0)),
            ("amount_refunded", 0), ("application", nil), ("application_fee", nil), ("application_fee_amount", nil),
            ("balance_transaction", nil), ("billing_details", objects[methodId]?["billing_details"] ?? .null),
            ("calculated_statement_descriptor", "OPSIDE"), ("captured", .bool(succeeded)), ("created", .int(now)),
            ("currency", intent["currency"] ?? "usd"), ("customer", intent["customer"] ?? .null),
            ("description", intent["description"] ?? .null), ("disputed", false), ("failure_balance_transaction", nil),
            ("failure_code", .optional(succeeded ? nil : (declineCode == "authentication_required" ? "authentication_required" : "card_declined"))),
            ("failure_message", .optional(succeeded ? nil : TestCard.declineMessage(declineCode ?? "generic_decline"))),
            ("fraud_details", .object(StripeObject())), ("livemode", false), ("metadata", intent["metadata"] ?? .object(StripeObject())),
            ("on_behalf_of", nil), ("outcome", .object(outcome)), ("paid", .bool(succeeded)), ("payment_intent", .string(intent.id)),
            ("payment_method", .string(methodId)), ("payment_method_details", .object(details)), ("receipt_email", nil),
            ("receipt_number", nil), ("receipt_url", .string("\(publicURL)/_hosted/receipts/\(id)")), ("refunded", false),
            ("refunds", .object(StripeObject([("object", "list"), ("data", []), ("has_more", false), ("url", .string("/v1/charges/\(id)/refunds"))]))),
            ("review", nil), ("shipping", nil), ("source", nil), ("source_transfer", nil), ("statement_descriptor", nil),
            ("statement_descriptor_suffix", nil), ("status", .string(succeeded ? "succeeded" : "failed")), ("transfer_data", nil),
            ("transfer_group", intent["transfer_group"] ?? .null),
        ])
        store(charge)
        return charge
    }

    // MARK: Charges and refunds

    func routeChargesAndRefunds(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count, path[0]) {
        case ("GET", 1, "charges"):
            try parameters.allowOnly(["customer", "payment_intent", "limit", "starting_after", "ending_before", "created"])
            let customer = try parameters.string("customer")
            let intent = try parameters.string("payment_intent")
            return try list(type: "charge", url: "/v1/charges", parameters: parameters, account: nil) {
                (customer == nil || $0["customer"]?.string == customer) && (intent == nil || $0["payment_intent"]?.string == intent)
            }
        case ("GET", 2, "charges"):
            return .object(try find(path[1], type: "charge", resource: "charge", account: nil))
        case ("POST", 1, "refunds"):
            try parameters.allowOnly(["payment_intent", "charge", "amount", "reason", "metadata"])
            var chargeId = try parameters.string("charge")
            if let intentId = try parameters.string("payment_intent") {
                let intent = try find(intentId, type: "payment_intent", resource: "payment_intent", account: nil, param: "payment_intent")
                guard intent["status"]?.string == "succeeded", let latest = intent["latest_charge"]?.string else {
                    throw .state("This PaymentIntent does not have a successful charge to refund.", code: "charge_not_refundable")
                }
                chargeId = latest
            }
            guard let chargeId else { throw .missingParameter("charge") }
            var charge = try find(chargeId, type: "charge", resource: "charge", account: nil, param: "charge")
            guard charge["status"]?.string == "succeeded" else {
                throw .state("Charge \(chargeId) has not succeeded and cannot be refunded.", code: "charge_not_refundable")
            }
            let captured = charge["amount_captured"]?.int ?? 0
            let refunded = charge["amount_refunded"]?.int ?? 0
            guard refunded < captured else {
                throw .state("Charge \(chargeId) has already been refunded.", code: "charge_already_refunded")
            }
            let amount = try parameters.integer("amount") ?? (captured - refunded)
            guard amount > 0 else { throw .invalidValue("amount", "Invalid positive integer") }
            guard amount <= captured - refunded else {
                throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                     message: "Refund amount (\(amount)) is greater than unrefunded amount on charge (\(captured - refunded))",
                                     code: "amount_too_large", param: "amount", isKeptForReplay: true)
            }
            if let reason = try parameters.string("reason"), !["duplicate", "fraudulent", "requested_by_customer"].contains(reason) {
                throw .invalidValue("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer")
            }
            let currency = charge["currency"]?.string ?? "usd"
            let id = newId("re")
            let transaction = recordFunds(account: "", amount: -amount, fee: 0, currency: currency, type: "refund", source: id,
                                          description: "REFUND FOR CHARGE", availableOn: now)
            let refund = StripeObject([
                ("id", .string(id)), ("object", "refund"), ("amount", .int(amount)), ("balance_transaction", .string(transaction)),
                ("charge", .string(chargeId)), ("created", .int(now)), ("currency", .string(currency)), ("customer", charge["customer"] ?? .null),
                ("customer_account", nil), ("destination_details", .object(StripeObject([("card", .object(StripeObject([("type", "refund")]))), ("type", "card")]))),
                ("metadata", .object(try parameters.metadata() ?? StripeObject())), ("payment_intent", charge["payment_intent"] ?? .null),
                ("payment_method", charge["payment_method"] ?? .null), ("reason", .optional(try parameters.string("reason"))),
                ("receipt_number", nil), ("source_transfer_reversal", nil), ("status", "succeeded"), ("transfer_reversal", nil),
            ])
            store(refund)
            let before = charge
            charge["amount_refunded"] = .int(refunded + amount)
            charge["refunded"] = .bool(refunded + amount == captured)
            store(charge)
            emit("refund.created", refund)
            emit("charge.refunded", charge, previous: previousAttributes(before, charge))
            return .object(refund)
        case ("GET", 1, "refunds"):
            try parameters.allowOnly(["charge", "payment_intent", "limit", "starting_after", "ending_before"])
            let charge = try parameters.string("charge")
            let intent = try parameters.string("payment_intent")
            return try list(type: "refund", url: "/v1/refunds", parameters: parameters, account: nil) {
                (charge == nil || $0["charge"]?.string == charge) && (intent == nil || $0["payment_intent"]?.string == intent)
            }
        case ("GET", 2, "refunds"):
            return .object(try find(path[1], type: "refund", resource: "refund", account: nil))
        default:
            throw unrecognized(request)
        }
    }
}
