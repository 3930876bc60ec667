import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpsideCore
import Tracing

extension ServiceClient {
    /// What a forwarded request carries besides its method and target.
    public enum ForwardedBody: Sendable {
        /// No body.
        case none
        /// A body already in hand (small JSON); an idempotent call may be sent again.
        case bytes(ByteBuffer)
        /// A body that streams as it arrives and is never held whole; sent once.
        case stream(any AsyncSequence<ByteBuffer, any Error> & Sendable, length: Int?)
    }

    /// Sends a request to `service` acting for `tenantID` and hands back the callee's answer as
    /// it is, whatever its status: the gateway passes statuses, headers and error envelopes
    /// through instead of reading them. Idempotent calls with a body in hand are retried on
    /// connection failures and 502/503/504, like `send`.
    /// - Parameters:
    ///   - target: the path and query, e.g. `/internal/amazon/syncs?limit=5`.
    ///   - headers: request headers to pass on (content type, length, accept).
    /// - Throws: `ServiceCallError.unreachable` when no answer came; an error a streamed body
    ///   throws on purpose (`StreamedBodyError`) as it was thrown.
    public func forward(_ method: HTTPMethod, to service: OpsideService, target: String, tenantID: UUID?,
                        headers: [(String, String)], body: ForwardedBody, timeout: Duration? = nil) async throws -> HTTPClientResponse {
        // The span covers the call up to the callee's answer head; the body streams on after it.
        try await withSpan("\(service.name) \(method.rawValue)", ofKind: .client) { span in
            span.attributes["http.request.method"] = method.rawValue
            span.attributes["peer.service"] = service.name
            let response = try await forwardWithRetries(method, to: service, target: target, tenantID: tenantID, headers: headers,
                                                        body: body, timeout: timeout)
            span.attributes["http.response.status_code"] = Int(response.status.code)
            return response
        }
    }

    private func forwardWithRetries(_ method: HTTPMethod, to service: OpsideService, target: String, tenantID: UUID?,
                                    headers: [(String, String)], body: ForwardedBody, timeout: Duration?) async throws -> HTTPClientResponse {
        let base = endpoints.baseURLs[service] ?? "http://127.0.0.1:\(service.defaultPort)"
        let replayable: Bool = switch body { case .stream: false; default: true }
        let idempotent = [.GET, .HEAD, .PUT, .DELETE, .OPTIONS].contains(method)
        let attempts = idempotent && replayable ? endpoints.maxAttempts : 1
        var lastFailure = "no attempt made"
        for attempt in 1...attempts {
            var request = HTTPClientRequest(url: base + target)
            request.method = method
            request.headers.add(name: "authorization", value: "Bearer \(try await authority.token(for: service, tenantID: tenantID))")
            request.headers.add(name: "x-request-id", value: RequestScope.requestID ?? UUID().uuidString.lowercased())
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            switch body {
            case .none: break
            case .bytes(let bytes): request.body = .bytes(bytes)
            case .stream(let sequence, let length):
                request.body = .stream(sequence, length: length.map { .known(Int64($0)) } ?? .unknown)
            }
            do {
                let response = try await httpClient.execute(request, timeout: .init(timeout ?? endpoints.timeout))
                if attempt < attempts, [502, 503, 504].contains(Int(response.status.code)) {
                    lastFailure = "status \(response.status.code)"
                    // Drain what is left of the refused answer so the connection can be reused.
                    _ = try? await response.body.collect(upTo: 1 << 20)
                } else {
                    return response
                }
            } catch let error as any StreamedBodyError {
                throw error
            } catch {
                lastFailure = String(describing: error)
                guard attempt < attempts else { break }
            }
            let backoff = min(2.0, 0.1 * pow(2, Double(attempt - 1))) * Double.random(in: 0.8...1.2)
            logger.debug("retrying forwarded call", metadata: ["service": "\(service.name)", "attempt": "\(attempt)", "reason": "\(lastFailure)"])
            try await Task.sleep(for: .milliseconds(Int(backoff * 1000)))
        }
        throw ServiceCallError.unreachable(service, lastFailure)
    }
}

/// An error a streamed body throws on purpose (its size limit, say), passed to the caller of
/// `ServiceClient.forward` instead of being taken for an unreachable service.
public protocol StreamedBodyError: Error {}
