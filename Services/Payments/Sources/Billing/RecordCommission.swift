import Foundation
import Logging
import OpsideEvents
import OpsideJobs

/// payments' consumer of `reimbursement.received`: the commission on money recovered on one of
/// our cases enters the ledger, once per ledger entry however often the event is delivered.
public struct RecordCommission: Sendable {
    let ledger: CommissionLedger

    public init(ledger: CommissionLedger) {
        self.ledger = ledger
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.recordCommission) { event, envelope, context in
            guard let tenant = envelope.tenantId else {
                throw JobOutcome.cancel(reason: "reimbursement.received \(envelope.id) names no tenant")
            }
            let recording = try await ledger.record(event, eventId: envelope.id, tenantId: tenant)
            switch recording {
            case .recorded(let line):
                context.logger.info("commission entered", metadata: [
                    "commission": "\(line.commissionId)", "recovered": "\(line.recovered)", "commission_amount": "\(line.commission)",
                    "rate_bps": "\(line.rateBasisPoints)"])
            case .duplicate(let line):
                context.logger.info("commission already entered", metadata: ["commission": "\(line.commissionId)", "entry": "\(event.entryId)"])
            case .notAttributed, .superseded:
                break
            }
        }
    }
}
