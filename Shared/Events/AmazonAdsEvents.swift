import Foundation
import OpsideJobs

// The events integrations publishes about a connection's Amazon Ads authorization (issue 16). The
// Ads API is a separate authorization from SP-API's (its own application and refresh token), so a
// connection may sync its SP-API data without advertising, and gain or lose Ads on its own.

/// The seller authorized the Ads API for the connection and integrations found the advertising
/// profile of the connection's marketplace: inventory-sync starts syncing its spend.
public struct AmazonAdsConnected: OpsideEvent, Equatable {
    public static let name = "amazon.ads_connected"
    @LowercasedUUID public var connectionId: UUID
    public var profileId: Int64
    public var marketplaceId: String
    public var currencyCode: String

    public init(connectionId: UUID, profileId: Int64, marketplaceId: String, currencyCode: String) {
        self.connectionId = connectionId
        self.profileId = profileId
        self.marketplaceId = marketplaceId
        self.currencyCode = currencyCode
    }
}

/// The Ads authorization was removed (by the seller, or with the connection): no more Ads tokens.
/// The spend already synced stays.
public struct AmazonAdsDisconnected: OpsideEvent, Equatable {
    public static let name = "amazon.ads_disconnected"
    @LowercasedUUID public var connectionId: UUID

    public init(connectionId: UUID) {
        self.connectionId = connectionId
    }
}
