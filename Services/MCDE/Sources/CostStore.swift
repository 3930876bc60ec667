import Foundation
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// One invoice line as mcde costed it.
public struct CostedLine: Codable, Sendable, Equatable {
    public var lineIndex: Int
    public var description: String
    public var supplierSku: String?
    public var quantity: Int
    public var unitPrice: Decimal
    public var lineTotal: Decimal
    public var sku: String?
    public var asin: String?
    public var confidence: Double?
    /// `exact`, `supplierTable`, `confirmed`, `fuzzyTitle` or `unmapped`.
    public var method: String
    public var reason: String
    public var manufacturingUnitCost: Decimal?
    public var landedUnitCost: Decimal?
    public var arithmetic: [String]
    public var anomalies: [CostAnomalyView]
}

/// Something that looks wrong about a line, in words, with its figures.
public struct CostAnomalyView: Codable, Sendable, Equatable {
    public var code: String
    public var message: String
    public var robustZ: Double?
}

/// One invoice as mcde costed it.
public struct CostedInvoice: Codable, Sendable, Equatable {
    public var documentId: UUID
    public var documentType: String
    public var fileName: String
    public var supplier: String?
    public var supplierKey: String?
    public var invoiceNumber: String?
    public var invoiceDate: CivilDate?
    public var currency: String?
    public var incoterm: String?
    public var freight: Decimal?
    public var duty: Decimal?
    public var otherCharges: Decimal?
    public var total: Decimal?
    public var allocation: String
    public var checks: [String]
    public var lines: [CostedLine]
    public var costedAt: Date

    /// The event that announces it: its lines as mapped, and one cost per SKU (the
    /// quantity-weighted mean of its lines) in force from the invoice's date.
    public func event() -> CostsUpdated {
        let money: (Decimal?) -> Money? = { amount in
            guard let amount, let code = currency, let currency = try? Currency(code: code) else { return nil }
            return Money.rounded(amount, currency: currency)
        }
        let mapped = lines.map { line in
            OpsideEvents.MappedInvoiceLine(lineIndex: line.lineIndex, sku: line.sku, asin: line.asin, quantity: line.quantity, confidence: line.confidence,
                              method: line.method, reason: line.reason, unitCost: money(line.manufacturingUnitCost),
                              landedUnitCost: money(line.landedUnitCost), arithmetic: line.arithmetic)
        }
        var costs: [OpsideEvents.SKUCost] = []
        if let date = invoiceDate {
            let bySKU = Dictionary(grouping: lines.filter { $0.sku != nil && $0.manufacturingUnitCost != nil && $0.quantity > 0 }, by: { $0.sku! })
            for (sku, skuLines) in bySKU.sorted(by: { $0.key < $1.key }) {
                let units = Decimal(skuLines.reduce(0) { $0 + $1.quantity })
                let manufacturing = skuLines.reduce(Decimal(0)) { $0 + $1.manufacturingUnitCost! * Decimal($1.quantity) } / units
                let landed = skuLines.reduce(Decimal(0)) { $0 + ($1.landedUnitCost ?? $1.manufacturingUnitCost!) * Decimal($1.quantity) } / units
                if let manufacturing = money(manufacturing), let landed = money(landed) {
                    costs.append(OpsideEvents.SKUCost(sku: sku, manufacturingUnitCost: manufacturing, landedUnitCost: landed, effectiveOn: date))
                }
            }
        }
        return CostsUpdated(documentId: documentId, supplier: supplier, invoiceNumber: invoiceNumber, invoiceDate: invoiceDate, currency: currency,
                            lines: mapped, costs: costs)
    }
}

extension Money {
    /// An exact decimal amount rounded half-up to the currency's minor unit.
    static func rounded(_ amount: Decimal, currency: Currency) -> Money? {
        var scaled = amount * Decimal(currency.minorUnitsPerMajor)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        let minor = NSDecimalNumber(decimal: rounded).int64Value
        guard minor >= 0 else { return nil }
        return Money(amountMinor: minor, currency: currency)
    }
}

/// One record of a SKU's unit cost: an invoice line mapped to it.
public struct CostRecord: Codable, Sendable, Equatable {
    public var documentId: UUID
    public var lineIndex: Int
    public var invoiceDate: CivilDate?
    public var supplier: String?
    public var invoiceNumber: String?
    public var currency: String?
    public var quantity: Int
    public var manufacturingUnitCost: Decimal
    public var landedUnitCost: Decimal?
    public var anomalies: [CostAnomalyView]
}

/// mcde's tables: invoices with their costed lines, the seller's supplier-SKU table and the
/// mappings the seller confirmed or rejected.
public struct CostStore: Sendable {
    let database: Database
    let outbox: EventOutbox
    let logger: Logger

    public init(database: Database, outbox: EventOutbox, logger: Logger) {
        self.database = database
        self.outbox = outbox
        self.logger = logger
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Replaces the invoice's costing and announces it (`costs.updated`), in one transaction.
    /// Two costings of one invoice at once (a re-read's and a supplier-table change's) take turns
    /// on a lock of the invoice: otherwise the second's DELETE misses the row the first inserted,
    /// and its INSERT fails on the primary key.
    public func save(_ invoice: CostedInvoice, tenant: UUID) async throws {
        let logger = self.logger, outbox = self.outbox
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("SELECT pg_advisory_xact_lock(hashtextextended(\("costs.invoices:" + invoice.documentId.uuidString.lowercased()), 0))",
                               logger: logger)
            try await db.query("DELETE FROM costs.invoices WHERE document_id = \(invoice.documentId)", logger: logger)
            try await db.query("""
                INSERT INTO costs.invoices (document_id, tenant_id, document_type, file_name, supplier, supplier_key, invoice_number, invoice_date,
                                            currency, incoterm, freight, duty, other_charges, total, allocation, checks, costed_at)
                VALUES (\(invoice.documentId), \(tenant), \(invoice.documentType), \(invoice.fileName), \(invoice.supplier), \(invoice.supplierKey),
                        \(invoice.invoiceNumber), \(invoice.invoiceDate?.description)::date, \(invoice.currency), \(invoice.incoterm),
                        \(invoice.freight?.description)::numeric, \(invoice.duty?.description)::numeric,
                        \(invoice.otherCharges?.description)::numeric, \(invoice.total?.description)::numeric, \(invoice.allocation),
                        \(try Self.json(invoice.checks))::jsonb, \(invoice.costedAt))
                """, logger: logger)
            for line in invoice.lines {
                try await db.query("""
                    INSERT INTO costs.invoice_lines (tenant_id, document_id, line_index, description, supplier_sku, quantity, unit_price, line_total,
                                                     sku, asin, confidence, method, reason, manufacturing_unit_cost, landed_unit_cost, arithmetic, anomalies)
                    VALUES (\(tenant), \(invoice.documentId), \(Int32(line.lineIndex)), \(line.description), \(line.supplierSku), \(Int32(line.quantity)),
                            \(line.unitPrice.description)::numeric, \(line.lineTotal.description)::numeric, \(line.sku), \(line.asin), \(line.confidence),
                            \(line.method), \(line.reason), \(line.manufacturingUnitCost?.description)::numeric,
                            \(line.landedUnitCost?.description)::numeric, \(try Self.json(line.arithmetic))::jsonb, \(try Self.json(line.anomalies))::jsonb)
                    """, logger: logger)
            }
            _ = try await outbox.publish(invoice.event(), tenantId: tenant, on: db)
        }
        await outbox.wakeRelay()
    }

    static let invoiceColumns = """
        document_id, document_type, file_name, supplier, supplier_key, invoice_number, invoice_date::text AS invoice_date, currency, incoterm,
        freight::text AS freight, duty::text AS duty, other_charges::text AS other_charges, total::text AS total, allocation, checks::text AS checks,
        costed_at
        """
    static let lineColumns = """
        document_id, line_index, description, supplier_sku, quantity, unit_price::text AS unit_price, line_total::text AS line_total, sku, asin,
        confidence, method, reason, manufacturing_unit_cost::text AS manufacturing_unit_cost, landed_unit_cost::text AS landed_unit_cost,
        arithmetic::text AS arithmetic, anomalies::text AS anomalies
        """

    static func decimal(_ text: String?) -> Decimal? { text.flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) } }

    static func invoice(_ row: PostgresRow) throws -> CostedInvoice {
        let r = row.makeRandomAccess()
        return CostedInvoice(
            documentId: try r["document_id"].decode(UUID.self), documentType: try r["document_type"].decode(String.self),
            fileName: try r["file_name"].decode(String.self), supplier: try r["supplier"].decode(String?.self),
            supplierKey: try r["supplier_key"].decode(String?.self), invoiceNumber: try r["invoice_number"].decode(String?.self),
            invoiceDate: try r["invoice_date"].decode(String?.self).flatMap { CivilDate(iso: $0) }, currency: try r["currency"].decode(String?.self),
            incoterm: try r["incoterm"].decode(String?.self), freight: decimal(try r["freight"].decode(String?.self)),
            duty: decimal(try r["duty"].decode(String?.self)), otherCharges: decimal(try r["other_charges"].decode(String?.self)),
            total: decimal(try r["total"].decode(String?.self)), allocation: try r["allocation"].decode(String.self),
            checks: try JSONDecoder().decode([String].self, from: Data(try r["checks"].decode(String.self).utf8)), lines: [],
            costedAt: try r["costed_at"].decode(Date.self))
    }

    static func line(_ row: PostgresRow) throws -> (UUID, CostedLine) {
        let r = row.makeRandomAccess()
        let decoder = JSONDecoder()
        return (try r["document_id"].decode(UUID.self), CostedLine(
            lineIndex: Int(try r["line_index"].decode(Int32.self)), description: try r["description"].decode(String.self),
            supplierSku: try r["supplier_sku"].decode(String?.self), quantity: Int(try r["quantity"].decode(Int32.self)),
            unitPrice: decimal(try r["unit_price"].decode(String.self)) ?? 0, lineTotal: decimal(try r["line_total"].decode(String.self)) ?? 0,
            sku: try r["sku"].decode(String?.self), asin: try r["asin"].decode(String?.self), confidence: try r["confidence"].decode(Double?.self),
            method: try r["method"].decode(String.self), reason: try r["reason"].decode(String.self),
            manufacturingUnitCost: decimal(try r["manufacturing_unit_cost"].decode(String?.self)),
            landedUnitCost: decimal(try r["landed_unit_cost"].decode(String?.self)),
            arithmetic: try decoder.decode([String].self, from: Data(try r["arithmetic"].decode(String.self).utf8)),
            anomalies: try decoder.decode([CostAnomalyView].self, from: Data(try r["anomalies"].decode(String.self).utf8))))
    }

    /// The tenant's invoices, newest first, with their lines when asked.
    public func invoices(tenant: UUID, documentId: UUID? = nil, withLines: Bool) async throws -> [CostedInvoice] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            var invoices: [CostedInvoice] = []
            let rows = try await db.query("""
                SELECT \(unescaped: Self.invoiceColumns) FROM costs.invoices WHERE (\(documentId)::uuid IS NULL OR document_id = \(documentId))
                ORDER BY invoice_date DESC NULLS LAST, costed_at DESC, document_id
                """, logger: logger)
            for try await row in rows { invoices.append(try Self.invoice(row)) }
            guard withLines, !invoices.isEmpty else { return invoices }
            var lines: [UUID: [CostedLine]] = [:]
            let lineRows = try await db.query("""
                SELECT \(unescaped: Self.lineColumns) FROM costs.invoice_lines
                WHERE (\(documentId)::uuid IS NULL OR document_id = \(documentId)) ORDER BY document_id, line_index
                """, logger: logger)
            for try await row in lineRows {
                let (id, line) = try Self.line(row)
                lines[id, default: []].append(line)
            }
            return invoices.map { invoice in
                var invoice = invoice
                invoice.lines = lines[invoice.documentId] ?? []
                return invoice
            }
        }
    }

    /// Every costed line of the tenant's SKUs (all SKUs when nil), oldest invoice first: the SKUs' cost history.
    public func history(tenant: UUID, skus: [String]? = nil, excluding documentId: UUID? = nil) async throws -> [String: [CostRecord]] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT l.sku, l.document_id, l.line_index, i.invoice_date::text, i.supplier, i.invoice_number, i.currency, l.quantity,
                       l.manufacturing_unit_cost::text, l.landed_unit_cost::text, l.anomalies::text
                FROM costs.invoice_lines l JOIN costs.invoices i USING (document_id)
                WHERE l.sku IS NOT NULL AND l.manufacturing_unit_cost IS NOT NULL
                  AND (\(skus)::text[] IS NULL OR l.sku = ANY(\(skus))) AND (\(documentId)::uuid IS NULL OR l.document_id <> \(documentId))
                ORDER BY i.invoice_date NULLS FIRST, i.costed_at, l.document_id, l.line_index
                """, logger: logger)
            var found: [String: [CostRecord]] = [:]
            for try await (sku, document, index, date, supplier, number, currency, quantity, cost, landed, anomalies) in rows.decode(
                (String, UUID, Int32, String?, String?, String?, String?, Int32, String, String?, String).self) {
                found[sku, default: []].append(CostRecord(
                    documentId: document, lineIndex: Int(index), invoiceDate: date.flatMap { CivilDate(iso: $0) }, supplier: supplier,
                    invoiceNumber: number, currency: currency, quantity: Int(quantity), manufacturingUnitCost: Self.decimal(cost) ?? 0,
                    landedUnitCost: Self.decimal(landed),
                    anomalies: (try? JSONDecoder().decode([CostAnomalyView].self, from: Data(anomalies.utf8))) ?? []))
            }
            return found
        }
    }

    // MARK: The seller's tables

    public struct SupplierSKU: Codable, Sendable, Equatable {
        public var supplier: String
        public var supplierSku: String
        public var sku: String
    }

    public func supplierSKUs(tenant: UUID) async throws -> [SupplierSKU] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT supplier_key, supplier_sku, sku FROM costs.supplier_skus ORDER BY supplier_key, supplier_sku",
                                          logger: logger)
            var found: [SupplierSKU] = []
            for try await (supplier, code, sku) in rows.decode((String, String, String).self) {
                found.append(SupplierSKU(supplier: supplier, supplierSku: code, sku: sku))
            }
            return found
        }
    }

    /// Replaces the seller's supplier-SKU table.
    public func setSupplierSKUs(tenant: UUID, _ items: [SupplierSKU], at now: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("DELETE FROM costs.supplier_skus", logger: logger)
            for item in items {
                try await db.query("""
                    INSERT INTO costs.supplier_skus (tenant_id, supplier_key, supplier_sku, sku, updated_at)
                    VALUES (\(tenant), \(item.supplier), \(item.supplierSku), \(item.sku), \(now))
                    ON CONFLICT (tenant_id, supplier_key, supplier_sku) DO UPDATE SET sku = EXCLUDED.sku, updated_at = EXCLUDED.updated_at
                    """, logger: logger)
            }
        }
    }

    /// The seller's yes or no about a line's SKU.
    public struct MappingDecision: Codable, Sendable, Equatable {
        public var supplier: String
        public var description: String?
        public var supplierSku: String?
        public var sku: String
        public var confirmed: Bool

        /// The line as the decision names it: its supplier code, else its folded text.
        var lineKey: String { supplierSku.map(SKUMapper.codeKey).flatMap { $0.isEmpty ? nil : "code:" + $0 } ?? "text:" + SKUMapper.descriptionKey(description ?? "") }
    }

    public func mappingDecisions(tenant: UUID) async throws -> [MappingDecision] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("SELECT supplier, description, supplier_sku, sku, confirmed FROM costs.confirmed_mappings ORDER BY decided_at",
                                          logger: logger)
            var found: [MappingDecision] = []
            for try await (supplier, description, code, sku, confirmed) in rows.decode((String, String?, String?, String, Bool).self) {
                found.append(MappingDecision(supplier: supplier, description: description, supplierSku: code, sku: sku, confirmed: confirmed))
            }
            return found
        }
    }

    /// Records the seller's yes or no about a line's SKU (a later answer replaces an earlier one).
    public func decide(tenant: UUID, _ mapping: MappingDecision, by user: String, at now: Date) async throws {
        let logger = self.logger
        try await database.withTransaction(tenant: tenant) { db in
            try await db.query("""
                INSERT INTO costs.confirmed_mappings (tenant_id, supplier_key, line_key, sku, supplier, description, supplier_sku, confirmed,
                                                      decided_by, decided_at)
                VALUES (\(tenant), \(SKUMapper.supplierKey(mapping.supplier)), \(mapping.lineKey), \(mapping.sku), \(mapping.supplier),
                        \(mapping.description), \(mapping.supplierSku), \(mapping.confirmed), \(user), \(now))
                ON CONFLICT (tenant_id, supplier_key, line_key, sku) DO UPDATE SET confirmed = EXCLUDED.confirmed,
                    decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
                """, logger: logger)
        }
    }
}
