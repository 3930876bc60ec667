import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpsideStripe

/// What Stripe answered when it refused a request: the HTTP status and its error object
/// (`{"error": {type, code, decline_code, message, param, payment_intent, …}}`).
public struct StripeRequestError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let type: String
    public let code: String?
    public let declineCode: String?
    public let message: String
    public let param: String?
    /// The PaymentIntent a decline left behind, when Stripe attached one.
    public let paymentIntentId: String?
    public let requestId: String?

    /// Stripe asks for a retry later (429): the caller's job snoozes rather than hot-loops.
    public var isRateLimited: Bool { status == 429 }
    /// A card decline or a payment that needs the cardholder (402).
    public var isCardError: Bool { type == "card_error" }

    public var description: String {
        "Stripe \(status) \(type)\(code.map { "/\($0)" } ?? ""): \(message)"
    }
}

/// Stripe's v1 API over HTTP, as Stripe's own SDKs call it: form-encoded bodies, the pinned
/// `Stripe-Version`, an `Idempotency-Key` on every POST (ours when the caller derives one from its
/// ids, else a fresh one), and stripe-go's retries: network errors, 409 and 5xx (or whatever
/// `Stripe-Should-Retry` says), waiting 500 ms × (1 + n²) up to 5 s, always with the same key.
public struct StripeClient: Sendable {
    public let settings: StripeSettings
    private let httpClient: HTTPClient
    private let logger: Logger
    /// Waits between retries; tests pass a shorter one.
    private let pause: @Sendable (Duration) async throws -> Void

    public init(settings: StripeSettings, httpClient: HTTPClient, logger: Logger,
                pause: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        self.pause = pause
    }

    /// POSTs to `/v1/<path>` and decodes the answer.
    /// - Parameters:
    ///   - idempotencyKey: derive it from our own ids (`commission:<reimbursement>:charge:v1`) so
    ///     no retry, replay or crash can do the work twice; at most 255 characters.
    ///   - account: act as this connected account (`Stripe-Account`).
    /// - Throws: `StripeRequestError` for Stripe's refusals; the transport's error when every
    ///   attempt failed on the network.
    public func post<Answer: Decodable>(_ path: String, _ parameters: [String: StripeFormValue] = [:], idempotencyKey: String? = nil,
                                        account: String? = nil, as: Answer.Type = Answer.self) async throws -> Answer {
        let key = idempotencyKey ?? UUID().uuidString
        precondition(key.count <= 255, "Stripe refuses idempotency keys over 255 characters")
        return try await send(.POST, path, body: StripeForm.encode(parameters), idempotencyKey: key, account: account)
    }

    /// GETs `/v1/<path>` with `parameters` in the query and decodes the answer.
    public func get<Answer: Decodable>(_ path: String, _ parameters: [String: StripeFormValue] = [:], account: String? = nil,
                                       as: Answer.Type = Answer.self) async throws -> Answer {
        let query = StripeForm.encode(parameters)
        return try await send(.GET, path + (query.isEmpty ? "" : "?" + query), body: nil, idempotencyKey: nil, account: account)
    }

    private func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: String?, idempotencyKey: String?,
                                         account: String?) async throws -> Answer {
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: settings.apiBase + "/v1/" + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(settings.secretKey)")
            request.headers.add(name: "Stripe-Version", value: settings.apiVersion)
            request.headers.add(name: "User-Agent", value: "Opside/1.0 (payments)")
            if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if let account { request.headers.add(name: "Stripe-Account", value: account) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let retryAllowed: Bool
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(80))
                let bytes = try await response.body.collect(upTo: 16 << 20)
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    return try JSONDecoder().decode(Answer.self, from: Data(buffer: bytes))
                }
                let refusal = Self.refusal(status: status, body: Data(buffer: bytes), requestId: response.headers.first(name: "Request-Id"))
                switch response.headers.first(name: "Stripe-Should-Retry") {
                case "true": retryAllowed = true
                case "false": retryAllowed = false
                default: retryAllowed = status == 409 || status >= 500
                }
                guard retryAllowed, attempt < settings.maxNetworkRetries else { throw refusal }
                logger.notice("Stripe refused, retrying", metadata: ["path": "\(path)", "status": "\(status)", "attempt": "\(attempt + 1)"])
            } catch let error as StripeRequestError {
                throw error
            } catch let error as DecodingError {
                throw error
            } catch {
                guard attempt < settings.maxNetworkRetries else { throw error }
                logger.notice("Stripe unreachable, retrying", metadata: ["path": "\(path)", "error": "\(error)", "attempt": "\(attempt + 1)"])
            }
            attempt += 1
            try await pause(Self.retryDelay(attempt: attempt))
        }
    }

    /// stripe-go's backoff: 500 ms × (1 + n²), at least 500 ms and at most 5 s.
    static func retryDelay(attempt: Int) -> Duration {
        .milliseconds(min(5_000, max(500, 500 * (1 + attempt * attempt))))
    }

    static func refusal(status: Int, body: Data, requestId: String?) -> StripeRequestError {
        struct Envelope: Decodable {
            struct Body: Decodable {
                struct Attached: Decodable { let id: String? }
                let type: String?
                let code: String?
                let decline_code: String?
                let message: String?
                let param: String?
                let payment_intent: Attached?
            }
            let error: Body
        }
        let parsed = try? JSONDecoder().decode(Envelope.self, from: body)
        return StripeRequestError(status: status, type: parsed?.error.type ?? "api_error", code: parsed?.error.code,
                                  declineCode: parsed?.error.decline_code,
                                  message: parsed?.error.message ?? "Stripe answered \(status) without an error body",
                                  param: parsed?.error.param, paymentIntentId: parsed?.error.payment_intent?.id, requestId: requestId)
    }
}
