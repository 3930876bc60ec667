import Foundation
import NIOHTTP1

/// The SP-API operations of one connection. Typed operations live in extensions, one file per
/// API (`SellingPartnerAPI+Orders.swift`…); `send` is the escape hatch for everything else.
public struct SellingPartnerAPI: Sendable {
    public let client: SPAPIClient
    public let connection: SPAPIConnection

    /// Sends any SP-API request with the client's pacing, retries and token handling.
    /// - Parameters:
    ///   - method: HTTP method.
    ///   - path: the path, parameters already encoded with `SPAPIPath.encode`.
    ///   - query: query parameters, encoded here.
    ///   - body: a JSON body, if any.
    ///   - operation: which operation this is, for its rate-limit bucket and metrics.
    /// - Returns: the 2xx response, body unread.
    public func send(method: HTTPMethod, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                     operation: SPAPIOperation, restrictedDataToken: String? = nil) async throws -> SPAPIResponse {
        try await client.perform(
            SPAPIRequest(method: method, path: path, query: query, body: body, operation: operation,
                         restrictedDataToken: restrictedDataToken),
            on: connection)
    }

    /// Sends and decodes the JSON answer.
    func call<Response: Decodable>(_ type: Response.Type, method: HTTPMethod, path: String, query: [(String, String)] = [],
                                   body: (any Encodable & Sendable)? = nil, operation: SPAPIOperation,
                                   restrictedDataToken: String? = nil) async throws -> Response {
        var bodyBytes: [UInt8]?
        if let body {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
            bodyBytes = Array(try encoder.encode(body))
        }
        let response = try await send(method: method, path: path, query: query, body: bodyBytes, operation: operation,
                                      restrictedDataToken: restrictedDataToken)
        return try Self.decode(type, from: response, operation: operation)
    }

    /// Decodes a 2xx body, turning any mismatch into `SPAPIError.decoding`.
    public static func decode<Response: Decodable>(_ type: Response.Type, from response: SPAPIResponse,
                                                   operation: SPAPIOperation) throws -> Response {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch let error as DecodingError {
            throw SPAPIError.decoding(operation: operation, reason: describe(error),
                                      bodyExcerpt: SPAPIRedaction.excerpt(response.body), requestID: response.requestID)
        } catch {
            throw SPAPIError.decoding(operation: operation, reason: "\(error)",
                                      bodyExcerpt: SPAPIRedaction.excerpt(response.body), requestID: response.requestID)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(context.debugDescription) at \(path(context))"
        case .dataCorrupted(let context): return "malformed JSON: \(context.debugDescription) \(path(context))"
        @unknown default: return "\(error)"
        }
    }

    /// Walks a paginated operation page by page, fetching the next page only when asked.
    /// - Parameters:
    ///   - fetch: one call; nil for the first page, then each next token.
    ///   - nextToken: reads the token from a page (each API spells it differently).
    public func pages<Page: Sendable>(
        fetch: @escaping @Sendable (String?) async throws -> Page,
        nextToken: @escaping @Sendable (Page) -> String?
    ) -> SPAPIPages<Page> {
        SPAPIPages(fetch: fetch, nextToken: nextToken)
    }
}

/// The pages of a paginated operation, fetched lazily as the sequence is iterated.
public struct SPAPIPages<Page: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Page
    let fetch: @Sendable (String?) async throws -> Page
    let nextToken: @Sendable (Page) -> String?

    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: @Sendable (String?) async throws -> Page
        let nextToken: @Sendable (Page) -> String?
        var token: String?
        var finished = false

        public mutating func next() async throws -> Page? {
            guard !finished else { return nil }
            let page = try await fetch(token)
            token = nextToken(page).flatMap { $0.isEmpty ? nil : $0 }
            finished = token == nil
            return page
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fetch: fetch, nextToken: nextToken)
    }
}

/// Operation ids used by the typed operations, one namespace per model.
public enum SPAPIOperations {
    public static func sellers(_ name: String) -> SPAPIOperation { .init(api: "sellers", name: name) }
    public static func ordersV0(_ name: String) -> SPAPIOperation { .init(api: "ordersV0", name: name) }
    public static func financesV0(_ name: String) -> SPAPIOperation { .init(api: "financesV0", name: name) }
    public static func fbaInventory(_ name: String) -> SPAPIOperation { .init(api: "fbaInventory", name: name) }
    public static func inboundV0(_ name: String) -> SPAPIOperation { .init(api: "fulfillmentInboundV0", name: name) }
    public static func inbound2024(_ name: String) -> SPAPIOperation { .init(api: "fulfillmentInbound_2024-03-20", name: name) }
    public static func reports(_ name: String) -> SPAPIOperation { .init(api: "reports_2021-06-30", name: name) }
    public static func listings(_ name: String) -> SPAPIOperation { .init(api: "listingsItems_2021-08-01", name: name) }
    public static func catalog(_ name: String) -> SPAPIOperation { .init(api: "catalogItems_2022-04-01", name: name) }
    public static func productFees(_ name: String) -> SPAPIOperation { .init(api: "productFeesV0", name: name) }
    public static func pricing(_ name: String) -> SPAPIOperation { .init(api: "productPricingV0", name: name) }
    public static func notifications(_ name: String) -> SPAPIOperation { .init(api: "notifications", name: name) }
    public static func tokens(_ name: String) -> SPAPIOperation { .init(api: "tokens_2021-03-01", name: name) }
}
