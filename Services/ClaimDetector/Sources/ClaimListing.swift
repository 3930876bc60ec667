import Foundation
import OpsideCore

/// The claims list and its CSV export as the API answers them and `opside claims` prints them:
/// one code path, so the two never differ.
public struct ClaimListing: Sendable {
    let store: ClaimStore

    public init(store: ClaimStore) {
        self.store = store
    }

    /// `{"claims": [...], "nextCursor": "..."}`.
    public struct Page: Codable, Sendable, Equatable {
        public var claims: [ClaimView]
        /// Pass as `cursor` for the next page; absent on the last.
        public var nextCursor: String?
    }

    public func page(tenant: UUID, query: ClaimListQuery) async throws -> Page {
        let (claims, next) = try await store.list(tenant: tenant, query: query)
        return Page(claims: claims.map { ClaimView($0, detailed: false) }, nextCursor: next)
    }

    /// Every claim the query's filters match, in its order, from its cursor on (pages of the
    /// largest size), as CSV.
    public func csv(tenant: UUID, query: ClaimListQuery) async throws -> String {
        var query = query
        query.limit = ClaimListQuery.maximumLimit
        var text = ClaimCSV.header
        while true {
            let page = try await page(tenant: tenant, query: query)
            for claim in page.claims { text += try ClaimCSV.row(claim) }
            guard let next = page.nextCursor, let cursor = ClaimCursor(opaque: next) else { return text }
            query.cursor = cursor
        }
    }

    /// The JSON the API answers a page with, as bytes (the CLI prints these).
    public static func json(_ page: Page) throws -> [UInt8] {
        try OpsideJSONEncoder().encodeToBytes(page)
    }
}
