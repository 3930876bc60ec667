import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideStripe

/// Stripe's v1 API as the sandbox serves it: secret-key auth (Bearer or Basic), form-encoded
/// bodies, `Stripe-Account`, `Stripe-Version`, `Idempotency-Key`, and Stripe's answers and headers
/// (`Request-Id`, `Idempotent-Replayed`).
struct StripeAPIController: Sendable {
    let state: StripeSandboxState
    let settings: StripeSandboxSettings

    static let stripeAccount = HTTPField.Name("Stripe-Account")!
    static let stripeVersion = HTTPField.Name("Stripe-Version")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let requestId = HTTPField.Name("Request-Id")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!

    func register(on router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .delete] {
            router.on("/v1/**", method: method) { request, _ in await handle(request) }
        }
    }

    func handle(_ request: Request) async -> Response {
        if let refusal = authenticate(request) { return refusal }
        let version = request.headers[Self.stripeVersion] ?? StripeSandboxSettings.apiVersion
        guard version.range(of: #"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$"#, options: String.CompareOptions.regularExpression) != nil else {
            return Self.json(400, StripeAPIError.invalidRequest("Invalid Stripe API version: \(version)").body.serialized())
        }
        let text: String
        if request.method == .post {
            guard let buffer = try? await request.body.collect(upTo: 1 << 20) else {
                return Self.json(413, StripeAPIError.invalidRequest("The request body is too large.").body.serialized())
            }
            text = String(buffer: buffer)
            if !text.isEmpty, let type = request.headers[.contentType], !type.hasPrefix("application/x-www-form-urlencoded") {
                return Self.json(400, StripeAPIError.invalidRequest(
                    "Invalid request: the v1 API takes application/x-www-form-urlencoded bodies, not \(type).").body.serialized())
            }
        } else {
            text = request.uri.query ?? ""
        }
        let values: [String: StripeFormValue]
        do {
            values = try StripeForm.decode(text)
        } catch {
            return Self.json(400, StripeAPIError.invalidRequest(error.description).body.serialized())
        }
        var account = request.headers[Self.stripeAccount]
        if account?.isEmpty == true { account = nil }
        if let account, !(await state.isConnectedAccount(account)) {
            let message = "The provided key '\(Self.redacted(settings.secretKey))' does not have access to account '\(account)' "
                + "(or that account does not exist). Application access may have been revoked."
            return Self.json(403, StripeAPIError(status: .forbidden, type: "invalid_request_error", message: message,
                                                 code: "account_invalid").body.serialized())
        }
        let path = request.uri.path.dropFirst("/v1/".count).split(separator: "/").map(String.init)
        guard !path.isEmpty else {
            return Self.json(404, StripeAPIError.invalidRequest("Unrecognized request URL (\(request.method): \(request.uri.path)).").body.serialized())
        }
        let answer = await state.perform(SandboxRequest(
            method: request.method.rawValue, path: path, parameters: StripeParameters(values), account: account,
            idempotencyKey: request.method == .post ? request.headers[Self.idempotencyKey] : nil, apiVersion: version))
        var response = Self.json(answer.status, answer.body)
        response.headers[Self.requestId] = answer.requestId
        response.headers[Self.stripeVersion] = version
        if answer.replayed { response.headers[Self.idempotentReplayed] = "true" }
        if let key = request.headers[Self.idempotencyKey], request.method == .post { response.headers[Self.idempotencyKey] = key }
        return response
    }

    /// Stripe's 401s: no key, or a key it does not know (shown redacted, as Stripe does).
    private func authenticate(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization] else {
            return Self.unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, "
                                     + "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). "
                                     + "See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.")
        }
        var key: String?
        if header.hasPrefix("Bearer ") {
            key = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        } else if header.hasPrefix("Basic "), let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
                  let pair = String(data: data, encoding: .utf8) {
            key = pair.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        }
        guard let key, !key.isEmpty else {
            return Self.unauthorized("Invalid API Key provided: the Authorization header must be 'Bearer <secret key>'.")
        }
        guard key == settings.secretKey else {
            return Self.unauthorized("Invalid API Key provided: \(Self.redacted(key))")
        }
        return nil
    }

    static func redacted(_ key: String) -> String {
        guard key.count > 12 else { return String(repeating: "*", count: key.count) }
        return key.prefix(8) + String(repeating: "*", count: 4) + key.suffix(4)
    }

    private static func unauthorized(_ message: String) -> Response {
        var response = json(401, StripeAPIError(status: .unauthorized, type: "invalid_request_error", message: message).body.serialized())
        response.headers[.wwwAuthenticate] = "Bearer realm=\"Stripe\""
        return response
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension StripeSandboxState {
    func isConnectedAccount(_ id: String) -> Bool {
        objects[id]?.objectType == "account" && objects[id]?["deleted"] == nil
    }
}
