import Foundation
import Hummingbird
import HTTPTypes
import OpsideCore
import OpsidePostgres

/// An error a client can act on, rendered as the suite's one error envelope:
/// `{"error":{"code","message","details","requestId"}}`.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    /// A stable, machine-readable code (`validation_failed`, `not_found`...).
    public let code: String
    public let message: String
    public let details: [String: String]

    public init(status: HTTPResponse.Status, code: String, message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public static func badRequest(_ message: String, details: [String: String] = [:]) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message, details: details)
    }
    public static func validation(_ message: String, details: [String: String] = [:]) -> APIError {
        APIError(status: .unprocessableContent, code: "validation_failed", message: message, details: details)
    }
    public static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, code: "unauthorized", message: message)
    }
    public static func forbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, code: "forbidden", message: message)
    }
    public static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
    /// The one answer for an id the caller's tenant cannot see, whether nothing has that id or
    /// another tenant's row does: the two must not be told apart.
    public static func noSuch(_ what: String) -> APIError {
        notFound("no \(what) with this id in this account")
    }
    public static func conflict(_ message: String, details: [String: String] = [:]) -> APIError {
        APIError(status: .conflict, code: "conflict", message: message, details: details)
    }
    public static func unavailable(_ message: String, details: [String: String] = [:]) -> APIError {
        APIError(status: .serviceUnavailable, code: "service_unavailable", message: message, details: details)
    }
}

/// The wire shape of the envelope.
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public let code: String
        public let message: String
        public let details: [String: String]
        public let requestId: String
    }
    public let error: Body
}

/// Turns every error a handler or middleware throws into the envelope, so no response is ever a
/// bare 500 without a body. Unknown errors are logged with the request id and answered 500.
public struct ErrorEnvelopeMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error)
            if apiError.status == .internalServerError {
                context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            }
            return Self.response(for: apiError, requestID: context.requestID)
        }
    }

    /// Maps an error to what the client sees.
    public static func apiError(for error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DatabaseError:
            return .unavailable("the database is unavailable; try again shortly", details: ["reason": error.description])
        case let error as HTTPError:
            return APIError(status: error.status, code: code(for: error.status), message: error.body ?? message(for: error.status))
        case let error as any HTTPResponseError:
            // Hummingbird's own errors, e.g. NIOTooManyBytesError for a body over the upload limit.
            return APIError(status: error.status, code: code(for: error.status), message: message(for: error.status))
        case let error as DecodingError:
            return DecodingProblem(error).apiError
        default:
            return APIError(status: .internalServerError, code: "internal_error",
                            message: "something went wrong on our side; quote the request id when you report it")
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .contentTooLarge: "payload_too_large"
        case .badRequest: "malformed_request"
        case .methodNotAllowed: "method_not_allowed"
        case .unauthorized: "unauthorized"
        default: status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such endpoint; see /openapi.json for what this service serves"
        case .contentTooLarge: "the request body is larger than this endpoint accepts"
        default: status.reasonPhrase
        }
    }

    public static func response(for error: APIError, requestID: String) -> Response {
        let envelope = ErrorEnvelope(error: .init(code: error.code, message: error.message, details: error.details, requestId: requestID))
        let data = (try? OpsideJSON.encode(envelope)) ?? Data(#"{"error":{"code":"internal_error","message":"","details":{},"requestId":""}}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
