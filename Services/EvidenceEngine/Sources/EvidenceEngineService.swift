import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideClaimsAccess
import OpsideCore
import OpsideCostDocsAccess
import OpsideDocuments
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// evidence-engine's composition root. It owns evidence (DESIGN.md): documents uploaded through
/// main-api (stored by cost-docs, read in a subprocess with limits), matches between documents and
/// claims with a confidence, the prompts that ask the seller when a match is unsure, and proof
/// packets after payout.
///
/// Keys beyond the platform's: `EvidenceSettings`.
public enum EvidenceEngineService {
    public static let service = OpsideService.evidenceEngine
    public static let queue = DocumentJobs.queue

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// - Parameters:
    ///   - clocks: the platform's clocks (service tokens, the sweep's cron).
    ///   - evidenceClock: what prompts expire and are reminded by, and what matches and packets are
    ///     dated with (`clocks.wall` when nil): tests move it forward without ageing service tokens.
    ///   - claims: where open claims come from (claim-detector's API when nil).
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system, evidenceClock: (any WallClock)? = nil,
                                        claims: (any ClaimSource)? = nil) async throws -> some ApplicationProtocol {
        let settings = try EvidenceSettings(reader: reader)
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let clocks = ServiceClocks(wall: evidenceClock ?? clocks.wall, monotonic: clocks.monotonic)
        let parser = settings.parserPath.map { URL(fileURLWithPath: $0) } ?? DocumentParsing.parserExecutableBesideRunningExecutable()
        let parsing = DocumentParsing(parserExecutable: parser, limits: settings.limits)
        let store = EvidenceDocumentStore(database: platform.database, outbox: platform.outbox, logger: platform.logger)
        let matches = MatchStore(database: platform.database, outbox: platform.outbox, settings: settings, logger: platform.logger)
        let vault = CostDocsVault(serviceClient: platform.serviceClient)
        let intake = DocumentIntake(store: store, vault: vault, limits: settings.limits, clocks: clocks, logger: platform.logger)

        let claimSource = claims ?? ClaimDetectorClaimSource(serviceClient: platform.serviceClient)
        let costs = MCDECostedDocuments(serviceClient: platform.serviceClient)

        var jobs = JobRegistry()
        let documentJobs = DocumentJobs(store: store, matches: matches, vault: vault, parsing: parsing, claims: claimSource, costs: costs,
                                        settings: settings, clocks: clocks)
        documentJobs.register(in: &jobs)
        let proofJobs = ProofPacketJobs(store: store, matches: matches, vault: vault, claims: claimSource, serviceClient: platform.serviceClient,
                                        database: platform.database, outbox: platform.outbox, clocks: clocks, logger: platform.logger)
        proofJobs.register(in: &jobs)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        EvidenceController(intake: intake, store: store, matches: matches, vault: vault, claims: claimSource, costs: costs,
                           jobQueue: platform.jobQueue, limits: settings.limits, clocks: clocks)
            .addRoutes(to: router)
        proofJobs.addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: documentJobs.cron)
    }
}
