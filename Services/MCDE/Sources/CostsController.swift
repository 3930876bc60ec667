import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideEvents
import OpsideTransport

/// mcde's internal API, for the tenant named in the caller's service token (main-api's public
/// twins in `MCDERoutes` forward here): costs per SKU over time with their anomalies, the
/// invoices read, the manufacturing-cost file for Seller Central, the seller's supplier-SKU table.
struct CostsController: Sendable {
    let store: CostStore
    let costing: InvoiceCosting
    let clocks: ServiceClocks

    struct InvoicesResponse: ResponseEncodable {
        /// As `costs.updated` announces them (what evidence-engine matches with).
        let invoices: [CostsUpdated]
    }

    struct InvoiceResponse: ResponseEncodable {
        let invoice: CostsUpdated
        let costing: CostedInvoice
    }

    struct InvoiceSummariesResponse: ResponseEncodable {
        let invoices: [CostedInvoice]
    }

    /// A SKU's costs over time: each invoice line mapped to it, and the cost in force today.
    struct SKUCosts: Codable, Sendable, Equatable {
        let sku: String
        let currency: String?
        let manufacturingUnitCost: Decimal?
        let landedUnitCost: Decimal?
        let effectiveOn: CivilDate?
        let observations: [CostRecord]
        let anomalies: Int
    }

    struct SKUsResponse: ResponseEncodable {
        let skus: [SKUCosts]
    }

    struct SKUResponse: ResponseEncodable {
        let sku: SKUCosts
    }

    struct AnomaliesResponse: ResponseEncodable {
        struct Item: Codable {
            let sku: String
            let observation: CostRecord
        }
        let anomalies: [Item]
    }

    struct SupplierSKUsRequest: Decodable {
        let items: [CostStore.SupplierSKU]
        let userId: UUID?
    }

    struct SupplierSKUsResponse: ResponseEncodable {
        let items: [CostStore.SupplierSKU]
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let costs = router.group("/internal/costs")
        costs.get("/invoices") { request, context in try await invoices(request, context) }
        costs.get("/invoices/{documentId}") { _, context in try await invoice(context) }
        costs.get("/skus") { _, context in try await skus(context) }
        costs.get("/skus/{sku}") { _, context in try await sku(context) }
        costs.get("/anomalies") { _, context in try await anomalies(context) }
        costs.get("/manufacturing-cost-file") { _, context in try await manufacturingCostFile(context) }
        costs.get("/supplier-skus") { _, context in SupplierSKUsResponse(items: try await store.supplierSKUs(tenant: try context.requireCallerTenant())) }
        costs.put("/supplier-skus") { request, context in try await setSupplierSKUs(request, context) }
    }

    func invoices(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let withLines = request.uri.queryParameters.get("lines") == "true"
        let invoices = try await store.invoices(tenant: tenant, withLines: true)
        // The event's shape (mapped lines, costs) for services; the costing itself for the pages.
        let body: Data = withLines
            ? try OpsideJSON.encode(["invoices": invoices.map { $0.event() }])
            : try OpsideJSON.encode(["invoices": invoices.map { invoice in var summary = invoice; summary.lines = []; return summary }])
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func invoice(_ context: OpsideRequestContext) async throws -> InvoiceResponse {
        let tenant = try context.requireCallerTenant()
        guard let id = UUID(uuidString: try context.parameters.require("documentId")),
              let invoice = try await store.invoices(tenant: tenant, documentId: id, withLines: true).first else {
            throw APIError.noSuch("costed invoice")
        }
        return InvoiceResponse(invoice: invoice.event(), costing: invoice)
    }

    func costs(tenant: UUID, skus: [String]? = nil) async throws -> [SKUCosts] {
        let today = CivilDate(instant: clocks.wall.now, timeZone: "UTC")
        return try await store.history(tenant: tenant, skus: skus).sorted { $0.key < $1.key }.map { sku, observations in
            let inForce = CostRecords.inForce(observations, sku: sku, on: today)
            return SKUCosts(sku: sku, currency: inForce?.currency, manufacturingUnitCost: inForce?.manufacturingUnitCost,
                            landedUnitCost: inForce?.landedUnitCost, effectiveOn: inForce?.invoiceDate, observations: observations,
                            anomalies: observations.reduce(0) { $0 + $1.anomalies.count })
        }
    }

    func skus(_ context: OpsideRequestContext) async throws -> SKUsResponse {
        SKUsResponse(skus: try await costs(tenant: try context.requireCallerTenant()))
    }

    func sku(_ context: OpsideRequestContext) async throws -> SKUResponse {
        let tenant = try context.requireCallerTenant()
        // Any character a seller put in a SKU arrives percent-encoded (main-api's gateway encodes it).
        let sku = try GatewayPathParameter.decoded("sku", try context.parameters.require("sku"))
        guard let found = try await costs(tenant: tenant, skus: [sku]).first else { throw APIError.noSuch("SKU with costs") }
        return SKUResponse(sku: found)
    }

    func anomalies(_ context: OpsideRequestContext) async throws -> AnomaliesResponse {
        let tenant = try context.requireCallerTenant()
        let items = try await store.history(tenant: tenant).sorted { $0.key < $1.key }.flatMap { sku, observations in
            observations.filter { !$0.anomalies.isEmpty }.map { AnomaliesResponse.Item(sku: sku, observation: $0) }
        }
        return AnomaliesResponse(anomalies: items)
    }

    /// The manufacturing-cost file: one row per SKU and currency with the cost in force today,
    /// to enter on Seller Central's "Manage Your Manufacturing Cost" page.
    func manufacturingCostFile(_ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let text = ManufacturingCostFile.csv(try await store.history(tenant: tenant), on: CivilDate(instant: clocks.wall.now, timeZone: "UTC"))
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"manufacturing-costs.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func setSupplierSKUs(_ request: Request, _ context: OpsideRequestContext) async throws -> SupplierSKUsResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: SupplierSKUsRequest.self, context: context)
        guard body.items.count <= 10_000 else { throw APIError.validation("at most 10,000 rows at once") }
        for (index, item) in body.items.enumerated() where item.supplier.isEmpty || item.supplierSku.isEmpty || item.sku.isEmpty {
            throw APIError.validation("items[\(index)]: supplier, supplierSku and sku are all required", details: ["items[\(index)]": "empty field"])
        }
        let folded = body.items.map { CostStore.SupplierSKU(supplier: SupplierKey.fold($0.supplier), supplierSku: $0.supplierSku, sku: $0.sku) }
        try await store.setSupplierSKUs(tenant: tenant, folded, at: clocks.wall.now)
        // The invoices read before the table changed are mapped again with it.
        try await costing.recostAll(tenant: tenant)
        return SupplierSKUsResponse(items: try await store.supplierSKUs(tenant: tenant))
    }
}
