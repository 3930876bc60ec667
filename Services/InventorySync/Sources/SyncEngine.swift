import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import PostgresNIO

/// How the sync engine runs.
///
/// Keys: `sync.maxAttempts` (6: attempts of a sync job before a transient failure counts as
/// permanent), `sync.leaseSeconds` (120: a sync job's lease; a killed worker's job is taken over after
/// it lapses), `sync.retryBaseSeconds` (30) and `sync.retryMaxSeconds` (900): backoff between
/// attempts; `sync.reportPollMilliseconds` (5000) and `sync.reportPollMaxMilliseconds` (60000):
/// report status polling; `sync.scheduleBatch` (200: due schedules enqueued per scheduler tick);
/// `amazon.rateLimit.timeScale` (1: multiplies Amazon's published rates, for a time-scaled
/// sandbox only); and the SP-API client's `amazon.requestTimeoutSeconds`, `amazon.maxAttempts`,
/// `amazon.retryBaseDelayMilliseconds`, `amazon.retryMaxDelayMilliseconds`,
/// `amazon.rateLimit.keyPrefix`, `amazon.rateLimit.safetyFactor`, `amazon.reports.timeoutSeconds`.
/// No LWA credentials: inventory-sync never holds them (integrations hands out access tokens).
public struct SyncEngineSettings: Sendable {
    public var maxAttempts: Int
    public var leaseSeconds: Int
    public var retryPolicy: RetryPolicy
    public var scheduleBatch: Int
    public var rateLimitTimeScale: Double
    public var spapi: AmazonSPAPISettings

    public init(reader: ConfigReader) {
        maxAttempts = max(1, reader.int(forKey: "sync.maxAttempts", default: 6))
        leaseSeconds = max(2, reader.int(forKey: "sync.leaseSeconds", default: 120))
        retryPolicy = RetryPolicy(baseSeconds: reader.double(forKey: "sync.retryBaseSeconds", default: 30), exponent: 2,
                                  capSeconds: reader.double(forKey: "sync.retryMaxSeconds", default: 900), jitter: 0.2)
        scheduleBatch = reader.int(forKey: "sync.scheduleBatch", default: 200)
        rateLimitTimeScale = max(0.001, reader.double(forKey: "amazon.rateLimit.timeScale", default: 1))
        spapi = AmazonSPAPISettings(
            clientID: "", clientSecret: "",
            requestTimeout: .seconds(reader.int(forKey: "amazon.requestTimeoutSeconds", default: 30)),
            maxAttempts: reader.int(forKey: "amazon.maxAttempts", default: 5),
            retryBaseDelay: .milliseconds(reader.int(forKey: "amazon.retryBaseDelayMilliseconds", default: 500)),
            retryMaxDelay: .milliseconds(reader.int(forKey: "amazon.retryMaxDelayMilliseconds", default: 30000)),
            rateLimitKeyPrefix: reader.string(forKey: "amazon.rateLimit.keyPrefix", default: "opside:spapi:rl"),
            rateLimitSafetyFactor: reader.double(forKey: "amazon.rateLimit.safetyFactor",
                                                 default: AmazonSPAPISettings.defaultRateLimitSafetyFactor),
            reportPollInitialInterval: .milliseconds(reader.int(forKey: "sync.reportPollMilliseconds", default: 5000)),
            reportPollMaxInterval: .milliseconds(reader.int(forKey: "sync.reportPollMaxMilliseconds", default: 60000)),
            reportTimeout: .seconds(reader.int(forKey: "amazon.reports.timeoutSeconds", default: 7200)))
    }
}

/// One window of a dataset: loaded and committed whole, the unit of progress and of resumption.
struct SyncWindow: Sendable, Equatable {
    /// nil for snapshot datasets (inventory, listings, fees, the first inbound sync).
    let start: Date?
    let end: Date?
    /// An incremental window of orders or inbound: "changed since `start`", no upper bound.
    let changedSince: Bool
}

/// Runs one dataset sync for one connection: plans windows from the watermark, fetches each
/// window through the SP-API client, loads it (COPY into staging, merge) and commits it together
/// with the run's progress and the resume point. A run killed at any moment resumes at the first
/// uncommitted window; windows merge idempotently, so nothing is duplicated or skipped.
public final class SyncEngine: Sendable {
    let database: Database
    let outbox: EventOutbox
    let redis: RedisClient?
    let tokens: any AmazonAccessTokenSource
    let httpClient: HTTPClient
    let rateLimiter: any SPAPIRateLimiter
    let usagePlans: UsagePlanTable
    let settings: SyncEngineSettings
    let reconciler: any InventoryReconciler
    let logger: Logger
    /// The wall clock report reuse windows (regeneration limits) are judged by.
    let now: @Sendable () -> Date
    /// Minimum age of the upper bound Finances accepts (`PostedBefore` must be > 2 minutes old).
    static let financeLag: TimeInterval = 180

    public init(database: Database, outbox: EventOutbox, redis: RedisClient?, tokens: any AmazonAccessTokenSource,
                httpClient: HTTPClient, rateLimiter: any SPAPIRateLimiter, settings: SyncEngineSettings,
                reconciler: any InventoryReconciler, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
        self.database = database
        self.outbox = outbox
        self.redis = redis
        self.tokens = tokens
        self.httpClient = httpClient
        self.rateLimiter = rateLimiter
        self.usagePlans = UsagePlanTable.amazonDefaults.scaled(by: settings.rateLimitTimeScale)
        self.settings = settings
        self.reconciler = reconciler
        self.logger = logger
    }

    // MARK: Job entry point

    /// Runs the job and sorts any failure: transient failures are rethrown (the queue retries
    /// with backoff) until the last attempt; permanent and authorization failures are recorded
    /// and end the job, so one failing dataset never holds up another.
    func handle(_ arguments: SyncJobArguments, job: ClaimedJob) async throws {
        do {
            try await execute(arguments)
        } catch is CancellationError {
            throw CancellationError()
        } catch let outcome as JobOutcome {
            throw outcome
        } catch {
            let failure = SyncFailure.classify(error)
            var log = logger
            log[metadataKey: "run"] = "\(arguments.runID)"
            log[metadataKey: "dataset"] = "\(arguments.dataset.rawValue)"
            switch failure {
            case .transient(let message) where job.attempt < job.maxAttempts:
                log.notice("sync failed transiently; retrying", metadata: ["attempt": "\(job.attempt)", "error": "\(message)"])
                try await recordRetry(arguments, message: message)
                throw error
            case .transient(let message), .permanent(let message):
                log.error("sync failed", metadata: ["kind": "\(failure.kind)", "error": "\(message)"])
                try await recordFailure(arguments, failure: .permanent(message), originalKind: failure.kind)
            case .authorization(let message):
                log.warning("connection needs re-authorization", metadata: ["error": "\(message)"])
                try await recordFailure(arguments, failure: failure, originalKind: failure.kind)
            }
        }
    }

    func execute(_ arguments: SyncJobArguments) async throws {
        let tenant = arguments.tenantID
        guard let run = try await startRun(arguments) else { return }  // already finished (a redelivered job)
        let access = try await tokens.access(tenantID: tenant, connectionID: arguments.connectionID)
        let api = makeAPI(access: access, tenantID: tenant, connectionID: arguments.connectionID)
        let marketplaces = access.marketplaceIds.isEmpty ? ["ATVPDKIKX0DER"] : access.marketplaceIds
        let now = Date()
        let watermark = try await watermark(arguments)
        let plan = Self.plan(dataset: arguments.dataset, watermark: watermark, runID: arguments.runID, now: now)
        var progress = RunProgress(run: run, windowsTotal: plan.total, windowsDone: plan.total - plan.remaining.count)
        progress.startedAt = run.startedAt ?? now
        for window in plan.remaining {
            try Task.checkCancellation()
            try await load(window: window, arguments: arguments, api: api, marketplaces: marketplaces, progress: &progress)
        }
        try await finishRun(arguments, syncedThrough: plan.syncedThrough, progress: progress)
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

    // MARK: Planning

    struct Plan {
        let total: Int
        let remaining: [SyncWindow]
        let syncedThrough: Date?
    }

    struct Watermark {
        let syncedThrough: Date?
        let resumeRunID: UUID?
        let resumeFrom: Date?
    }

    static let day: TimeInterval = 86_400

    /// The windows of this run. A first sync reaches back `backfillDays`; later ones start
    /// `overlapDays` before the watermark. A run that was interrupted skips the windows it
    /// committed (its resume point).
    static func plan(dataset: SyncDataset, watermark: Watermark, runID: UUID, now: Date) -> Plan {
        let resuming = watermark.resumeRunID == runID ? watermark.resumeFrom : nil
        let windowLength = Double(dataset.windowDays) * day
        switch dataset.source {
        case .inventory, .report(_, ranged: false):
            return Plan(total: 1, remaining: resuming == nil ? [SyncWindow(start: nil, end: nil, changedSince: false)] : [],
                        syncedThrough: now)
        case .inbound:
            let window = watermark.syncedThrough.map {
                SyncWindow(start: $0.addingTimeInterval(-Double(dataset.overlapDays) * day), end: nil, changedSince: true)
            } ?? SyncWindow(start: nil, end: nil, changedSince: false)
            return Plan(total: 1, remaining: resuming == nil ? [window] : [], syncedThrough: now)
        case .orders:
            // After the first sync, orders are read by "changed since" (status changes, refunds).
            if let through = watermark.syncedThrough {
                let start = through.addingTimeInterval(-Double(dataset.overlapDays) * day)
                return Plan(total: 1, remaining: resuming == nil ? [SyncWindow(start: start, end: nil, changedSince: true)] : [],
                            syncedThrough: now)
            }
            fallthrough
        case .finances, .report(_, ranged: true):
            let end = dataset == .financialEvents || dataset == .orders ? now.addingTimeInterval(-financeLag) : now
            var start = watermark.syncedThrough?.addingTimeInterval(-Double(dataset.overlapDays) * day)
                ?? now.addingTimeInterval(-Double(dataset.backfillDays) * day)
            if dataset == .financialEvents {
                // A fixed grid, so a window fetched again has the same bounds.
                start = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / windowLength).rounded(.down) * windowLength)
            }
            func windows(from first: Date) -> [SyncWindow] {
                var windows: [SyncWindow] = []
                var cursor = first
                while cursor < end {
                    var next = min(end, cursor.addingTimeInterval(windowLength))
                    if dataset == .financialEvents {
                        let gridEnd = ((cursor.timeIntervalSince1970 / windowLength).rounded(.down) + 1) * windowLength
                        next = min(end, Date(timeIntervalSince1970: gridEnd))
                    }
                    windows.append(SyncWindow(start: cursor, end: next, changedSince: false))
                    cursor = next
                }
                return windows
            }
            let all = windows(from: start)
            guard let resuming else { return Plan(total: all.count, remaining: all, syncedThrough: end) }
            // Resume exactly where the last committed window ended: a plan recomputed from a later
            // "now" must leave no gap between that point and its own window bounds.
            let remaining = windows(from: max(start, resuming))
            let done = all.filter { ($0.end ?? end) <= resuming }.count
            return Plan(total: done + remaining.count, remaining: remaining, syncedThrough: end)
        }
    }

    // MARK: Loading one window

    struct RunProgress {
        var runID: UUID
        var windowsTotal: Int
        var windowsDone: Int
        var pages = 0
        var rows = 0
        var startedAt = Date()

        init(run: SyncRun, windowsTotal: Int, windowsDone: Int) {
            self.runID = run.runId
            self.windowsTotal = windowsTotal
            self.windowsDone = windowsDone
            self.pages = run.pagesDone
            self.rows = run.rowsDone
        }

        /// Elapsed time per window done, times the windows left.
        var estimatedFinish: Date? {
            guard windowsDone > 0, windowsTotal > windowsDone else { return nil }
            let perWindow = Date().timeIntervalSince(startedAt) / Double(windowsDone)
            return Date().addingTimeInterval(perWindow * Double(windowsTotal - windowsDone))
        }
    }

    /// Fetches and commits one window (for every marketplace of the connection).
    func load(window: SyncWindow, arguments: SyncJobArguments, api: SellingPartnerAPI, marketplaces: [String],
              progress: inout RunProgress) async throws {
        switch arguments.dataset.source {
        case .report(let type, let ranged):
            guard let mapping = ReportMapping.forDataset(arguments.dataset) else { return }
            var documents: [(String, String)] = []
            for marketplace in marketplaces {
                if let document = try await obtainReport(api: api, arguments: arguments, type: type, marketplace: marketplace,
                                                         start: ranged ? window.start : nil, end: ranged ? window.end : nil) {
                    documents.append((marketplace, document))
                }
            }
            let found = documents
            let counts = try await commitWindow(arguments, window: window, progress: progress, pages: found.count) { session in
                for (marketplace, document) in found {
                    let source = api.reportDocumentBytes(reportDocumentID: document)
                    _ = try await ReportLoader.load(source: source, mapping: mapping, marketplace: marketplace, session: session)
                }
            }
            progress.pages += documents.count
            progress.rows += counts.staged
        case .finances:
            var rows = FinanceRows()
            var pages = 0
            guard let start = window.start, let end = window.end else { return }
            var token: String?
            repeat {
                let page = try await api.listFinancialEvents(postedAfter: start.formatted(.iso8601), postedBefore: end.formatted(.iso8601),
                                                             maxResultsPerPage: 100, nextToken: token)
                if let lists = page.FinancialEvents { try rows.add(lists, marketplace: marketplaces[0], windowStart: start) }
                token = page.NextToken.flatMap { $0.isEmpty ? nil : $0 }
                pages += 1
                await publishProgress(arguments, progress: progress, pagesInWindow: pages)
            } while token != nil
            let finance = rows
            let counts = try await commitWindow(arguments, window: window, progress: progress, pages: pages) { session in
                let rows = finance
                try await session.stage(AmazonTables.shipmentEvents, rows: rows.shipments)
                try await session.stage(AmazonTables.refundEvents, rows: rows.refunds)
                try await session.stage(AmazonTables.adjustmentEvents, rows: rows.adjustments)
                try await session.stage(AmazonTables.serviceFeeEvents, rows: rows.serviceFees)
                try await session.stage(AmazonTables.safetEvents, rows: rows.safet)
                try await session.stage(AmazonTables.removalShipmentEvents, rows: rows.removals)
            }
            progress.pages += pages
            progress.rows += counts.staged
        case .orders:
            var orders: [[String?]] = []
            var items: [[String?]] = []
            var pages = 0
            for marketplace in marketplaces {
                let query = OrdersQuery(marketplaceIDs: [marketplace],
                                        createdAfter: window.changedSince ? nil : window.start?.formatted(.iso8601),
                                        createdBefore: window.changedSince ? nil : window.end?.formatted(.iso8601),
                                        lastUpdatedAfter: window.changedSince ? window.start?.formatted(.iso8601) : nil,
                                        maxResultsPerPage: 100)
                for try await page in api.allOrders(query) {
                    pages += 1
                    for order in page.Orders {
                        orders.append(try OrderRows.order(order, marketplace: order.MarketplaceId ?? marketplace))
                        for try await itemPage in api.allOrderItems(orderID: order.AmazonOrderId) {
                            for item in itemPage.OrderItems {
                                items.append(try OrderRows.item(item, orderID: order.AmazonOrderId, marketplace: order.MarketplaceId ?? marketplace))
                            }
                        }
                    }
                    await publishProgress(arguments, progress: progress, pagesInWindow: pages)
                }
            }
            let orderRows = orders, itemRows = items
            let counts = try await commitWindow(arguments, window: window, progress: progress, pages: pages) { session in
                try await session.stage(AmazonTables.orders, rows: orderRows)
                try await session.stage(AmazonTables.orderItems, rows: itemRows)
            }
            progress.pages += pages
            progress.rows += counts.staged
        case .inventory:
            var rows: [[String?]] = []
            var pages = 0
            for marketplace in marketplaces {
                for try await page in api.allInventorySummaries(marketplaceID: marketplace) {
                    pages += 1
                    for summary in page.payload?.inventorySummaries ?? [] {
                        rows.append(OrderRows.inventory(summary, marketplace: marketplace))
                    }
                }
            }
            let summaryRows = rows
            let counts = try await commitWindow(arguments, window: window, progress: progress, pages: pages) { session in
                try await session.stage(AmazonTables.inventorySummaries, rows: summaryRows)
            }
            progress.pages += pages
            progress.rows += counts.staged
        case .inbound:
            var shipments: [[String?]] = []
            var items: [[String?]] = []
            var pages = 0
            for marketplace in marketplaces {
                let sequence = window.changedSince
                    ? api.allInboundShipments(marketplaceID: marketplace, lastUpdatedAfter: window.start?.formatted(.iso8601))
                    : api.allInboundShipments(marketplaceID: marketplace, statuses: OrderRows.inboundStatuses)
                for try await page in sequence {
                    pages += 1
                    for shipment in page.ShipmentData ?? [] {
                        guard let id = shipment.ShipmentId else { continue }
                        shipments.append([marketplace, id, shipment.ShipmentName, shipment.DestinationFulfillmentCenterId,
                                          shipment.ShipmentStatus, shipment.LabelPrepType, shipment.BoxContentsSource,
                                          shipment.ConfirmedNeedByDate])
                        let itemPage = try await api.getInboundShipmentItems(shipmentID: id, marketplaceID: marketplace)
                        for item in itemPage.ItemData ?? [] {
                            items.append([marketplace, id, item.SellerSKU, item.FulfillmentNetworkSKU, String(item.QuantityShipped),
                                          item.QuantityReceived.map(String.init), item.QuantityInCase.map(String.init), item.ReleaseDate])
                        }
                    }
                    await publishProgress(arguments, progress: progress, pagesInWindow: pages)
                }
            }
            let shipmentRows = shipments, shipmentItemRows = items
            let counts = try await commitWindow(arguments, window: window, progress: progress, pages: pages) { session in
                try await session.stage(AmazonTables.inboundShipments, rows: shipmentRows)
                try await session.stage(AmazonTables.inboundShipmentItems, rows: shipmentItemRows)
            }
            progress.pages += pages
            progress.rows += counts.staged
        }
        progress.windowsDone += 1
        await publishProgress(arguments, progress: progress, pagesInWindow: 0)
    }

    /// One transaction: stage and merge the window's rows, write its quarantine, advance the
    /// run's progress and the resume point. All of it commits, or none of it.
    func commitWindow(_ arguments: SyncJobArguments, window: SyncWindow, progress: RunProgress, pages: Int,
                      _ stage: @escaping @Sendable (StagingSession) async throws -> Void) async throws -> MergeCounts {
        let logger = self.logger
        let estimate = progress.estimatedFinish
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            let session = StagingSession(connection: db, logger: logger, tenantID: arguments.tenantID, connectionID: arguments.connectionID,
                                         runID: arguments.runID, dataset: arguments.dataset.rawValue)
            try await stage(session)
            let counts = try await session.merge()
            try await db.query("""
                UPDATE amazon.sync_runs SET windows_done = windows_done + 1, pages_done = pages_done + \(Int32(clamping: pages)),
                    rows_done = rows_done + \(Int64(counts.staged)), rows_inserted = rows_inserted + \(Int64(counts.inserted)),
                    rows_updated = rows_updated + \(Int64(counts.updated)), rows_quarantined = rows_quarantined + \(Int64(counts.quarantined)),
                    rows_with_warnings = rows_with_warnings + \(Int64(counts.warned)),
                    warnings = CASE WHEN jsonb_array_length(warnings) < 100 THEN warnings || \(session.warningsJSON)::jsonb ELSE warnings END,
                    estimated_finish_at = \(estimate)
                WHERE run_id = \(arguments.runID)
                """, logger: logger)
            try await db.query("""
                INSERT INTO amazon.sync_watermarks (tenant_id, connection_id, dataset, resume_run_id, resume_from)
                VALUES (\(arguments.tenantID), \(arguments.connectionID), \(arguments.dataset.rawValue), \(arguments.runID), \(window.end))
                ON CONFLICT (connection_id, dataset) DO UPDATE SET resume_run_id = EXCLUDED.resume_run_id,
                    resume_from = EXCLUDED.resume_from, updated_at = now()
                """, logger: logger)
            return counts
        }
    }

    // MARK: Reports: reuse and regeneration limits

    /// A document with the report's rows, reusing a recent report when one covers the range,
    /// and never asking Amazon for a report of a type more often than its regeneration limit.
    /// - Returns: the document id, or nil when Amazon had no data (report CANCELLED).
    func obtainReport(api: SellingPartnerAPI, arguments: SyncJobArguments, type: String, marketplace: String,
                      start: Date?, end: Date?) async throws -> String? {
        let logger = self.logger
        let tenant = arguments.tenantID, connection = arguments.connectionID
        let limit = arguments.dataset.regenerationLimit
        let now = self.now()
        let wantedEnd = end ?? now
        let reusable: (String, String, String?)? = try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT report_id, status, document_id FROM amazon.report_requests
                WHERE connection_id = \(connection) AND report_type = \(type) AND marketplace_id = \(marketplace)
                  AND status IN ('requested', 'done', 'cancelled')
                  AND requested_at > \(now.addingTimeInterval(-limit))
                  AND (data_start IS NULL AND \(start)::timestamptz IS NULL OR data_start <= \(start))
                  AND (data_end IS NULL OR data_end >= \(wantedEnd.addingTimeInterval(-limit)))
                ORDER BY requested_at DESC LIMIT 1
                """, logger: logger)
            for try await row in rows.decode((String, String, String?).self) { return row }
            return nil
        }
        let reportID: String
        if let reusable {
            switch reusable.1 {
            case "done": if let document = reusable.2 { return document }
            case "cancelled": return nil
            default: break
            }
            reportID = reusable.0
        } else {
            let specification = CreateReportSpecification(reportType: type, marketplaceIDs: [marketplace],
                                                          dataStartTime: start?.formatted(.iso8601), dataEndTime: end?.formatted(.iso8601))
            reportID = try await api.createReport(specification).reportId
            _ = try await database.withTransaction(tenant: tenant) { db in
                try await db.query("""
                    INSERT INTO amazon.report_requests
                        (report_id, tenant_id, connection_id, report_type, marketplace_id, data_start, data_end, requested_at)
                    VALUES (\(reportID), \(tenant), \(connection), \(type), \(marketplace), \(start), \(end ?? now), \(now))
                    ON CONFLICT (report_id) DO NOTHING
                    """, logger: logger)
            }
        }
        let completion: ReportCompletion
        do {
            completion = try await api.waitForReport(reportID: reportID)
        } catch let error as ReportError {
            if case .fatal = error { try await setReportStatus(tenant: tenant, reportID: reportID, status: "fatal", document: nil) }
            throw error
        }
        switch completion {
        case .done(_, let document):
            try await setReportStatus(tenant: tenant, reportID: reportID, status: "done", document: document)
            return document
        case .cancelled:
            try await setReportStatus(tenant: tenant, reportID: reportID, status: "cancelled", document: nil)
            return nil
        }
    }

    func setReportStatus(tenant: UUID, reportID: String, status: String, document: String?) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenant) { db in
            try await db.query("UPDATE amazon.report_requests SET status = \(status), document_id = \(document) WHERE report_id = \(reportID)",
                               logger: logger)
        }
    }

    // MARK: Run bookkeeping

    /// Marks the run running; nil when it already finished (the job was delivered twice).
    func startRun(_ arguments: SyncJobArguments) async throws -> SyncRun? {
        let logger = self.logger
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await SyncPostgresRepository.decodeRuns(try await db.query("""
                UPDATE amazon.sync_runs SET state = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1,
                    error_kind = NULL, error_message = NULL
                WHERE run_id = \(arguments.runID) AND state IN ('queued', 'running', 'retrying')
                RETURNING \(unescaped: SyncPostgresRepository.runColumns)
                """, logger: logger)).first
        }
    }

    func watermark(_ arguments: SyncJobArguments) async throws -> Watermark {
        let logger = self.logger
        return try await database.withTransaction(tenant: arguments.tenantID) { db in
            let rows = try await db.query("""
                SELECT synced_through, resume_run_id, resume_from FROM amazon.sync_watermarks
                WHERE connection_id = \(arguments.connectionID) AND dataset = \(arguments.dataset.rawValue)
                """, logger: logger)
            for try await (through, run, from) in rows.decode((Date?, UUID?, Date?).self) {
                return Watermark(syncedThrough: through, resumeRunID: run, resumeFrom: from)
            }
            return Watermark(syncedThrough: nil, resumeRunID: nil, resumeFrom: nil)
        }
    }

    struct RunEvent: Encodable {
        let connectionId: UUID
        let runId: UUID
        let dataset: String
        let state: String
        let rowsInserted: Int?
        let rowsUpdated: Int?
        let rowsQuarantined: Int?
        let errorKind: String?
        let errorMessage: String?
    }

    func finishRun(_ arguments: SyncJobArguments, syncedThrough: Date?, progress: RunProgress) async throws {
        let logger = self.logger
        let outbox = self.outbox
        try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await db.query("""
                INSERT INTO amazon.sync_watermarks (tenant_id, connection_id, dataset, synced_through)
                VALUES (\(arguments.tenantID), \(arguments.connectionID), \(arguments.dataset.rawValue), \(syncedThrough))
                ON CONFLICT (connection_id, dataset) DO UPDATE SET synced_through = EXCLUDED.synced_through,
                    resume_run_id = NULL, resume_from = NULL, updated_at = now()
                """, logger: logger)
            let runs = try await SyncPostgresRepository.decodeRuns(try await db.query("""
                UPDATE amazon.sync_runs SET state = 'succeeded', finished_at = now(), windows_total = \(Int32(clamping: progress.windowsTotal)),
                    windows_done = \(Int32(clamping: progress.windowsTotal)), estimated_finish_at = NULL
                WHERE run_id = \(arguments.runID)
                RETURNING \(unescaped: SyncPostgresRepository.runColumns)
                """, logger: logger))
            if let run = runs.first {
                try await outbox.publish("sync.completed", tenantID: arguments.tenantID, payload: RunEvent(
                    connectionId: arguments.connectionID, runId: run.runId, dataset: run.dataset, state: run.state,
                    rowsInserted: run.rowsInserted, rowsUpdated: run.rowsUpdated, rowsQuarantined: run.rowsQuarantined,
                    errorKind: nil, errorMessage: nil), on: db)
            }
        }
        await outbox.wakeRelay()
    }

    func recordRetry(_ arguments: SyncJobArguments, message: String) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await db.query("""
                UPDATE amazon.sync_runs SET state = 'retrying', error_kind = 'transient', error_message = \(message)
                WHERE run_id = \(arguments.runID) AND state IN ('queued', 'running', 'retrying')
                """, logger: logger)
        }
    }

    /// A failed dataset: the run says why, an operator-visible `sync.failed` event goes out; an
    /// authorization failure also flags the connection and announces `sync.reauthorization_required`.
    func recordFailure(_ arguments: SyncJobArguments, failure: SyncFailure, originalKind: String) async throws {
        let logger = self.logger
        let outbox = self.outbox
        let state = failure.kind == "authorization" ? "needs_reauthorization" : "failed"
        let message = originalKind == failure.kind ? failure.message : "gave up after repeated \(originalKind) failures: \(failure.message)"
        try await database.withTransaction(tenant: arguments.tenantID) { db in
            try await db.query("""
                UPDATE amazon.sync_runs SET state = \(state), finished_at = now(), error_kind = \(failure.kind), error_message = \(message)
                WHERE run_id = \(arguments.runID)
                """, logger: logger)
            let event = RunEvent(connectionId: arguments.connectionID, runId: arguments.runID, dataset: arguments.dataset.rawValue,
                                 state: state, rowsInserted: nil, rowsUpdated: nil, rowsQuarantined: nil, errorKind: failure.kind,
                                 errorMessage: message)
            if case .authorization = failure {
                try await db.query("""
                    UPDATE amazon.connections SET status = 'needs_reauthorization', status_reason = \(message), updated_at = now()
                    WHERE connection_id = \(arguments.connectionID)
                    """, logger: logger)
                try await outbox.publish("sync.reauthorization_required", tenantID: arguments.tenantID, payload: event, on: db)
            } else {
                try await outbox.publish("sync.failed", tenantID: arguments.tenantID, payload: event, on: db)
            }
        }
        await outbox.wakeRelay()
    }

    // MARK: Realtime progress

    struct ProgressPayload: Encodable {
        let connectionId: UUID
        let runId: UUID
        let dataset: String
        let windowsDone: Int
        let windowsTotal: Int
        let pagesDone: Int
        let rowsDone: Int
        let startedAt: Date
        let estimatedFinishAt: Date?
    }

    /// Straight to the tenant's realtime channel: progress is too frequent for the outbox and
    /// worthless once stale, so losing one message costs nothing.
    func publishProgress(_ arguments: SyncJobArguments, progress: RunProgress, pagesInWindow: Int) async {
        guard let redis else { return }
        let payload = ProgressPayload(connectionId: arguments.connectionID, runId: arguments.runID, dataset: arguments.dataset.rawValue,
                                      windowsDone: progress.windowsDone, windowsTotal: progress.windowsTotal,
                                      pagesDone: progress.pages + pagesInWindow, rowsDone: progress.rows, startedAt: progress.startedAt,
                                      estimatedFinishAt: progress.estimatedFinish)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        guard let body = try? encoder.encode(payload) else { return }
        let envelope = EventEnvelope(id: UUID(), type: "sync.progress", tenantID: arguments.tenantID, producer: "inventory-sync",
                                     occurredAt: Date(), payload: String(decoding: body, as: UTF8.self))
        guard let message = try? encoder.encode(envelope) else { return }
        do {
            try await redis.publish(EventRelay.realtimeChannel(tenantID: arguments.tenantID), String(decoding: message, as: UTF8.self))
        } catch {
            logger.debug("progress not published", metadata: ["error": "\(error)"])
        }
    }
}
