import Foundation
import OpsideAmazonData
import OpsideCore

/// The detection rules of docs/claim-detection.md over one connection's synced Amazon data.
///
/// Each group of rules is one read (`AmazonDataReader`'s evidence reads) that filters, joins and
/// aggregates in PostgreSQL, streamed row by row; the netting happens here, per FNSKU or per
/// order, so memory is one FNSKU's rows whatever the size of the seller's history. While one pass
/// is netted, the next pass's read already runs (`PrefetchedRows`): PostgreSQL and Swift work at
/// once, on two connections, and the claims still come out one pass after the other. Nothing
/// reads the wall clock: a run for a given `asOf` and the same data emits the same claims, in the
/// same order.
public struct ClaimRulesEngine: ClaimDetecting {
    /// The reads the rules are grouped into, in the order a run performs them: the two heaviest
    /// reads first, so the fee read runs while the inventory is netted.
    public enum Pass: String, CaseIterable, Sendable {
        /// Warehouse lost, warehouse damaged, disposed without request, inbound shortage, reversals.
        case inventory
        case fees
        case refunds
        case returns
        case replacements
        case removals
        case underpayments

        var types: Set<ClaimType> {
            switch self {
            case .inventory: InventoryRules.types
            case .refunds: [.refundWithoutReturn]
            case .returns: [.returnNotRestocked]
            case .replacements: [.replacementNotReturned]
            case .removals: [.removalLost]
            case .underpayments: [.underpaidReimbursement]
            case .fees: [.feeOvercharge]
            }
        }
    }

    /// Where one pass's time went: its wall time, the part spent in Swift (decoding excluded:
    /// netting, wording, emitting), and the rows it read and claims it emitted.
    public struct PassTiming: Sendable {
        public let pass: Pass
        public let wall: Duration
        public let swift: Duration
        public let rowsRead: Int
        public let claimsEmitted: Int

        /// Time waiting on PostgreSQL and decoding rows.
        public var query: Duration { wall - swift }
    }

    public let reader: AmazonDataReader

    public init(reader: AmazonDataReader) {
        self.reader = reader
    }

    public func detect(_ request: DetectionRequest, emit: (DetectedClaim) async throws -> Void) async throws {
        _ = try await detect(request, types: Set(ClaimType.allCases), emit: emit)
    }

    /// Runs the rules of `types` only (every pass that yields one of them, emitting only those),
    /// and says where the time went.
    /// - Throws: `UnknownMarketplace` for a marketplace id Amazon's table lacks; the database's errors.
    public func detect(_ request: DetectionRequest, types: Set<ClaimType>,
                       emit: (DetectedClaim) async throws -> Void) async throws -> [PassTiming] {
        let context = try DetectionContext(request: request)
        let passes = Pass.allCases.filter { !$0.types.isDisjoint(with: types) }
        var timings: [PassTiming] = []
        var next = passes.first.map { start($0, context: context, types: types) }
        defer { next?.cancel() }
        for (index, pass) in passes.enumerated() {
            guard let current = next else { break }
            // The next pass's read starts now, while this one is netted.
            next = index + 1 < passes.count ? start(passes[index + 1], context: context, types: types) : nil
            let meter = PassMeter(types: types)
            let started = ContinuousClock.now
            do {
                try await current.run(meter, emit)
            } catch {
                // Its read may still be sending (the rules or the emit failed): stop it too.
                current.cancel()
                throw error
            }
            timings.append(PassTiming(pass: pass, wall: ContinuousClock.now - started, swift: meter.swift, rowsRead: meter.rows,
                                      claimsEmitted: meter.claims))
        }
        return timings
    }

    /// A pass whose read has started: `run` nets its rows and emits its claims.
    private struct StartedPass {
        let run: (PassMeter, (DetectedClaim) async throws -> Void) async throws -> Void
        let cancel: () -> Void

        init<Row>(_ rows: PrefetchedRows<Row>, run: @escaping (PrefetchedRows<Row>, PassMeter, (DetectedClaim) async throws -> Void) async throws -> Void) {
            self.run = { meter, emit in try await run(rows, meter, emit) }
            self.cancel = { rows.cancel() }
        }
    }

    private func start(_ pass: Pass, context: DetectionContext, types: Set<ClaimType>) -> StartedPass {
        let scope = context.scope
        let reader = self.reader
        let orders = OrderRules(context: context)
        switch pass {
        case .inventory:
            let includeInbound = types.contains(.inboundShortage)
            let rules = InventoryRules(context: context, types: types.intersection(InventoryRules.types))
            return StartedPass(PrefetchedRows { try await reader.inventoryEvidence(scope, includeInbound: includeInbound, $0) }) { rows, meter, emit in
                var fnsku: String?
                var group: [InventoryEvidenceRow] = []
                try await rows.forEach { row in
                    try await meter.measure {
                        if row.fnsku != fnsku, let current = fnsku {
                            try await rules.detect(fnsku: current, rows: group) { try await meter.emitted($0, emit) }
                            group.removeAll(keepingCapacity: true)
                        }
                        fnsku = row.fnsku
                        group.append(row)
                    }
                }
                if let current = fnsku {
                    try await rules.detect(fnsku: current, rows: group) { try await meter.emitted($0, emit) }
                }
            }
        case .refunds:
            return StartedPass(PrefetchedRows { try await reader.refundEvidence(scope, $0) }) { rows, meter, emit in
                try await rows.forEach { row in try await meter.measure { try await meter.emitted(orders.refund(row), emit) } }
            }
        case .returns:
            return StartedPass(PrefetchedRows { try await reader.returnEvidence(scope, $0) }) { rows, meter, emit in
                try await rows.forEach { row in try await meter.measure { try await meter.emitted(orders.returned(row), emit) } }
            }
        case .replacements:
            return StartedPass(PrefetchedRows { try await reader.replacementEvidence(scope, $0) }) { rows, meter, emit in
                try await rows.forEach { row in try await meter.measure { try await meter.emitted(orders.replacement(row), emit) } }
            }
        case .removals:
            return StartedPass(PrefetchedRows { try await reader.removalEvidence(scope, $0) }) { rows, meter, emit in
                var reimbursements: [RemovalReimbursementRow] = []
                try await reader.removalReimbursements(scope) { reimbursements.append($0) }
                var rule = RemovalRule(context: context, reimbursements: reimbursements)
                try await rows.forEach { row in
                    try await meter.measure {
                        if let claim = rule.claim(row) { try await meter.emitted(claim, emit) }
                    }
                }
            }
        case .underpayments:
            let rule = UnderpaymentRule(context: context)
            return StartedPass(PrefetchedRows { try await reader.cashReimbursements(scope, $0) }) { rows, meter, emit in
                try await rows.forEach { row in
                    try await meter.measure {
                        if let claim = rule.audit(row) { try await meter.emitted(claim, emit) }
                    }
                }
            }
        case .fees:
            var sellerFees: [String: Int64] = [:]
            for (sku, fee) in context.request.expectedFulfillmentFees where fee.currency == context.currency { sellerFees[sku] = fee.amountMinor }
            let fees = sellerFees
            return StartedPass(PrefetchedRows { try await reader.feeOvercharges(scope, sellerFees: fees, $0) }) { rows, meter, emit in
                try await rows.forEach { row in try await meter.measure { try await meter.emitted(orders.feeOvercharge(row), emit) } }
            }
        }
    }
}

/// Counts a pass's rows and claims and the time spent handling them in Swift; hands on the
/// claims of the types asked for. Used by one task only.
private final class PassMeter {
    let types: Set<ClaimType>
    var rows = 0
    var claims = 0
    var swift: Duration = .zero

    init(types: Set<ClaimType>) {
        self.types = types
    }

    func measure(_ body: () async throws -> Void) async throws {
        rows += 1
        let started = ContinuousClock.now
        try await body()
        swift += ContinuousClock.now - started
    }

    func emitted(_ claim: DetectedClaim, _ emit: (DetectedClaim) async throws -> Void) async throws {
        guard types.contains(claim.type) else { return }
        claims += 1
        try await emit(claim)
    }
}
