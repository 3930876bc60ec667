import Foundation
import OpsideCore
import PostgresNIO

/// Reads `cases.cases` rows into `ReimbursementCase`s; every query that returns cases selects `columns`.
enum CaseRowReader {
    static let columns = """
        case_id, tenant_id, connection_id, marketplace_id, claim_id, claim_type, channel, status, fnsku, sku, asin, units,
        amount_claimed_minor, currency, opens_on::text AS opens_on, deadline::text AS deadline, reference_ids::text AS refs,
        subject, body, attachments::text AS attachments, documents_ready, approval_probability, amazon_case_id, filed_at, filed_by,
        filing_started_at, attempts, next_attempt_at, last_error, decision_reason, decided_at, approved_amount_minor, appealed, replies, recovered_minor,
        reminded_days, created_at, updated_at
        """

    static func reimbursementCase(_ row: PostgresRow) throws -> ReimbursementCase {
        let r = row.makeRandomAccess()
        func text(_ name: String) throws -> String { try r[name].decode(String.self) }
        func optionalText(_ name: String) throws -> String? { try r[name].decode(String?.self) }
        func day(_ name: String) throws -> CivilDate {
            let value = try text(name)
            guard let date = CivilDate(iso: value) else { throw CaseStoreError.corruptRow("\(name) '\(value)' is not a day") }
            return date
        }
        func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(try text(name).utf8))
        }
        guard let channel = CaseChannel(rawValue: try text("channel")), let status = CaseStatus(rawValue: try text("status")) else {
            throw CaseStoreError.corruptRow("unknown channel or status")
        }
        let currency = try Currency(code: try text("currency"))
        return ReimbursementCase(
            id: try r["case_id"].decode(UUID.self), tenantId: try r["tenant_id"].decode(UUID.self),
            connectionId: try r["connection_id"].decode(UUID.self), marketplaceId: try text("marketplace_id"),
            claimId: try r["claim_id"].decode(UUID.self), claimType: try text("claim_type"), channel: channel, status: status,
            fnsku: try optionalText("fnsku"), sku: try optionalText("sku"), asin: try optionalText("asin"),
            units: Int(try r["units"].decode(Int32.self)),
            amountClaimed: Money(amountMinor: try r["amount_claimed_minor"].decode(Int64.self), currency: currency),
            opensOn: try day("opens_on"), deadline: try day("deadline"), references: try json("refs", as: [String: String].self),
            subject: try text("subject"), body: try text("body"), attachments: try json("attachments", as: [String].self),
            documentsReady: try r["documents_ready"].decode(Bool.self), approvalProbability: try r["approval_probability"].decode(Double.self),
            amazonCaseId: try optionalText("amazon_case_id"), filedAt: try r["filed_at"].decode(Date?.self),
            filedBy: try optionalText("filed_by"), filingStartedAt: try r["filing_started_at"].decode(Date?.self), attempts: Int(try r["attempts"].decode(Int32.self)),
            nextAttemptAt: try r["next_attempt_at"].decode(Date?.self), lastError: try optionalText("last_error"),
            decisionReason: try optionalText("decision_reason"), decidedAt: try r["decided_at"].decode(Date?.self),
            approvedAmount: try r["approved_amount_minor"].decode(Int64?.self).map { Money(amountMinor: $0, currency: currency) },
            appealed: try r["appealed"].decode(Bool.self), replies: Int(try r["replies"].decode(Int32.self)),
            recovered: Money(amountMinor: try r["recovered_minor"].decode(Int64.self), currency: currency),
            remindedDays: try r["reminded_days"].decode(Int32?.self).map(Int.init),
            createdAt: try r["created_at"].decode(Date.self), updatedAt: try r["updated_at"].decode(Date.self))
    }
}

/// The case store met something it cannot work with.
public enum CaseStoreError: Error, CustomStringConvertible {
    case corruptRow(String)

    public var description: String {
        switch self {
        case .corruptRow(let reason): "a stored case cannot be read: \(reason)"
        }
    }
}
