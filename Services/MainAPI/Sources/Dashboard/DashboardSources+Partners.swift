import Foundation
import OpsideCore

/// The Partners page's data: payments' answers for the viewer's workspace.
extension DashboardSources {
    struct Partner: Decodable, Sendable {
        let kind: String
        let displayName: String
        let referralCode: String
        let shareBasisPoints: Int
        let stripeAccountId: String?
        let accountStatus: String
        let detailsSubmitted: Bool
        let payoutsEnabled: Bool
        let requirementsDue: [String]
        let disabledReason: String?
        let payoutSchedule: String
        let payoutMinimumHundredths: Int64
    }

    struct PartnerBalance: Decodable, Sendable {
        let available: Money
        let pending: Money
    }

    struct PartnerTotals: Decodable, Sendable {
        let earned: Money
        let transferred: Money
        let awaitingTransfer: Money
    }

    struct PartnerReferral: Decodable, Sendable {
        let sellerName: String
        let source: String
        let since: Date
        let earned: [Money]
    }

    struct PartnerPayout: Decodable, Sendable {
        let amount: Money
        let status: String
        let trigger: String
        let arrivalDate: Date?
        let failureMessage: String?
        let createdAt: Date
    }

    struct PartnerOverview: Decodable, Sendable {
        let partner: Partner?
        let defaultShareBasisPoints: Int
        let balance: [PartnerBalance]
        let balanceError: String?
        let totals: [PartnerTotals]
        let referrals: [PartnerReferral]
        let payouts: [PartnerPayout]
    }

    struct PartnerEarning: Decodable, Sendable {
        let sellerName: String
        let amazonCaseId: String?
        let commission: Money
        let shareBasisPoints: Int
        let earning: Money
        let transfer: String
        let settledAt: Date
    }

    struct SellerReferral: Decodable, Sendable {
        let partnerName: String
        let since: Date
    }

    func partnerOverview(tenant: UUID) async throws -> PartnerOverview {
        try await get(PartnerOverview.self, from: .payments, "/internal/partners", tenant: tenant)
    }

    func partnerEarnings(tenant: UUID) async throws -> [PartnerEarning] {
        struct Body: Decodable { let earnings: [PartnerEarning] }
        return try await get(Body.self, from: .payments, "/internal/partners/earnings", tenant: tenant).earnings
    }
}
