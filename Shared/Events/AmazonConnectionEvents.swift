import Foundation
import OpsideJobs

// The events integrations publishes about a seller's Amazon connection. A connection keeps its
// id for life: reconnecting the same seller (same tenant, selling partner and region) reuses it,
// so consumers can resume what they kept for it.

/// A seller authorized the application (first connection or a reconnection).
public struct AmazonConnected: OpsideEvent, Equatable {
    public static let name = "amazon.connected"
    @LowercasedUUID public var connectionId: UUID
    public var sellingPartnerId: String
    public var region: String
    public var marketplaceIds: [String]

    public init(connectionId: UUID, sellingPartnerId: String, region: String, marketplaceIds: [String]) {
        self.connectionId = connectionId
        self.sellingPartnerId = sellingPartnerId
        self.region = region
        self.marketplaceIds = marketplaceIds
    }
}

/// The seller disconnected: integrations deleted the refresh token and hands out no more access tokens.
public struct AmazonDisconnected: OpsideEvent, Equatable {
    public static let name = "amazon.disconnected"
    @LowercasedUUID public var connectionId: UUID
    public var sellingPartnerId: String
    public var region: String

    public init(connectionId: UUID, sellingPartnerId: String, region: String) {
        self.connectionId = connectionId
        self.sellingPartnerId = sellingPartnerId
        self.region = region
    }
}

/// Amazon stopped accepting the connection's refresh token: only the seller connecting again fixes it.
public struct AmazonReauthorizationRequired: OpsideEvent, Equatable {
    public static let name = "amazon.reauthorization_required"
    @LowercasedUUID public var connectionId: UUID
    public var sellingPartnerId: String
    public var region: String
    public var reason: String
    public var requiredAt: Date

    public init(connectionId: UUID, sellingPartnerId: String, region: String, reason: String, requiredAt: Date) {
        self.connectionId = connectionId
        self.sellingPartnerId = sellingPartnerId
        self.region = region
        self.reason = reason
        self.requiredAt = requiredAt
    }
}
