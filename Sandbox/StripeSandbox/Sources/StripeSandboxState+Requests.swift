import Foundation
import OpsideStripe

/// One API request as the controller hands it over.
struct SandboxRequest: Sendable {
    var method: String
    /// The path after `/v1/`, split on `/`.
    var path: [String]
    var parameters: StripeParameters
    /// `Stripe-Account`: the connected account the request acts as.
    var account: String?
    var idempotencyKey: String?
    var apiVersion: String
}

/// The answer to one API request.
struct SandboxAnswer: Sendable {
    var status: Int
    var body: String
    var replayed: Bool
    var requestId: String
}

extension StripeSandboxState {
    /// Runs one API request: the rate limit, injected faults, the idempotency key, the operation
    /// and the expansion of its answer.
    func perform(_ request: SandboxRequest) -> SandboxAnswer {
        requestCounter += 1
        let requestId = "req_" + Self.randomBase62(14)
        applyTimeDrivenChanges()
        if !takeRateToken() {
            let error = StripeAPIError(status: .tooManyRequests, type: "invalid_request_error",
                                       message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
                                       code: "rate_limit")
            return SandboxAnswer(status: 429, body: error.body.serialized(), replayed: false, requestId: requestId)
        }
        let pathText = request.path.joined(separator: "/")
        var fault: APIFault?
        if let index = apiFaults.firstIndex(where: { pathText.hasPrefix($0.pathPrefix) && $0.count > 0 }) {
            apiFaults[index].count -= 1
            fault = apiFaults[index]
            apiFaults.removeAll { $0.count <= 0 }
        }
        if let fault, !fault.afterExecuting {
            return faultAnswer(fault, requestId: requestId)
        }

        let isIdempotent = request.method == "POST" && request.idempotencyKey != nil
        let scopedKey = "\(request.account ?? "")\n\(request.idempotencyKey ?? "")"
        let fingerprint = "\(request.method) /v1/\(pathText)?\(StripeForm.encode(request.parameters.values))"
        if isIdempotent, let key = request.idempotencyKey {
            guard key.count <= 255 else {
                let error = StripeAPIError.invalidRequest("Invalid idempotency key: keys may be at most 255 characters long.",
                                                          param: "Idempotency-Key")
                return SandboxAnswer(status: 400, body: error.body.serialized(), replayed: false, requestId: requestId)
            }
            if let saved = idempotentResponses[scopedKey] {
                if now - saved.created >= 24 * 3600 {
                    idempotentResponses[scopedKey] = nil
                } else if saved.fingerprint == fingerprint {
                    if let fault { return faultAnswer(fault, requestId: requestId) }
                    return SandboxAnswer(status: saved.status, body: saved.body, replayed: true, requestId: requestId)
                } else {
                    let error = StripeAPIError(
                        status: .badRequest, type: "idempotency_error",
                        message: "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                            + "Try using a key other than '\(key)' if you meant to execute a different request.")
                    return SandboxAnswer(status: 400, body: error.body.serialized(), replayed: false, requestId: requestId)
                }
            }
        }

        currentRequest = (requestId, request.idempotencyKey)
        defer { currentRequest = nil }
        let status: Int
        let body: String
        var keep: Bool
        do {
            let answer = try route(request)
            let expanded = try expand(answer, paths: request.parameters.expansions(), account: request.account)
            status = 200
            body = expanded.serialized()
            keep = true
        } catch {
            status = Int(error.status.code)
            body = error.body.serialized()
            keep = error.isKeptForReplay
        }
        if isIdempotent, keep {
            idempotentResponses[scopedKey] = IdempotentResponse(fingerprint: fingerprint, status: status, body: body, created: now)
        }
        if let fault { return faultAnswer(fault, requestId: requestId) }
        return SandboxAnswer(status: status, body: body, replayed: false, requestId: requestId)
    }

    private func faultAnswer(_ fault: APIFault, requestId: String) -> SandboxAnswer {
        let error: StripeAPIError = fault.status == 429
            ? StripeAPIError(status: .tooManyRequests, type: "invalid_request_error",
                             message: "Request rate limit exceeded.", code: "rate_limit")
            : StripeAPIError(status: .init(code: fault.status), type: "api_error",
                             message: "An unknown error occurred while processing your request (injected by the sandbox).")
        return SandboxAnswer(status: fault.status, body: error.body.serialized(), replayed: false, requestId: requestId)
    }

    /// A token bucket per sandbox (one secret key): `requestsPerSecond` a second, bursting to one second's worth.
    private func takeRateToken() -> Bool {
        guard settings.requestsPerSecond > 0 else { return true }
        let wall = Date()
        rateTokens = min(max(1, settings.requestsPerSecond), rateTokens + wall.timeIntervalSince(rateUpdated) * settings.requestsPerSecond)
        rateUpdated = wall
        guard rateTokens >= 1 else { return false }
        rateTokens -= 1
        return true
    }

    func injectFault(_ fault: APIFault) {
        apiFaults.append(fault)
    }

    // MARK: Routing

    /// Hands the request to the resource it names (`/v1/<resource>/…`).
    private func route(_ request: SandboxRequest) throws(StripeAPIError) -> StripeJSON {
        switch request.path.first ?? "" {
        case "customers": return try routeCustomers(request)
        case "payment_methods": return try routePaymentMethods(request)
        case "setup_intents": return try routeSetupIntents(request)
        case "payment_intents": return try routePaymentIntents(request)
        case "charges", "refunds": return try routeChargesAndRefunds(request)
        case "invoiceitems", "invoices", "invoice_payments": return try routeInvoices(request)
        case "accounts", "account_links", "account": return try routeAccounts(request)
        case "transfers", "payouts", "balance", "balance_transactions": return try routeMoneyMovement(request)
        case "events", "webhook_endpoints": return try routeEvents(request)
        case "checkout": return try routeCheckout(request)
        case "test_helpers": return try routeTestClocks(request)
        default: throw unrecognized(request)
        }
    }

    func unrecognized(_ request: SandboxRequest) -> StripeAPIError {
        StripeAPIError(status: .notFound, type: "invalid_request_error",
                       message: "Unrecognized request URL (\(request.method): /v1/\(request.path.joined(separator: "/"))). "
                           + "Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")
    }
}
