import Crypto
import Foundation
import Hummingbird

/// Where a paginated query stands: the operation and seller it belongs to, the criteria of the
/// first call, and the offset of the next page.
struct PageCursor: Codable, Sendable {
    var operation: String
    var seller: String?
    var criteria: [String: String]
    var offset: Int
}

/// Opaque page tokens that carry their query. Amazon lets a follow-up call send the token alone
/// ("NextToken, when provided, overrides other criteria"; getReports even refuses anything else),
/// so the token, not the request, says what the next page continues: the criteria of the first
/// call, the offset, and whose and which operation's token it is. Signed, so an edited token is
/// refused like a malformed one; URL-safe base64, so no client has to percent-encode it.
enum PageToken {
    static let signingKey = SymmetricKey(size: .bits256)

    static func make(_ cursor: PageCursor) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(cursor)) ?? Data()
        let signature = Data(HMAC<SHA256>.authenticationCode(for: json, using: signingKey)).prefix(16)
        return base64URL(json) + "." + base64URL(signature)
    }

    /// The cursor in `token`, or an `InvalidInput` error naming the parameter when the token is
    /// malformed, edited, or was issued for another operation, seller or parent resource.
    static func read(_ token: String, parameter: String, operation: String, seller: String?) throws -> PageCursor {
        let invalid = SandboxInputError(message: "Invalid \(parameter): \(parameter) must be a token returned by a previous \(operation) call.")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let json = data(base64URL: parts[0]), let signature = data(base64URL: parts[1]),
              Data(HMAC<SHA256>.authenticationCode(for: json, using: signingKey)).prefix(16) == signature,
              let cursor = try? JSONDecoder().decode(PageCursor.self, from: json) else { throw invalid }
        guard cursor.operation == operation, cursor.seller == seller, cursor.offset >= 0 else { throw invalid }
        return cursor
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// The query of one paginated operation. Without a token its criteria are the request's (those
/// named in `criteria`); with one they are the token's, whatever the request repeats, so a second
/// page always continues the first query.
struct PagedQuery {
    let parameter: String
    private(set) var cursor: PageCursor
    /// True when the request carried a page token.
    let continued: Bool

    init(_ request: Request, operation: String, seller: String?, tokenParameter: String, criteria names: [String]) throws {
        let query = request.uri.queryParameters
        parameter = tokenParameter
        if let token = query.get(tokenParameter) {
            cursor = try PageToken.read(token, parameter: tokenParameter, operation: operation, seller: seller)
            continued = true
        } else {
            var criteria: [String: String] = [:]
            for name in names { if let value = query.get(name), !value.isEmpty { criteria[name] = value } }
            cursor = PageCursor(operation: operation, seller: seller, criteria: criteria, offset: 0)
            continued = false
        }
    }

    subscript(_ name: String) -> String? { cursor.criteria[name] }

    var offset: Int { cursor.offset }

    /// Fixes a criterion the first call left to a default that moves (e.g. "two minutes before
    /// now"), so later pages keep the first page's value. Ignored on a continued query.
    mutating func pin(_ name: String, _ value: String) {
        if !continued, cursor.criteria[name] == nil { cursor.criteria[name] = value }
    }

    /// Pins a moving time default, rounded up to the whole second ISO 8601 keeps, so the first
    /// page loses nothing of the last, partial second.
    mutating func pin(_ name: String, _ date: Date) {
        pin(name, Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.up)).iso)
    }

    /// The token of the page that starts at `offset`.
    func token(at offset: Int) -> String {
        var next = cursor
        next.offset = offset
        return PageToken.make(next)
    }
}
