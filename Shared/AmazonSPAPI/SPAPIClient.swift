import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Tracing

/// One SP-API request, before authorization and pacing.
public struct SPAPIRequest: Sendable {
    public var method: HTTPMethod
    /// The path with its parameters already percent-encoded (see `SPAPIPath`).
    public var path: String
    public var query: [(String, String)]
    public var body: [UInt8]?
    public var operation: SPAPIOperation
    /// A Restricted Data Token to send instead of the connection's access token.
    public var restrictedDataToken: String?

    public init(method: HTTPMethod, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                operation: SPAPIOperation, restrictedDataToken: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.operation = operation
        self.restrictedDataToken = restrictedDataToken
    }
}

/// A response Amazon answered with (2xx, or a 4xx the caller asked to see).
public struct SPAPIResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]
    public var requestID: String? { headers.first(name: "x-amzn-RequestId") }

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The suite's SP-API client: authorizes, paces, retries and decodes every call.
///
/// Made once in a composition root and shared; the owner passes its `HTTPClient` (never
/// `HTTPClient.shared`) and shuts it down. `api(for:)` gives the typed operations of one
/// connection.
public final class SPAPIClient: Sendable {
    public let settings: AmazonSPAPISettings
    let httpClient: HTTPClient
    let tokens: any SPAPIAccessTokenSource
    let rateLimiter: any SPAPIRateLimiter
    public let usagePlans: UsagePlanTable
    let logger: Logger
    /// The clock retries back off on and report waits time out by (tests move it).
    public let clock: any Clock<Duration>

    /// Bodies larger than this are refused (Finances pages are at most 10 MB).
    static let maximumBodyBytes = 64 << 20

    public init(settings: AmazonSPAPISettings, httpClient: HTTPClient, tokens: any SPAPIAccessTokenSource,
                rateLimiter: any SPAPIRateLimiter, usagePlans: UsagePlanTable = .amazonDefaults, logger: Logger,
                clock: any Clock<Duration> = ContinuousClock()) {
        self.clock = clock
        self.settings = settings
        self.httpClient = httpClient
        self.tokens = tokens
        self.rateLimiter = rateLimiter
        self.usagePlans = usagePlans
        self.logger = logger
    }

    /// The typed operations for one connection.
    public func api(for connection: SPAPIConnection) -> SellingPartnerAPI {
        SellingPartnerAPI(client: self, connection: connection)
    }

    /// Sends a request: waits for a rate-limit token, attaches the access token, retries 429,
    /// 5xx, timeouts and dropped connections with capped exponential backoff and jitter, and
    /// refreshes the access token once when Amazon rejects it.
    /// - Returns: the 2xx response.
    /// - Throws: `SPAPIError` (Amazon's codes, messages and request id when there was a response).
    public func perform(_ request: SPAPIRequest, on connection: SPAPIConnection) async throws -> SPAPIResponse {
        // One span per operation, retries and pacing included: what the seller's request waited for.
        try await withSpan("SP-API \(request.operation.id)", ofKind: .client) { span in
            span.attributes["rpc.system"] = "sp-api"
            span.attributes["rpc.method"] = request.operation.id
            span.attributes["spapi.connection"] = connection.id
            let response = try await performWithRetries(request, on: connection)
            span.attributes["http.response.status_code"] = response.status
            if let requestID = response.requestID { span.attributes["spapi.request_id"] = requestID }
            return response
        }
    }

    private func performWithRetries(_ request: SPAPIRequest, on connection: SPAPIConnection) async throws -> SPAPIResponse {
        let operation = request.operation
        let plan = usagePlans.plan(for: operation)
        let dimensions = [("operation", operation.id)]
        var attempt = 0
        var refreshedAfterRejection = false
        var log = logger
        log[metadataKey: "spapi.operation"] = "\(operation.id)"
        log[metadataKey: "spapi.connection"] = "\(connection.id)"

        while true {
            attempt += 1
            do {
                try await rateLimiter.acquire(bucket: connection.id, plan: plan)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // Pacing is an optimisation: without Redis, Amazon's 429s and the retries below
                // still keep the call correct, only slower.
                log.warning("rate limiter unavailable, sending unpaced", metadata: ["error": "\(error)"])
            }
            let accessToken: String
            if let rdt = request.restrictedDataToken {
                accessToken = rdt
            } else {
                accessToken = try await tokens.accessToken(for: connection)
            }

            Counter(label: "spapi_calls_total", dimensions: dimensions).increment()
            let started = ContinuousClock.now
            let outcome = await executeOnce(request, connection: connection, accessToken: accessToken)
            Metrics.Timer(label: "spapi_request_duration_seconds", dimensions: dimensions)
                .recordInterval(since: started)

            switch outcome {
            case .failure(let reason):
                guard attempt < settings.maxAttempts else {
                    throw SPAPIError.transport(operation: operation, attempts: attempt, reason: reason)
                }
                log.notice("SP-API call failed in transit, retrying", metadata: ["attempt": "\(attempt)", "reason": "\(reason)"])
            case .response(let response):
                if let limit = response.headers.first(name: "x-amzn-RateLimit-Limit"), let rate = Double(limit.trimmingCharacters(in: .whitespaces)) {
                    do {
                        try await rateLimiter.learn(bucket: connection.id, operation: operation, rate: rate)
                    } catch {
                        log.warning("could not store learned rate", metadata: ["error": "\(error)"])
                    }
                }
                let status = response.status
                if (200..<300).contains(status) { return response }
                let errors = Self.errorItems(response.body)
                if status == 401 || status == 403, request.restrictedDataToken == nil, !refreshedAfterRejection {
                    // An expired or revoked access token: drop it and try once more with a fresh
                    // one. This retry is free: it is not one of the backoff attempts.
                    refreshedAfterRejection = true
                    await tokens.invalidate(accessToken, for: connection)
                    attempt -= 1
                    log.info("access token rejected, refreshing once", metadata: ["status": "\(status)"])
                    continue
                }
                switch status {
                case 429:
                    Counter(label: "spapi_throttles_total", dimensions: dimensions).increment()
                    guard attempt < settings.maxAttempts else {
                        throw SPAPIError.throttled(operation: operation, attempts: attempt, requestID: response.requestID)
                    }
                    log.notice("SP-API throttled, backing off", metadata: ["attempt": "\(attempt)", "requestId": "\(response.requestID ?? "")"])
                case 500...599:
                    guard attempt < settings.maxAttempts else {
                        throw SPAPIError.serverError(operation: operation, status: status, attempts: attempt, errors: errors,
                                                     bodyExcerpt: SPAPIRedaction.excerpt(response.body), requestID: response.requestID)
                    }
                    log.notice("SP-API server error, retrying", metadata: ["status": "\(status)", "attempt": "\(attempt)"])
                default:
                    throw SPAPIError.api(operation: operation, status: status, errors: errors, requestID: response.requestID)
                }
            }
            Counter(label: "spapi_retries_total", dimensions: dimensions).increment()
            try await clock.sleep(for: backoff(attempt: attempt))
        }
    }

    /// Capped exponential backoff with jitter: half the step is fixed, half random, so retries
    /// from many callers spread out instead of arriving together.
    func backoff(attempt: Int) -> Duration {
        let base = Double(settings.retryBaseDelay.components.seconds) + Double(settings.retryBaseDelay.components.attoseconds) / 1e18
        let cap = Double(settings.retryMaxDelay.components.seconds) + Double(settings.retryMaxDelay.components.attoseconds) / 1e18
        let step = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let seconds = step / 2 + Double.random(in: 0...(step / 2))
        return .milliseconds(Int64(seconds * 1000))
    }

    private enum Outcome {
        case response(SPAPIResponse)
        case failure(String)
    }

    private func executeOnce(_ request: SPAPIRequest, connection: SPAPIConnection, accessToken: String) async -> Outcome {
        var url = settings.endpoint(for: connection.region) + request.path
        if !request.query.isEmpty { url += "?" + FormEncoding.encode(request.query) }
        var http = HTTPClientRequest(url: url)
        http.method = request.method
        http.headers.add(name: "x-amz-access-token", value: accessToken)
        http.headers.add(name: "User-Agent", value: settings.userAgent)
        http.headers.add(name: "Accept", value: "application/json")
        http.headers.add(name: "x-amz-date", value: Self.amzDate(Date()))
        if let body = request.body {
            http.headers.add(name: "Content-Type", value: "application/json")
            http.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let timeout = TimeAmount.nanoseconds(Int64(settings.requestTimeout.components.seconds) * 1_000_000_000
                + settings.requestTimeout.components.attoseconds / 1_000_000_000)
            let response = try await httpClient.execute(http, timeout: timeout)
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            return .response(SPAPIResponse(status: Int(response.status.code), headers: response.headers,
                                           body: Array(body.readableBytesView)))
        } catch {
            return .failure(SPAPIRedaction.scrub(String(describing: error)))
        }
    }

    static func errorItems(_ body: [UInt8]) -> [SPAPIErrorItem] {
        struct ErrorList: Decodable { let errors: [SPAPIErrorItem]? }
        return (try? JSONDecoder().decode(ErrorList.self, from: Data(body)))?.errors ?? []
    }

    static func amzDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

/// Builds SP-API paths with each parameter percent-encoded.
public enum SPAPIPath {
    /// `/orders/v0/orders/{orderId}` with `orderId` encoded; SKUs may carry `/`, spaces and `%`.
    public static func encode(_ segment: String) -> String { FormEncoding.percentEncode(segment) }
}
