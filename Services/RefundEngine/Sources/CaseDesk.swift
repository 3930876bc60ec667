import Foundation
import OpsideCore

/// What is sent to open a case.
public struct CaseFilingRequest: Sendable, Equatable {
    /// The same for every attempt at one filing, so a retry after a lost answer cannot open a second case.
    public var idempotencyKey: String
    public var marketplaceId: String
    public var issueType: String
    public var subject: String
    public var body: String
    public var references: [String: String]
    public var quantity: Int
    public var amountClaimed: Money
    public var attachments: [String]
}

/// Amazon's answer on a case, as the case log shows it.
public struct CaseDeskAnswer: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case approved
        case partiallyApproved = "partially_approved"
        case denied
        case moreInformationNeeded = "more_information_needed"
    }
    public var amazonCaseId: String
    /// nil while the case is open.
    public var outcome: Outcome?
    public var reason: String?
    public var decidedAt: Date?
    public var approvedAmount: Money?
}

/// Why the desk could not take a request.
public enum CaseDeskError: Error, Sendable, CustomStringConvertible {
    /// Worth another try later: the desk or the network failed, or it throttled us.
    case transient(String)
    /// The desk refused the request itself; retrying the same request cannot help.
    case refused(String)
    /// No access to the seller's account: the seller must connect again (or reconnect).
    case noAccess(String)

    public var description: String {
        switch self {
        case .transient(let reason): "the case desk failed: \(reason)"
        case .refused(let reason): "the case desk refused the case: \(reason)"
        case .noAccess(let reason): "no access to the seller's account: \(reason)"
        }
    }
}

/// A place cases are filed and followed (the `sandbox` channel; the `assisted` channel has none:
/// the seller is the desk).
public protocol CaseDesk: Sendable {
    /// Opens a case; Amazon's case id.
    func file(_ request: CaseFilingRequest, tenant: UUID, connection: UUID) async throws(CaseDeskError) -> String
    /// The seller's cases opened since `createdAfter`, with Amazon's answers.
    func answers(tenant: UUID, connection: UUID, createdAfter: Date) async throws(CaseDeskError) -> [CaseDeskAnswer]
    /// Answers Amazon's question, or appeals a denial.
    func reply(amazonCaseId: String, body: String, attachments: [String], idempotencyKey: String, tenant: UUID,
               connection: UUID) async throws(CaseDeskError)
}
