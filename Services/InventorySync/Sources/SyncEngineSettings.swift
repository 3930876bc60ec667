import Configuration
import Foundation
import OpsideAmazonSPAPI
import OpsideJobs

/// How the sync engine runs.
///
/// Keys: `sync.maxAttempts` (6: attempts of a sync job before a transient failure counts as
/// permanent), `sync.leaseSeconds` (120: a sync job's lease; a killed worker's job is taken over after
/// it lapses), `sync.retryBaseSeconds` (30) and `sync.retryMaxSeconds` (900): backoff between
/// attempts; `sync.reportPollMilliseconds` (5000) and `sync.reportPollMaxMilliseconds` (60000):
/// report status polling; `sync.scheduleBatch` (200: due schedules enqueued per scheduler tick);
/// `sync.ordersBackfill` (`reports`: a first sync of orders reads the All Orders report, 30 days a
/// report, instead of one `getOrderItems` call per order; `calls` reads them call by call, as
/// later syncs always do);
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
    public var ordersBackfill: OrdersBackfill
    public var spapi: AmazonSPAPISettings

    /// How long the orders backfill by report waits, still queued, while the claim datasets' first
    /// reports take Amazon's report quota: one `createReport` period (a minute at Amazon's rates).
    public var reportQuotaWaitSeconds: Double { max(0.05, 60 / rateLimitTimeScale) }

    /// How a first sync reads the order history.
    public enum OrdersBackfill: String, Sendable {
        /// The All Orders report by order date: one report per 30 days, items included.
        case reports
        /// `getOrders`, then `getOrderItems` for every order (0.5 calls a second).
        case calls
    }

    public init(reader: ConfigReader) {
        maxAttempts = max(1, reader.int(forKey: "sync.maxAttempts", default: 6))
        leaseSeconds = max(2, reader.int(forKey: "sync.leaseSeconds", default: 120))
        retryPolicy = RetryPolicy(baseSeconds: reader.double(forKey: "sync.retryBaseSeconds", default: 30), exponent: 2,
                                  capSeconds: reader.double(forKey: "sync.retryMaxSeconds", default: 900), jitter: 0.2)
        scheduleBatch = reader.int(forKey: "sync.scheduleBatch", default: 200)
        rateLimitTimeScale = max(0.001, reader.double(forKey: "amazon.rateLimit.timeScale", default: 1))
        ordersBackfill = OrdersBackfill(rawValue: reader.string(forKey: "sync.ordersBackfill", default: "reports")) ?? .reports
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
