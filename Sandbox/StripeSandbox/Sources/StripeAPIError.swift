import Hummingbird

/// An error the sandbox answers the way Stripe does: an HTTP status and
/// `{"error": {type, code, decline_code, message, param, doc_url, payment_intent, …}}`.
struct StripeAPIError: Error {
    var status: HTTPResponse.Status
    var type: String
    var message: String
    var code: String?
    var param: String?
    var declineCode: String?
    /// Objects Stripe attaches to the error (the PaymentIntent a decline left behind, …).
    var attached: [(String, StripeJSON)] = []
    /// Whether an idempotency key keeps this answer for its replays: Stripe keeps what the
    /// endpoint answered once it started executing, but not a refused parameter.
    var isKeptForReplay: Bool

    init(status: HTTPResponse.Status, type: String, message: String, code: String? = nil, param: String? = nil,
         declineCode: String? = nil, attached: [(String, StripeJSON)] = [], isKeptForReplay: Bool = false) {
        self.status = status
        self.type = type
        self.message = message
        self.code = code
        self.param = param
        self.declineCode = declineCode
        self.attached = attached
        self.isKeptForReplay = isKeptForReplay
    }

    var body: StripeJSON {
        var error = StripeObject()
        if let code { error["code"] = .string(code) }
        if let declineCode { error["decline_code"] = .string(declineCode) }
        if let code { error["doc_url"] = .string("https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))") }
        error["message"] = .string(message)
        if let param { error["param"] = .string(param) }
        for (key, value) in attached { error[key] = value }
        error["request_log_url"] = .string("https://dashboard.stripe.com/test/logs")
        error["type"] = .string(type)
        return .object(StripeObject([("error", .object(error))]))
    }

    // MARK: The errors the sandbox gives

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> StripeAPIError {
        StripeAPIError(status: .badRequest, type: "invalid_request_error", message: message, code: code,
                       param: param)
    }

    static func missingParameter(_ param: String) -> StripeAPIError {
        StripeAPIError(status: .badRequest, type: "invalid_request_error", message: "Missing required param: \(param).",
                       code: "parameter_missing", param: param)
    }

    static func unknownParameter(_ param: String) -> StripeAPIError {
        StripeAPIError(status: .badRequest, type: "invalid_request_error", message: "Received unknown parameter: \(param)",
                       code: "parameter_unknown", param: param)
    }

    static func invalidValue(_ param: String, _ message: String) -> StripeAPIError {
        StripeAPIError(status: .badRequest, type: "invalid_request_error", message: message, code: "parameter_invalid", param: param)
    }

    static func noSuch(_ resource: String, _ id: String, param: String = "id") -> StripeAPIError {
        StripeAPIError(status: .notFound, type: "invalid_request_error", message: "No such \(resource): '\(id)'",
                       code: "resource_missing", param: param)
    }

    static func state(_ message: String, code: String? = nil) -> StripeAPIError {
        StripeAPIError(status: .badRequest, type: "invalid_request_error", message: message, code: code, isKeptForReplay: true)
    }
}
