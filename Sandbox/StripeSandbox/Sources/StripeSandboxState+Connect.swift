import Foundation
import OpsideStripe

extension StripeSandboxState {
    // MARK: Balances

    /// Records money moving into (positive) or out of (negative) an account's balance as a
    /// balance transaction; it counts as pending until `availableOn`.
    /// - Returns: the balance transaction's id.
    @discardableResult
    func recordFunds(account: String, amount: Int, fee: Int, currency: String, type: String, source: String, description: String?,
                     availableOn: Int) -> String {
        let id = newId("txn")
        let net = amount - fee
        let feeDetails: [StripeJSON] = fee == 0 ? [] : [.object(StripeObject([
            ("amount", .int(fee)), ("application", nil), ("currency", .string(currency)), ("description", "Stripe processing fees"),
            ("type", "stripe_fee"),
        ]))]
        let transaction = StripeObject([
            ("id", .string(id)), ("object", "balance_transaction"), ("amount", .int(amount)), ("available_on", .int(availableOn)),
            ("balance_type", "payments"), ("created", .int(now)), ("currency", .string(currency)), ("description", .optional(description)),
            ("exchange_rate", nil), ("fee", .int(fee)), ("fee_details", .array(feeDetails)), ("net", .int(net)),
            ("reporting_category", .string(Self.reportingCategory(type))), ("source", .string(source)),
            ("status", .string(availableOn <= now ? "available" : "pending")), ("type", .string(type)),
        ])
        store(transaction, owner: account)
        funds.append(FundsMovement(account: account, currency: currency, amount: net, availableOn: availableOn, balanceTransaction: id))
        return id
    }

    private static func reportingCategory(_ type: String) -> String {
        switch type {
        case "payout", "payout_failure": type == "payout" ? "payout" : "payout_reversal"
        case "transfer", "payment": type == "transfer" ? "transfer" : "charge"
        case "transfer_refund": "transfer_reversal"
        default: type
        }
    }

    /// Available and pending amounts per currency for an account ("" is the platform).
    func balance(account: String) -> [String: (available: Int, pending: Int)] {
        var result: [String: (available: Int, pending: Int)] = [:]
        let current = now
        for movement in funds where movement.account == account {
            var entry = result[movement.currency] ?? (0, 0)
            if movement.availableOn <= current { entry.available += movement.amount } else { entry.pending += movement.amount }
            result[movement.currency] = entry
        }
        return result
    }

    func available(account: String, currency: String) -> Int { balance(account: account)[currency]?.available ?? 0 }

    // MARK: Time-driven changes

    /// Applies what the passing of time does: pending funds become available, payouts travel and
    /// arrive (or fail), accounts on an automatic schedule are paid out daily, auto-advancing
    /// invoices finalize and charge.
    func applyTimeDrivenChanges() {
        let current = now
        var madeAvailable: Set<String> = []
        for id in idsByType["balance_transaction"] ?? [] {
            guard var transaction = objects[id], transaction["status"]?.string == "pending",
                  let availableOn = transaction["available_on"]?.int, availableOn <= current else { continue }
            transaction["status"] = "available"
            objects[id] = transaction
            madeAvailable.insert(owners[id] ?? "")
        }
        for account in madeAvailable.sorted() { emitBalanceAvailable(account: account) }
        for id in idsByType["payout"] ?? [] {
            guard var payout = objects[id] else { continue }
            let account = owners[id] ?? ""
            let status = payout["status"]?.string
            if status == "pending", current >= (payout["created"]?.int ?? 0) + 60 {
                let before = payout
                payout["status"] = "in_transit"
                store(payout, owner: account)
                emit("payout.updated", payout, previous: previousAttributes(before, payout), account: account.isEmpty ? nil : account)
            }
            if payout["status"]?.string == "in_transit", let arrival = payout["arrival_date"]?.int, arrival <= current {
                settlePayout(&payout, account: account)
            }
        }
        runAutomaticPayouts()
        advanceInvoices()
    }

    private func emitBalanceAvailable(account: String) {
        let amounts = balance(account: account)
        emit("balance.available", balanceObject(amounts), account: account.isEmpty ? nil : account)
    }

    func balanceObject(_ amounts: [String: (available: Int, pending: Int)]) -> StripeObject {
        let currencies = amounts.keys.sorted()
        let entries = { (value: (String) -> Int) -> StripeJSON in
            .array((currencies.isEmpty ? ["usd"] : currencies).map { currency in
                .object(StripeObject([("amount", .int(value(currency))), ("currency", .string(currency)),
                                      ("source_types", .object(StripeObject([("card", .int(value(currency)))])))]))
            })
        }
        return StripeObject([
            ("object", "balance"), ("available", entries { amounts[$0]?.available ?? 0 }),
            ("connect_reserved", .array((currencies.isEmpty ? ["usd"] : currencies).map {
                .object(StripeObject([("amount", 0), ("currency", .string($0))]))
            })),
            ("livemode", false), ("pending", entries { amounts[$0]?.pending ?? 0 }),
        ])
    }

    /// A payout reaches its arrival date: paid, or failed by the test bank account's number, the
    /// money then back in the account's balance.
    private func settlePayout(_ payout: inout StripeObject, account: String) {
        let destination = payout["destination"]?.string.flatMap { objects[$0] }
        let accountNumber = destination.flatMap { bankAccountNumbers[$0.id] } ?? "000123456789"
        let connected = account.isEmpty ? nil : account
        if let failure = TestBankAccount.payoutFailure(accountNumber: accountNumber) {
            let amount = payout["amount"]?.int ?? 0
            let transaction = recordFunds(account: account, amount: amount, fee: 0, currency: payout["currency"]?.string ?? "usd",
                                          type: "payout_failure", source: payout.id, description: "Payout failure", availableOn: now)
            payout["status"] = "failed"
            payout["failure_code"] = .string(failure.code)
            payout["failure_message"] = .string(failure.message)
            payout["failure_balance_transaction"] = .string(transaction)
            store(payout, owner: account)
            emit("payout.failed", payout, account: connected)
        } else {
            payout["status"] = "paid"
            store(payout, owner: account)
            emit("payout.paid", payout, account: connected)
        }
    }

    /// Stripe pays an account on a daily schedule out by itself; the sandbox does so once per
    /// (sandbox) day for accounts whose schedule is not `manual`.
    private func runAutomaticPayouts() {
        let day = now / 86_400
        guard lastAutomaticPayoutDay != day else { return }
        let isFirstRun = lastAutomaticPayoutDay == nil
        lastAutomaticPayoutDay = day
        if isFirstRun { return }
        for id in idsByType["account"] ?? [] {
            guard let account = objects[id], account["payouts_enabled"]?.bool == true,
                  account["settings"]?.object?["payouts"]?.object?["schedule"]?.object?["interval"]?.string == "daily" else { continue }
            for (currency, amounts) in balance(account: id) where amounts.available > 0 {
                _ = try? createPayout(account: id, amount: amounts.available, currency: currency, description: "STRIPE PAYOUT",
                                      metadata: nil, automatic: true)
            }
        }
    }

    // MARK: Connected accounts

    func routeAccounts(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count, path[0]) {
        case ("GET", 1, "account"):
            return .object(platformAccount())
        case ("POST", 1, "accounts"):
            try parameters.allowOnly(["type", "country", "email", "capabilities", "business_type", "metadata", "controller",
                                      "default_currency", "settings", "business_profile"])
            try parameters.allowOnly(["transfers", "card_payments"], in: "capabilities")
            let type = try parameters.string("type")
            let controllerDashboard = parameters.hash("controller")?["stripe_dashboard"]?.hash?["type"]?.string
            guard type != nil || parameters.has("controller") else {
                throw .invalidRequest("You must provide either `type` or `controller` when creating an account.", param: "type")
            }
            guard type == nil || ["express", "custom", "standard"].contains(type!) else {
                throw .invalidValue("type", "Invalid type: must be one of custom, express, or standard")
            }
            let country = (try parameters.string("country") ?? "US").uppercased()
            let id = "acct_1" + Self.randomBase62(15)
            var capabilities = StripeObject()
            for name in ["card_payments", "transfers"] {
                if parameters.hash("capabilities")?[name]?.hash?["requested"]?.string == "true" { capabilities[name] = "inactive" }
            }
            let requirementsDue: [StripeJSON] = ["business_profile.url", "external_account", "individual.dob.day", "individual.first_name",
                                                 "individual.last_name", "tos_acceptance.date", "tos_acceptance.ip"]
            let requirements = StripeObject([
                ("alternatives", []), ("current_deadline", nil), ("currently_due", .array(requirementsDue)),
                ("disabled_reason", "requirements.past_due"), ("errors", []), ("eventually_due", .array(requirementsDue)),
                ("past_due", .array(requirementsDue)), ("pending_verification", []),
            ])
            let interval = parameters.hash("settings")?["payouts"]?.hash?["schedule"]?.hash?["interval"]?.string ?? "daily"
            guard ["manual", "daily", "weekly", "monthly"].contains(interval) else {
                throw .invalidValue("settings[payouts][schedule][interval]", "Invalid interval: must be manual, daily, weekly or monthly")
            }
            let dashboard = type ?? controllerDashboard ?? "express"
            let account = StripeObject([
                ("id", .string(id)), ("object", "account"),
                ("business_profile", .object(StripeObject([("annual_revenue", nil), ("estimated_worker_count", nil), ("mcc", nil),
                                                          ("minority_owned_business_designation", nil), ("name", nil),
                                                          ("product_description", nil), ("support_address", nil), ("support_email", nil),
                                                          ("support_phone", nil), ("support_url", nil), ("url", nil)]))),
                ("business_type", .optional(try parameters.string("business_type"))), ("capabilities", .object(capabilities)),
                ("charges_enabled", false),
                ("controller", .object(StripeObject([("fees", .object(StripeObject([("payer", "application")]))), ("is_controller", true),
                                                    ("losses", .object(StripeObject([("payments", "application")]))),
                                                    ("requirement_collection", "stripe"),
                                                    ("stripe_dashboard", .object(StripeObject([("type", .string(dashboard))]))),
                                                    ("type", "application")]))),
                ("country", .string(country)), ("created", .int(now)),
                ("default_currency", .string(try parameters.currency("default_currency", required: false) ?? "usd")),
                ("details_submitted", false), ("email", .optional(try parameters.string("email"))),
                ("external_accounts", .object(StripeObject([("object", "list"), ("data", []), ("has_more", false),
                                                            ("url", .string("/v1/accounts/\(id)/external_accounts"))]))),
                ("future_requirements", .object(StripeObject([("alternatives", []), ("current_deadline", nil), ("currently_due", []),
                                                              ("disabled_reason", nil), ("errors", []), ("eventually_due", []),
                                                              ("past_due", []), ("pending_verification", [])]))),
                ("metadata", .object(try parameters.metadata() ?? StripeObject())), ("payouts_enabled", false),
                ("requirements", .object(requirements)),
                ("settings", .object(StripeObject([("payouts", .object(StripeObject([
                    ("debit_negative_balances", true),
                    ("schedule", .object(StripeObject([("delay_days", 2), ("interval", .string(interval))]))),
                    ("statement_descriptor", nil),
                ])))]))),
                ("tos_acceptance", .object(StripeObject([("date", nil), ("ip", nil), ("user_agent", nil)]))), ("type", .string(dashboard)),
            ])
            store(account)
            return .object(account)
        case ("GET", 1, "accounts"):
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "created"])
            return try list(type: "account", url: "/v1/accounts", parameters: parameters, account: nil)
        case ("GET", 2, "accounts"):
            return .object(try connectedAccount(path[1]))
        case ("POST", 2, "accounts"):
            try parameters.allowOnly(["email", "metadata", "settings", "business_profile"])
            var account = try connectedAccount(path[1])
            let before = account
            if let email = try parameters.string("email") { account["email"] = .string(email) }
            if let metadata = try parameters.metadata() { account["metadata"] = .object(merged(account["metadata"], metadata)) }
            if let interval = parameters.hash("settings")?["payouts"]?.hash?["schedule"]?.hash?["interval"]?.string {
                guard ["manual", "daily", "weekly", "monthly"].contains(interval) else {
                    throw .invalidValue("settings[payouts][schedule][interval]", "Invalid interval: must be manual, daily, weekly or monthly")
                }
                account["settings"] = .object(StripeObject([("payouts", .object(StripeObject([
                    ("debit_negative_balances", true),
                    ("schedule", .object(StripeObject([("delay_days", 2), ("interval", .string(interval))]))), ("statement_descriptor", nil),
                ])))]))
            }
            store(account)
            emit("account.updated", account, previous: previousAttributes(before, account), account: account.id)
            return .object(account)
        case ("DELETE", 2, "accounts"):
            var account = try connectedAccount(path[1])
            account["deleted"] = true
            store(account)
            return .object(StripeObject([("id", .string(account.id)), ("object", "account"), ("deleted", true)]))
        case ("POST", 3, "accounts") where path[2] == "login_links":
            let account = try connectedAccount(path[1])
            guard account["details_submitted"]?.bool == true else {
                throw .state("Cannot create a login link for an account that has not completed onboarding.")
            }
            return .object(StripeObject([("object", "login_link"), ("created", .int(now)),
                                         ("url", .string("\(publicURL)/_hosted/express/\(account.id)"))]))
        case ("POST", 1, "account_links"):
            try parameters.allowOnly(["account", "type", "refresh_url", "return_url", "collect", "collection_options"])
            let accountId = try parameters.requiredString("account")
            let account = try connectedAccount(accountId, param: "account")
            let type = try parameters.requiredString("type")
            guard ["account_onboarding", "account_update"].contains(type) else {
                throw .invalidValue("type", "Invalid type: must be one of account_onboarding or account_update")
            }
            if type == "account_update", account["type"]?.string == "express" {
                throw .invalidValue("type", "You cannot create `account_update` type Account Links for Express accounts. "
                                    + "Use the Express Dashboard login link instead.")
            }
            let refreshURL = try parameters.requiredString("refresh_url")
            let returnURL = try parameters.requiredString("return_url")
            for (name, url) in [("refresh_url", refreshURL), ("return_url", returnURL)] {
                guard URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
                    throw .invalidValue(name, "Not a valid URL")
                }
            }
            let token = Self.randomBase62(24)
            let expiresAt = now + 300
            accountLinks[token] = AccountLinkRecord(account: accountId, type: type, refreshURL: refreshURL, returnURL: returnURL,
                                                    expiresAt: expiresAt, used: false)
            return .object(StripeObject([("object", "account_link"), ("created", .int(now)), ("expires_at", .int(expiresAt)),
                                         ("url", .string("\(publicURL)/_hosted/onboarding/\(token)"))]))
        default:
            throw unrecognized(request)
        }
    }

    func connectedAccount(_ id: String, param: String = "id") throws(StripeAPIError) -> StripeObject {
        let account = try find(id, type: "account", resource: "account", account: nil, param: param)
        guard account["deleted"] == nil else { throw .noSuch("account", id, param: param) }
        return account
    }

    private func platformAccount() -> StripeObject {
        StripeObject([("id", "acct_1OpsideSandbox0"), ("object", "account"), ("business_profile", nil), ("business_type", "company"),
                      ("charges_enabled", true), ("country", "US"), ("created", .int(now)), ("default_currency", "usd"),
                      ("details_submitted", true), ("email", "billing@opside.test"), ("payouts_enabled", true), ("type", "standard")])
    }

    /// The onboarding page's submission: the account is complete (details submitted, charges and
    /// payouts on, transfers active, a test bank account) or, when `finished` is false, left as it
    /// was, as a seller who saves for later leaves it.
    /// - Returns: where the browser goes next.
    func submitOnboarding(token: String, accountNumber: String, finished: Bool) -> String? {
        guard var link = accountLinks[token] else { return nil }
        guard !link.used, link.expiresAt > now else { return link.refreshURL }
        link.used = true
        accountLinks[token] = link
        guard finished, var account = objects[link.account] else { return link.returnURL }
        let before = account
        let bankId = newId("ba")
        bankAccountNumbers[bankId] = accountNumber
        let bank = StripeObject([
            ("id", .string(bankId)), ("object", "bank_account"), ("account", .string(account.id)), ("account_holder_name", nil),
            ("account_holder_type", nil), ("account_type", nil), ("bank_name", "STRIPE TEST BANK"), ("country", "US"), ("currency", "usd"),
            ("default_for_currency", true), ("fingerprint", .string(Self.fingerprint(accountNumber))),
            ("last4", .string(String(accountNumber.suffix(4)))), ("metadata", .object(StripeObject())), ("routing_number", "110000000"),
            ("status", "new"),
        ])
        store(bank, owner: account.id)
        var capabilities = account["capabilities"]?.object ?? StripeObject()
        for key in capabilities.keys { capabilities[key] = "active" }
        if capabilities["transfers"] == nil { capabilities["transfers"] = "active" }
        account["capabilities"] = .object(capabilities)
        account["details_submitted"] = true
        account["charges_enabled"] = .bool(capabilities["card_payments"] != nil)
        account["payouts_enabled"] = true
        account["external_accounts"] = .object(StripeObject([("object", "list"), ("data", [.object(bank)]), ("has_more", false),
                                                             ("url", .string("/v1/accounts/\(account.id)/external_accounts"))]))
        account["requirements"] = .object(StripeObject([
            ("alternatives", []), ("current_deadline", nil), ("currently_due", []), ("disabled_reason", nil), ("errors", []),
            ("eventually_due", []), ("past_due", []), ("pending_verification", []),
        ]))
        account["tos_acceptance"] = .object(StripeObject([("date", .int(now)), ("ip", "127.0.0.1"), ("user_agent", "Mozilla/5.0")]))
        store(account)
        emit("account.external_account.created", bank, account: account.id)
        for name in capabilities.keys {
            emit("capability.updated", StripeObject([("id", .string(name)), ("object", "capability"), ("account", .string(account.id)),
                                                     ("requested", true), ("requested_at", .int(account.created)), ("status", "active")]),
                 account: account.id)
        }
        emit("account.updated", account, previous: previousAttributes(before, account), account: account.id)
        return link.returnURL
    }

    // MARK: Transfers, payouts, balance

    func routeMoneyMovement(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        let path = request.path
        let parameters = request.parameters
        switch (request.method, path.count, path[0]) {
        case ("GET", 1, "balance"):
            return .object(balanceObject(balance(account: request.account ?? "")))
        case ("GET", 1, "balance_transactions"):
            try parameters.allowOnly(["limit", "starting_after", "ending_before", "type", "payout", "source", "created", "currency"])
            let type = try parameters.string("type")
            let source = try parameters.string("source")
            return try list(type: "balance_transaction", url: "/v1/balance_transactions", parameters: parameters, account: request.account) {
                (type == nil || $0["type"]?.string == type) && (source == nil || $0["source"]?.string == source)
            }
        case ("GET", 2, "balance_transactions"):
            return .object(try find(path[1], type: "balance_transaction", resource: "balance transaction", account: request.account))
        case ("POST", 1, "transfers"):
            guard request.account == nil else {
                throw .invalidRequest("Transfers are made by the platform, not on behalf of a connected account.")
            }
            try parameters.allowOnly(["amount", "currency", "destination", "transfer_group", "metadata", "description", "source_transaction"])
            let amount = try parameters.requiredInteger("amount")
            guard amount > 0 else { throw .invalidValue("amount", "Invalid positive integer") }
            let currency = try parameters.currency()!
            let destinationId = try parameters.requiredString("destination")
            let destination = try connectedAccount(destinationId, param: "destination")
            guard destination["capabilities"]?.object?["transfers"]?.string == "active" else {
                throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                     message: "Your destination account needs to have at least one of the following capabilities enabled: "
                                         + "transfers, crypto_transfers, legacy_payments",
                                     code: "insufficient_capabilities_for_transfer", param: "destination")
            }
            var availableOn = now
            if let sourceCharge = try parameters.string("source_transaction") {
                let charge = try find(sourceCharge, type: "charge", resource: "charge", account: nil, param: "source_transaction")
                guard charge["status"]?.string == "succeeded", charge["currency"]?.string == currency else {
                    throw .invalidValue("source_transaction", "The source transaction must be a successful charge in \(currency).")
                }
                if let transaction = charge["balance_transaction"]?.string, let on = objects[transaction]?["available_on"]?.int {
                    availableOn = on
                }
            } else if available(account: "", currency: currency) < amount {
                throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                     message: "You have insufficient available funds in your Stripe account. Try adding funds directly to "
                                         + "your available balance by creating Charges using the 4000000000000077 Card number.",
                                     code: "balance_insufficient", isKeptForReplay: true)
            }
            let id = newId("tr")
            let paymentId = newId("py")
            let outgoing = recordFunds(account: "", amount: -amount, fee: 0, currency: currency, type: "transfer", source: id,
                                       description: try parameters.string("description"), availableOn: now)
            recordFunds(account: destinationId, amount: amount, fee: 0, currency: currency, type: "payment", source: paymentId,
                        description: nil, availableOn: availableOn)
            let transfer = StripeObject([
                ("id", .string(id)), ("object", "transfer"), ("amount", .int(amount)), ("amount_reversed", 0),
                ("balance_transaction", .string(outgoing)), ("created", .int(now)), ("currency", .string(currency)),
                ("description", .optional(try parameters.string("description"))), ("destination", .string(destinationId)),
                ("destination_payment", .string(paymentId)), ("livemode", false),
                ("metadata", .object(try parameters.metadata() ?? StripeObject())),
                ("reversals", .object(StripeObject([("object", "list"), ("data", []), ("has_more", false),
                                                    ("url", .string("/v1/transfers/\(id)/reversals"))]))),
                ("reversed", false), ("source_transaction", .optional(try parameters.string("source_transaction"))),
                ("source_type", "card"), ("transfer_group", .optional(try parameters.string("transfer_group"))),
            ])
            store(transfer)
            emit("transfer.created", transfer)
            return .object(transfer)
        case ("GET", 1, "transfers"):
            try parameters.allowOnly(["destination", "transfer_group", "limit", "starting_after", "ending_before", "created"])
            let destination = try parameters.string("destination")
            let group = try parameters.string("transfer_group")
            return try list(type: "transfer", url: "/v1/transfers", parameters: parameters, account: nil) {
                (destination == nil || $0["destination"]?.string == destination) && (group == nil || $0["transfer_group"]?.string == group)
            }
        case ("GET", 2, "transfers"):
            return .object(try find(path[1], type: "transfer", resource: "transfer", account: nil))
        case ("POST", 3, "transfers") where path[2] == "reversals":
            try parameters.allowOnly(["amount", "description", "metadata", "refund_application_fee"])
            var transfer = try find(path[1], type: "transfer", resource: "transfer", account: nil)
            let total = transfer["amount"]?.int ?? 0
            let reversed = transfer["amount_reversed"]?.int ?? 0
            let amount = try parameters.integer("amount") ?? (total - reversed)
            guard amount > 0, amount <= total - reversed else {
                throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                     message: "You have requested a reversal of \(amount), but only \(total - reversed) remains on this transfer.",
                                     code: "amount_too_large", param: "amount", isKeptForReplay: true)
            }
            let currency = transfer["currency"]?.string ?? "usd"
            let destination = transfer["destination"]?.string ?? ""
            let id = newId("trr")
            let incoming = recordFunds(account: "", amount: amount, fee: 0, currency: currency, type: "transfer_refund", source: id,
                                       description: nil, availableOn: now)
            recordFunds(account: destination, amount: -amount, fee: 0, currency: currency, type: "payment_refund", source: id,
                        description: nil, availableOn: now)
            let reversal = StripeObject([
                ("id", .string(id)), ("object", "transfer_reversal"), ("amount", .int(amount)), ("balance_transaction", .string(incoming)),
                ("created", .int(now)), ("currency", .string(currency)), ("destination_payment_refund", nil),
                ("metadata", .object(try parameters.metadata() ?? StripeObject())), ("source_refund", nil), ("transfer", .string(transfer.id)),
            ])
            store(reversal)
            transfer["amount_reversed"] = .int(reversed + amount)
            transfer["reversed"] = .bool(reversed + amount == total)
            var list = transfer["reversals"]?.object ?? StripeObject()
            list["data"] = .array((list["data"]?.array ?? []) + [.object(reversal)])
            transfer["reversals"] = .object(list)
            store(transfer)
            emit("transfer.reversed", transfer)
            return .object(reversal)
        case ("POST", 1, "payouts"):
            try parameters.allowOnly(["amount", "currency", "description", "metadata", "method", "statement_descriptor", "destination"])
            let amount = try parameters.requiredInteger("amount")
            guard amount > 0 else { throw .invalidValue("amount", "Invalid positive integer") }
            let currency = try parameters.currency()!
            if let method = try parameters.string("method"), method != "standard" {
                throw .invalidValue("method", "Instant payouts are not available for this account's bank account.")
            }
            guard let account = request.account else {
                throw .invalidRequest("The sandbox pays out connected accounts: send the Stripe-Account header.")
            }
            return .object(try createPayout(account: account, amount: amount, currency: currency,
                                            description: try parameters.string("description"), metadata: try parameters.metadata(),
                                            automatic: false))
        case ("GET", 1, "payouts"):
            try parameters.allowOnly(["status", "limit", "starting_after", "ending_before", "created", "arrival_date", "destination"])
            let status = try parameters.string("status")
            return try list(type: "payout", url: "/v1/payouts", parameters: parameters, account: request.account) {
                status == nil || $0["status"]?.string == status
            }
        case ("GET", 2, "payouts"):
            return .object(try find(path[1], type: "payout", resource: "payout", account: request.account))
        case ("POST", 3, "payouts") where path[2] == "cancel":
            var payout = try find(path[1], type: "payout", resource: "payout", account: request.account)
            guard payout["status"]?.string == "pending" else {
                throw .state("Payouts can only be canceled while they are pending.", code: "payout_not_cancelable")
            }
            let account = request.account ?? ""
            recordFunds(account: account, amount: payout["amount"]?.int ?? 0, fee: 0, currency: payout["currency"]?.string ?? "usd",
                        type: "payout_cancel", source: payout.id, description: nil, availableOn: now)
            payout["status"] = "canceled"
            store(payout, owner: account)
            emit("payout.canceled", payout, account: request.account)
            return .object(payout)
        default:
            throw unrecognized(request)
        }
    }

    /// A payout of a connected account's available balance to its bank account, arriving in two
    /// days (sandbox time).
    func createPayout(account accountId: String, amount: Int, currency: String, description: String?, metadata: StripeObject?,
                      automatic: Bool) throws(StripeAPIError) -> StripeObject {
        let account = try connectedAccount(accountId, param: "Stripe-Account")
        guard account["payouts_enabled"]?.bool == true,
              let bank = account["external_accounts"]?.object?["data"]?.array?.first?.object else {
            throw .state("This account cannot currently make payouts: it has not finished onboarding or has no bank account.",
                         code: "account_invalid")
        }
        guard available(account: accountId, currency: currency) >= amount else {
            throw StripeAPIError(status: .badRequest, type: "invalid_request_error",
                                 message: "You have insufficient funds in your Stripe account for this transfer. "
                                     + "Your card balance is too low. You can use the /v1/balance endpoint to view your Stripe balance.",
                                 code: "balance_insufficient", isKeptForReplay: true)
        }
        let id = newId("po")
        let transaction = recordFunds(account: accountId, amount: -amount, fee: 0, currency: currency, type: "payout", source: id,
                                      description: description ?? "STRIPE PAYOUT", availableOn: now)
        let payout = StripeObject([
            ("id", .string(id)), ("object", "payout"), ("amount", .int(amount)), ("application_fee", nil),
            ("application_fee_amount", nil), ("arrival_date", .int(now + 2 * 86_400)), ("automatic", .bool(automatic)),
            ("balance_transaction", .string(transaction)), ("created", .int(now)), ("currency", .string(currency)),
            ("description", .optional(description)), ("destination", .string(bank.id)), ("failure_balance_transaction", nil),
            ("failure_code", nil), ("failure_message", nil), ("livemode", false), ("metadata", .object(metadata ?? StripeObject())),
            ("method", "standard"), ("original_payout", nil), ("payout_method", nil), ("reconciliation_status", "not_applicable"),
            ("reversed_by", nil), ("source_type", "card"), ("statement_descriptor", nil), ("status", "pending"),
            ("trace_id", .object(StripeObject([("status", "pending"), ("value", nil)]))), ("type", "bank_account"),
        ])
        store(payout, owner: accountId)
        emit("payout.created", payout, account: accountId)
        return payout
    }
}
