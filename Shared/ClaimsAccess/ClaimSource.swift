import Foundation
import OpsideCore
import OpsideTransport

/// A claim as claim-detector's API lists it: what refund-engine makes a case of and evidence-engine
/// matches documents against.
public struct ListedClaim: Codable, Sendable, Equatable {
    public var id: UUID
    public var type: String
    /// too_early, claimable, expired, resolved or dismissed.
    public var status: String
    public var connectionId: UUID
    public var marketplaceId: String
    public var fnsku: String?
    public var sku: String?
    public var asin: String?
    public var units: Int
    public var amount: Money
    public var clockStartedAt: CivilDate
    public var opensOn: CivilDate
    public var deadline: CivilDate
    public var sourceIds: [String: String]
    public var resolutionReason: String?
    public var dismissedReason: String?
    /// claim-detector's approval model's chance for the claim.
    public var approvalProbability: Double?

    public init(id: UUID, type: String, status: String, connectionId: UUID, marketplaceId: String, fnsku: String?, sku: String?, asin: String?,
                units: Int, amount: Money, clockStartedAt: CivilDate, opensOn: CivilDate, deadline: CivilDate, sourceIds: [String: String],
                resolutionReason: String? = nil, dismissedReason: String? = nil, approvalProbability: Double? = nil) {
        self.id = id
        self.type = type
        self.status = status
        self.connectionId = connectionId
        self.marketplaceId = marketplaceId
        self.fnsku = fnsku
        self.sku = sku
        self.asin = asin
        self.units = units
        self.amount = amount
        self.clockStartedAt = clockStartedAt
        self.opensOn = opensOn
        self.deadline = deadline
        self.sourceIds = sourceIds
        self.resolutionReason = resolutionReason
        self.dismissedReason = dismissedReason
        self.approvalProbability = approvalProbability
    }
}

/// Where claims come from: claim-detector owns them (DESIGN.md), so refund-engine and
/// evidence-engine read them through its API. The seam lets tests hand claims in directly.
public protocol ClaimSource: Sendable {
    /// Every claim of the connection (of every connection of the tenant when nil) in the given statuses.
    func claims(tenant: UUID, connection: UUID?, statuses: [String]) async throws -> [ListedClaim]
    /// One claim of the tenant; nil when there is none (or it is another tenant's).
    func claim(tenant: UUID, id: UUID) async throws -> ListedClaim?
}

/// claim-detector's `/internal/claims`, with a service token naming the tenant.
public struct ClaimDetectorClaimSource: ClaimSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct Page: Decodable {
        var claims: [ListedClaim]
        var nextCursor: String?
    }

    struct One: Decodable {
        var claim: ListedClaim
    }

    public func claims(tenant: UUID, connection: UUID?, statuses: [String]) async throws -> [ListedClaim] {
        var found: [ListedClaim] = []
        var cursor: String?
        repeat {
            var path = "/internal/claims?limit=500&status=\(statuses.joined(separator: ","))"
            if let connection { path += "&connectionId=\(connection.uuidString.lowercased())" }
            if let cursor { path += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)" }
            let page = try await serviceClient.get(Page.self, from: .claimDetector, path: path, tenantID: tenant)
            found += page.claims
            cursor = page.nextCursor
        } while cursor != nil
        return found
    }

    public func claim(tenant: UUID, id: UUID) async throws -> ListedClaim? {
        do {
            return try await serviceClient.get(One.self, from: .claimDetector, path: "/internal/claims/\(id.uuidString.lowercased())",
                                               tenantID: tenant).claim
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            return nil
        }
    }
}
