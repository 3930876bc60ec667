import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpsideCore

extension ServiceClient {
    /// Sends a request whose body streams from `body` as it arrives (an upload passed through a
    /// gateway is never held whole), acting for `tenantID`. One attempt: a stream cannot be
    /// sent twice. `timeout` bounds the whole exchange, upload included.
    /// - Throws: `ServiceCallError.status` for a non-2xx answer, `.unreachable` when the call
    ///   fails; an error `body` throws (a size limit, say) comes through as it was thrown.
    public func send<Body: AsyncSequence & Sendable>(_ method: HTTPMethod, to service: OpsideService, path: String, tenantID: UUID?,
                                                     streaming body: Body, length: Int?, contentType: String,
                                                     timeout: Duration) async throws -> Reply where Body.Element == ByteBuffer {
        let base = endpoints.baseURLs[service] ?? "http://127.0.0.1:\(service.defaultPort)"
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "authorization", value: "Bearer \(try await authority.token(for: service, tenantID: tenantID))")
        request.headers.add(name: "x-request-id", value: RequestScope.requestID ?? UUID().uuidString.lowercased())
        request.headers.add(name: "content-type", value: contentType)
        request.body = .stream(body, length: length.map { .known(Int64($0)) } ?? .unknown)
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await httpClient.execute(request, timeout: .init(timeout))
            data = Data(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
        } catch let error as any StreamedBodyError {
            throw error
        } catch {
            throw ServiceCallError.unreachable(service, String(describing: error))
        }
        let code = Int(response.status.code)
        guard (200..<300).contains(code) else {
            throw ServiceCallError.status(service, code: code, envelope: try? JSONDecoder().decode(ErrorEnvelope.self, from: data))
        }
        return Reply(status: code, body: data)
    }
}

/// An error a streamed body throws on purpose (its size limit, say), passed to the caller of
/// `ServiceClient.send(_:to:path:tenantID:streaming:...)` instead of being taken for an
/// unreachable service.
public protocol StreamedBodyError: Error {}
