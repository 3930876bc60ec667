import ClaimDetector
import Foundation
import OpsideCore

/// Detection rules for the whole-suite tests, which check claim-detector's API and documents, not
/// the rules: two owed claims per connection's marketplace, always the same, so the happy paths
/// have a claim to read and dismiss, and one whose case needs documents (an inbound shortage).
struct OneClaimPerMarketplace: ClaimDetecting {
    func detect(_ request: DetectionRequest, emit: (DetectedClaim) async throws -> Void) async throws {
        let value = Money(amountMinor: 1250, currency: .usd)
        try await emit(DetectedClaim(
            type: .warehouseLost, connectionId: request.connectionId, marketplaceId: request.marketplaceId, fnsku: "X00TEST001",
            sku: "SKU-1", asin: "B00TEST001", units: 2, amount: Money(amountMinor: 2500, currency: .usd),
            valuation: ClaimValuation(basis: .amazonEstimate, unitValue: value, isEstimate: true, source: "Amazon's reimbursements for X00TEST001"),
            clockStartedOn: request.asOf.adding(days: -20), sourceIds: [.ledgerReferenceId: "REF-1", .fnsku: "X00TEST001"],
            explanation: ClaimExplanation(
                sourceRows: [ClaimSourceRow(dataset: "ledger_detail", rowId: "REF-1", date: request.asOf.adding(days: -20), quantity: -2,
                                            amount: nil, description: "M, misplaced, -2 units")],
                netting: [ClaimNettingStep(label: "loss units", units: 2), ClaimNettingStep(label: "units owed", units: 2)],
                summary: "Two units misplaced and never found or reimbursed.")))
        try await emit(DetectedClaim(
            type: .inboundShortage, connectionId: request.connectionId, marketplaceId: request.marketplaceId, fnsku: "X00TEST002",
            sku: "SKU-2", asin: "B00TEST002", units: 4, amount: Money(amountMinor: 4000, currency: .usd),
            valuation: ClaimValuation(basis: .manufacturingCost, unitValue: Money(amountMinor: 1000, currency: .usd), isEstimate: false,
                                      source: "the seller's unit cost of SKU-2"),
            clockStartedOn: request.asOf.adding(days: -20), sourceIds: [.shipmentId: "FBA15TEST", .fnsku: "X00TEST002"],
            explanation: ClaimExplanation(
                sourceRows: [ClaimSourceRow(dataset: "inbound_shipment_items", rowId: "FBA15TEST", date: request.asOf.adding(days: -20),
                                            quantity: 4, amount: nil, description: "shipped 10, received 6")],
                netting: [ClaimNettingStep(label: "units short", units: 4), ClaimNettingStep(label: "units owed", units: 4)],
                summary: "Four units shipped and never received.")))
    }
}
