import Hummingbird
import OpsideCore
import HTTPTypes

/// One of the first middlewares of every service: it puts the request's path into one canonical
/// form for everything after it (guards of unmatched paths, handlers, logs), and refuses paths
/// and query strings no client has a reason to send.
///
/// Hummingbird's router splits the path on `/` and skips empty segments, so `//internal/jobs`,
/// `/internal//jobs` and `/internal/jobs/` all reach `/internal/jobs`, and it resolves the route
/// before any middleware runs. Guards therefore decide on the matched route
/// (`OpsideRequestContext.guardedPath`); for a request no route matched they see the path
/// rewritten here: empty and `.` segments dropped, `..` applied, the trailing slash removed.
///
/// Refused with 400 and the envelope:
/// - a path that does not start with `/`, or a malformed `%` escape in the path or the query;
/// - an escaped `/`, `\` or `.` in the path (`%2F`, `%5C`, `%2E`), which a later decoder could
///   turn into a separator or a dot segment the router never saw;
/// - a control character (U+0000–U+001F, U+007F) in the path or in a query name or value,
///   escaped or not: no identifier, date or file name of ours holds one.
public struct RequestHygieneMiddleware: RouterMiddleware {
    public typealias Context = OpsideRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let raw = request.head.path ?? "/"
        // Nearly every request is already canonical; one pass over its bytes says so without
        // splitting or copying anything.
        if Self.isPlainlyCanonical(raw) { return try await next(request, context) }
        let pathEnd = raw.utf8.firstIndex(of: UInt8(ascii: "?")) ?? raw.utf8.endIndex
        let path = Substring(raw.utf8[raw.utf8.startIndex..<pathEnd])
        let query = pathEnd == raw.utf8.endIndex ? nil : Substring(raw.utf8[raw.utf8.index(after: pathEnd)...])
        let canonical: String
        do {
            canonical = try Self.canonicalPath(path)
            if let query { try Self.checkQuery(query) }
        } catch let problem as PathProblem {
            // Answered here: this runs before the envelope middleware, so nothing may be thrown.
            return ErrorEnvelopeMiddleware.response(
                for: APIError(status: .badRequest, code: "malformed_request", message: problem.message), requestID: context.requestID)
        }
        guard canonical.utf8.elementsEqual(path.utf8) else {
            var head = request.head
            head.path = query.map { canonical + "?" + $0 } ?? canonical
            return try await next(Request(head: head, body: request.body), context)
        }
        return try await next(request, context)
    }

    /// True when `target` has nothing to rewrite or refuse: it starts with `/`, has no empty
    /// segment, no segment starting with `.`, no trailing slash, no `%` escape and no control
    /// character. Anything else takes the full path (which may still find it fine).
    static func isPlainlyCanonical(_ target: String) -> Bool {
        var previous: UInt8 = 0
        var inQuery = false
        var first = true
        for byte in target.utf8 {
            if first {
                guard byte == UInt8(ascii: "/") else { return false }
                first = false
                previous = byte
                continue
            }
            if byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "%") { return false }
            if !inQuery {
                if byte == UInt8(ascii: "?") {
                    if previous == UInt8(ascii: "/") && target.utf8.count > 2 { return false }
                    inQuery = true
                } else if previous == UInt8(ascii: "/"), byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") {
                    return false
                }
            }
            previous = byte
        }
        if first { return false }
        // A trailing slash on anything but the root is rewritten.
        return inQuery || previous != UInt8(ascii: "/") || target.utf8.count == 1
    }

    struct PathProblem: Error {
        let message: String
    }

    /// The path the router resolves, spelled once: `/a/b` for `//a/./b/`, `/a` for `/a/b/..`.
    /// - Throws: `PathProblem` for what `RequestHygieneMiddleware` refuses.
    static func canonicalPath(_ path: Substring) throws -> String {
        guard path.utf8.first == UInt8(ascii: "/") else {
            throw PathProblem(message: "the request path must start with /")
        }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            try checkEscapes(segment, inPath: true)
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        return "/" + segments.joined(separator: "/")
    }

    /// - Throws: `PathProblem` when a query name or value holds a control character or a bad escape.
    static func checkQuery(_ query: Substring) throws {
        try checkEscapes(query, inPath: false)
    }

    /// Walks `text` once, decoding `%XX` escapes on the fly.
    private static func checkEscapes(_ text: Substring, inPath: Bool) throws {
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            var decoded = byte
            if byte == UInt8(ascii: "%") {
                guard let high = bytes.next().flatMap(HexDigits.value), let low = bytes.next().flatMap(HexDigits.value) else {
                    throw PathProblem(message: "the request \(inPath ? "path" : "query") has a malformed % escape")
                }
                decoded = high << 4 | low
                if inPath, decoded == UInt8(ascii: "/") || decoded == UInt8(ascii: "\\") || decoded == UInt8(ascii: ".") {
                    throw PathProblem(message: "the request path must not escape '/', '\\' or '.'")
                }
            }
            if decoded < 0x20 || decoded == 0x7F {
                throw PathProblem(message: "the request \(inPath ? "path" : "query") must not contain control characters")
            }
        }
    }
}
