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
        let requestID = incoming ?? UUID().uuidString.lowercased()
        context.requestID = requestID
        context.logger[metadataKey: "requestId"] = "\(requestID)"
        var response = try await RequestScope.$requestID.withValue(requestID) {
            try await next(request, context)
        }
        response.headers[.requestID] = requestID
        return response
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
            "status": "\(response.status.code)", "durationMs": "\(String(format: "%.2f", milliseconds))",
        ])
        return response
    }
}
