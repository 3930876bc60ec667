import Foundation
import Logging
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// A person as the API shows them.
public struct UserAccount: Sendable, Equatable, Codable {
    public let id: UUID
    public let email: String
    public let displayName: String?
    public let defaultTenantID: UUID

    /// The suite's JSON style: `Id`, never `ID`.
    enum CodingKeys: String, CodingKey {
        case id, email, displayName, defaultTenantID = "defaultTenantId"
    }
}

/// A tenant and the caller's role in it.
public struct TenantMembership: Sendable, Equatable, Codable {
    public let tenantID: UUID
    public let tenantName: String
    public let role: String

    /// The suite's JSON style: `Id`, never `ID`.
    enum CodingKeys: String, CodingKey {
        case tenantID = "tenantId", tenantName, role
    }
}

/// What login needs: the stored hash and where to sign the person in.
public struct LoginRecord: Sendable {
    public let userID: UUID
    public let passwordHash: String
    public let defaultTenantID: UUID
}

public enum AccountsError: Error, Equatable {
    case emailTaken
}

/// Tenants, users and memberships (schema `app`).
public protocol AccountsRepository: Sendable {
    /// Creates the tenant, its owner and the membership, and records `tenant.created`, in one transaction.
    /// - Throws: `AccountsError.emailTaken` when the email already has an account.
    /// - Parameter referralCode: the partner code given at sign-up, carried to payments by `tenant.created`.
    func createTenantWithOwner(tenantID: UUID, tenantName: String, userID: UUID, email: String,
                               passwordHash: String, displayName: String?, referralCode: String?) async throws
    func loginRecord(email: String) async throws -> LoginRecord?
    func user(id: UUID) async throws -> UserAccount?
    /// The membership of `userID` in `tenantID`, read under that tenant's row-level security.
    func membership(userID: UUID, tenantID: UUID) async throws -> TenantMembership?
}

public struct AccountsPostgresRepository: AccountsRepository {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    static func normalize(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }

    public func createTenantWithOwner(tenantID: UUID, tenantName: String, userID: UUID, email: String,
                                      passwordHash: String, displayName: String?, referralCode: String?) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let normalized = Self.normalize(email)
        do {
            try await database.withTransaction(tenant: tenantID) { connection in
                try await connection.query("INSERT INTO app.tenants (id, name) VALUES (\(tenantID), \(tenantName))", logger: logger)
                try await connection.query("""
                    INSERT INTO app.users (id, email, email_normalized, password_hash, display_name, default_tenant_id)
                    VALUES (\(userID), \(email), \(normalized), \(passwordHash), \(displayName), \(tenantID))
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO app.memberships (tenant_id, user_id, role) VALUES (\(tenantID), \(userID), 'owner')
                    """, logger: logger)
                try await outbox.publish(TenantCreated(tenantId: tenantID, name: tenantName, ownerUserId: userID, ownerEmail: email,
                                                       referralCode: referralCode),
                                         tenantId: tenantID, on: connection)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw AccountsError.emailTaken
        }
        await outbox.wakeRelay()
    }

    public func loginRecord(email: String) async throws -> LoginRecord? {
        let logger = self.logger
        let normalized = Self.normalize(email)
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT id, password_hash, default_tenant_id FROM app.users WHERE email_normalized = \(normalized)
                """, logger: logger)
            for try await (id, hash, tenant) in rows.decode((UUID, String, UUID).self) {
                return LoginRecord(userID: id, passwordHash: hash, defaultTenantID: tenant)
            }
            return nil
        }
    }

    public func user(id: UUID) async throws -> UserAccount? {
        let logger = self.logger
        return try await database.withConnection { connection in
            let rows = try await connection.query("""
                SELECT id, email, display_name, default_tenant_id FROM app.users WHERE id = \(id)
                """, logger: logger)
            for try await (id, email, name, tenant) in rows.decode((UUID, String, String?, UUID).self) {
                return UserAccount(id: id, email: email, displayName: name, defaultTenantID: tenant)
            }
            return nil
        }
    }

    public func membership(userID: UUID, tenantID: UUID) async throws -> TenantMembership? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { connection in
            let rows = try await connection.query("""
                SELECT t.id, t.name, m.role FROM app.memberships m JOIN app.tenants t ON t.id = m.tenant_id
                WHERE m.user_id = \(userID) AND m.tenant_id = \(tenantID)
                """, logger: logger)
            for try await (tenant, name, role) in rows.decode((UUID, String, String).self) {
                return TenantMembership(tenantID: tenant, tenantName: name, role: role)
            }
            return nil
        }
    }
}
