import Foundation
import Logging
import OpsideAmazonData
import OpsideCore
import OpsideEvents
import OpsideInvoices
import OpsideJobs
import OpsideTransport

/// What mcde needs of a parsed document, as evidence-engine's `/internal/documents/{id}` gives it.
public struct ParsedInvoice: Sendable {
    public var documentId: UUID
    public var fileName: String
    public var fields: InvoiceFields

    public init(documentId: UUID, fileName: String, fields: InvoiceFields) {
        self.documentId = documentId
        self.fileName = fileName
        self.fields = fields
    }
}

/// Where parsed documents come from: evidence-engine owns them (DESIGN.md). The seam lets tests
/// hand fields in directly.
public protocol ParsedInvoiceSource: Sendable {
    /// The document's fields (corrections applied); nil when it has none (not read, or another tenant's).
    func invoice(tenant: UUID, documentId: UUID) async throws -> ParsedInvoice?
}

/// evidence-engine's `/internal/documents/{documentId}`, with a service token naming the tenant.
public struct EvidenceEngineInvoices: ParsedInvoiceSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct Reply: Decodable {
        struct Document: Decodable {
            var id: UUID
            var fileName: String
            var fields: InvoiceFields?
        }
        var document: Document
    }

    public func invoice(tenant: UUID, documentId: UUID) async throws -> ParsedInvoice? {
        do {
            let reply = try await serviceClient.get(Reply.self, from: .evidenceEngine, path: "/internal/documents/\(documentId.uuidString.lowercased())",
                                                    tenantID: tenant)
            return reply.document.fields.map { ParsedInvoice(documentId: reply.document.id, fileName: reply.document.fileName, fields: $0) }
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            return nil
        }
    }
}

/// The seller's catalog: the SKUs of the synced listings with their ASINs and titles.
public protocol SellerCatalogSource: Sendable {
    func catalog(tenant: UUID) async throws -> [CatalogItem]
}

/// The catalog read from the synced Amazon data (mcde reads the `amazon` schema, DESIGN.md).
public struct ListingsCatalog: SellerCatalogSource {
    let reader: AmazonDataReader

    public init(reader: AmazonDataReader) { self.reader = reader }

    public func catalog(tenant: UUID) async throws -> [CatalogItem] {
        var bySKU: [String: CatalogItem] = [:]
        for try await listing in reader.listings(tenant: tenant) {
            // One SKU sold in several marketplaces is one product; the first title read wins.
            guard bySKU[listing.sellerSKU] == nil else { continue }
            bySKU[listing.sellerSKU] = CatalogItem(sku: listing.sellerSKU, asin: listing.asin, title: listing.itemName ?? listing.sellerSKU)
        }
        return bySKU.values.sorted { $0.sku < $1.sku }
    }
}

/// Costs an invoice: its lines mapped to the seller's SKUs (the SKU or ASIN on the line, the
/// seller's supplier table, what the seller confirmed, a fuzzy title match), the manufacturing
/// and landed unit costs (freight, duty and other charges allocated by value or quantity), and
/// anomalies against each SKU's history; then saves it and announces `costs.updated`.
public struct InvoiceCosting: Sendable {
    let store: CostStore
    let invoices: any ParsedInvoiceSource
    let catalog: any SellerCatalogSource
    let settings: MCDESettings
    let clocks: ServiceClocks
    let logger: Logger

    public init(store: CostStore, invoices: any ParsedInvoiceSource, catalog: any SellerCatalogSource, settings: MCDESettings,
                clocks: ServiceClocks, logger: Logger) {
        self.store = store
        self.invoices = invoices
        self.catalog = catalog
        self.settings = settings
        self.clocks = clocks
        self.logger = logger
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.costParsedDocument) { parsed, envelope, _ in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "document.parsed \(envelope.id) names no tenant") }
            _ = try await cost(tenant: tenant, documentId: parsed.documentId)
        }
        jobs.consume(EventConsumers.learnMappingFromAnswer) { answered, envelope, _ in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "prompt.answered \(envelope.id) names no tenant") }
            try await learn(answered, tenant: tenant)
        }
    }

    /// Costs one document (again); nil when evidence-engine has no fields for it.
    @discardableResult
    public func cost(tenant: UUID, documentId: UUID) async throws -> CostedInvoice? {
        guard let parsed = try await invoices.invoice(tenant: tenant, documentId: documentId) else { return nil }
        let catalog = try await catalog.catalog(tenant: tenant)
        let supplierSKUs = try await store.supplierSKUs(tenant: tenant)
        let decisions = try await store.mappingDecisions(tenant: tenant)
        let history = try await store.history(tenant: tenant, excluding: documentId)
        let costed = Self.cost(parsed, catalog: catalog, supplierSKUs: supplierSKUs, decisions: decisions, history: history, settings: settings,
                               at: clocks.wall.now)
        try await store.save(costed, tenant: tenant)
        logger.info("invoice costed", metadata: ["document": "\(documentId)", "lines": "\(costed.lines.count)",
                                                 "mapped": "\(costed.lines.filter { $0.sku != nil }.count)"])
        return costed
    }

    /// Costs every invoice of the tenant again (after the supplier table changed).
    public func recostAll(tenant: UUID) async throws {
        for invoice in try await store.invoices(tenant: tenant, withLines: false) {
            try await cost(tenant: tenant, documentId: invoice.documentId)
        }
    }

    /// Remembers the seller's answer about the prompt's lines, then costs the document again:
    /// a yes makes the mapping certain (and its cost counts), a no takes the SKU off those lines.
    func learn(_ answered: PromptAnswered, tenant: UUID) async throws {
        guard let sku = answered.sku,
              let invoice = try await store.invoices(tenant: tenant, documentId: answered.documentId, withLines: true).first else { return }
        let supplier = invoice.supplier ?? ""
        for line in invoice.lines where answered.lineIndexes.contains(line.lineIndex) {
            try await store.decide(tenant: tenant, CostStore.MappingDecision(supplier: supplier, description: line.description,
                                                                             supplierSku: line.supplierSku, sku: sku,
                                                                             confirmed: answered.confirmed),
                                   by: answered.answeredBy, at: clocks.wall.now)
        }
        try await cost(tenant: tenant, documentId: answered.documentId)
    }

    /// The costing itself, from its inputs alone.
    public static func cost(_ parsed: ParsedInvoice, catalog: [CatalogItem], supplierSKUs: [CostStore.SupplierSKU],
                            decisions: [CostStore.MappingDecision], history: [String: [CostRecord]], settings: MCDESettings,
                            at now: Date) -> CostedInvoice {
        let fields = parsed.fields
        let confirmed = decisions.filter(\.confirmed).map {
            ConfirmedMapping(supplier: $0.supplier, description: $0.description, supplierSku: $0.supplierSku, sku: $0.sku)
        }
        let rejected = Set(decisions.filter { !$0.confirmed }.map { SKUMapper.supplierKey($0.supplier) + "|" + $0.lineKey + "|" + $0.sku })
        let mapper = SKUMapper(catalog: catalog, supplierSKUs: supplierSKUs.map { SupplierSKUEntry(supplier: $0.supplier, supplierSku: $0.supplierSku, sku: $0.sku) },
                               confirmed: confirmed)
        let supplierKey = fields.supplier.map(SKUMapper.supplierKey)
        let asins = Dictionary(catalog.map { ($0.sku, $0.asin) }, uniquingKeysWith: { first, _ in first })
        var mappings = fields.lines.map { mapper.map($0, supplier: fields.supplier) }
        // A mapping the seller said no to is no mapping.
        for (index, line) in fields.lines.enumerated() {
            guard let sku = mappings[index].sku, let supplierKey else { continue }
            let decision = CostStore.MappingDecision(supplier: fields.supplier ?? "", description: line.description, supplierSku: line.supplierSku,
                                                     sku: sku, confirmed: false)
            if rejected.contains(supplierKey + "|" + decision.lineKey + "|" + sku) {
                mappings[index] = SKUMapping(sku: nil, confidence: 0, reason: "the seller said this line is not \(sku)", method: .unmapped)
            }
        }
        let method: ChargeAllocationMethod = settings.allocation == .byValue ? .byValue : .byQuantity
        var checks = fields.checks.filter { $0.severity != .info }.map(\.message)
        var bySKU: [String: SKUCost] = [:]
        do {
            let allocation = try CostAllocation.allocate(invoice: fields, mappings: mappings, method: method)
            bySKU = Dictionary(allocation.costs.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
            checks += allocation.notes
        } catch {
            checks.append("costs not worked out: \(error)")
        }
        let detector = CostAnomalyDetector(settings: CostAnomalyDetector.Settings(threshold: settings.anomalyThreshold))
        let earlier = CostRecords.history(history)
        let invoiceDate = fields.date.flatMap { CivilDate(iso: $0.description) }
        let lines = fields.lines.enumerated().map { index, line -> CostedLine in
            let mapping = mappings[index]
            let accepted = mapping.acceptedSKU
            let cost = accepted.flatMap { bySKU[$0] }
            var anomalies: [CostAnomalyView] = []
            if let sku = accepted, let cost, let date = fields.date, let currency = fields.currency {
                // The anomaly's words name the invoice as the seller knows it.
                let observation = CostObservation(sku: sku, date: date, unitCost: cost.manufacturingUnitCost, currency: currency,
                                                  invoiceId: fields.number ?? parsed.fileName, quantity: line.quantity)
                anomalies = detector.check(observation, history: earlier.observations(for: sku)).map {
                    CostAnomalyView(code: $0.code.rawValue, message: $0.message, robustZ: $0.figures["z"].flatMap(Double.init))
                }
            }
            return CostedLine(lineIndex: index, description: line.description, supplierSku: line.supplierSku, quantity: line.quantity ?? 0,
                              unitPrice: line.unitPrice, lineTotal: line.lineTotal ?? line.unitPrice * Decimal(line.quantity ?? 0),
                              sku: mapping.sku, asin: line.asin ?? mapping.sku.flatMap { asins[$0] ?? nil },
                              confidence: mapping.sku == nil ? nil : mapping.confidence,
                              method: mapping.sku == nil ? "unmapped" : mapping.method.rawValue, reason: mapping.reason,
                              manufacturingUnitCost: cost?.manufacturingUnitCost, landedUnitCost: cost?.landedUnitCost,
                              arithmetic: cost?.steps ?? [], anomalies: anomalies)
        }
        return CostedInvoice(documentId: parsed.documentId, documentType: fields.documentType.rawValue, fileName: parsed.fileName,
                             supplier: fields.supplier, supplierKey: supplierKey, invoiceNumber: fields.number, invoiceDate: invoiceDate,
                             currency: fields.currency, incoterm: fields.incoterm.map { [$0.rule.rawValue, $0.place].compactMap { $0 }.joined(separator: " ") },
                             freight: fields.freight, duty: fields.duty, otherCharges: fields.otherCharges, total: fields.total,
                             allocation: settings.allocation.rawValue, checks: checks, lines: lines, costedAt: now)
    }
}

/// Supplier names folded as the mapper folds them: the supplier table is keyed by the fold.
enum SupplierKey {
    static func fold(_ name: String) -> String { SKUMapper.supplierKey(name) }
}

/// The seller's cost records as `CostHistory` reads them, and back: each observation's id names
/// the invoice line it came from.
enum CostRecords {
    static func history(_ records: [String: [CostRecord]]) -> CostHistory {
        CostHistory(records.flatMap { sku, list in
            list.compactMap { record -> CostObservation? in
                guard let day = record.invoiceDate, let date = InvoiceDate(iso: day.description), let currency = record.currency else { return nil }
                return CostObservation(sku: sku, date: date, unitCost: record.manufacturingUnitCost, currency: currency,
                                       invoiceId: "\(record.documentId.uuidString.lowercased()):\(record.lineIndex)", quantity: record.quantity)
            }
        })
    }

    /// The record in force on `day` (the latest invoice dated on or before it, `CostHistory` says why).
    static func inForce(_ records: [CostRecord], sku: String, on day: CivilDate, currency: String? = nil) -> CostRecord? {
        guard let date = InvoiceDate(iso: day.description),
              let observation = history([sku: records]).costInForce(sku: sku, on: date, currency: currency) else { return nil }
        return records.first { "\($0.documentId.uuidString.lowercased()):\($0.lineIndex)" == observation.invoiceId }
    }
}

/// The manufacturing-cost file: one row per SKU and currency, the cost in force on the day, to
/// enter on Seller Central's "Manage Your Manufacturing Cost" page. Amazon publishes no file
/// layout for that page (`fba-reimbursement.md` names the page only), so the columns say what
/// each value is.
enum ManufacturingCostFile {
    static func csv(_ history: [String: [CostRecord]], on day: CivilDate) -> String {
        var text = "sku,manufacturing_cost,currency,effective_date,supplier,invoice_number\n"
        for (sku, records) in history.sorted(by: { $0.key < $1.key }) {
            for currency in Set(records.compactMap(\.currency)).sorted() {
                guard let record = CostRecords.inForce(records, sku: sku, on: day, currency: currency),
                      let currencyInfo = try? Currency(code: currency) else { continue }
                let cost = DecimalArithmetic.text(DecimalArithmetic.rounded(record.manufacturingUnitCost, scale: currencyInfo.minorUnitDigits),
                                                  fractionDigits: currencyInfo.minorUnitDigits, grouping: false)
                let fields = [sku, cost, currency, record.invoiceDate?.description ?? "", record.supplier ?? "", record.invoiceNumber ?? ""]
                text += fields.map(Self.escape).joined(separator: ",") + "\n"
            }
        }
        return text
    }

    /// A CSV field, quoted when it must be; a text starting with = + - @ is prefixed so a
    /// spreadsheet never runs it as a formula.
    static func escape(_ field: String) -> String {
        var value = field
        if let first = value.first, "=+-@".contains(first), Decimal(string: value) == nil { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
