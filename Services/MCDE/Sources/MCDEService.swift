import Configuration
import Foundation
import Hummingbird
import OpsideAmazonData
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// mcde's composition root. It owns the manufacturing cost engine (DESIGN.md): it reads the
/// invoices evidence-engine parsed, maps their lines to the seller's SKUs, works out manufacturing
/// and landed costs per SKU, flags cost anomalies, serves costs over time and the manufacturing
/// cost file for Seller Central, and announces `costs.updated`.
///
/// Keys beyond the platform's: `MCDESettings` (`costs.*`).
public enum MCDEService {
    public static let service = OpsideService.mcde
    public static let queue = "mcde"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// - Parameters:
    ///   - invoices: where parsed documents come from (evidence-engine's API when nil).
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system,
                                        invoices: (any ParsedInvoiceSource)? = nil) async throws -> some ApplicationProtocol {
        let settings = try MCDESettings(reader: reader)
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let store = CostStore(database: platform.database, outbox: platform.outbox, logger: platform.logger)
        let costing = InvoiceCosting(store: store, invoices: invoices ?? EvidenceEngineInvoices(serviceClient: platform.serviceClient),
                                     catalog: ListingsCatalog(reader: AmazonDataReader(database: platform.database)), settings: settings,
                                     clocks: clocks, logger: platform.logger)
        var jobs = JobRegistry()
        costing.register(in: &jobs)
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        CostsController(store: store, costing: costing, clocks: clocks).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs)
    }
}
