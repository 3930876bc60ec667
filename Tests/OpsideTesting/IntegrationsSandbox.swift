import AmazonSandbox
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import OpsideCore
import ServiceLifecycle
import Testing

/// The Amazon sandbox booted in-process on a free port, driven over HTTP like the real thing.
public final class IntegrationsSandbox: Sendable {
    public let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    /// Consent approval answers 302 to main-api's callback: this client must not follow it.
    public let browser: HTTPClient
    /// The sandbox's now (real time until a test advances it): Amazon's clock, for a service that
    /// must read Amazon's time as a real one would (inventory-sync's sync windows and report reuse).
    public let clock: SandboxClock

    public struct SandboxClock: WallClock {
        let state: SandboxState
        public var now: Date { state.now }
    }

    private init(baseURL: String, group: ServiceGroup, task: Task<Void, any Error>, state: SandboxState) {
        self.baseURL = baseURL
        self.group = group
        self.task = task
        self.clock = SandboxClock(state: state)
        browser = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    }

    /// - Parameters:
    ///   - timeScale, reportProcessingSeconds: how fast Amazon's rate limits and reports go (`SandboxSettings`).
    ///   - redirectURIs: where consent may send the seller back to (the main-api under test's callback, for a browser).
    ///   - inboundOperationSeconds: how long a Fulfillment Inbound operation stays IN_PROGRESS (sandbox seconds).
    public static func start(timeScale: Double = 1, reportProcessingSeconds: Double = 4,
                             redirectURIs: [String] = SandboxSettings.defaultRedirectURIs,
                             inboundOperationSeconds: Double = 2) async throws -> IntegrationsSandbox {
        var logger = Logger(label: "amazon-sandbox-under-test")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let settings = SandboxSettings(port: 0, timeScale: timeScale, reportProcessingSeconds: reportProcessingSeconds, redirectURIs: redirectURIs,
                                       inboundOperationSeconds: inboundOperationSeconds)
        let (application, state) = buildSandboxApplication(settings: settings, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure(description: "the Amazon sandbox did not start") }
        return IntegrationsSandbox(baseURL: "http://127.0.0.1:\(port)", group: group, task: task, state: state)
    }

    public func stop() async {
        try? await browser.shutdown()
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    public struct Seller: Decodable {
        public let sellingPartnerId: String
        public let refreshToken: String
        /// The seller's Amazon Ads refresh token (the sandbox's Ads application's).
        public let adsRefreshToken: String?
        public let marketplaceIds: [String]
    }

    public func createSeller(seed: Int) async throws -> Seller {
        let reply = try await TestHTTP.request(.POST, baseURL + "/_sandbox/sellers", json: #"{"seed":\#(seed),"skus":5,"months":1}"#)
        guard reply.status == 201 else { throw TestFailure(description: "sandbox seller: \(reply.status) \(reply.text)") }
        return try JSONDecoder().decode(Seller.self, from: reply.body)
    }

    public func advanceClock(seconds: Int) async throws {
        let reply = try await TestHTTP.request(.POST, baseURL + "/_sandbox/clock", json: #"{"advanceSeconds":\#(seconds)}"#)
        guard reply.status == 200 else { throw TestFailure(description: "sandbox clock: \(reply.text)") }
    }

    /// Exchanges a refresh token at the sandbox's LWA directly: the status says whether it works.
    public func refreshStatus(_ refreshToken: String) async throws -> Int {
        try await lwa(["grant_type": "refresh_token", "refresh_token": refreshToken]).status
    }

    public func lwa(_ fields: [String: String]) async throws -> TestHTTP.Reply {
        var form = fields
        form["client_id"] = "amzn1.application-oa2-client.opside-sandbox"
        form["client_secret"] = "opside-sandbox-secret"
        return try await TestHTTP.request(.POST, baseURL + "/auth/o2/token", body: Data(Self.formEncode(form).utf8),
                                          headers: ["content-type": "application/x-www-form-urlencoded"])
    }

    public static func formEncode(_ fields: [String: String]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    /// Plays the seller on Seller Central: opens the consent page, picks the account, approves.
    /// - Returns: the redirect's `Location` (the callback URL with `state`, `selling_partner_id`,
    ///   `spapi_oauth_code`).
    public func approve(consentURL: String, sellingPartnerID: String) async throws -> URLComponents {
        try await allow(consentURL: consentURL, field: "selling_partner_id", value: sellingPartnerID, action: "/apps/authorize/consent")
    }

    /// Allows the Amazon Ads application on Login with Amazon's page (`/ap/oa`) as `sellingPartnerID`,
    /// as a person's browser would; returns where Amazon redirects (the Ads callback with `code`).
    public func approveAds(consentURL: String, sellingPartnerID: String) async throws -> URLComponents {
        try await allow(consentURL: consentURL, field: "advertiser", value: sellingPartnerID, action: "/ap/oa")
    }

    /// Opens a consent page, picks `value` in its `field` and submits it to `action`.
    func allow(consentURL: String, field: String, value sellingPartnerID: String, action: String) async throws -> URLComponents {
        let page = try await TestHTTP.request(.GET, consentURL)
        guard page.status == 200 else { throw TestFailure(description: "consent page answered \(page.status): \(page.text)") }
        var fields: [String: String] = [:]
        let hidden = try Regex(#"<input type="hidden" name="([a-z_]+)" value="([^"]*)">"#)
        for match in page.text.matches(of: hidden) {
            guard let name = match.output[1].substring, let value = match.output[2].substring else { continue }
            fields[String(name)] = String(value).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&amp;", with: "&")
        }
        guard page.text.contains("value=\"\(sellingPartnerID)\"") else {
            throw TestFailure(description: "the consent page does not offer seller \(sellingPartnerID)")
        }
        fields[field] = sellingPartnerID
        var request = HTTPClientRequest(url: baseURL + action)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: Self.formEncode(fields)))
        let response = try await browser.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 302, let location = response.headers.first(name: "location"),
              let components = URLComponents(string: location) else {
            throw TestFailure(description: "approving answered \(response.status.code) without a redirect")
        }
        return components
    }

    /// The sandbox's SQS queue Amazon's notifications go to, and the key its endpoint accepts.
    public var notificationQueueURL: String { baseURL + "/000000000000/opside-notifications" }
    public static let sqsAccessKeyID = "AKIAOPSIDESANDBOXSQS"
    public static let sqsSecretAccessKey = "opside-sandbox-sqs-secret"

    /// Configuration that makes integrations read Amazon's notifications from this sandbox's queue
    /// (short long-polls, so a test's shutdown is quick).
    public var notificationOverrides: [String: String] {
        ["notifications.transport": "sqs", "notifications.sqs.endpoint": baseURL, "notifications.sqs.queueUrl": notificationQueueURL,
         "notifications.sqs.accessKeyId": Self.sqsAccessKeyID, "notifications.sqs.secretAccessKey": Self.sqsSecretAccessKey,
         "notifications.sqs.waitSeconds": "1"]
    }

    /// Configuration that points integrations' Amazon client at this sandbox.
    public var amazonOverrides: [String: String] {
        var values = ["amazon.lwaEndpoint": baseURL + "/auth/o2/token",
                      "amazon.maxAttempts": "2", "amazon.retryBaseDelayMilliseconds": "20", "amazon.retryMaxDelayMilliseconds": "100"]
        for region in ["na", "eu", "fe"] {
            values["amazon.endpoint.\(region)"] = baseURL
            values["amazon.sellerCentralUrl.\(region)"] = baseURL
            values["ads.endpoint.\(region)"] = baseURL
            values["ads.authorizationUrl.\(region)"] = baseURL + "/ap/oa"
        }
        return values
    }
}
