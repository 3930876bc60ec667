import Foundation
import OpsideCore
import PostgresNIO

/// Reads `claims.claims` rows into `Claim`s; every query that returns claims selects `columns`.
enum ClaimRowReader {
    static let columns = """
        claim_id, tenant_id, connection_id, marketplace_id, claim_key, claim_type, status, fnsku, sku, asin, units,
        amount_minor, currency, valuation::text AS valuation, clock_started_on::text AS clock_started_on,
        opens_on::text AS opens_on, deadline::text AS deadline, source_ids::text AS source_ids,
        explanation::text AS explanation, resolution_reason, dismissed_reason, dismissed_at, dismissed_by,
        first_detected_at, last_detected_at, resolved_at, reopened_at, run_id
        """

    static func claim(_ row: PostgresRow) throws -> Claim {
        let r = row.makeRandomAccess()
        func text(_ name: String) throws -> String { try r[name].decode(String.self) }
        func optionalText(_ name: String) throws -> String? { try r[name].decode(String?.self) }
        func day(_ name: String) throws -> CivilDate {
            let value = try text(name)
            guard let date = CivilDate(iso: value) else { throw ClaimStoreError.corruptRow("\(name) '\(value)' is not a day") }
            return date
        }
        func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(try text(name).utf8))
        }
        guard let type = ClaimType(rawValue: try text("claim_type")), let status = ClaimStatus(rawValue: try text("status")) else {
            throw ClaimStoreError.corruptRow("unknown claim type or status")
        }
        return Claim(
            id: try r["claim_id"].decode(UUID.self), tenantId: try r["tenant_id"].decode(UUID.self),
            connectionId: try r["connection_id"].decode(UUID.self), marketplaceId: try text("marketplace_id"), key: try text("claim_key"),
            type: type, status: status, fnsku: try optionalText("fnsku"), sku: try optionalText("sku"), asin: try optionalText("asin"),
            units: Int(try r["units"].decode(Int32.self)),
            amount: Money(amountMinor: try r["amount_minor"].decode(Int64.self), currency: try Currency(code: try text("currency"))),
            valuation: try json("valuation", as: ClaimValuation.self), clockStartedOn: try day("clock_started_on"),
            opensOn: try day("opens_on"), deadline: try day("deadline"),
            sourceIds: try json("source_ids", as: [String: String].self), explanation: try json("explanation", as: ClaimExplanation.self),
            resolutionReason: try optionalText("resolution_reason"), dismissedReason: try optionalText("dismissed_reason"),
            dismissedAt: try r["dismissed_at"].decode(Date?.self), dismissedBy: try optionalText("dismissed_by"),
            firstDetectedAt: try r["first_detected_at"].decode(Date.self), lastDetectedAt: try r["last_detected_at"].decode(Date.self),
            resolvedAt: try r["resolved_at"].decode(Date?.self), reopenedAt: try r["reopened_at"].decode(Date?.self),
            runId: try r["run_id"].decode(UUID.self))
    }
}

/// The claim store met something it cannot work with.
public enum ClaimStoreError: Error, CustomStringConvertible {
    case corruptRow(String)
    /// The rules emitted a claim of another connection or marketplace than the run's.
    case claimOutsideRun(key: String)

    public var description: String {
        switch self {
        case .corruptRow(let reason): "a stored claim cannot be read: \(reason)"
        case .claimOutsideRun(let key): "the rules emitted claim \(key) for another connection or marketplace than the run's"
        }
    }
}
