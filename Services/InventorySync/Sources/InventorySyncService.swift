import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI
import OpsideAmazonAccess
import OpsideAmazonAds
import OpsideCore
import OpsideEvents
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
    public static let scheduleTickKind = "inventory-sync.schedule-tick"
    public static let runSweepKind = "inventory-sync.run-sweep"

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        try await buildApplication(reader: reader, accessTokens: nil)
    }

    /// - Parameter accessTokens: where access tokens come from; nil means integrations' token
    ///   vault (production). Tests pass a stand-in for the vault.
    /// - Parameter amazonClock: Amazon's now, which sync windows end at and report reuse is judged
    ///   by: the machine's clock but in tests, which give the sandbox's (frozen or moved) clock.
    ///   Everything else (tokens, the queue) keeps the service's own clocks.
    /// - Parameter adsAccess: where Amazon Ads tokens come from; nil means integrations' Ads vault.
    public static func buildApplication(reader: ConfigReader, accessTokens: (any AmazonAccessTokenSource)?,
                                        adsAccess: (any AdsAccessSource)? = nil,
                                        amazonClock: any WallClock = SystemWallClock()) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue])
        let settings = SyncEngineSettings(reader: reader)
        let tokens = accessTokens ?? IntegrationsAccessTokenSource(serviceClient: platform.serviceClient)
        let ads = adsAccess ?? IntegrationsAdsAccessSource(serviceClient: platform.serviceClient)
        let rateLimiter = RedisSPAPIRateLimiter(redis: platform.redis, keyPrefix: settings.spapi.rateLimitKeyPrefix,
                                                safetyFactor: settings.spapi.rateLimitSafetyFactor, logger: platform.logger)
        let repository = SyncPostgresRepository(database: platform.database, logger: platform.logger, queue: queue, jobKind: syncKind,
                                                maxAttempts: settings.maxAttempts, leaseSeconds: settings.leaseSeconds,
                                                manualCooldownSeconds: reader.int(forKey: "sync.manualCooldownSeconds", default: 60),
                                                runHistoryKept: reader.int(forKey: "sync.runHistoryKept", default: SyncPostgresRepository.defaultRunHistoryKept),
                                                calendarFirstRunDelay: TimeInterval(reader.int(forKey: "sync.searchQueryFirstSyncDelaySeconds",
                                                                                               default: 1200)))
        let reconciler = InventoryPostgresReconciler(database: platform.database, logger: platform.logger)
        let disconnection = ConnectionDisconnection(repository: repository, jobQueue: platform.jobQueue, queue: queue, logger: platform.logger)
        let engine = SyncEngine(database: platform.database, outbox: platform.outbox, redis: platform.redis, tokens: tokens,
                                httpClient: platform.httpClient, rateLimiter: rateLimiter, settings: settings,
                                reconciler: reconciler, disconnection: disconnection, logger: platform.logger,
                                adsAccess: ads,
                                adsPolling: AdsReportPolling(
                                    initial: .seconds(reader.double(forKey: "ads.reportPollSeconds", default: 5)),
                                    maximum: .seconds(reader.double(forKey: "ads.reportPollMaxSeconds", default: 120)),
                                    timeout: .seconds(reader.double(forKey: "ads.reportTimeoutSeconds", default: 10_800)),
                                    requestTimeoutSeconds: reader.int(forKey: "ads.requestTimeoutSeconds", default: 30)),
                                now: { amazonClock.now })
        let importDeadline = Duration.seconds(reader.int(forKey: "import.deadlineSeconds", default: 1800))
        let importDirectory = reader.string(forKey: "import.directory", default: FileManager.default.temporaryDirectory.path)
        let importer = ReportImporter(database: platform.database, logger: platform.logger, limits: ImportLimits(reader: reader),
                                      deadline: importDeadline)
        let sweeper = RunSweeper(database: platform.database, outbox: platform.outbox, logger: platform.logger, importDirectory: importDirectory,
                                 deadline: importDeadline)

        var jobs = JobRegistry()
        jobs.register(syncKind, arguments: SyncJobArguments.self, retryPolicy: settings.retryPolicy) { arguments, context in
            try await engine.handle(arguments, job: context.job)
        }
        jobs.consume(EventConsumers.backfillConnection) { connected, event, context in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.connected without a tenant") }
            // A reconnection keeps the connection's id: its watermarks make this backfill start
            // where syncing stopped. An older event than the connection's last change does nothing.
            let applied = try await repository.upsertConnection(SyncConnection(
                connectionId: connected.connectionId, tenantId: tenant, sellingPartnerId: connected.sellingPartnerId,
                region: connected.region, marketplaceIds: connected.marketplaceIds, status: SyncConnectionStatus.active.rawValue,
                statusReason: nil), changedAt: event.occurredAt)
            guard applied else {
                context.logger.info("amazon.connected superseded by a later connection event", metadata: ["connection": "\(connected.connectionId)"])
                return
            }
            // What claim detection needs goes first: higher priority for the claim datasets.
            do {
                for dataset in SyncDataset.backfilledOnConnect {
                    _ = try await repository.requestRun(tenantID: tenant, connectionID: connected.connectionId, dataset: dataset,
                                                        trigger: .backfill, priority: dataset.backfillPriority)
                }
            } catch is ConnectionDisconnectedError {
                // Disconnected again meanwhile: the disconnection cancelled what this requested.
                return
            }
            await platform.jobQueue.wake(queues: [queue])
            context.logger.info("backfill enqueued", metadata: ["connection": "\(connected.connectionId)"])
        }
        jobs.consume(EventConsumers.stopSyncingConnection) { disconnected, event, _ in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.disconnected without a tenant") }
            try await disconnection.stop(tenantID: tenant, connectionID: disconnected.connectionId,
                                         sellingPartnerId: disconnected.sellingPartnerId, region: disconnected.region,
                                         changedAt: event.occurredAt)
        }
        // Amazon's notifications, applied between syncs when newer than the data (issue 16).
        let notificationChanges = NotificationChanges(database: platform.database, logger: platform.logger)
        jobs.consume(EventConsumers.applyInventoryChange) { change, event, context in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.inventory_changed without a tenant") }
            let rows = try await notificationChanges.apply(change, tenantID: tenant)
            context.logger.info("inventory change applied", metadata: ["sku": "\(change.sellerSku)", "rows": "\(rows)"])
        }
        jobs.consume(EventConsumers.applyOrderChange) { change, event, context in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.order_changed without a tenant") }
            let applied = try await notificationChanges.apply(change, tenantID: tenant)
            context.logger.info("order change applied", metadata: ["order": "\(change.amazonOrderId)", "applied": "\(applied)"])
        }
        jobs.consume(EventConsumers.recordReportFinished) { finished, event, _ in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.report_finished without a tenant") }
            try await notificationChanges.apply(finished, tenantID: tenant)
        }
        // Amazon Ads: the spend syncs while the connection's Ads account is connected (issue 16).
        // Events can arrive out of order (connected, disconnected and connected again): each
        // consumer asks the Ads vault what holds now and does what that calls for.
        @Sendable func adsConnected(tenant: UUID, connection: UUID) async throws -> Bool {
            do {
                _ = try await ads.adsAccess(tenantID: tenant, connectionID: connection, rejectedAccessToken: nil)
                return true
            } catch AdsAccessError.needsReauthorization {
                return true  // still connected: its runs say it must be renewed
            } catch AdsAccessError.notConnected, AdsAccessError.connectionNotFound {
                return false
            }
        }
        jobs.consume(EventConsumers.syncAdsSpend) { connected, event, context in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.ads_connected without a tenant") }
            guard try await adsConnected(tenant: tenant, connection: connected.connectionId) else {
                context.logger.info("amazon.ads_connected superseded: Ads is no longer connected", metadata: ["connection": "\(connected.connectionId)"])
                return
            }
            do {
                let run = try await repository.startAdsSpend(tenantID: tenant, connectionID: connected.connectionId)
                await platform.jobQueue.wake(queues: [queue])
                context.logger.info("ads spend sync started", metadata: ["connection": "\(connected.connectionId)", "run": "\(run.runId)"])
            } catch is ConnectionDisconnectedError {
                context.logger.info("ads connected on a connection disconnected since", metadata: ["connection": "\(connected.connectionId)"])
            }
        }
        jobs.consume(EventConsumers.stopSyncingAdsSpend) { disconnected, event, context in
            guard let tenant = event.tenantId else { throw JobOutcome.cancel(reason: "amazon.ads_disconnected without a tenant") }
            guard try await !adsConnected(tenant: tenant, connection: disconnected.connectionId) else {
                context.logger.info("amazon.ads_disconnected superseded: Ads was connected again", metadata: ["connection": "\(disconnected.connectionId)"])
                return
            }
            try await repository.stopAdsSpend(tenantID: tenant, connectionID: disconnected.connectionId)
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
                                importDirectory: importDirectory,
                                searchQueries: SearchQueryPerformanceStore(database: platform.database, logger: platform.logger),
                                adsSpendStore: AdsSpendStore(database: platform.database, logger: platform.logger),
                                now: { amazonClock.now }).addRoutes(to: router)
        SyncFailureMetrics.registerCounters()
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: cron, extraServices: [runner],
                                        leaderGauges: [SyncFailureMetrics()])
    }
}
