import Foundation
import OpsideStripe

extension StripeSandboxState {
    func routeInvoices(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count, path[0]) {
        // MARK: Invoice items
        case ("POST", 1, "invoiceitems"):
            try parameters.allowOnly(["customer", "amount", "currency", "description", "invoice", "metadata", "period", "quantity",
                                      "unit_amount_decimal", "discountable"])
            let customerId = try parameters.requiredString("customer")
            let customer = try customerObject(customerId, live: true, param: "customer")
            let amount = try parameters.requiredInteger("amount")
            var invoiceId = try parameters.string("invoice")
            var currency = try parameters.currency(required: false) ?? customer["currency"]?.string
            if let id = invoiceId {
                let invoice = try find(id, type: "invoice", resource: "invoice", account: nil, param: "invoice")
                guard invoice["status"]?.string == "draft" else {
                    throw .state("You can only add invoice items to draft invoices.", code: "invoice_not_editable")
                }
                guard invoice["customer"]?.string == customerId else {
                    throw .invalidValue("invoice", "The invoice \(id) does not belong to customer \(customerId).")
                }
                if let invoiceCurrency = invoice["currency"]?.string, let given = currency, given != invoiceCurrency {
                    throw .invalidValue("currency", "The currency of the invoice item (\(given)) must match the invoice's (\(invoiceCurrency)).")
                }
                currency = invoice["currency"]?.string ?? currency
                invoiceId = id
            }
            guard let currency else { throw .missingParameter("currency") }
            let date = time(forCustomer: customerId)
            let id = newId("ii")
            let item = StripeObject([
                ("id", .string(id)), ("object", "invoiceitem"), ("amount", .int(amount)), ("currency", .string(currency)),
                ("customer", .string(customerId)), ("customer_account", nil), ("date", .int(date)),
                ("description", .optional(try parameters.string("description"))), ("discountable", true), ("discounts", []),
                ("invoice", .optional(invoiceId)), ("livemode", false), ("metadata", .object(try parameters.metadata() ?? StripeObject())),
                ("net_amount", .int(amount)), ("parent", nil),
                ("period", .object(StripeObject([("end", .int(date)), ("start", .int(date))]))),
                ("pricing", .object(StripeObject([("price_details", nil), ("type", nil), ("unit_amount_decimal", .string(String(amount)))]))),
                ("proration", false), ("quantity", 1), ("quantity_decimal", "1"), ("tax_rates", []), ("test_clock", customer["test_clock"] ?? .null),
            ])
            store(item)
            if invoiceId == nil, objects[customerId]?["currency"]?.isNull ?? true {
                var updated = objects[customerId]!
                updated["currency"] = .string(currency)
                store(updated)
            }
            if let invoiceId { try recomputeInvoice(invoiceId) }
            emit("invoiceitem.created", item)
            return .object(item)
        case ("GET", 1, "invoiceitems"):
            try parameters.allowOnly(["customer", "invoice", "pending", "limit", "starting_after", "ending_before"])
            let customer = try parameters.string("customer")
            let invoice = try parameters.string("invoice")
            let pending = try parameters.boolean("pending")
            return try list(type: "invoiceitem", url: "/v1/invoiceitems", parameters: parameters, account: nil) {
                (customer == nil || $0["customer"]?.string == customer) && (invoice == nil || $0["invoice"]?.string == invoice)
                    && (pending == nil || ($0["invoice"]?.isNull ?? true) == pending)
            }
        case ("GET", 2, "invoiceitems"):
            return .object(try find(path[1], type: "invoiceitem", resource: "invoiceitem", account: nil))
        case ("DELETE", 2, "invoiceitems"):
            let item = try find(path[1], type: "invoiceitem", resource: "invoiceitem", account: nil)
            if let invoice = item["invoice"]?.string, objects[invoice]?["status"]?.string != "draft" {
                throw .state("You can only delete invoice items on draft invoices.", code: "invoice_not_editable")
            }
            var deleted = item
            deleted["deleted"] = true
            store(deleted)
            if let invoice = item["invoice"]?.string { try recomputeInvoice(invoice) }
            return .object(StripeObject([("id", .string(item.id)), ("object", "invoiceitem"), ("deleted", true)]))

        // MARK: Invoices
        case ("POST", 1, "invoices"):
            try parameters.allowOnly(["customer", "collection_method", "auto_advance", "days_until_due", "description", "metadata",
                                      "pending_invoice_items_behavior", "currency", "default_payment_method", "footer", "due_date"])
            let customerId = try parameters.requiredString("customer")
            let customer = try customerObject(customerId, live: true, param: "customer")
            let collection = try parameters.string("collection_method") ?? "charge_automatically"
            guard ["charge_automatically", "send_invoice"].contains(collection) else {
                throw .invalidValue("collection_method", "Invalid collection_method: must be one of charge_automatically or send_invoice")
            }
            let daysUntilDue = try parameters.integer("days_until_due")
            if collection == "send_invoice", daysUntilDue == nil, !parameters.has("due_date") {
                throw .invalidRequest("Missing required param: days_until_due or due_date (required for send_invoice).", param: "days_until_due")
            }
            if collection == "charge_automatically", daysUntilDue != nil {
                throw .invalidValue("days_until_due", "days_until_due can only be set when collection_method is send_invoice.")
            }
            let behaviour = try parameters.string("pending_invoice_items_behavior") ?? "exclude"
            guard ["include", "exclude"].contains(behaviour) else {
                throw .invalidValue("pending_invoice_items_behavior", "Invalid pending_invoice_items_behavior: must be include or exclude")
            }
            var defaultMethod: String?
            if let method = try parameters.string("default_payment_method") {
                let resolved = try find(method, type: "payment_method", resource: "PaymentMethod", account: nil, param: "default_payment_method")
                guard resolved["customer"]?.string == customerId else {
                    throw .invalidValue("default_payment_method", "The payment method must be attached to the invoice's customer.")
                }
                defaultMethod = method
            }
            let created = time(forCustomer: customerId)
            let autoAdvance = try parameters.boolean("auto_advance") ?? false
            let explicitDueDate = try parameters.integer("due_date")
            let dueDate = daysUntilDue.map { created + $0 * 86_400 } ?? explicitDueDate
            let id = newId("in")
            let invoice = StripeObject([
                ("id", .string(id)), ("object", "invoice"), ("account_country", "US"), ("account_name", "Opside"),
                ("account_tax_ids", nil), ("amount_due", 0), ("amount_overpaid", 0), ("amount_paid", 0), ("amount_remaining", 0),
                ("amount_shipping", 0), ("application", nil), ("attempt_count", 0), ("attempted", false),
                ("auto_advance", .bool(autoAdvance)),
                ("automatic_tax", .object(StripeObject([("disabled_reason", nil), ("enabled", false), ("liability", nil), ("provider", nil),
                                                        ("status", nil)]))),
                ("automatically_finalizes_at", .optional(autoAdvance ? created + 3600 : nil)),
                ("billing_reason", "manual"), ("collection_method", .string(collection)), ("created", .int(created)),
                ("currency", .optional(try parameters.currency(required: false) ?? customer["currency"]?.string)),
                ("custom_fields", nil), ("customer", .string(customerId)), ("customer_account", nil),
                ("customer_address", customer["address"] ?? .null), ("customer_email", customer["email"] ?? .null),
                ("customer_name", customer["name"] ?? .null), ("customer_phone", customer["phone"] ?? .null), ("customer_shipping", nil),
                ("customer_tax_exempt", "none"), ("customer_tax_ids", []), ("default_payment_method", .optional(defaultMethod)),
                ("default_source", nil), ("default_tax_rates", []), ("description", .optional(try parameters.string("description"))),
                ("discounts", []), ("due_date", .optional(dueDate)),
                ("effective_at", nil), ("ending_balance", nil), ("footer", .optional(try parameters.string("footer"))), ("from_invoice", nil),
                ("hosted_invoice_url", nil), ("invoice_pdf", nil), ("issuer", .object(StripeObject([("type", "self")]))),
                ("last_finalization_error", nil), ("latest_revision", nil),
                ("lines", .object(StripeObject([("object", "list"), ("data", []), ("has_more", false), ("url", .string("/v1/invoices/\(id)/lines"))]))),
                ("livemode", false), ("metadata", .object(try parameters.metadata() ?? StripeObject())), ("next_payment_attempt", nil),
                ("number", nil), ("on_behalf_of", nil), ("parent", nil),
                ("payment_settings", .object(StripeObject([("default_mandate", nil), ("payment_method_options", nil), ("payment_method_types", nil)]))),
                ("period_end", .int(created)), ("period_start", .int(created)), ("post_payment_credit_notes_amount", 0),
                ("pre_payment_credit_notes_amount", 0), ("receipt_number", nil),
                ("rendering", nil), ("shipping_cost", nil), ("shipping_details", nil), ("starting_balance", 0), ("statement_descriptor", nil),
                ("status", "draft"),
                ("status_transitions", .object(StripeObject([("finalized_at", nil), ("marked_uncollectible_at", nil), ("paid_at", nil),
                                                             ("voided_at", nil)]))),
                ("subscription", nil), ("subtotal", 0), ("subtotal_excluding_tax", 0), ("test_clock", customer["test_clock"] ?? .null), ("total", 0),
                ("total_discount_amounts", []), ("total_excluding_tax", 0), ("total_pretax_credit_amounts", []), ("total_taxes", []),
                ("webhooks_delivered_at", .int(created)),
            ])
            store(invoice)
            if behaviour == "include" {
                for itemId in idsByType["invoiceitem"] ?? [] {
                    guard var item = objects[itemId], item["deleted"] == nil, item["customer"]?.string == customerId,
                          item["invoice"]?.isNull ?? true else { continue }
                    item["invoice"] = .string(id)
                    store(item)
                }
            }
            try recomputeInvoice(id)
            emit("invoice.created", objects[id]!)
            return .object(objects[id]!)
        case ("GET", 1, "invoices"):
            try parameters.allowOnly(["customer", "status", "collection_method", "limit", "starting_after", "ending_before", "created"])
            let customer = try parameters.string("customer")
            let status = try parameters.string("status")
            return try list(type: "invoice", url: "/v1/invoices", parameters: parameters, account: nil) {
                (customer == nil || $0["customer"]?.string == customer) && (status == nil || $0["status"]?.string == status)
            }
        case ("GET", 2, "invoices"):
            return .object(try find(path[1], type: "invoice", resource: "invoice", account: nil))
        case ("POST", 2, "invoices"):
            try parameters.allowOnly(["description", "metadata", "auto_advance", "default_payment_method", "footer"])
            var invoice = try find(path[1], type: "invoice", resource: "invoice", account: nil)
            let before = invoice
            if let metadata = try parameters.metadata() { invoice["metadata"] = .object(merged(invoice["metadata"], metadata)) }
            if let autoAdvance = try parameters.boolean("auto_advance") { invoice["auto_advance"] = .bool(autoAdvance) }
            if invoice["status"]?.string == "draft" {
                if let description = try parameters.string("description") { invoice["description"] = .string(description) }
                if let footer = try parameters.string("footer") { invoice["footer"] = .string(footer) }
            } else if parameters.has("description") || parameters.has("footer") {
                throw .state("You can only modify the description and footer of a draft invoice.", code: "invoice_not_editable")
            }
            if let method = try parameters.string("default_payment_method") { invoice["default_payment_method"] = .string(method) }
            store(invoice)
            emit("invoice.updated", invoice, previous: previousAttributes(before, invoice))
            return .object(invoice)
        case ("DELETE", 2, "invoices"):
            let invoice = try find(path[1], type: "invoice", resource: "invoice", account: nil)
            guard invoice["status"]?.string == "draft" else {
                throw .state("You can only delete draft invoices.", code: "invoice_not_editable")
            }
            var deleted = invoice
            deleted["deleted"] = true
            store(deleted)
            emit("invoice.deleted", invoice)
            return .object(StripeObject([("id", .string(invoice.id)), ("object", "invoice"), ("deleted", true)]))
        case ("GET", 3, "invoices") where path[2] == "lines":
            let invoice = try find(path[1], type: "invoice", resource: "invoice", account: nil)
            return invoice["lines"] ?? .null
        case ("POST", 3, "invoices") where path[2] == "finalize":
            try parameters.allowOnly(["auto_advance"])
            return .object(try finalizeInvoice(path[1], autoAdvance: try parameters.boolean("auto_advance")))
        case ("POST", 3, "invoices") where path[2] == "pay":
            try parameters.allowOnly(["off_session", "payment_method", "paid_out_of_band"])
            if try parameters.boolean("paid_out_of_band") == true {
                var invoice = try openInvoice(path[1])
                markInvoicePaid(&invoice, amount: 0, outOfBand: true)
                return .object(invoice)
            }
            return .object(try payInvoice(path[1], paymentMethod: try parameters.string("payment_method"),
                                          offSession: try parameters.boolean("off_session") ?? true))
        case ("POST", 3, "invoices") where path[2] == "void":
            var invoice = try openInvoice(path[1])
            invoice["status"] = "void"
            setTransition(&invoice, "voided_at")
            invoice["next_payment_attempt"] = .null
            store(invoice)
            emit("invoice.voided", invoice)
            return .object(invoice)
        case ("POST", 3, "invoices") where path[2] == "mark_uncollectible":
            var invoice = try openInvoice(path[1])
            invoice["status"] = "uncollectible"
            setTransition(&invoice, "marked_uncollectible_at")
            invoice["next_payment_attempt"] = .null
            store(invoice)
            emit("invoice.marked_uncollectible", invoice)
            return .object(invoice)
        case ("GET", 1, "invoice_payments"):
            try parameters.allowOnly(["invoice", "payment", "status", "limit", "starting_after", "ending_before"])
            let invoice = try parameters.string("invoice")
            let status = try parameters.string("status")
            return try list(type: "invoice_payment", url: "/v1/invoice_payments", parameters: parameters, account: nil) {
                (invoice == nil || $0["invoice"]?.string == invoice) && (status == nil || $0["status"]?.string == status)
            }
        case ("GET", 2, "invoice_payments"):
            return .object(try find(path[1], type: "invoice_payment", resource: "invoice payment", account: nil))
        default:
            throw unrecognized(request)
        }
    }

    private func openInvoice(_ id: String) throws(StripeAPIError) -> StripeObject {
        let invoice = try find(id, type: "invoice", resource: "invoice", account: nil)
        guard invoice["status"]?.string == "open" else {
            throw .state("Invoice is \(invoice["status"]?.string ?? "") and cannot be changed this way: it must be open.",
                         code: "invoice_not_editable")
        }
        return invoice
    }

    private func setTransition(_ invoice: inout StripeObject, _ key: String) {
        var transitions = invoice["status_transitions"]?.object ?? StripeObject()
        transitions[key] = .int(time(forCustomer: invoice["customer"]?.string))
        invoice["status_transitions"] = .object(transitions)
    }

    /// Sets the invoice's lines and totals from its items.
    func recomputeInvoice(_ id: String) throws(StripeAPIError) {
        guard var invoice = objects[id] else { return }
        let items = (idsByType["invoiceitem"] ?? []).compactMap { objects[$0] }.filter { $0["invoice"]?.string == id && $0["deleted"] == nil }
        let lines: [StripeJSON] = items.map { item in
            .object(StripeObject([
                ("id", .string("il_" + item.id.dropFirst(3))), ("object", "line_item"), ("amount", item["amount"] ?? 0),
                ("currency", item["currency"] ?? "usd"), ("description", item["description"] ?? .null), ("discount_amounts", []),
                ("discountable", true), ("discounts", []), ("invoice", .string(id)), ("livemode", false),
                ("metadata", item["metadata"] ?? .object(StripeObject())),
                ("parent", .object(StripeObject([("invoice_item_details", .object(StripeObject([("invoice_item", .string(item.id)),
                                                                                              ("proration", false), ("proration_details", nil),
                                                                                              ("subscription", nil)]))),
                                                 ("subscription_item_details", nil), ("type", "invoice_item_details")]))),
                ("period", item["period"] ?? .null), ("pretax_credit_amounts", []), ("pricing", item["pricing"] ?? .null),
                ("quantity", 1), ("quantity_decimal", "1"), ("subscription", nil), ("subtotal", item["amount"] ?? 0), ("taxes", []),
            ]))
        }
        let total = items.reduce(0) { $0 + ($1["amount"]?.int ?? 0) }
        if invoice["currency"]?.isNull ?? true, let currency = items.first?["currency"] { invoice["currency"] = currency }
        invoice["lines"] = .object(StripeObject([("object", "list"), ("data", .array(lines)), ("has_more", false),
                                                 ("url", .string("/v1/invoices/\(id)/lines"))]))
        for key in ["subtotal", "subtotal_excluding_tax", "total", "total_excluding_tax", "amount_due"] { invoice[key] = .int(total) }
        invoice["amount_remaining"] = .int(total - (invoice["amount_paid"]?.int ?? 0))
        store(invoice)
    }

    /// draft → open: numbered from the customer's prefix and sequence, given its hosted page and
    /// PDF; a zero total is paid at once.
    func finalizeInvoice(_ id: String, autoAdvance: Bool?) throws(StripeAPIError) -> StripeObject {
        var invoice = try find(id, type: "invoice", resource: "invoice", account: nil)
        guard invoice["status"]?.string == "draft" else {
            throw .state("This invoice is already finalized, you can't re-finalize a non-draft invoice.", code: "invoice_not_editable")
        }
        guard let customerId = invoice["customer"]?.string, var customer = objects[customerId] else {
            throw .noSuch("customer", invoice["customer"]?.string ?? "")
        }
        guard invoice["currency"]?.string != nil else {
            throw .state("Nothing to invoice for customer", code: "invoice_no_customer_line_items")
        }
        let sequence = customer["next_invoice_sequence"]?.int ?? 1
        customer["next_invoice_sequence"] = .int(sequence + 1)
        store(customer)
        let prefix = customer["invoice_prefix"]?.string ?? "INV"
        let at = time(forCustomer: customerId)
        if let autoAdvance { invoice["auto_advance"] = .bool(autoAdvance) }
        invoice["status"] = "open"
        invoice["number"] = .string(String(format: "%@-%04d", prefix, sequence))
        invoice["effective_at"] = .int(at)
        invoice["automatically_finalizes_at"] = .null
        invoice["hosted_invoice_url"] = .string("\(publicURL)/_hosted/invoices/\(id)")
        invoice["invoice_pdf"] = .string("\(publicURL)/_hosted/invoices/\(id)/pdf")
        setTransition(&invoice, "finalized_at")
        let chargesItself = invoice["collection_method"]?.string == "charge_automatically" && invoice["auto_advance"]?.bool == true
        invoice["next_payment_attempt"] = .optional(chargesItself ? at + 3600 : nil)
        if invoice["collection_method"]?.string == "send_invoice", invoice["due_date"]?.isNull ?? true {
            invoice["due_date"] = .int(at + 30 * 86_400)
        }
        store(invoice)
        emit("invoice.finalized", invoice)
        if invoice["amount_due"]?.int == 0 {
            markInvoicePaid(&invoice, amount: 0, outOfBand: false)
        }
        return invoice
    }

    /// Pays an open invoice with the given or default card through a PaymentIntent of its own
    /// (one per invoice, reused by later attempts), listed in `/v1/invoice_payments`.
    func payInvoice(_ id: String, paymentMethod method: String?, offSession: Bool) throws(StripeAPIError) -> StripeObject {
        var invoice = try openInvoice(id)
        let customerId = invoice["customer"]?.string
        let chosen = method ?? invoice["default_payment_method"]?.string
            ?? customerId.flatMap { objects[$0]?["invoice_settings"]?.object?["default_payment_method"]?.string }
        guard let chosen else {
            throw .state("This customer has no attached payment source or default payment method. "
                         + "Please consider adding a default payment method.", code: "invoice_no_payment_method_types")
        }
        let amount = invoice["amount_remaining"]?.int ?? 0
        let intentId = invoiceOfIntent.first { $0.value == id && objects[$0.key]?["status"]?.string != "canceled" }?.key
        var intent: StripeObject
        if let intentId, let existing = objects[intentId] {
            intent = existing
        } else {
            intent = makePaymentIntent(amount: amount, currency: invoice["currency"]?.string ?? "usd", customer: customerId,
                                       description: "Payment for Invoice", metadata: nil)
            store(intent)
            invoiceOfIntent[intent.id] = id
            let payment = StripeObject([
                ("id", .string(newId("inpay"))), ("object", "invoice_payment"), ("amount_paid", nil), ("amount_requested", .int(amount)),
                ("created", .int(now)), ("currency", invoice["currency"] ?? "usd"), ("invoice", .string(id)), ("is_default", true),
                ("livemode", false),
                ("payment", .object(StripeObject([("payment_intent", .string(intent.id)), ("type", "payment_intent")]))),
                ("status", "open"), ("status_transitions", .object(StripeObject([("canceled_at", nil), ("paid_at", nil)]))),
            ])
            store(payment)
        }
        invoice["attempt_count"] = .int((invoice["attempt_count"]?.int ?? 0) + 1)
        invoice["attempted"] = true
        invoice["next_payment_attempt"] = .null
        store(invoice)
        do {
            let confirmed = try confirmPayment(intent.id, paymentMethod: chosen, offSession: offSession, returnURL: invoice["hosted_invoice_url"]?.string)
            if confirmed["status"]?.string == "succeeded" {
                invoicePaymentSucceeded(invoiceId: id, intent: confirmed)
            } else {
                emit("invoice.payment_action_required", objects[id]!)
            }
            return objects[id]!
        } catch {
            emit("invoice.payment_failed", objects[id]!)
            if error.code == "authentication_required" { emit("invoice.payment_action_required", objects[id]!) }
            throw error
        }
    }

    /// The invoice's PaymentIntent succeeded: the invoice and its payment record are paid.
    func invoicePaymentSucceeded(invoiceId: String, intent: StripeObject) {
        guard var invoice = objects[invoiceId] else { return }
        if let paymentId = (idsByType["invoice_payment"] ?? []).first(where: {
            objects[$0]?["payment"]?.object?["payment_intent"]?.string == intent.id
        }), var payment = objects[paymentId] {
            payment["status"] = "paid"
            payment["amount_paid"] = intent["amount"] ?? 0
            payment["status_transitions"] = .object(StripeObject([("canceled_at", nil), ("paid_at", .int(now))]))
            store(payment)
        }
        markInvoicePaid(&invoice, amount: intent["amount"]?.int ?? 0, outOfBand: false)
    }

    func markInvoicePaid(_ invoice: inout StripeObject, amount: Int, outOfBand: Bool) {
        invoice["status"] = "paid"
        invoice["amount_paid"] = .int(outOfBand ? invoice["amount_due"]?.int ?? 0 : (invoice["amount_paid"]?.int ?? 0) + amount)
        invoice["amount_remaining"] = 0
        invoice["next_payment_attempt"] = .null
        setTransition(&invoice, "paid_at")
        store(invoice)
        emit("invoice.paid", invoice)
        emit("invoice.payment_succeeded", invoice)
    }

    /// What auto-advancing invoices do as their customer's time passes: a draft finalizes an hour
    /// after it was made, and an open invoice charges itself an hour after finalizing (once: the
    /// sandbox has no Smart Retries).
    func advanceInvoices() {
        for id in idsByType["invoice"] ?? [] {
            guard let invoice = objects[id], invoice["deleted"] == nil, invoice["auto_advance"]?.bool == true else { continue }
            let at = time(forCustomer: invoice["customer"]?.string)
            if invoice["status"]?.string == "draft", let due = invoice["automatically_finalizes_at"]?.int, due <= at {
                _ = try? finalizeInvoice(id, autoAdvance: nil)
            } else if invoice["status"]?.string == "open", invoice["collection_method"]?.string == "charge_automatically",
                      let due = invoice["next_payment_attempt"]?.int, due <= at {
                // A failed automatic attempt is reported through its events, as Stripe does.
                _ = try? payInvoice(id, paymentMethod: nil, offSession: true)
            }
        }
    }
}
