import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// inventory-sync's composition root. It owns the `amazon` schema: syncs of every Amazon
/// dataset on schedule and on demand, report-file import and inventory reconciliation.
///
/// Keys beyond the platform's: those of `SyncEngineSettings` and `ImportLimits`, `import.maxBytes`
/// (536870912: the largest report file the upload endpoint accepts), `sync.manualCooldownSeconds` (60:
/// a manual trigger sooner than this after the last one returns that run),
/// `sync.runHistoryKept` (200: finished runs kept per connection and dataset), `import.deadlineSeconds`
/// (1800: how long an import may take before it is answered and failed), `import.directory` (the
/// system's temporary folder: where uploads wait while they import) and `sync.scheduleTick` (`* * * * *`: how
/// often due schedules are looked for).
public enum InventorySyncService {
    public static let service = OpsideService.inventorySync
    public static let queue = "inventory-sync"
    public static let syncKind = "inventory-sync.sync-dataset"
    public static let backfillKind = "inventory-sync.backfill"
    public static let scheduleTickKind = "inventory-sync.schedule-tick"
    public static let runSweepKind = "inventory-sync.run-sweep"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// The slice of integrations' `amazon.connected` payload inventory-sync reads.
    struct AmazonConnectedPayload: Decodable {
        let connectionId: UUID
        let sellingPartnerId: String?
        let region: String?
        let marketplaceIds: [String]?
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        try await buildApplication(reader: reader, accessTokens: nil)
    }

    /// - Parameter accessTokens: where access tokens come from; nil means integrations' token
    ///   vault (production). Tests pass a stand-in for the vault.
    public static func buildApplication(reader: ConfigReader, accessTokens: (any AmazonAccessTokenSource)?) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let settings = SyncEngineSettings(reader: reader)
        let tokens = accessTokens ?? IntegrationsAccessTokenSource(serviceClient: platform.serviceClient)
        let rateLimiter = RedisSPAPIRateLimiter(redis: platform.redis, keyPrefix: settings.spapi.rateLimitKeyPrefix,
                                                safetyFactor: settings.spapi.rateLimitSafetyFactor, logger: platform.logger)
        let repository = SyncPostgresRepository(database: platform.database, logger: platform.logger, queue: queue, jobKind: syncKind,
                                                maxAttempts: settings.maxAttempts, leaseSeconds: settings.leaseSeconds,
                                                manualCooldownSeconds: reader.int(forKey: "sync.manualCooldownSeconds", default: 60),
                                                runHistoryKept: reader.int(forKey: "sync.runHistoryKept", default: SyncPostgresRepository.defaultRunHistoryKept))
        let reconciler = InventoryPostgresReconciler(database: platform.database, logger: platform.logger)
        let engine = SyncEngine(database: platform.database, outbox: platform.outbox, redis: platform.redis, tokens: tokens,
                                httpClient: platform.httpClient, rateLimiter: rateLimiter, settings: settings,
                                reconciler: reconciler, logger: platform.logger, now: platform.clocks.now)
        let importDeadline = Duration.seconds(reader.int(forKey: "import.deadlineSeconds", default: 1800))
        let importDirectory = reader.string(forKey: "import.directory", default: FileManager.default.temporaryDirectory.path)
        let importer = ReportImporter(database: platform.database, logger: platform.logger, limits: ImportLimits(reader: reader),
                                      deadline: importDeadline)
        let sweeper = RunSweeper(database: platform.database, logger: platform.logger, importDirectory: importDirectory,
                                 deadline: importDeadline)

        var jobs = JobRegistry()
        jobs.register(syncKind, arguments: SyncJobArguments.self, retryPolicy: settings.retryPolicy) { arguments, context in
            try await engine.handle(arguments, job: context.job)
        }
        jobs.register(backfillKind, arguments: EventEnvelope.self) { event, context in
            guard let tenant = event.tenantID else { throw JobOutcome.cancel(reason: "amazon.connected without a tenant") }
            let payload = try event.decodePayload(AmazonConnectedPayload.self)
            try await repository.upsertConnection(SyncConnection(
                connectionId: payload.connectionId, tenantId: tenant, sellingPartnerId: payload.sellingPartnerId, region: payload.region,
                marketplaceIds: payload.marketplaceIds ?? [], status: "active", statusReason: nil))
            // What claim detection needs goes first: higher priority for the claim datasets.
            for (index, dataset) in SyncDataset.allCases.enumerated() {
                _ = try await repository.requestRun(tenantID: tenant, connectionID: payload.connectionId, dataset: dataset,
                                                    trigger: .backfill, priority: index < 6 ? 1 : 2)
            }
            await platform.jobQueue.wake(queues: [queue])
            context.logger.info("backfill enqueued", metadata: ["connection": "\(payload.connectionId)"])
        }
        jobs.register(scheduleTickKind) { _, context in
            let count = try await repository.enqueueDueSchedules(limit: settings.scheduleBatch)
            if count > 0 {
                await platform.jobQueue.wake(queues: [queue])
                context.logger.info("scheduled syncs enqueued", metadata: ["count": "\(count)"])
            }
        }
        jobs.register(runSweepKind) { _, _ in
            _ = try await sweeper.sweep()
        }
        let tick = try CronSchedule(reader.string(forKey: "sync.scheduleTick", default: "* * * * *"))
        let cron = [
            CronEntry(name: scheduleTickKind, schedule: tick) { _ in
                NewJob(queue: queue, kind: scheduleTickKind, uniqueKey: scheduleTickKind)
            },
            CronEntry(name: runSweepKind, schedule: try CronSchedule("* * * * *")) { _ in
                NewJob(queue: queue, kind: runSweepKind, uniqueKey: runSweepKind)
            },
        ]

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        let runner = ImportRunner(logger: platform.logger)
        InventorySyncController(repository: repository, importer: importer, runner: runner, tokens: tokens,
                                maxImportBytes: reader.int(forKey: "import.maxBytes", default: 512 << 20),
                                importDirectory: importDirectory).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: cron, extraServices: [runner])
    }
}
