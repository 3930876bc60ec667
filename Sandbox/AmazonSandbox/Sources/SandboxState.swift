import Foundation
import OpsideCore
import OpsideAmazonSPAPI
import Synchronization

/// A fault profile installed with `PUT /_sandbox/faults`. Every fault applies to one seller
/// (`sellingPartnerId`) or to all, optionally only to some operations (`operations`, ids like
/// `fbaInventory.getInventorySummaries` or bare operation names), with a probability (`rate`)
/// or for the next `count` matching requests.
public struct SandboxFaultProfile: Codable, Sendable, Equatable {
    public struct Fault: Codable, Sendable, Equatable {
        public var rate: Double?
        public var count: Int?
        public var status: Int?
        public var delayMilliseconds: Int?
        public init(rate: Double? = nil, count: Int? = nil, status: Int? = nil, delayMilliseconds: Int? = nil) {
            self.rate = rate
            self.count = count
            self.status = status
            self.delayMilliseconds = delayMilliseconds
        }
    }
    public struct RateOverride: Codable, Sendable, Equatable {
        public var rate: Double
        public var burst: Int
        public init(rate: Double, burst: Int) {
            self.rate = rate
            self.burst = burst
        }
    }
    public var sellingPartnerId: String?
    public var operations: [String]?
    /// 429 storms.
    public var throttle: Fault?
    /// 500/503 with an HTML body (`status`, default 503).
    public var serverError: Fault?
    /// Slow responses (`delayMilliseconds`).
    public var slow: Fault?
    /// A 200 whose JSON is cut short.
    public var malformedJSON: Fault?
    /// Report documents served with their gzip stream cut short.
    public var truncateGzip: Fault?
    /// Report documents with rows that do not fit the header.
    public var malformedRows: Fault?
    /// Document downloads answered 403 AccessDenied as if the URL had expired.
    public var expireDocumentURLs: Fault?
    /// Access tokens rejected as expired (403 Unauthorized).
    public var expireAccessTokens: Fault?
    /// Refresh tokens refused with invalid_grant.
    public var revokeRefreshTokens: Bool?
    /// Published plans replaced per operation id (the rate Amazon "actually" applies).
    public var rateOverrides: [String: RateOverride]?
    /// Seed for the rate-based faults' coin flips.
    public var seed: UInt64?

    public init() {}
}

/// Everything the sandbox remembers, behind one lock. Handlers do little work under it.
public final class SandboxState: Sendable {
    struct AccessToken {
        let sellingPartnerID: String?
        let expiresAt: Date
        /// The scopes of a grantless (client_credentials) token; empty for a seller's token.
        var scopes: Set<String> = []
    }
    struct AuthorizationCode {
        let sellingPartnerID: String
        let redirectURI: String?
        let expiresAt: Date
        var used: Bool
    }
    struct ReportJob {
        let id: String
        let sellingPartnerID: String
        let type: String
        let marketplaceIDs: [String]
        let dataStart: Date?
        let dataEnd: Date?
        let createdAt: Date
        let createdReal: ContinuousClock.Instant
        var cancelled: Bool
        var documentID: String?
        var rowCount: Int?
        /// `reportOptions` as sent, and the dates as sent (reports that read days, not instants).
        var options: [String: String] = [:]
        var requestedStart: String? = nil
        var requestedEnd: String? = nil
        /// Why Amazon ends the report FATAL (its error document says this); nil when it runs.
        var fatal: String? = nil
    }
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    struct Statistics: Codable, Sendable {
        var tokenRefreshes = 0
        var requests: [String: Int] = [:]
        var throttled: [String: Int] = [:]
    }
    struct Inner {
        var clockOffset: TimeInterval = 0
        /// Set while the clock stands still: `now` stays here until advanced or released.
        var frozenAt: Date?
        var refreshTokens: [String: String] = [:]  // token -> seller
        var revokedRefreshTokens: Set<String> = []
        var accessTokens: [String: AccessToken] = [:]
        var authorizationCodes: [String: AuthorizationCode] = [:]
        /// Codes of the Ads application's consent (`/ap/oa`): exchanged for Ads refresh tokens only.
        var adsAuthorizationCodes: [String: AuthorizationCode] = [:]
        var sellerRequests: [String: SellerHistoryRequest] = [:]
        var histories: [String: SellerHistory] = [:]
        var reports: [String: ReportJob] = [:]
        var documents: [String: [UInt8]] = [:]  // gzipped
        /// The settlement periods whose report Amazon has generated: "seller|period index".
        var generatedSettlements: Set<String> = []
        var schedules: [String: (seller: String, body: [String: any Sendable])] = [:]
        var destinations: [String: SandboxDestination] = [:]
        var subscriptions: [String: SandboxSubscription] = [:]
        /// The Ads API's tokens (its own Login with Amazon application) and reports (`SandboxAds`).
        var adsRefreshTokens: [String: String] = [:]  // token -> seller
        var adsAccessTokens: [String: AccessToken] = [:]
        var adsReports: [String: SandboxAdsReport] = [:]
        /// SQS queues by name (`SandboxQueues`).
        var queues: [String: SandboxQueue] = [:]
        /// What each subscription was last told (`SandboxNotificationFeed`), by subscription id.
        var notificationCursors: [String: SandboxNotificationCursor] = [:]
        /// Set while one caller turns the sellers' changes into notifications, so two long polls
        /// at once do not both send them.
        var deliveringNotifications = false
        var inboundPlans: [String: SandboxInboundPlan] = [:]
        var inboundOperations: [String: SandboxInboundOperation] = [:]
        /// Shipment label PDFs by download id (`getLabels`).
        var inboundLabels: [String: [UInt8]] = [:]
        /// Listings the seller put, patched or deleted, over the generated catalogue: seller -> SKU -> listing.
        var listings: [String: [String: SandboxListing]] = [:]
        /// Operation ids the SP-API controller routes, in registration order.
        var servedOperations: [String] = []
        var buckets: [String: Bucket] = [:]
        var faults: [SandboxFaultProfile] = []
        var faultRandom = SplitMix64(seed: 1)
        var statistics: [String: Statistics] = [:]
        var serial = 0
        /// The Seller Central case desk (`CaseDeskController`).
        var caseDesk: CaseDesk

        /// The sandbox's now: real time plus whatever tests advanced, or the instant it was frozen at.
        var now: Date { frozenAt ?? Date().addingTimeInterval(clockOffset) }

        /// Decides the desk's cases due by now, paying approved ones into their sellers' histories.
        mutating func decideDueCases() {
            caseDesk.decideDue(at: now, histories: &histories)
        }
    }

    let settings: SandboxSettings
    let plans: UsagePlanTable
    let inner: Mutex<Inner>

    init(settings: SandboxSettings) {
        self.settings = settings
        self.plans = UsagePlanTable.amazonDefaults
        var inner = Inner(caseDesk: CaseDesk(decisionDelay: settings.decisionDelaySeconds))
        for name in settings.sqsQueues { inner.queues[name] = SandboxQueue(name: name) }
        self.inner = Mutex(inner)
    }

    func withLock<T>(_ body: (inout Inner) throws -> T) rethrows -> T {
        try inner.withLock { try body(&$0) }
    }

    /// As `withLock`, once every case due by now is decided: what the body reads of the desk and
    /// of sellers' histories is what a reader at this instant must see.
    func withDecidedCases<T>(_ body: (inout Inner) throws -> T) rethrows -> T {
        try inner.withLock { inner in
            inner.decideDueCases()
            return try body(&inner)
        }
    }

    // MARK: Clock

    /// The sandbox's now: real time plus whatever tests advanced, or the instant it was frozen at.
    public var now: Date { inner.withLock { $0.now } }

    func advance(seconds: TimeInterval) -> Date {
        inner.withLock { inner in
            inner.clockOffset += seconds
            inner.frozenAt = inner.frozenAt?.addingTimeInterval(seconds)
        }
        return now
    }

    /// Stops the clock where it is (a test then compares what a sync read with the ground truth
    /// of the same instant, with no event landing between them), or lets it run again from there.
    func setFrozen(_ frozen: Bool) -> Date {
        inner.withLock { inner in
            let current = inner.now
            if frozen {
                inner.frozenAt = current
            } else {
                inner.frozenAt = nil
                inner.clockOffset = current.timeIntervalSinceNow
            }
        }
        return now
    }

    func nextSerial() -> Int {
        inner.withLock {
            $0.serial += 1
            return $0.serial
        }
    }

    func randomToken(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<64).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    // MARK: Sellers

    /// The seller's history, generated on first use, with every desk case due by now decided (its
    /// payment is part of the history from its decision instant on).
    func history(for sellingPartnerID: String) -> SellerHistory? {
        if let existing = withDecidedCases({ $0.histories[sellingPartnerID] }) { return existing }
        guard let request = inner.withLock({ $0.sellerRequests[sellingPartnerID] }) else { return nil }
        // Generated outside the lock (it takes a moment), deterministic, so a race only wastes work.
        let anchor = Calendar(identifier: .gregorian).startOfDay(for: now)
        let history = SellerHistoryGenerator.generate(request, anchor: anchor)
        return inner.withLock {
            if let existing = $0.histories[sellingPartnerID] { return existing }
            $0.histories[sellingPartnerID] = history
            return history
        }
    }

    func statistics(for key: String, _ update: (inout Statistics) -> Void) {
        inner.withLock { update(&$0.statistics[key, default: Statistics()]) }
    }

    // MARK: Faults

    /// Whether a fault of this kind fires for (seller, operation), consuming a count if it does.
    func fault(_ kind: WritableKeyPath<SandboxFaultProfile, SandboxFaultProfile.Fault?>, seller: String?,
               operation: SPAPIOperation?) -> SandboxFaultProfile.Fault? {
        inner.withLock { state in
            for index in state.faults.indices {
                let profile = state.faults[index]
                guard let fault = profile[keyPath: kind] else { continue }
                if let target = profile.sellingPartnerId, target != seller { continue }
                if let operations = profile.operations, let operation,
                   !operations.contains(operation.id), !operations.contains(operation.name) { continue }
                if let count = fault.count {
                    guard count > 0 else { continue }
                    state.faults[index][keyPath: kind]?.count = count - 1
                    return fault
                }
                if let rate = fault.rate, state.faultRandom.chance(rate) { return fault }
            }
            return nil
        }
    }

    func refreshTokensRevoked(for seller: String) -> Bool {
        inner.withLock { state in
            state.faults.contains { $0.revokeRefreshTokens == true && ($0.sellingPartnerId == nil || $0.sellingPartnerId == seller) }
        }
    }

    func rateOverride(for operation: SPAPIOperation, seller: String?) -> SandboxFaultProfile.RateOverride? {
        inner.withLock { state in
            for profile in state.faults.reversed() {
                if let target = profile.sellingPartnerId, target != seller { continue }
                if let override = profile.rateOverrides?[operation.id] ?? profile.rateOverrides?[operation.name] { return override }
            }
            return nil
        }
    }

    // MARK: Rate limits

    /// Takes a token from the (seller, operation) bucket. Buckets refill on real time multiplied
    /// by the time scale, never on the advanceable clock.
    /// - Returns: the rate applied (for `x-amzn-RateLimit-Limit`) and whether a token was free.
    func takeToken(seller: String, operation: SPAPIOperation) -> (rate: Double, allowed: Bool) {
        let plan = plans.plan(for: operation)
        let override = rateOverride(for: operation, seller: seller)
        let rate = (override?.rate ?? plan.rate) * settings.timeScale
        let burst = Double(override?.burst ?? plan.burst)
        let key = "\(seller)|\(operation.id)"
        let now = ContinuousClock.now
        return inner.withLock { state in
            var bucket = state.buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            state.buckets[key] = bucket
            return (rate, allowed)
        }
    }
}
