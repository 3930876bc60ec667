import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsidePostgres
import PostgresNIO

/// The seller's per-SKU numbers the rules value claims with: unit (manufacturing) costs and the
/// fulfillment fee the product's true dimensions give.
public enum SKUAmountKind: String, Sendable, CaseIterable {
    case unitCost = "unit-costs"
    case expectedFee = "expected-fees"

    /// The `kind` of its rows in `claims.sku_amounts`.
    var stored: String { self == .unitCost ? "unit_cost" : "expected_fee" }
}

/// One SKU's amount, for every connection and marketplace unless it names them (the most
/// specific one applies).
public struct SKUAmount: Codable, Sendable, Equatable {
    public var sku: String
    public var marketplaceId: String?
    public var connectionId: UUID?
    public var amount: Money
    /// `seller` (set through the API), `import` (a CSV upload) or `invoice` (the newest supplier
    /// invoice's, from mcde).
    public var source: String?
    public var updatedAt: Date?

    public init(sku: String, marketplaceId: String? = nil, connectionId: UUID? = nil, amount: Money, source: String? = nil,
                updatedAt: Date? = nil) {
        self.sku = sku
        self.marketplaceId = marketplaceId
        self.connectionId = connectionId
        self.amount = amount
        self.source = source
        self.updatedAt = updatedAt
    }
}

/// Unit costs and expected fees in `claims.sku_amounts`.
public struct SKUAmountStore: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Sets each amount (replacing the one with the same SKU, marketplace and connection).
    public func set(_ kind: SKUAmountKind, tenant: UUID, amounts: [SKUAmount], source: String, at: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { connection in
            for amount in amounts {
                try await connection.query("""
                    INSERT INTO claims.sku_amounts (tenant_id, kind, marketplace_id, connection_id, sku, amount_minor, currency, source, updated_at)
                    VALUES (\(tenant), \(kind.stored), \(amount.marketplaceId ?? ""), \(amount.connectionId), \(amount.sku),
                            \(amount.amount.amountMinor), \(amount.amount.currency.code), \(source), \(at))
                    ON CONFLICT (tenant_id, kind, marketplace_id, COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid), sku)
                    DO UPDATE SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, source = EXCLUDED.source,
                                  updated_at = EXCLUDED.updated_at
                    """, logger: logger)
            }
        }
    }

    /// Records the unit costs one invoice proves (mcde's `costs.updated`): its dated costs replace
    /// the ones it proved before (`claims.invoice_unit_costs`, what claims are valued with), and
    /// the newest invoice's cost per SKU is the one the unit-cost list shows, for every marketplace
    /// of its currency; a cost the seller set or imported stays and goes first.
    /// - Returns: how many SKUs' dated costs changed.
    @discardableResult
    public func setFromInvoice(tenant: UUID, document: UUID, costs: [SKUCost], at now: Date) async throws -> Int {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            var before: [String: String] = [:]
            let previous = try await connection.query("""
                DELETE FROM claims.invoice_unit_costs WHERE document_id = \(document)
                RETURNING sku, effective_on::text || ' ' || amount_minor::text || ' ' || currency
                """, logger: logger)
            for try await (sku, value) in previous.decode((String, String).self) { before[sku] = value }
            var changed = Set(before.keys).subtracting(costs.map(\.sku)).count
            for cost in costs {
                let amount = cost.manufacturingUnitCost
                try await connection.query("""
                    INSERT INTO claims.invoice_unit_costs (tenant_id, document_id, sku, effective_on, amount_minor, currency, recorded_at)
                    VALUES (\(tenant), \(document), \(cost.sku), \(cost.effectiveOn.description)::date, \(amount.amountMinor),
                            \(amount.currency.code), \(now))
                    """, logger: logger)
                if before[cost.sku] != "\(cost.effectiveOn) \(amount.amountMinor) \(amount.currency.code)" { changed += 1 }
                try await connection.query("""
                    INSERT INTO claims.sku_amounts (tenant_id, kind, marketplace_id, connection_id, sku, amount_minor, currency, source,
                                                    updated_at, effective_on)
                    VALUES (\(tenant), 'unit_cost', '', NULL, \(cost.sku), \(amount.amountMinor),
                            \(amount.currency.code), 'invoice', \(now), \(cost.effectiveOn.description)::date)
                    ON CONFLICT (tenant_id, kind, marketplace_id, COALESCE(connection_id, '00000000-0000-0000-0000-000000000000'::uuid), sku)
                    DO UPDATE SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, updated_at = EXCLUDED.updated_at,
                                  effective_on = EXCLUDED.effective_on
                    WHERE claims.sku_amounts.source = 'invoice' AND claims.sku_amounts.effective_on <= EXCLUDED.effective_on
                    """, logger: logger)
            }
            return changed
        }
    }

    /// The dated unit costs of every SKU that invoices prove, oldest first.
    public func invoiceCosts(tenant: UUID) async throws -> [String: [DatedUnitCost]] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            var costs: [String: [DatedUnitCost]] = [:]
            let rows = try await connection.query("""
                SELECT sku, effective_on::text, amount_minor, currency, document_id FROM claims.invoice_unit_costs
                ORDER BY sku, effective_on, recorded_at
                """, logger: logger)
            for try await (sku, day, minor, currency, document) in rows.decode((String, String, Int64, String, UUID).self) {
                guard let date = CivilDate(iso: day) else { throw ClaimStoreError.corruptRow("invoice cost of \(sku) dated '\(day)'") }
                costs[sku, default: []].append(DatedUnitCost(effectiveOn: date, amount: Money(amountMinor: minor, currency: try Currency(code: currency)),
                                                             documentId: document))
            }
            return costs
        }
    }

    public func list(_ kind: SKUAmountKind, tenant: UUID) async throws -> [SKUAmount] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { connection in
            var amounts: [SKUAmount] = []
            let rows = try await connection.query("""
                SELECT sku, marketplace_id, connection_id, amount_minor, currency, source, updated_at FROM claims.sku_amounts
                WHERE kind = \(kind.stored) ORDER BY sku, marketplace_id, connection_id NULLS FIRST
                """, logger: logger)
            for try await (sku, marketplace, connectionId, minor, currency, source, updated) in rows.decode(
                (String, String, UUID?, Int64, String, String, Date).self) {
                amounts.append(SKUAmount(sku: sku, marketplaceId: marketplace.isEmpty ? nil : marketplace, connectionId: connectionId,
                                         amount: Money(amountMinor: minor, currency: try Currency(code: currency)), source: source,
                                         updatedAt: updated))
            }
            return amounts
        }
    }

    /// The amount per SKU that applies to one connection's marketplace: one set for the
    /// connection beats one for the marketplace, which beats one for everywhere.
    public func effective(_ kind: SKUAmountKind, tenant: UUID, connection: UUID, marketplace: String) async throws -> [String: Money] {
        var effective: [String: (rank: Int, amount: Money)] = [:]
        for amount in try await list(kind, tenant: tenant) {
            // Invoices' costs are dated: the rules pick the one in force on each loss's day (`invoiceCosts`).
            if amount.source == "invoice" { continue }
            if let id = amount.connectionId, id != connection { continue }
            if let id = amount.marketplaceId, id != marketplace { continue }
            let rank = (amount.connectionId == nil ? 0 : 2) + (amount.marketplaceId == nil ? 0 : 1)
            if let current = effective[amount.sku], current.rank > rank { continue }
            effective[amount.sku] = (rank, amount.amount)
        }
        return effective.mapValues(\.amount)
    }
}
