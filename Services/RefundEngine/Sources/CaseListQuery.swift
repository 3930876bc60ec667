import Foundation
import OpsideCore

/// The cases list's filters (`GET /internal/cases`): `status`, `type` (comma-separated lists),
/// `connectionId`, `channel`, `limit` (1–500, 50) and `cursor` (from the previous page).
public struct CaseListQuery: Sendable, Equatable {
    public var statuses: [CaseStatus] = []
    public var types: [String] = []
    public var connectionId: UUID?
    public var channel: CaseChannel?
    public var limit = 50
    public var cursor: CaseCursor?

    public static let maximumLimit = 500

    public init() {}

    /// - Throws: `CaseQueryError` naming the parameter that does not read.
    public init(parameters: [String: String]) throws(CaseQueryError) {
        if let text = parameters["status"], !text.isEmpty {
            statuses = try text.split(separator: ",").map { part throws(CaseQueryError) in
                guard let status = CaseStatus(rawValue: String(part)) else {
                    throw CaseQueryError(parameter: "status", reason: "unknown status '\(part)'")
                }
                return status
            }
        }
        if let text = parameters["type"], !text.isEmpty { types = text.split(separator: ",").map(String.init) }
        if let text = parameters["connectionId"] {
            guard let id = UUID(uuidString: text) else { throw CaseQueryError(parameter: "connectionId", reason: "must be a UUID") }
            connectionId = id
        }
        if let text = parameters["channel"] {
            guard let value = CaseChannel(rawValue: text) else { throw CaseQueryError(parameter: "channel", reason: "must be assisted or sandbox") }
            channel = value
        }
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw CaseQueryError(parameter: "limit", reason: "must be a whole number from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        if let text = parameters["cursor"] {
            guard let value = CaseCursor(opaque: text) else { throw CaseQueryError(parameter: "cursor", reason: "is not a cursor this list gave") }
            cursor = value
        }
    }
}

public struct CaseQueryError: Error, CustomStringConvertible {
    public let parameter: String
    public let reason: String
    public var description: String { "\(parameter) \(reason)" }
}

/// Where the next page starts: the last case's deadline and id, as one opaque token.
public struct CaseCursor: Sendable, Equatable {
    public var deadline: CivilDate
    public var id: UUID

    public var opaque: String { "\(deadline.description)_\(id.uuidString.lowercased())" }

    public init(deadline: CivilDate, id: UUID) {
        self.deadline = deadline
        self.id = id
    }

    public init?(opaque: String) {
        let parts = opaque.split(separator: "_")
        guard parts.count == 2, let deadline = CivilDate(iso: String(parts[0])), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.deadline = deadline
        self.id = id
    }
}
