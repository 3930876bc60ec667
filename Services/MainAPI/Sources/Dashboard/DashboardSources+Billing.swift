import Foundation
import OpsideCore

/// The Billing page's data: payments' answers for the viewer's tenant.
extension DashboardSources {
    struct Card: Decodable, Sendable {
        let brand: String
        let last4: String
        let expMonth: Int
        let expYear: Int
    }

    struct BillingProfile: Decodable, Sendable {
        let commissionBasisPoints: Int
        let collection: String
        let card: Card?
        let standing: String
        let standingReason: String?
    }

    struct CommissionTotals: Decodable, Sendable {
        let recovered: Money
        let commission: Money
        let settled: Money
        let upcoming: Money
        let invoiced: Money
    }

    struct Invoice: Decodable, Sendable {
        let invoiceId: UUID
        let periodStart: Date
        let periodEnd: Date
        let total: Money
        let lineCount: Int
        let status: String
        let number: String?
        let hostedInvoiceUrl: String?
        let invoicePdf: String?
        let attemptCount: Int
        let nextRetryAt: Date?
        let lastFailure: String?
        let createdAt: Date
        let paidAt: Date?
    }

    struct BillingOverview: Decodable, Sendable {
        let billing: BillingProfile
        let totals: [CommissionTotals]
        let invoices: [Invoice]
        let referral: SellerReferral?
    }

    struct CommissionLine: Decodable, Sendable {
        let reimbursementId: String
        let kind: String
        let caseId: UUID?
        let amazonCaseId: String?
        let claimType: String?
        let recovered: Money
        let rateBasisPoints: Int
        let commission: Money
        let state: String
        let chargeFailure: String?
        let createdAt: Date
    }

    func billingOverview(tenant: UUID) async throws -> BillingOverview {
        try await get(BillingOverview.self, from: .payments, "/internal/billing", tenant: tenant)
    }

    func commissions(tenant: UUID, limit: Int) async throws -> [CommissionLine] {
        struct Body: Decodable { let commissions: [CommissionLine] }
        return try await get(Body.self, from: .payments, "/internal/billing/commissions?limit=\(limit)", tenant: tenant).commissions
    }
}
