import Foundation
import OpsideCore

/// Which claims a list (or its CSV export) shows, in which order, from where.
public struct ClaimListQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case deadline, amount, clockStartedOn, type

        /// The column, and the type its cursor value is cast to.
        var column: (name: String, cast: String) {
            switch self {
            case .deadline: ("deadline", "date")
            case .amount: ("amount_minor", "bigint")
            case .clockStartedOn: ("clock_started_on", "date")
            case .type: ("claim_type", "text")
            }
        }
    }

    public var types: [ClaimType] = []
    public var statuses: [ClaimStatus] = []
    public var connectionId: UUID?
    public var marketplaceId: String?
    public var clockStartedFrom: CivilDate?
    public var clockStartedThrough: CivilDate?
    /// Claims whose deadline is before this day.
    public var deadlineBefore: CivilDate?
    public var sort: Sort = .deadline
    public var descending = false
    public var limit = 50
    public var cursor: ClaimCursor?

    public init() {}

    public static let maximumLimit = 500
    /// Days outside these years are typing mistakes (and year 0 is not a PostgreSQL date).
    public static let plausibleYears = 1900...2200

    /// Reads the query string the API and the CLI share (`type`, `status` as comma lists,
    /// `connectionId`, `marketplaceId`, `clockStartedFrom`, `clockStartedThrough`, `deadlineBefore`,
    /// `sort`, `order` = asc|desc, `limit`, `cursor`).
    /// - Throws: `ClaimQueryError` naming the parameter that does not read.
    public init(parameters: [String: String]) throws {
        func days(_ name: String) throws -> CivilDate? {
            guard let text = parameters[name] else { return nil }
            guard let day = CivilDate(iso: text), Self.plausibleYears.contains(day.year) else {
                throw ClaimQueryError(parameter: name, reason: "must be a day, YYYY-MM-DD, from 1900 to 2200")
            }
            return day
        }
        func list<T: RawRepresentable>(_ name: String, _ type: T.Type) throws -> [T] where T.RawValue == String {
            guard let text = parameters[name], !text.isEmpty else { return [] }
            return try text.split(separator: ",").map { part in
                guard let value = T(rawValue: String(part)) else { throw ClaimQueryError(parameter: name, reason: "unknown value '\(part)'") }
                return value
            }
        }
        types = try list("type", ClaimType.self)
        statuses = try list("status", ClaimStatus.self)
        if let text = parameters["connectionId"] {
            guard let id = UUID(uuidString: text) else { throw ClaimQueryError(parameter: "connectionId", reason: "must be a UUID") }
            connectionId = id
        }
        marketplaceId = parameters["marketplaceId"]
        clockStartedFrom = try days("clockStartedFrom")
        clockStartedThrough = try days("clockStartedThrough")
        deadlineBefore = try days("deadlineBefore")
        if let text = parameters["sort"] {
            guard let value = Sort(rawValue: text) else {
                throw ClaimQueryError(parameter: "sort", reason: "must be one of \(Sort.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            sort = value
        }
        switch parameters["order"] {
        case nil, "asc": descending = false
        case "desc": descending = true
        default: throw ClaimQueryError(parameter: "order", reason: "must be asc or desc")
        }
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...Self.maximumLimit).contains(value) else {
                throw ClaimQueryError(parameter: "limit", reason: "must be a whole number from 1 to \(Self.maximumLimit)")
            }
            limit = value
        }
        if let text = parameters["cursor"] {
            guard let value = ClaimCursor(opaque: text), value.sort == sort.rawValue, value.descending == descending else {
                throw ClaimQueryError(parameter: "cursor", reason: "is not a cursor of this list's order")
            }
            cursor = value
        }
    }
}

/// Where the next page starts: the last row's sort value and id, opaque to clients (base64url JSON).
public struct ClaimCursor: Codable, Sendable, Equatable {
    var sort: String
    var descending: Bool
    var value: String
    var id: UUID

    init(sort: String, descending: Bool, value: String, id: UUID) {
        self.sort = sort
        self.descending = descending
        self.value = value
        self.id = id
    }

    init?(opaque: String) {
        var base64 = opaque.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let cursor = try? JSONDecoder().decode(Self.self, from: data) else { return nil }
        self = cursor
    }

    var opaque: String {
        let data = (try? ClaimJSON.encoder.encode(self)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A list parameter that does not read.
public struct ClaimQueryError: Error, Sendable, CustomStringConvertible {
    public let parameter: String
    public let reason: String
    public var description: String { "\(parameter) \(reason)" }
}
