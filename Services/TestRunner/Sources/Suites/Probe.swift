import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import OpsideCore

/// An answer a suite got from the deployment under test.
public struct ProbeReply: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var contentType: String? { headers.first(name: "content-type") }
    public func json() -> [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }

    /// `error.code` of the error envelope, if the body is one.
    public var envelopeCode: String? { (json()?["error"] as? [String: Any])?["code"] as? String }

    /// The body for a failure's message: an error envelope's code and message, else its start.
    public var excerpt: String {
        if let error = json()?["error"] as? [String: Any], let code = error["code"] as? String, let message = error["message"] as? String {
            return "\(code): \(message)"
        }
        let text = self.text.replacingOccurrences(of: "\n", with: " ")
        return text.count > 240 ? String(text.prefix(240)) + "…" : text
    }
}

/// A request that got no HTTP answer (refused, timed out, bad URL), said in words.
public struct ProbeFailure: Error, CustomStringConvertible {
    public let description: String
}

/// How suites call the deployment: the targets' base URLs, a per-request timeout, service tokens
/// signed as test-runner (what the suite's own services accept on `/internal/…`), and the probe
/// sellers' sign-ins.
public struct Probe: Sendable {
    let httpClient: HTTPClient
    public let targets: [OpsideService: String]
    let timeout: Duration
    let authority: ServiceTokenAuthority
    public let sellers: ProbeSellers
    public let lifecycle: LifecycleSettings

    init(httpClient: HTTPClient, targets: [OpsideService: String], timeout: Duration, authority: ServiceTokenAuthority, sellers: ProbeSellers,
         lifecycle: LifecycleSettings) {
        self.httpClient = httpClient
        self.targets = targets
        self.timeout = timeout
        self.authority = authority
        self.sellers = sellers
        self.lifecycle = lifecycle
    }

    public func baseURL(_ service: OpsideService) -> String { targets[service] ?? "http://127.0.0.1:\(service.defaultPort)" }

    /// Sends one request to `service`; the answer whatever its status.
    /// - Throws: `ProbeFailure` when no HTTP answer came (the service is down, too slow, …).
    public func send(_ method: HTTPMethod, _ service: OpsideService, _ target: String, headers: [(String, String)] = [],
                     body: Data? = nil) async throws -> ProbeReply {
        try await send(method, url: baseURL(service) + target, named: "\(service.name) \(method.rawValue) \(target)", headers: headers, body: body)
    }

    /// `send` to a URL outside the suite (the Amazon sandbox's seller factory).
    public func sendAbsolute(_ method: HTTPMethod, _ url: String, json: String) async throws -> ProbeReply {
        try await send(method, url: url, named: "\(method.rawValue) \(url)", headers: [("Content-Type", "application/json")], body: Data(json.utf8))
    }

    func send(_ method: HTTPMethod, url: String, named: String, headers: [(String, String)], body: Data?) async throws -> ProbeReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                                       + timeout.components.attoseconds / 1_000_000_000))
            let bytes = try await response.body.collect(upTo: 32 << 20)
            return ProbeReply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw ProbeFailure(description: "no answer to \(named) within \(timeout) (\(url))")
        } catch {
            throw ProbeFailure(description: "\(named): could not be reached at \(url): \(Self.words(error))")
        }
    }

    /// `send` with a service token for `service`, acting for `tenant`.
    public func internalCall(_ method: HTTPMethod, _ service: OpsideService, _ target: String, tenant: UUID?,
                             headers: [(String, String)] = [], body: Data? = nil) async throws -> ProbeReply {
        let token = try await authority.token(for: service, tenantID: tenant)
        return try await send(method, service, target, headers: headers + [("Authorization", "Bearer \(token)")], body: body)
    }

    /// `send` to main-api with a seller's bearer token.
    public func sellerCall(_ method: HTTPMethod, _ target: String, session: ProbeSellers.Session, json: String? = nil) async throws -> ProbeReply {
        var headers = [("Authorization", "Bearer \(session.token)")]
        if json != nil { headers.append(("Content-Type", "application/json")) }
        return try await send(method, .mainAPI, target, headers: headers, body: json.map { Data($0.utf8) })
    }

    /// A service token `service` accepts, acting for `tenant`.
    public func serviceToken(for service: OpsideService, tenant: UUID?) async throws -> String {
        try await authority.token(for: service, tenantID: tenant)
    }

    /// A connection error in words: "connection refused", not a NIO type dump.
    static func words(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") { return "the connection timed out" }
        if text.lowercased().contains("connection refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "the connection was closed before an answer" }
        return text.count > 200 ? String(text.prefix(200)) : text
    }
}

/// The two sellers suites sign in as: `probe-a@<domain>` and `probe-b@<domain>`, each the owner
/// of a tenant of its own, signed up the first time and signed in after. Their password is
/// derived from the service-token secret (so only the suite's own processes know it); a sign-in
/// is kept until shortly before it expires.
public actor ProbeSellers {
    public struct Session: Sendable {
        public let email: String
        public let token: String
        public let tenantId: UUID
        let expiresAt: Date
    }

    public enum Seller: String, Sendable { case a, b }

    let domain: String
    let password: String
    let now: @Sendable () -> Date
    private var sessions: [Seller: Session] = [:]

    init(domain: String, serviceTokenSecret: String, now: @escaping @Sendable () -> Date) {
        self.domain = domain
        // 24 bytes of HMAC, base64url, with a fixed suffix that meets any password rule.
        let mac = HMAC<SHA256>.authenticationCode(for: Data("opside test-runner probe sellers".utf8),
                                                  using: SymmetricKey(data: Data(serviceTokenSecret.utf8)))
        password = Data(mac.prefix(24)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_") + "-Aa1"
        self.now = now
    }

    public func email(_ seller: Seller) -> String { "probe-\(seller.rawValue)@\(domain)" }

    /// Drops the kept sign-in (refused somewhere): the next call signs in again.
    func forget(_ seller: Seller) { sessions[seller] = nil }

    /// A seller of its own for this call: signed up now, as `lifecycle-<random>@<domain>`.
    func freshSeller(probe: Probe) async throws -> Session {
        let email = "lifecycle-\(UUID().uuidString.prefix(8).lowercased())@\(domain)"
        let body = #"{"email":"\#(email)","password":"\#(password)","companyName":"Opside test-runner lifecycle seller"}"#
        let reply = try await probe.send(.POST, .mainAPI, "/api/v1/auth/signup", headers: [("Content-Type", "application/json")], body: Data(body.utf8))
        guard reply.status == 201, let json = reply.json(), let token = json["token"] as? String,
              let tenant = (json["tenantId"] as? String).flatMap(UUID.init(uuidString:)) else {
            throw ProbeFailure(description: "signing up \(email) failed: main-api answered \(reply.status) \(reply.excerpt)")
        }
        return Session(email: email, token: token, tenantId: tenant, expiresAt: now().addingTimeInterval(600))
    }

    /// The seller's sign-in: kept, or made by logging in, or (the first time) by signing up.
    func session(_ seller: Seller, probe: Probe) async throws -> Session {
        if let kept = sessions[seller], kept.expiresAt > now().addingTimeInterval(120) { return kept }
        let email = email(seller)
        let credentials = #"{"email":"\#(email)","password":"\#(password)"}"#
        var reply = try await probe.send(.POST, .mainAPI, "/api/v1/auth/login", headers: [("Content-Type", "application/json")],
                                         body: Data(credentials.utf8))
        if reply.status == 401 {
            let company = "Opside test-runner probe \(seller.rawValue.uppercased())"
            let signUp = #"{"email":"\#(email)","password":"\#(password)","companyName":"\#(company)"}"#
            reply = try await probe.send(.POST, .mainAPI, "/api/v1/auth/signup", headers: [("Content-Type", "application/json")],
                                         body: Data(signUp.utf8))
        }
        guard [200, 201].contains(reply.status), let json = reply.json(), let token = json["token"] as? String,
              let tenant = (json["tenantId"] as? String).flatMap(UUID.init(uuidString:)) else {
            throw ProbeFailure(description: "the probe seller \(email) could not sign in or up: main-api answered \(reply.status) \(reply.excerpt)")
        }
        let expires = (json["expiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) } ?? now().addingTimeInterval(600)
        let session = Session(email: email, token: token, tenantId: tenant, expiresAt: expires)
        sessions[seller] = session
        return session
    }
}
