import Configuration
import Foundation
import Hummingbird
import OpsideAWS
import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// integrations's composition root: connecting sellers' Amazon accounts (Login-with-Amazon
/// consent, self-authorized refresh tokens), the token vault (the only holder of refresh tokens;
/// hands out short-lived access tokens), account health, and the seller's listings and Amazon's
/// catalogue, the FBA inbound workflow, and Amazon's notifications (DESIGN.md).
///
/// Keys beyond the platform's: `AmazonSPAPISettings` (LWA client, endpoints),
/// `IntegrationsSettings` (consent, state lifetime, health schedule, token encryption keys) and
/// `AmazonNotificationSettings` (the SQS queue notifications arrive on) and `AmazonAdsSettings` (the
/// Amazon Ads API's application and hosts, for the connections' Ads authorizations).
public enum IntegrationsService {
    public static let service = OpsideService.integrations
    public static let queue = "integrations"
    /// The cron tick: lists active connections and enqueues one check each.
    public static let accountHealthSweepKind = "integrations.account-health-sweep"
    /// One connection's check, under its tenant.
    public static let checkConnectionKind = "integrations.check-connection"
    /// A bulk change of listings' prices and quantities, under its tenant.
    public static let listingBulkUpdateKind = ListingBulkUpdates.jobKind
    /// The Amazon calls of a seller's inbound workflow action, under its tenant.
    public static let inboundWorkflowKind = InboundWorkflows.jobKind

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// - Parameter clocks: what OAuth states expire, cron ticks come due and tokens live by.
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system) async throws -> some ApplicationProtocol {
        let spapiSettings = try AmazonSPAPISettings(reader: reader)
        let settings = try IntegrationsSettings(reader: reader)
        let notificationSettings = try AmazonNotificationSettings(reader: reader)
        let adsSettings = try AmazonAdsSettings(reader: reader)
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [queue], clocks: clocks)
        let logger = platform.logger

        let lwa = LoginWithAmazonClient(httpClient: platform.httpClient, settings: spapiSettings, logger: logger)
        let tokenCache = LWAAccessTokenCache(lwa: lwa, refreshMargin: spapiSettings.tokenRefreshMargin, logger: logger, now: clocks.now)
        let rateLimiter = RedisSPAPIRateLimiter(redis: platform.redis, keyPrefix: spapiSettings.rateLimitKeyPrefix,
                                                safetyFactor: spapiSettings.rateLimitSafetyFactor, logger: logger)
        let spapi = SPAPIClient(settings: spapiSettings, httpClient: platform.httpClient, tokens: tokenCache,
                                rateLimiter: rateLimiter, logger: logger)
        let repository = AmazonConnectionsPostgresRepository(database: platform.database, outbox: platform.outbox, logger: logger,
                                                             now: clocks.now)
        let connector = AmazonConnector(
            repository: repository,
            gateway: SPAPIAccountGateway(lwa: lwa, tokenCache: tokenCache, client: spapi),
            cipher: RefreshTokenCipher(keyRing: settings.tokenKeys),
            settings: settings,
            logger: logger)

        // The Ads API's own Login with Amazon application: same token endpoint, other client.
        var adsLWASettings = spapiSettings
        adsLWASettings.clientID = adsSettings.clientID
        adsLWASettings.clientSecret = adsSettings.clientSecret
        let adsLWA = LoginWithAmazonClient(httpClient: platform.httpClient, settings: adsLWASettings, logger: logger)
        let ads = AmazonAdsAuthorizations(
            connector: connector, states: repository, stateLifetime: settings.oauthStateLifetime, database: platform.database, outbox: platform.outbox, cipher: RefreshTokenCipher(keyRing: settings.tokenKeys),
            lwa: adsLWA, tokenCache: LWAAccessTokenCache(lwa: adsLWA, refreshMargin: spapiSettings.tokenRefreshMargin, logger: logger, now: clocks.now),
            settings: adsSettings, httpClient: platform.httpClient, logger: logger)

        var jobs = JobRegistry()
        let database = platform.database
        let jobQueue = platform.jobQueue
        jobs.register(accountHealthSweepKind, retryPolicy: RetryPolicy(capSeconds: 600)) { _, context in
            let targets = try await repository.connectionsDueForHealthCheck()
            let checks = try targets.map {
                try NewJob(queue: queue, kind: checkConnectionKind, arguments: $0, tenantID: $0.tenantId, maxAttempts: 5,
                           uniqueKey: "\(checkConnectionKind):\($0.connectionId.uuidString.lowercased())")
            }
            let enqueued = try await database.withTransaction { connection in
                var count = 0
                for check in checks where try await JobQueue.enqueue(check, on: connection, logger: context.logger) != nil { count += 1 }
                return count
            }
            await jobQueue.wake(queues: [queue])
            context.logger.info("account health sweep", metadata: ["connections": "\(targets.count)", "enqueued": "\(enqueued)"])
        }
        jobs.register(checkConnectionKind, arguments: HealthCheckTarget.self, retryPolicy: RetryPolicy(capSeconds: 1800)) { target, context in
            guard context.job.tenantID == target.tenantId else {
                throw JobOutcome.cancel(reason: "the job's tenant does not match its arguments")
            }
            let outcome = try await connector.checkHealth(target)
            context.logger.info("account health checked", metadata: ["connection": "\(target.connectionId)", "outcome": "\(outcome)"])
        }
        let listings = SellerListings(connector: connector)
        let bulkUpdates = ListingBulkUpdates(database: database, listings: listings, jobQueue: jobQueue, queue: queue, logger: logger,
                                             now: clocks.now)
        jobs.register(listingBulkUpdateKind, arguments: ListingBulkUpdates.JobArguments.self,
                      retryPolicy: RetryPolicy(capSeconds: 300)) { arguments, context in
            guard let tenant = context.job.tenantID else { throw JobOutcome.cancel(reason: "a bulk update runs under its tenant") }
            try await bulkUpdates.run(tenantID: tenant, id: arguments.bulkUpdateId, logger: context.logger)
        }
        let inbound = InboundWorkflows(database: database, listings: listings, jobQueue: jobQueue, queue: queue,
                                       firstPoll: settings.inboundFirstPoll, maxPoll: settings.inboundMaxPoll, logger: logger, now: clocks.now)
        jobs.register(inboundWorkflowKind, arguments: InboundWorkflows.JobArguments.self,
                      retryPolicy: RetryPolicy(capSeconds: 300)) { arguments, context in
            guard let tenant = context.job.tenantID else { throw JobOutcome.cancel(reason: "an inbound workflow runs under its tenant") }
            try await inbound.run(tenantID: tenant, arguments, logger: context.logger)
        }
        let inbox = NotificationInbox(database: database, outbox: platform.outbox, logger: logger)
        let sqs = SQSClient(endpoint: notificationSettings.endpoint, region: notificationSettings.region,
                            accessKeyId: notificationSettings.accessKeyID, secretAccessKey: notificationSettings.secretAccessKey,
                            httpClient: platform.httpClient)
        let subscriber = NotificationSubscriber(settings: notificationSettings, sqs: sqs, spapi: spapi, connector: connector, inbox: inbox,
                                                now: clocks.now)
        jobs.consume(EventConsumers.subscribeToNotifications, retryPolicy: RetryPolicy(capSeconds: 600)) { event, envelope, context in
            guard let tenant = envelope.tenantId else { throw JobOutcome.cancel(reason: "amazon.connected without its tenant") }
            do {
                try await subscriber.subscribe(connectionID: event.connectionId, tenantID: tenant, logger: context.logger)
            } catch AmazonConnectionError.disconnected {
                throw JobOutcome.cancel(reason: "the connection was disconnected before it could be subscribed")
            }
        }
        let reader = NotificationReader(settings: notificationSettings, applicationID: settings.applicationID, sqs: sqs, inbox: inbox,
                                        logger: logger, now: clocks.now)
        let cron = [CronEntry(name: accountHealthSweepKind, schedule: settings.accountHealthSchedule) { _ in
            NewJob(queue: queue, kind: accountHealthSweepKind, maxAttempts: 3, uniqueKey: accountHealthSweepKind)
        }]

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        AmazonConnectionsInternalController(connector: connector).addRoutes(to: router)
        ListingsController(listings: listings, bulkUpdates: bulkUpdates).addRoutes(to: router)
        InboundWorkflowsController(workflows: inbound).addRoutes(to: router)
        NotificationsController(connector: connector, inbox: inbox).addRoutes(to: router)
        AdsAuthorizationsController(authorizations: ads).addRoutes(to: router)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, cron: cron, extraServices: [reader])
    }
}
