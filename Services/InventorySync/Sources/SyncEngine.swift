import AsyncHTTPClient
import Foundation
import Logging
import OpsideAmazonAds
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideAmazonAccess
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideRedis

/// Runs one dataset sync for one connection: plans windows from the watermark (`SyncPlanner`),
/// fetches each window through the SP-API client (a `WindowFetcher` per kind of source), loads
/// it (COPY into staging, merge) and commits it together with the run's progress and the resume
/// point. A run killed at any moment resumes at the first uncommitted window; windows merge
/// idempotently, so nothing is duplicated or skipped. The run's bookkeeping is `SyncRunRecorder`'s,
/// its realtime progress `SyncProgressPublisher`'s.
public final class SyncEngine: Sendable {
    let database: Database
    let tokens: any AmazonAccessTokenSource
    /// The Ads vault, for advertising spend (another authorization than SP-API's).
    let adsAccess: any AdsAccessSource
    let adsPolling: AdsReportPolling
    /// What the Ads reports' polling pauses on.
    let clock: any Clock<Duration>
    let httpClient: HTTPClient
    let rateLimiter: any SPAPIRateLimiter
    let usagePlans: UsagePlanTable
    let settings: SyncEngineSettings
    let reconciler: any InventoryReconciler
    let disconnection: ConnectionDisconnection
    let runs: SyncRunRecorder
    let progress: SyncProgressPublisher
    let logger: Logger
    /// The wall clock sync windows end at and report reuse windows (regeneration limits) are
    /// judged by: Amazon's now, as far as a sync can know it.
    let now: @Sendable () -> Date

    public init(database: Database, outbox: EventOutbox, redis: RedisClient?, tokens: any AmazonAccessTokenSource,
                httpClient: HTTPClient, rateLimiter: any SPAPIRateLimiter, settings: SyncEngineSettings,
                reconciler: any InventoryReconciler, disconnection: ConnectionDisconnection, logger: Logger,
                adsAccess: any AdsAccessSource, adsPolling: AdsReportPolling = AdsReportPolling(), clock: any Clock<Duration> = ContinuousClock(),
                now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
        self.adsAccess = adsAccess
        self.adsPolling = adsPolling
        self.clock = clock
        self.database = database
        self.tokens = tokens
        self.httpClient = httpClient
        self.rateLimiter = rateLimiter
        self.usagePlans = UsagePlanTable.amazonDefaults.scaled(by: settings.rateLimitTimeScale)
        self.settings = settings
        self.reconciler = reconciler
        self.disconnection = disconnection
        self.runs = SyncRunRecorder(database: database, outbox: outbox, logger: logger)
        self.progress = SyncProgressPublisher(redis: redis, logger: logger)
        self.logger = logger
    }

    // MARK: Job entry point

    /// Runs the job and sorts any failure: transient failures are rethrown (the queue retries
    /// with backoff) until the last attempt; permanent and authorization failures are recorded
    /// and end the job, so one failing dataset never holds up another.
    func handle(_ arguments: SyncJobArguments, job: ClaimedJob) async throws {
        // Before the vault is asked: a disconnection it reports happened no later than this.
        let attemptStarted = Date()
        do {
            try await execute(arguments)
        } catch is CancellationError where Task.isCancelled {
            // The job itself was cancelled (by request, or at shutdown): the queue decides what follows.
            throw CancellationError()
        } catch let outcome as JobOutcome {
            throw outcome
        } catch {
            // Anything else, a CancellationError raised inside a call while this job was not cancelled
            // included, is recorded on the run: left unrecorded, the queue retried and then discarded
            // the job while its run stayed `running`.
            let failure = SyncFailure.classify(error)
            var log = logger
            log[metadataKey: "run"] = "\(arguments.runID)"
            log[metadataKey: "dataset"] = "\(arguments.dataset.rawValue)"
            switch failure {
            case .transient(let message) where job.attempt < job.maxAttempts:
                log.notice("sync failed transiently; retrying", metadata: ["attempt": "\(job.attempt)", "error": "\(message)"])
                SyncFailureMetrics.count(dataset: arguments.dataset.rawValue, outcome: "retrying")
                try await runs.retrying(arguments, message: message)
                throw error
            case .transient(let message), .permanent(let message):
                log.error("sync failed", metadata: ["kind": "\(failure.kind)", "error": "\(message)"])
                SyncFailureMetrics.count(dataset: arguments.dataset.rawValue, outcome: "failed")
                try await runs.failure(arguments, failure: .permanent(message), originalKind: failure.kind)
            case .authorization(let message):
                log.warning("connection needs re-authorization", metadata: ["error": "\(message)"])
                try await runs.failure(arguments, failure: failure, originalKind: failure.kind)
            case .disconnected(let message):
                // Permanent: no retry can succeed until the seller connects again. This run and
                // the connection's others end cancelled, even if `amazon.disconnected` is still on its way.
                guard try await disconnection.stop(tenantID: arguments.tenantID, connectionID: arguments.connectionID,
                                                   sellingPartnerId: nil, region: nil, changedAt: attemptStarted,
                                                   currentJob: job.id) else { throw error }
                throw JobOutcome.cancel(reason: message)
            }
        }
    }

    func execute(_ arguments: SyncJobArguments) async throws {
        let tenant = arguments.tenantID
        let watermark = try await runs.watermark(arguments)
        if arguments.dataset == .orders, settings.ordersBackfill == .reports, watermark.syncedThrough == nil,
           try await runs.backfillBehindFirstSyncs(arguments, datasets: arguments.dataset.reportsAheadOfBackfill) {
            // Still queued: the claim datasets' first reports take Amazon's report quota first (a
            // sync the seller asks for goes at once).
            throw JobOutcome.snooze(seconds: settings.reportQuotaWaitSeconds)
        }
        guard let run = try await runs.start(arguments) else { return }  // already finished (a redelivered job)
        let access = try await tokens.access(tenantID: tenant, connectionID: arguments.connectionID)
        let api = makeAPI(access: access, tenantID: tenant, connectionID: arguments.connectionID)
        let marketplaces = access.marketplaceIds.isEmpty ? ["ATVPDKIKX0DER"] : access.marketplaceIds
        let now = self.now()
        let plan = SyncPlanner.plan(dataset: arguments.dataset, watermark: watermark, runID: arguments.runID, now: now)
        var progress = SyncRunProgress(run: run, windowsTotal: plan.total, windowsDone: plan.total - plan.remaining.count)
        progress.startedAt = run.startedAt ?? Date()  // for the ETA, a duration: the machine's clock
        let fetcher = fetcher(for: arguments.dataset)
        for window in plan.remaining {
            try Task.checkCancellation()
            try await load(window: window, with: fetcher, arguments: arguments, api: api, marketplaces: marketplaces, progress: &progress)
        }
        try await runs.finish(arguments, syncedThrough: plan.syncedThrough, windowsTotal: progress.windowsTotal)
        if arguments.dataset.triggersReconciliation {
            do {
                try await reconciler.reconcile(tenantID: tenant, connectionID: arguments.connectionID)
            } catch {
                logger.warning("reconciliation failed; the next sync retries it", metadata: ["error": "\(error)"])
            }
        }
    }

    func makeAPI(access: AmazonAccess, tenantID: UUID, connectionID: UUID) -> SellingPartnerAPI {
        var spapi = settings.spapi
        let region = AmazonRegion(rawValue: access.region) ?? .northAmerica
        if let endpoint = access.endpoint, !endpoint.isEmpty { spapi.regionEndpoints[region] = endpoint }
        let source = ConnectionAccessTokens(source: tokens, tenantID: tenantID, connectionID: connectionID, first: access)
        let client = SPAPIClient(settings: spapi, httpClient: httpClient, tokens: source, rateLimiter: rateLimiter,
                                 usagePlans: usagePlans, logger: logger)
        // Rate-limit buckets are per application + selling partner (+ region), like Amazon's.
        // The refresh token stays in integrations; this credential is never sent anywhere.
        let connection = SPAPIConnection(id: "\(access.sellingPartnerId).\(region.rawValue)", sellingPartnerID: access.sellingPartnerId,
                                         region: region, credential: .refreshToken(""))
        return client.api(for: connection)
    }

    /// The fetcher of a dataset's kind of source.
    func fetcher(for dataset: SyncDataset) -> any WindowFetcher {
        switch dataset.source {
        case .report(let type, let ranged): ReportWindowFetcher(reportType: type, ranged: ranged, database: database, logger: logger, now: now)
        case .finances: FinanceWindowFetcher()
        case .orders:
            OrdersWindowFetcher(backfill: settings.ordersBackfill,
                                reports: ReportWindowFetcher(reportType: AllOrdersRow.reportType, ranged: true, database: database, logger: logger, now: now),
                                database: database, logger: logger)
        case .inventory: InventoryWindowFetcher()
        case .inbound: InboundWindowFetcher(now: now, logger: logger)
        case .searchQueries(let period):
            SearchQueryWindowFetcher(period: period, reports: ReportWindowFetcher(reportType: SearchQueryPerformance.reportType, ranged: true,
                                                                                  database: database, logger: logger, now: now),
                                     database: database, logger: logger)
        case .adsSpend:
            AdsSpendWindowFetcher(access: adsAccess, httpClient: httpClient, polling: adsPolling, clock: clock, logger: logger, now: now)
        }
    }

    // MARK: Loading one window

    /// Fetches and commits one window (for every marketplace of the connection).
    func load(window: SyncWindow, with fetcher: any WindowFetcher, arguments: SyncJobArguments, api: SellingPartnerAPI,
              marketplaces: [String], progress: inout SyncRunProgress) async throws {
        let snapshot = progress, publisher = self.progress
        let context = WindowFetchContext(arguments: arguments, api: api, marketplaces: marketplaces) { pages in
            await publisher.publish(arguments, progress: snapshot, pagesInWindow: pages)
        }
        guard let fetched = try await fetcher.fetch(window, context: context) else { return }
        let counts = try await commitWindow(arguments, window: window, progress: progress, pages: fetched.pages, fetched.stage)
        progress.pages += fetched.pages
        progress.rows += counts.staged
        progress.windowsDone += 1
        await publisher.publish(arguments, progress: progress, pagesInWindow: 0)
    }

    /// One transaction: stage and merge the window's rows, write its quarantine, advance the
    /// run's progress and the resume point. All of it commits, or none of it.
    func commitWindow(_ arguments: SyncJobArguments, window: SyncWindow, progress: SyncRunProgress, pages: Int,
                      _ stage: @escaping @Sendable (StagingSession) async throws -> Void) async throws -> MergeCounts {
        let logger = self.logger
        let estimate = progress.estimatedFinish
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            let session = StagingSession(connection: db, logger: logger, tenantID: arguments.tenantID, connectionID: arguments.connectionID,
                                         runID: arguments.runID, dataset: arguments.dataset.rawValue)
            try await stage(session)
            let counts = try await session.merge()
            try await SyncRunRepository.recordWindow(arguments, resumeFrom: window.end, pages: pages, counts: counts, estimatedFinish: estimate,
                                                     warningsJSON: session.warningsJSON,
                                                     on: db, logger: logger)
            return counts
        }
    }
}
