import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideAmazonAccess
import OpsideAmazonData
import OpsideClaimsAccess
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// refund-engine's composition root. It owns the case desk (DESIGN.md): cases made from
/// claim-detector's claims, filed through a channel (the seller by hand, or the sandbox's Seller
/// Central case desk), followed to Amazon's answer, and reconciled with the money Amazon's
/// reimbursements report shows, in the recovered-money ledger billing charges on.
///
/// Keys beyond the platform's: `RefundEngineSettings`.
public enum RefundEngineService {
    public static let service = OpsideService.refundEngine
    public static let queue = CaseJobs.queue

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// The parts of refund-engine that `opside cases` and `opside file` use too.
    public struct Parts: Sendable {
        public let store: CaseStore
        public let settings: FilingSettingsStore
        public let intake: CaseIntake
        public let engine: FilingEngine
        public let reconciler: Reconciler
        public let ledger: RecoveryLedger
        public let claims: any ClaimSource
        public let evidence: CaseEvidence

        public init(database: Database, outbox: EventOutbox, serviceClient: ServiceClient, httpClient: HTTPClient,
                    tokens: (any AmazonAccessTokenSource)?, clocks: ServiceClocks, configuration: RefundEngineSettings, logger: Logger) {
            store = CaseStore(database: database, outbox: outbox, logger: logger)
            settings = FilingSettingsStore(database: database, defaults: configuration, logger: logger)
            claims = ClaimDetectorClaimSource(serviceClient: serviceClient)
            intake = CaseIntake(store: store, settings: settings, claims: claims,
                                defaultApprovalProbability: configuration.defaultApprovalProbability, database: database, clocks: clocks,
                                logger: logger)
            let desk = configuration.caseDeskURL.map { url in
                SellerCentralCaseDesk(baseURL: url, httpClient: httpClient,
                                      tokens: tokens ?? IntegrationsAccessTokenSource(serviceClient: serviceClient),
                                      timeout: configuration.caseDeskTimeout) as any CaseDesk
            }
            engine = FilingEngine(store: store, settings: settings, desk: desk, database: database, clocks: clocks,
                                  configuration: configuration, logger: logger)
            reconciler = Reconciler(reader: AmazonDataReader(database: database), store: store, database: database, clocks: clocks, logger: logger)
            ledger = RecoveryLedger(database: database, logger: logger)
            evidence = CaseEvidence(store: store, database: database, clocks: clocks)
        }
    }

    /// - Parameters:
    ///   - clocks: the platform's clocks (service tokens, the sweep's cron).
    ///   - caseClock: what decides cases: deadlines and the seller's day, retry waits, reminders,
    ///     when a filing counts as interrupted (`clocks.wall` when nil). Tests hand in the Amazon
    ///     sandbox's clock, so advancing it moves these and the desk's decisions together.
    ///   - tokens: where the seller's access tokens come from (integrations' vault when nil).
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system, caseClock: (any WallClock)? = nil,
                                        tokens: (any AmazonAccessTokenSource)? = nil) async throws -> some ApplicationProtocol {
        let configuration = try RefundEngineSettings(reader: reader)
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let caseClocks = ServiceClocks(wall: caseClock ?? clocks.wall, monotonic: clocks.monotonic)
        let parts = Parts(database: platform.database, outbox: platform.outbox, serviceClient: platform.serviceClient,
                          httpClient: platform.httpClient, tokens: tokens, clocks: caseClocks, configuration: configuration,
                          logger: platform.logger)
        var jobs = JobRegistry()
        let caseJobs = CaseJobs(intake: parts.intake, engine: parts.engine, reconciler: parts.reconciler, store: parts.store,
                                settings: parts.settings, jobQueue: platform.jobQueue, database: platform.database, configuration: configuration,
                                evidence: parts.evidence)
        caseJobs.register(in: &jobs)
        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        CasesController(store: parts.store, intake: parts.intake, engine: parts.engine, settings: parts.settings, ledger: parts.ledger,
                        claims: parts.claims, evidence: parts.evidence, database: platform.database, configuration: configuration, clocks: caseClocks,
                        jobs: caseJobs)
            .addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: caseJobs.cron)
    }
}
