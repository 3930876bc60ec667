import Foundation
import OpsideCore

/// A SAFE-T reimbursement event (Finances v0 `SAFETReimbursementEventList`); `items` is the item list as JSON.
public struct SAFETEventRecord: AmazonRecord, Hashable {
    public static let table = AmazonTables.safetEvents

    public let connectionID: UUID
    public let marketplaceID: String
    public let eventKey: String
    public let occurrence: Int
    public let postedAt: Date?
    public let safeTClaimID: String?
    public let reasonCode: String?
    /// In the row's `currency` (nil when the amount or the currency is missing).
    public let reimbursed: Money?
    public let currency: String?
    public let items: String?

    public init(_ values: AmazonRecordValues) throws {
        connectionID = try values.uuid("connection_id")
        marketplaceID = try values.text("marketplace_id")
        eventKey = try values.text("event_key")
        occurrence = try values.int("occurrence")
        postedAt = try values.optionalDate("posted_at")
        safeTClaimID = try values.optionalText("safet_claim_id")
        reasonCode = try values.optionalText("reason_code")
        reimbursed = try values.money("reimbursed_minor")
        currency = try values.optionalText("currency")
        items = try values.json("items")
    }
}
