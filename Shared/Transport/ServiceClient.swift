import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OpsideCore
import Tracing

/// Where the other services are. Keys: `services.<name>.url` (e.g. `services.payments.url`,
/// SERVICES_PAYMENTS_URL; default `http://127.0.0.1:<port>`), `services.timeoutMilliseconds` (10000),
/// `services.maxAttempts` (3: idempotent calls are retried on connection failures and 502/503/504).
public struct ServiceEndpoints: Sendable {
    public var baseURLs: [OpsideService: String]
    public var timeout: Duration
    public var maxAttempts: Int

    public init(baseURLs: [OpsideService: String] = [:], timeout: Duration = .seconds(10), maxAttempts: Int = 3) {
        var urls = baseURLs
        for service in OpsideService.allCases where urls[service] == nil {
            urls[service] = "http://127.0.0.1:\(service.defaultPort)"
        }
        self.baseURLs = urls
        self.timeout = timeout
        self.maxAttempts = maxAttempts
    }

    public init(reader: ConfigReader) {
        var urls: [OpsideService: String] = [:]
        for service in OpsideService.allCases {
            if let url = reader.string(forKey: ConfigKey("services.\(service.configKeyName).url")) { urls[service] = url }
        }
        self.init(baseURLs: urls, timeout: .milliseconds(reader.int(forKey: "services.timeoutMilliseconds", default: 10_000)),
                  maxAttempts: max(1, reader.int(forKey: "services.maxAttempts", default: 3)))
    }
}

/// A failed call to another service.
public enum ServiceCallError: Error, CustomStringConvertible {
    case unreachable(OpsideService, String)
    case status(OpsideService, code: Int, envelope: ErrorEnvelope?)

    public var description: String {
        switch self {
        case .unreachable(let service, let reason): "\(service.name) unreachable: \(reason)"
        case .status(let service, let code, let envelope):
            "\(service.name) answered \(code)\(envelope.map { ": \($0.error.code) \($0.error.message)" } ?? "")"
        }
    }
}

/// Calls other services with a signed service token, the current request id, a timeout and
/// bounded retries for idempotent methods. One per process, sharing the process's HTTPClient.
public struct ServiceClient: Sendable {
    let httpClient: HTTPClient
    let authority: ServiceTokenAuthority
    public let endpoints: ServiceEndpoints
    let logger: Logger

    public init(httpClient: HTTPClient, authority: ServiceTokenAuthority, endpoints: ServiceEndpoints, logger: Logger) {
        self.httpClient = httpClient
        self.authority = authority
        self.endpoints = endpoints
        self.logger = logger
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
    }

    /// Sends a request to `service` acting for `tenantID`.
    /// - Throws: `ServiceCallError.unreachable` after the retries, `.status` for any non-2xx answer.
    public func send(_ method: HTTPMethod, to service: OpsideService, path: String, tenantID: UUID?,
                     body: Data? = nil) async throws -> Reply {
        try await withSpan("\(service.name) \(method.rawValue)", ofKind: .client) { span in
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["peer.service"] = service.name
            let reply = try await sendWithRetries(method, to: service, path: path, tenantID: tenantID, body: body)
            span.attributes["http.response.status_code"] = reply.status
            return reply
        }
    }

    private func sendWithRetries(_ method: HTTPMethod, to service: OpsideService, path: String, tenantID: UUID?,
                                 body: Data?) async throws -> Reply {
        let base = endpoints.baseURLs[service] ?? "http://127.0.0.1:\(service.defaultPort)"
        let idempotent = [.GET, .HEAD, .PUT, .DELETE, .OPTIONS].contains(method)
        let attempts = idempotent ? endpoints.maxAttempts : 1
        var lastFailure = "no attempt made"
        for attempt in 1...attempts {
            var request = HTTPClientRequest(url: base + path)
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(try await authority.token(for: service, tenantID: tenantID))")
            request.headers.add(name: "x-request-id", value: RequestScope.requestID ?? UUID().uuidString.lowercased())
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            do {
                let response = try await httpClient.execute(request, timeout: .init(endpoints.timeout))
                let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
                let data = Data(buffer: bytes)
                let code = Int(response.status.code)
                if (200..<300).contains(code) { return Reply(status: code, body: data) }
                if idempotent, [502, 503, 504].contains(code), attempt < attempts {
                    lastFailure = "status \(code)"
                } else {
                    throw ServiceCallError.status(service, code: code, envelope: try? JSONDecoder().decode(ErrorEnvelope.self, from: data))
                }
            } catch let error as ServiceCallError {
                throw error
            } catch {
                lastFailure = String(describing: error)
                guard attempt < attempts else { break }
            }
            let backoff = min(2.0, 0.1 * pow(2, Double(attempt - 1))) * Double.random(in: 0.8...1.2)
            logger.debug("retrying service call", metadata: ["service": "\(service.name)", "attempt": "\(attempt)", "reason": "\(lastFailure)"])
            try await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
        }
        throw ServiceCallError.unreachable(service, lastFailure)
    }

    /// GETs and decodes JSON.
    public func get<Response: Decodable>(_ type: Response.Type, from service: OpsideService, path: String, tenantID: UUID?) async throws -> Response {
        let reply = try await send(.GET, to: service, path: path, tenantID: tenantID)
        return try JSONDecoder.opside.decode(Response.self, from: reply.body)
    }
}

extension JSONDecoder {
    /// ISO-8601 dates, as every Opside service encodes them (`OpsideJSON.decoder`).
    public static var opside: JSONDecoder { OpsideJSON.decoder }
}
