import Foundation
import OpsideStripe

extension StripeSandboxState {
    /// The time a customer's objects live in: its test clock's frozen time when it has one.
    func time(forCustomer customer: String?) -> Int {
        guard let customer, let clock = objects[customer]?["test_clock"]?.string,
              let frozen = objects[clock]?["frozen_time"]?.int else { return now }
        return frozen
    }

    // MARK: Customers

    func routeCustomers(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        let editable: Set<String> = ["email", "name", "description", "phone", "metadata", "invoice_settings", "preferred_locales",
                                     "address", "invoice_prefix"]
        switch (request.method, path.count) {
        case ("POST", 1):
            try parameters.allowOnly(editable.union(["payment_method", "test_clock"]))
            let id = newId("cus", length: 14)
            var customer = StripeObject([
                ("id", .string(id)), ("object", "customer"),
                ("address", .object(Self.emptyAddress)), ("balance", 0), ("created", .int(now)), ("currency", nil),
                ("default_source", nil), ("delinquent", false), ("description", nil), ("discount", nil), ("email", nil),
                ("invoice_prefix", .string(Self.invoicePrefix())),
                ("invoice_settings", .object(StripeObject([("custom_fields", nil), ("default_payment_method", nil), ("footer", nil),
                                                           ("rendering_options", nil)]))),
                ("livemode", false), ("metadata", .object(StripeObject())), ("name", nil), ("next_invoice_sequence", 1),
                ("phone", nil), ("preferred_locales", []), ("shipping", nil), ("tax_exempt", "none"), ("test_clock", nil),
            ])
            if let clock = try parameters.string("test_clock") {
                _ = try find(clock, type: "test_helpers.test_clock", resource: "test clock", account: nil, param: "test_clock")
                customer["test_clock"] = .string(clock)
                customer["created"] = .int(objects[clock]?["frozen_time"]?.int ?? now)
            }
            try applyCustomerFields(&customer, parameters)
            store(customer)
            if let paymentMethod = try parameters.string("payment_method") {
                _ = try attach(paymentMethod: paymentMethod, to: id, param: "payment_method")
            }
            emit("customer.created", objects[id]!)
            return .object(objects[id]!)
        case ("GET", 1):
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "email", "test_clock", "created"])
            let email = try parameters.string("email")
            return try list(type: "customer", url: "/v1/customers", parameters: parameters, account: nil) {
                email == nil || $0["email"]?.string == email
            }
        case ("GET", 2):
            let customer = try customerObject(path[1])
            return .object(customer)
        case ("POST", 2):
            try parameters.allowOnly(editable)
            var customer = try customerObject(path[1], live: true)
            let before = customer
            try applyCustomerFields(&customer, parameters)
            store(customer)
            emit("customer.updated", customer, previous: previousAttributes(before, customer))
            return .object(customer)
        case ("DELETE", 2):
            var customer = try customerObject(path[1], live: true)
            customer["deleted"] = true
            store(customer)
            emit("customer.deleted", customer)
            return .object(StripeObject([("id", .string(customer.id)), ("object", "customer"), ("deleted", true)]))
        case ("GET", 3) where path[2] == "payment_methods":
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "type"])
            _ = try customerObject(path[1])
            let type = try parameters.string("type")
            return try list(type: "payment_method", url: "/v1/customers/\(path[1])/payment_methods", parameters: parameters, account: nil) {
                $0["customer"]?.string == path[1] && (type == nil || $0["type"]?.string == type)
            }
        default:
            throw unrecognized(request)
        }
    }

    /// A customer; a deleted one answers `{"id", "object", "deleted": true}` to GET as Stripe's
    /// does, and refuses changes (`live`).
    func customerObject(_ id: String, live: Bool = false, param: String = "id") throws(StripeAPIError) -> StripeObject {
        let customer = try find(id, type: "customer", resource: "customer", account: nil, param: param)
        if customer["deleted"] != nil {
            if live { throw .noSuch("customer", id, param: param) }
            return StripeObject([("id", .string(id)), ("object", "customer"), ("deleted", true)])
        }
        return customer
    }

    private func applyCustomerFields(_ customer: inout StripeObject, _ parameters: StripeParameters) throws(StripeAPIError) {
        for field in ["email", "name", "description", "phone"] {
            if let value = try parameters.string(field) { customer[field] = value.isEmpty ? .null : .string(value) }
        }
        if let email = customer["email"]?.string, !email.contains("@") || email.count > 512 {
            throw .invalidValue("email", "Invalid email address: \(email)")
        }
        if let metadata = try parameters.metadata() { customer["metadata"] = .object(merged(customer["metadata"], metadata)) }
        if let locales = try parameters.stringList("preferred_locales") { customer["preferred_locales"] = .array(locales.map(StripeJSON.string)) }
        if let prefix = try parameters.string("invoice_prefix") {
            guard (3...12).contains(prefix.count), prefix.allSatisfy({ $0.isUppercase || $0.isNumber }) else {
                throw .invalidValue("invoice_prefix", "Invalid invoice_prefix: 3 to 12 uppercase letters or numbers")
            }
            customer["invoice_prefix"] = .string(prefix)
        }
        if let address = parameters.hash("address") {
            var object = Self.emptyAddress
            for key in address.keys.sorted() {
                guard object[key] != nil else { throw .unknownParameter("address[\(key)]") }
                object[key] = .optional(address[key]?.string)
            }
            customer["address"] = .object(object)
        }
        if let settings = parameters.hash("invoice_settings") {
            for key in settings.keys.sorted() where !["default_payment_method", "footer"].contains(key) {
                throw .unknownParameter("invoice_settings[\(key)]")
            }
            var invoiceSettings = customer["invoice_settings"]?.object ?? StripeObject()
            if let paymentMethod = settings["default_payment_method"]?.string {
                if paymentMethod.isEmpty {
                    invoiceSettings["default_payment_method"] = .null
                } else {
                    let method = try find(paymentMethod, type: "payment_method", resource: "PaymentMethod", account: nil,
                                          param: "invoice_settings[default_payment_method]")
                    guard method["customer"]?.string == customer.id else {
                        throw .invalidValue("invoice_settings[default_payment_method]",
                                            "The customer does not have a payment method with the ID \(paymentMethod). "
                                                + "The payment method must be attached to the customer.")
                    }
                    invoiceSettings["default_payment_method"] = .string(paymentMethod)
                }
            }
            if let footer = settings["footer"]?.string { invoiceSettings["footer"] = .string(footer) }
            customer["invoice_settings"] = .object(invoiceSettings)
        }
    }

    /// Stripe's invoice prefixes: seven uppercase hexadecimal characters (`7FE1103`).
    static func invoicePrefix() -> String {
        let alphabet = Array("0123456789ABCDEF")
        var generator = SystemRandomNumberGenerator()
        return String((0..<7).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static let emptyAddress = StripeObject([("city", nil), ("country", nil), ("line1", nil), ("line2", nil), ("postal_code", nil),
                                            ("state", nil)])

    /// The fields of `after` that differ from `before`, with their old values (an event's
    /// `previous_attributes`).
    func previousAttributes(_ before: StripeObject, _ after: StripeObject) -> StripeObject {
        var previous = StripeObject()
        for key in before.keys where before[key] != after[key] { previous[key] = before[key] }
        return previous
    }

    // MARK: PaymentMethods

    func routePaymentMethods(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count) {
        case ("GET", 1):
            try parameters.allowOnly(["customer", "type", "limit", "starting_after", "ending_before"])
            let customer = try parameters.string("customer")
            let type = try parameters.string("type")
            return try list(type: "payment_method", url: "/v1/payment_methods", parameters: parameters, account: nil) {
                (customer == nil || $0["customer"]?.string == customer) && (type == nil || $0["type"]?.string == type)
            }
        case ("GET", 2):
            return .object(try paymentMethod(path[1], param: "id"))
        case ("POST", 2):
            try parameters.allowOnly(["metadata", "billing_details", "allow_redisplay"])
            var method = try paymentMethod(path[1], param: "id")
            let before = method
            if let metadata = try parameters.metadata() { method["metadata"] = .object(merged(method["metadata"], metadata)) }
            if let redisplay = try parameters.string("allow_redisplay") { method["allow_redisplay"] = .string(redisplay) }
            store(method)
            emit("payment_method.updated", method, previous: previousAttributes(before, method))
            return .object(method)
        case ("POST", 3) where path[2] == "attach":
            try parameters.allowOnly(["customer"])
            let customer = try parameters.requiredString("customer")
            return .object(try attach(paymentMethod: path[1], to: customer, param: "customer"))
        case ("POST", 3) where path[2] == "detach":
            try parameters.allowOnly([])
            var method = try paymentMethod(path[1], param: "id")
            guard let customerId = method["customer"]?.string else {
                throw .state("The payment method you provided is not attached to a customer so detachment is impossible.")
            }
            method["customer"] = .null
            store(method)
            if var customer = objects[customerId], var invoiceSettings = customer["invoice_settings"]?.object,
               invoiceSettings["default_payment_method"]?.string == method.id {
                invoiceSettings["default_payment_method"] = .null
                customer["invoice_settings"] = .object(invoiceSettings)
                store(customer)
            }
            emit("payment_method.detached", method, previous: StripeObject([("customer", .string(customerId))]))
            return .object(method)
        default:
            throw unrecognized(request)
        }
    }

    /// A PaymentMethod by id; a test token (`pm_card_visa`) becomes a new PaymentMethod each time,
    /// as Stripe clones its test cards.
    func paymentMethod(_ id: String, param: String) throws(StripeAPIError) -> StripeObject {
        if let card = TestCard.token(id) { return makeCardPaymentMethod(card) }
        return try find(id, type: "payment_method", resource: "PaymentMethod", account: nil, param: param)
    }

    func makeCardPaymentMethod(_ card: TestCard, billingName: String? = nil) -> StripeObject {
        let id = newId("pm")
        let checks = StripeObject([("address_line1_check", nil), ("address_postal_code_check", nil), ("cvc_check", "pass")])
        let cardObject = StripeObject([
            ("brand", .string(card.brand)), ("checks", .object(checks)), ("country", "US"), ("display_brand", .string(card.brand)),
            ("exp_month", 12), ("exp_year", .int(Calendar(identifier: .gregorian).component(.year, from: Date()) + 3)),
            ("fingerprint", .string(Self.fingerprint(card.number))), ("funding", .string(card.funding)), ("generated_from", nil),
            ("last4", .string(card.last4)),
            ("networks", .object(StripeObject([("available", .array([.string(card.brand)])), ("preferred", nil)]))),
            ("regulated_status", "unregulated"),
            ("three_d_secure_usage", .object(StripeObject([("supported", true)]))), ("wallet", nil),
        ])
        let billing = StripeObject([("address", .object(Self.emptyAddress)), ("email", nil), ("name", .optional(billingName)),
                                    ("phone", nil), ("tax_id", nil)])
        let method = StripeObject([
            ("id", .string(id)), ("object", "payment_method"), ("allow_redisplay", "unspecified"),
            ("billing_details", .object(billing)), ("card", .object(cardObject)), ("created", .int(now)), ("customer", nil),
            ("customer_account", nil), ("livemode", false), ("metadata", .object(StripeObject())), ("type", "card"),
        ])
        store(method)
        cards[id] = card
        return method
    }

    /// Attaches a PaymentMethod to a customer. A card Stripe declines at once is refused here
    /// (402), as attaching runs the card's check.
    func attach(paymentMethod id: String, to customerId: String, param: String) throws(StripeAPIError) -> StripeObject {
        _ = try customerObject(customerId, live: true, param: param)
        var method = try paymentMethod(id, param: "payment_method")
        if let owner = method["customer"]?.string {
            if owner == customerId { return method }
            throw .state("The payment method you provided has already been attached to a customer.", code: "payment_method_unexpected_state")
        }
        if case .declines(let code)? = cards[method.id]?.behaviour {
            throw cardDeclined(code: code, attached: [])
        }
        method["customer"] = .string(customerId)
        store(method)
        emit("payment_method.attached", method)
        return method
    }

    /// Stripe's decline: 402, a `card_error` with `card_declined` and the decline code.
    func cardDeclined(code: String, attached: [(String, StripeJSON)]) -> StripeAPIError {
        StripeAPIError(status: .init(code: 402), type: "card_error", message: TestCard.declineMessage(code),
                       code: code == "authentication_required" ? "authentication_required" : (code == "expired_card" ? "expired_card" : "card_declined"),
                       declineCode: code, attached: attached, isKeptForReplay: true)
    }
}
