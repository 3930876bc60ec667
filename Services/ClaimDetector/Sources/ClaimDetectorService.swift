import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// claim-detector's composition root. It owns detection rules over synced data, valuation and
/// deadlines (DESIGN.md): it keeps the `claims` schema, runs detection through the rules it is
/// given (`ClaimDetecting`), serves the claims API, consumes `sync.completed`, runs the daily
/// detection and publishes `claims.detected`.
///
/// Keys beyond the platform's: `ClaimDetectorSettings`.
public enum ClaimDetectorService {
    public static let service = OpsideService.claimDetector
    public static let queue = DetectionJobs.queue

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// The parts of claim-detector that `opside detect` and `opside claims` use too, built on a
    /// database connected as claim-detector's role.
    public struct Parts: Sendable {
        public let detection: ClaimDetection
        public let store: ClaimStore
        public let amounts: SKUAmountStore
        public let listing: ClaimListing
        public let approval: ApprovalLearning

        public init(database: Database, outbox: EventOutbox, detector: any ClaimDetecting, clocks: ServiceClocks,
                    settings: ClaimDetectorSettings, logger: Logger) {
            detection = ClaimDetection(database: database, outbox: outbox, detector: detector, clocks: clocks, windows: settings.windows,
                                       underpaymentToleranceBasisPoints: settings.underpaymentToleranceBasisPoints, logger: logger)
            store = ClaimStore(database: database, logger: logger)
            amounts = SKUAmountStore(database: database, logger: logger)
            approval = ApprovalLearning(database: database, clocks: clocks, priorProbability: settings.approvalPriorProbability, logger: logger)
            listing = ClaimListing(store: store, approval: approval)
        }
    }

    /// - Parameters:
    ///   - clocks: what each marketplace's today, the settle delay and the daily tick are read from.
    ///   - detector: makes the detection rules, reading the synced data through the service's database
    ///     (`ClaimDetectorService.rules` in production).
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system,
                                        detector: @Sendable (Database) throws -> any ClaimDetecting) async throws -> some ApplicationProtocol {
        let settings = try ClaimDetectorSettings(reader: reader)
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let parts = Parts(database: platform.database, outbox: platform.outbox, detector: try detector(platform.database), clocks: clocks,
                          settings: settings,
                          logger: platform.logger)

        var jobs = JobRegistry()
        let detectionJobs = DetectionJobs(detection: parts.detection, store: parts.store, database: platform.database,
                                          jobQueue: platform.jobQueue, settings: settings, clocks: clocks)
        detectionJobs.register(in: &jobs)
        InvoiceCostIntake(amounts: parts.amounts, store: parts.store, detectionJobs: detectionJobs, clocks: clocks).register(in: &jobs)
        let approvalJobs = ApprovalJobs(approval: parts.approval, settings: settings, jobQueue: platform.jobQueue)
        approvalJobs.register(in: &jobs)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        ClaimsController(detection: parts.detection, store: parts.store, amounts: parts.amounts, listing: parts.listing,
                         approval: parts.approval, clocks: clocks)
            .addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: detectionJobs.cron + approvalJobs.cron,
                                        leaderGauges: [ClaimDeadlineMetrics()])
    }
}
