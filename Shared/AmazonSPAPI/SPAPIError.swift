/// One entry of Amazon's error body `{"errors":[{"code","message","details"}]}`.
public struct SPAPIErrorItem: Codable, Sendable, Equatable {
    public let code: String
    public let message: String
    public let details: String?

    public init(code: String, message: String, details: String? = nil) {
        self.code = code
        self.message = message
        self.details = details
    }
}

/// Everything an SP-API call can fail with. Each case keeps Amazon's `x-amzn-RequestId` when
/// there was a response, because support cases need it.
public enum SPAPIError: Error, Sendable, CustomStringConvertible {
    /// Amazon answered with an error status and (usually) its error body.
    case api(operation: SPAPIOperation, status: Int, errors: [SPAPIErrorItem], requestID: String?)
    /// Still throttled (429) after every allowed attempt.
    case throttled(operation: SPAPIOperation, attempts: Int, requestID: String?)
    /// A 5xx after every allowed attempt; `bodyExcerpt` shows what came back (often an HTML page).
    case serverError(operation: SPAPIOperation, status: Int, attempts: Int, errors: [SPAPIErrorItem], bodyExcerpt: String, requestID: String?)
    /// Timeouts or dropped connections on every allowed attempt.
    case transport(operation: SPAPIOperation, attempts: Int, reason: String)
    /// A 2xx whose body did not match the model (malformed JSON, a missing required field).
    case decoding(operation: SPAPIOperation, reason: String, bodyExcerpt: String, requestID: String?)
    /// Login with Amazon refused to issue a token.
    case authorization(LWAError)

    /// Amazon's error code when there is one (`InvalidInput`, `QuotaExceeded`, `Unauthorized`…).
    public var code: String? {
        switch self {
        case .api(_, _, let errors, _), .serverError(_, _, _, let errors, _, _): errors.first?.code
        case .throttled: "QuotaExceeded"
        case .authorization(let error): error.code
        case .transport, .decoding: nil
        }
    }

    public var requestID: String? {
        switch self {
        case .api(_, _, _, let id), .throttled(_, _, let id), .serverError(_, _, _, _, _, let id), .decoding(_, _, _, let id): id
        case .transport, .authorization: nil
        }
    }

    public var description: String {
        switch self {
        case .api(let operation, let status, let errors, let id):
            let text = errors.map { "\($0.code): \($0.message)\($0.details.map { " (\($0))" } ?? "")" }.joined(separator: "; ")
            return "SP-API \(operation) failed with HTTP \(status): \(text.isEmpty ? "no error body" : text) [request id \(id ?? "none")]"
        case .throttled(let operation, let attempts, let id):
            return "SP-API \(operation) still throttled after \(attempts) attempts [request id \(id ?? "none")]"
        case .serverError(let operation, let status, let attempts, _, let excerpt, let id):
            return "SP-API \(operation) answered HTTP \(status) after \(attempts) attempts: \(excerpt) [request id \(id ?? "none")]"
        case .transport(let operation, let attempts, let reason):
            return "SP-API \(operation) unreachable after \(attempts) attempts: \(reason)"
        case .decoding(let operation, let reason, let excerpt, let id):
            return "SP-API \(operation) returned a body that does not match the model: \(reason); body starts \(excerpt) [request id \(id ?? "none")]"
        case .authorization(let error):
            return error.description
        }
    }
}

/// A Login with Amazon error (`{"error": "invalid_grant", "error_description": "…"}`), or a
/// token endpoint that answered something else.
public struct LWAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// LWA's `error` (`invalid_grant`, `invalid_client`, `unsupported_grant_type`, `invalid_request`…),
    /// or `unexpected_response` / `unreachable`.
    public let code: String
    public let message: String
    public let status: Int?

    public init(code: String, message: String, status: Int?) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// The refresh token or authorization code was revoked, expired or never valid: only the
    /// seller re-authorizing fixes it.
    public var needsReauthorization: Bool { code == "invalid_grant" }

    public var description: String {
        "Login with Amazon refused: \(code): \(message)\(status.map { " (HTTP \($0))" } ?? "")"
    }
}

/// Hides credentials in anything that may reach a log.
public enum SPAPIRedaction {
    /// Token prefixes Amazon uses: access tokens `Atza|`, refresh tokens `Atzr|`, RDTs `Atz.sprdt|`,
    /// client secrets `amzn1.oa2-cs.`.
    static let tokenPrefixes = ["Atza|", "Atzr|", "Atz.sprdt|", "amzn1.oa2-cs."]

    /// A fixed-shape stand-in for a secret: its kind and length, never any of its characters
    /// beyond the public prefix.
    public static func redact(_ secret: String) -> String {
        let prefix = tokenPrefixes.first { secret.hasPrefix($0) } ?? ""
        return "\(prefix)<redacted \(secret.utf8.count) bytes>"
    }

    /// Replaces every token-looking run in free text (an error body echoing a token, say).
    public static func scrub(_ text: String) -> String {
        var output = text
        for prefix in tokenPrefixes {
            var searchStart = output.startIndex
            while let range = output.range(of: prefix, range: searchStart..<output.endIndex) {
                var end = range.upperBound
                while end < output.endIndex, !output[end].isWhitespace, !"\"'&,;<>".contains(output[end]) {
                    end = output.index(after: end)
                }
                let replacement = "\(prefix)<redacted>"
                output.replaceSubrange(range.lowerBound..<end, with: replacement)
                searchStart = output.index(range.lowerBound, offsetBy: replacement.count)
            }
        }
        return output
    }

    /// The first `limit` characters of a body, scrubbed, for error messages.
    static func excerpt(_ bytes: [UInt8], limit: Int = 300) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return scrub(text.replacingOccurrences(of: "\n", with: " "))
    }
}
