import Foundation

/// A tenant's billing account as payments keeps it: who is billed, in which currency, and the
/// commission rate on recovered money.
public struct BillingAccount: Codable, Sendable, Equatable {
    public let tenantId: UUID
    public let companyName: String
    public let billingEmail: String
    public let currency: String
    /// The commission on recovered money, in hundredths of a percent (2000 = 20 %).
    public let commissionBasisPoints: Int
    public let status: String
    public let createdAt: Date

    public init(tenantId: UUID, companyName: String, billingEmail: String, currency: String = "USD",
                commissionBasisPoints: Int = BillingAccount.defaultCommissionBasisPoints,
                status: String = "pending_payment_method", createdAt: Date) {
        self.tenantId = tenantId
        self.companyName = companyName
        self.billingEmail = billingEmail
        self.currency = currency
        self.commissionBasisPoints = commissionBasisPoints
        self.status = status
        self.createdAt = createdAt
    }

    /// The commission a new account starts with (the migration's column default).
    public static let defaultCommissionBasisPoints = 2000
}
