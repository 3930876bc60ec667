import Foundation
import Hummingbird
import HTTPTypes
import Logging
import OpsideCore

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("x-request-id")!
}

/// Gives every request an id (the caller's `x-request-id` when it sent a sane one), puts it in
/// the logger, the task-local scope for outbound calls and jobs, and the response.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID].flatMap { id in
            id.count <= 128 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." } ? id : nil
        }
        let requestID = incoming ?? Self.newRequestID()
        context.requestID = requestID
        context.logger[metadataKey: "requestId"] = "\(requestID)"
        var response = try await RequestScope.$requestID.withValue(requestID) {
            try await next(request, context)
        }
        response.headers[.requestID] = requestID
        return response
    }

    /// A random UUID in lower case. Spelled out by hand because `uuidString` goes through
    /// `snprintf` and `lowercased()` copies again, on every request.
    static func newRequestID() -> String {
        let hex = HexDigits.lowercase
        return withUnsafeBytes(of: UUID().uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
                var position = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    output[position] = hex[Int(byte >> 4)]
                    output[position + 1] = hex[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }
}

/// One structured log line per request: method, path, status, duration.
public struct RequestLogMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        // Health probes and scrapes arrive every few seconds; keep them out of the info stream.
        let level: Logger.Level = request.uri.path.hasPrefix("/health") || request.uri.path == "/metrics" ? .debug : .info
        context.logger.log(level: level, "request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "durationMs": "\((milliseconds * 100).rounded() / 100)",
        ])
        return response
    }
}

/// Headers every response carries: `nosniff`, so a browser never runs a JSON or text body as
/// something else, and `Cache-Control: no-store` (answers hold sessions, tokens and a seller's
/// data; no proxy or browser cache should keep them) unless the handler chose a policy itself.
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

extension HTTPField.Name {
    public static let xFrameOptions = HTTPField.Name("x-frame-options")!
    public static let referrerPolicy = HTTPField.Name("referrer-policy")!
}
