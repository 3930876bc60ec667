import Foundation
import Logging
import OpsideCore
import OpsidePostgres

/// A tenant's filing settings: whether cases file continuously, through which channel, and how
/// many per seller and day at most.
public struct FilingSettings: Codable, Sendable, Equatable {
    public var continuous: Bool
    public var channel: CaseChannel
    public var dailyLimit: Int
    public var updatedAt: Date?
    public var updatedBy: String?
    /// Why no new case is filed, while the tenant is past due on Opside's invoices (payments'
    /// `billing.standing_changed`); absent otherwise. Not a setting: paying lifts it.
    public var billingHold: String?
}

/// `cases.filing_settings`: one row per tenant that changed its settings; the configured
/// defaults for the others.
public struct FilingSettingsStore: Sendable {
    let database: Database
    let defaults: RefundEngineSettings
    let logger: Logger

    public init(database: Database, defaults: RefundEngineSettings, logger: Logger) {
        self.database = database
        self.defaults = defaults
        self.logger = logger
    }

    public func settings(tenant: UUID) async throws -> FilingSettings {
        let logger = self.logger
        let defaults = self.defaults
        return try await database.withTransaction(tenant: tenant) { db in
            var hold: String?
            let standing = try await db.query("""
                SELECT reason FROM cases.billing_standing WHERE tenant_id = \(tenant) AND standing = 'past_due'
                """, logger: logger)
            for try await reason in standing.decode(String?.self) { hold = reason ?? "the account is past due" }
            let rows = try await db.query("""
                SELECT continuous, channel, daily_limit, updated_at, updated_by FROM cases.filing_settings WHERE tenant_id = \(tenant)
                """, logger: logger)
            for try await (continuous, channel, limit, at, by) in rows.decode((Bool, String, Int32, Date, String?).self) {
                return FilingSettings(continuous: continuous, channel: CaseChannel(rawValue: channel) ?? defaults.defaultChannel,
                                      dailyLimit: Int(limit), updatedAt: at, updatedBy: by, billingHold: hold)
            }
            return FilingSettings(continuous: defaults.continuousByDefault, channel: defaults.defaultChannel, dailyLimit: defaults.dailyLimit,
                                  billingHold: hold)
        }
    }

    /// Keeps the standing payments announced, unless a newer one is already kept.
    /// - Returns: true when it changed what is kept.
    @discardableResult
    public func recordStanding(tenant: UUID, standing: String, reason: String?, changedAt: Date) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                INSERT INTO cases.billing_standing (tenant_id, standing, reason, changed_at) VALUES (\(tenant), \(standing), \(reason), \(changedAt))
                ON CONFLICT (tenant_id) DO UPDATE SET standing = EXCLUDED.standing, reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at
                WHERE cases.billing_standing.changed_at < EXCLUDED.changed_at
                RETURNING 1
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// Saves the settings; cases still waiting to be filed move to the new channel.
    public func save(tenant: UUID, _ settings: FilingSettings, by: String, at now: Date) async throws -> FilingSettings {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                INSERT INTO cases.filing_settings (tenant_id, continuous, channel, daily_limit, updated_at, updated_by)
                VALUES (\(tenant), \(settings.continuous), \(settings.channel.rawValue), \(Int32(settings.dailyLimit)), \(now), \(by))
                ON CONFLICT (tenant_id) DO UPDATE SET continuous = EXCLUDED.continuous, channel = EXCLUDED.channel,
                    daily_limit = EXCLUDED.daily_limit, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
                """, logger: logger)
            try await db.query("""
                UPDATE cases.cases SET channel = \(settings.channel.rawValue), updated_at = \(now)
                WHERE status IN ('needs_documents', 'ready', 'failed') AND channel <> \(settings.channel.rawValue)
                """, logger: logger)
        }
        var saved = settings
        saved.updatedAt = now
        saved.updatedBy = by
        return saved
    }
}
