import Foundation
import OpsideJobs

/// main-api created a tenant with its owner (sign-up). payments opens its billing account.
public struct TenantCreated: OpsideEvent, Equatable {
    public static let name = "tenant.created"
    @LowercasedUUID public var tenantId: UUID
    public var name: String
    @LowercasedUUID public var ownerUserId: UUID
    public var ownerEmail: String
    /// The partner code the owner gave at sign-up (a partner brought this seller), as typed.
    public var referralCode: String?

    public init(tenantId: UUID, name: String, ownerUserId: UUID, ownerEmail: String, referralCode: String? = nil) {
        self.tenantId = tenantId
        self.name = name
        self.ownerUserId = ownerUserId
        self.ownerEmail = ownerEmail
        self.referralCode = referralCode
    }

    enum CodingKeys: String, CodingKey {
        case tenantId, name, ownerUserId, ownerEmail, referralCode
        /// Spellings of events written before the suite's JSON style (`tenantID`), still in
        /// outboxes and queues when it shipped.
        case legacyTenantID = "tenantID", legacyOwnerUserID = "ownerUserID"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        _tenantId = try container.decodeIfPresent(LowercasedUUID.self, forKey: .tenantId)
            ?? container.decode(LowercasedUUID.self, forKey: .legacyTenantID)
        name = try container.decode(String.self, forKey: .name)
        _ownerUserId = try container.decodeIfPresent(LowercasedUUID.self, forKey: .ownerUserId)
            ?? container.decode(LowercasedUUID.self, forKey: .legacyOwnerUserID)
        ownerEmail = try container.decode(String.self, forKey: .ownerEmail)
        referralCode = try container.decodeIfPresent(String.self, forKey: .referralCode)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(_tenantId, forKey: .tenantId)
        try container.encode(name, forKey: .name)
        try container.encode(_ownerUserId, forKey: .ownerUserId)
        try container.encode(ownerEmail, forKey: .ownerEmail)
        try container.encodeIfPresent(referralCode, forKey: .referralCode)
    }
}
