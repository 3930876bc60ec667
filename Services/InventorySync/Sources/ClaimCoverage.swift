import Foundation

/// Which claims Opside can look for once a connection's first syncs are in: each family of
/// claims with the datasets its evidence reads (the queries of `Shared/AmazonData/Evidence`), so
/// a seller watching the backfill sees which claims are covered already, and the backfill order
/// (`SyncDataset`) can be judged by how soon each family is.
public enum ClaimCoverage {
    public struct Family: Sendable, Equatable {
        public let id: String
        /// For the seller, in words.
        public let label: String
        /// claim-detector's claim types (`ClaimType` raw values).
        public let claimTypes: [String]
        public let datasets: [SyncDataset]
    }

    public static let families: [Family] = [
        Family(id: "warehouse", label: "Units lost, damaged or disposed of in Amazon's warehouses",
               claimTypes: ["warehouse_lost", "warehouse_damaged", "disposed_unrequested", "reimbursement_reversal"],
               datasets: [.ledgerDetail, .reimbursements, .removalOrders]),
        Family(id: "inbound", label: "Units short in inbound shipments", claimTypes: ["inbound_shortage"],
               datasets: [.ledgerDetail, .reimbursements, .inboundShipments]),
        Family(id: "removals", label: "Removal orders that never arrived", claimTypes: ["removal_lost"],
               datasets: [.removalOrders, .removalShipments, .reimbursements]),
        Family(id: "underpaid", label: "Reimbursements paid below the item's value", claimTypes: ["underpaid_reimbursement"],
               datasets: [.reimbursements, .estimatedFees]),
        Family(id: "refunds", label: "Refunds without a return, returns not restocked, replacements not returned",
               claimTypes: ["refund_without_return", "return_not_restocked", "replacement_not_returned"],
               datasets: [.financialEvents, .customerReturns, .replacements, .reimbursements, .ledgerDetail, .estimatedFees]),
        Family(id: "fees", label: "FBA fees charged above the item's size tier", claimTypes: ["fee_overcharge"],
               datasets: [.financialEvents, .estimatedFees, .inventorySummaries, .reimbursements]),
    ]

    /// A family's state for one connection.
    public struct State: Codable, Sendable, Equatable {
        public let family: String
        public let label: String
        public let claimTypes: [String]
        /// Every dataset it needs has synced at least once.
        public let covered: Bool
        /// When the last of them first finished syncing (nil until covered).
        public let coveredAt: Date?
        /// The datasets it still waits for, in backfill order.
        public let waitingFor: [String]
    }

    /// The families' states from when each dataset first finished syncing (absent: not yet).
    public static func states(firstSynced: [SyncDataset: Date]) -> [State] {
        families.map { family in
            let waiting = SyncDataset.allCases.filter { family.datasets.contains($0) && firstSynced[$0] == nil }
            let coveredAt = waiting.isEmpty ? family.datasets.compactMap { firstSynced[$0] }.max() : nil
            return State(family: family.id, label: family.label, claimTypes: family.claimTypes, covered: waiting.isEmpty,
                         coveredAt: coveredAt, waitingFor: waiting.map(\.rawValue))
        }
    }
}
