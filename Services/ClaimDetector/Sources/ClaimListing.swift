import Foundation
import OpsideCore

/// The claims list and its CSV export as the API answers them and `opside claims` prints them:
/// one code path, so the two never differ.
public struct ClaimListing: Sendable {
    let store: ClaimStore
    let approval: ApprovalLearning

    public init(store: ClaimStore, approval: ApprovalLearning) {
        self.store = store
        self.approval = approval
    }

    /// `{"claims": [...], "nextCursor": "..."}`.
    public struct Page: Codable, Sendable, Equatable {
        public var claims: [ClaimView]
        /// Pass as `cursor` for the next page; absent on the last.
        public var nextCursor: String?
    }

    public func page(tenant: UUID, query: ClaimListQuery) async throws -> Page {
        let (claims, next) = try await store.list(tenant: tenant, query: query)
        let estimates = try await approval.estimates(tenant: tenant, claims: claims)
        return Page(claims: claims.map { ClaimView($0, detailed: false, approval: estimates[$0.id]) }, nextCursor: next)
    }

    /// One claim as the single-claim view shows it, with its approval estimate and what moved it.
    public func detailed(_ claim: Claim) async throws -> ClaimView {
        let estimates = try await approval.estimates(tenant: claim.tenantId, claims: [claim])
        return ClaimView(claim, detailed: true, approval: estimates[claim.id])
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
