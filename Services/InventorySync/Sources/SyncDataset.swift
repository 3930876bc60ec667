import Foundation
import OpsideAmazonAds
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideJobs

/// One dataset inventory-sync keeps current for a connection. The order of the cases is the
/// backfill order, what finds money first: the warehouse claims' evidence (ledger,
/// reimbursements, returns, removals, inbound), then what refund, return and fee claims need
/// besides (finances, replacements, the fee estimates and inventory that value them), then
/// orders and the rest, Brand Analytics last (its ASINs come from the listings and inventory
/// synced before it). Advertising spend comes from another API (the Amazon Ads API) and only for
/// a connection whose Ads account is connected.
public enum SyncDataset: String, CaseIterable, Codable, Sendable {
    case ledgerDetail = "ledger_detail"
    case reimbursements
    case customerReturns = "customer_returns"
    case removalOrders = "removal_orders"
    case removalShipments = "removal_shipments"
    case inboundShipments = "inbound_shipments"
    case financialEvents = "financial_events"
    case replacements
    case estimatedFees = "estimated_fees"
    case inventorySummaries = "inventory_summaries"
    case orders
    case ledgerSummary = "ledger_summary"
    case listings
    /// Brand Analytics' Search Query Performance, week by week and month by month.
    case searchQueryPerformanceWeekly = "search_query_performance_weekly"
    case searchQueryPerformanceMonthly = "search_query_performance_monthly"
    /// Sponsored Products spend per SKU and day, from the Amazon Ads API's reports (issue 16).
    case adsSpend = "ads_spend"

    /// How Amazon serves it.
    enum Source {
        /// A flat-file report; `ranged` reports take dataStartTime/dataEndTime, the others are snapshots.
        case report(type: String, ranged: Bool)
        case orders, finances, inventory, inbound
        /// The Search Query Performance report, one report per period and batch of ASINs.
        case searchQueries(SearchQueryPerformance.Period)
        /// The Amazon Ads API's Sponsored Products advertised-product report, through the Ads vault.
        case adsSpend
    }

    var source: Source {
        switch self {
        case .ledgerDetail: .report(type: "GET_LEDGER_DETAIL_VIEW_DATA", ranged: true)
        case .ledgerSummary: .report(type: "GET_LEDGER_SUMMARY_VIEW_DATA", ranged: true)
        case .reimbursements: .report(type: "GET_FBA_REIMBURSEMENTS_DATA", ranged: true)
        case .customerReturns: .report(type: "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA", ranged: true)
        case .replacements: .report(type: "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA", ranged: true)
        case .removalOrders: .report(type: "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA", ranged: true)
        case .removalShipments: .report(type: "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA", ranged: true)
        case .estimatedFees: .report(type: "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA", ranged: false)
        case .listings: .report(type: "GET_MERCHANT_LISTINGS_ALL_DATA", ranged: false)
        case .orders: .orders
        case .financialEvents: .finances
        case .inventorySummaries: .inventory
        case .inboundShipments: .inbound
        case .searchQueryPerformanceWeekly: .searchQueries(.week)
        case .searchQueryPerformanceMonthly: .searchQueries(.month)
        case .adsSpend: .adsSpend
        }
    }

    /// The tables a sync of this dataset writes.
    public var tables: [AmazonTable] {
        switch self {
        case .ledgerDetail: [AmazonTables.ledgerDetail]
        case .ledgerSummary: [AmazonTables.ledgerSummary]
        case .reimbursements: [AmazonTables.reimbursements]
        case .customerReturns: [AmazonTables.customerReturns]
        case .replacements: [AmazonTables.replacements]
        case .removalOrders: [AmazonTables.removalOrders]
        case .removalShipments: [AmazonTables.removalShipments]
        case .estimatedFees: [AmazonTables.estimatedFees]
        case .listings: [AmazonTables.listings]
        case .orders: [AmazonTables.orders, AmazonTables.orderItems]
        case .financialEvents: [AmazonTables.shipmentEvents, AmazonTables.refundEvents, AmazonTables.adjustmentEvents,
                                AmazonTables.serviceFeeEvents, AmazonTables.safetEvents, AmazonTables.removalShipmentEvents]
        case .inventorySummaries: [AmazonTables.inventorySummaries]
        case .inboundShipments: [AmazonTables.inboundShipments, AmazonTables.inboundShipmentItems]
        case .searchQueryPerformanceWeekly, .searchQueryPerformanceMonthly: [AmazonTables.searchQueryPerformance]
        case .adsSpend: [AmazonTables.adsSpend]
        }
    }

    /// Default schedule: inventory every 4 hours, orders hourly, finances and reports daily;
    /// for the calendar datasets (`calendar`), the nominal length of their period.
    public var defaultInterval: TimeInterval {
        switch self {
        case .inventorySummaries: 4 * 3600
        case .orders: 3600
        case .searchQueryPerformanceWeekly: 7 * 86_400
        case .searchQueryPerformanceMonthly: 30 * 86_400
        default: 86_400
        }
    }

    /// The datasets that run at fixed times rather than every so often: Search Query
    /// Performance when Amazon's period is complete (Tuesdays 08:00 UTC for the week, the 5th at
    /// 08:00 UTC for the month). Their schedules keep the seller's on/off switch; the times are Amazon's.
    public var calendar: CronSchedule? {
        guard case .searchQueries(let period) = source else { return nil }
        return try? CronSchedule(period.schedule)
    }

    /// Whether a new connection's backfill syncs it at once. The calendar datasets wait for
    /// their first scheduled run (`sync.searchQueryFirstSyncDelaySeconds` after connecting): their
    /// reports share Amazon's `createReport` quota (one a minute after a burst of 15) with the
    /// claim datasets' reports, and the money the seller is owed comes first.
    public var backfilledOnConnect: Bool { calendar == nil && !needsAdsAuthorization }

    /// Whether the dataset is read with the connection's Amazon Ads authorization, which the
    /// seller gives apart from SP-API's: its schedule and backfill start when Ads is connected
    /// (`amazon.ads_connected`), not with the connection, and its schedule goes when Ads does.
    public var needsAdsAuthorization: Bool { self == .adsSpend }

    /// The datasets whose schedules a new connection gets.
    public static var scheduledWithConnection: [SyncDataset] { allCases.filter { !$0.needsAdsAuthorization } }

    /// The datasets a new connection's backfill syncs at once.
    public static var backfilledOnConnect: [SyncDataset] { allCases.filter(\.backfilledOnConnect) }

    /// When a calendar dataset runs, in words.
    public var runsAt: String? {
        guard case .searchQueries(let period) = source else { return nil }
        return period.scheduleInWords
    }

    /// How long after Amazon's time a calendar dataset's runs are spread: Tuesday's weekly
    /// report is fetched between 08:00 and 20:00 UTC, each connection at its own fixed time, not
    /// every seller at 08:00 (`ScheduleSpread`).
    public static let calendarSpread: TimeInterval = 12 * 3600

    /// When a schedule of this dataset runs next after `now` for `connection`: its calendar's
    /// next time plus the connection's place in `calendarSpread`, or the connection's next slot
    /// of the interval (`ScheduleSpread`: each connection and dataset at its own minute of the
    /// period, so 10,000 sellers' hourly syncs are not all due at once).
    ///
    /// The slot is looked for from half an interval on: a run that fired on its slot is next due
    /// one whole interval later, and one moved off its slot (a changed interval, a resumed
    /// connection) waits at least half an interval before it is back on it.
    public func nextScheduledRun(after now: Date, intervalSeconds: Int, connection: UUID) -> Date {
        let key = "\(connection.uuidString.lowercased())|\(rawValue)"
        if let calendar {
            return ScheduleSpread.next(after: now, calendar: calendar, window: Self.calendarSpread, key: key)
        }
        let interval = Double(max(1, intervalSeconds))
        return ScheduleSpread.nextSlot(after: now.addingTimeInterval(interval / 2), period: interval, key: key)
    }

    /// How many periods the first sync of a Search Query Performance dataset reaches back: a
    /// quarter of weeks, a year of months. `POST …/search-query-performance/backfill` reaches further.
    var backfillPeriods: Int {
        switch self {
        case .searchQueryPerformanceMonthly: 12
        default: 13
        }
    }

    /// How far back the first sync reaches: finances two years (the Finances API's limit), the
    /// ledger 18 months (what Amazon keeps), advertising spend the 95 days the Ads API keeps
    /// (the fetcher keeps within them in the profile's time zone), everything else 18 months too.
    var backfillDays: Int {
        switch self {
        case .financialEvents: 730
        case .adsSpend: AmazonAdsClient.retentionDays
        default: 548
        }
    }

    /// Re-read this much before the watermark: late-arriving rows (finance events hidden for
    /// 48 hours, ledger reconciliation, returns posted days later).
    var overlapDays: Int {
        switch self {
        case .financialEvents, .ledgerDetail, .reimbursements, .customerReturns: 3
        case .adsSpend: 3  // clicks and their cost settle for 72 hours
        case .ledgerSummary: 62  // the current and previous monthly periods change
        default: 2
        }
    }

    /// One window is one unit of progress: loaded and committed whole, and where a killed sync
    /// resumes. Finance windows stay far below the API's 180-day limit and sit on a fixed grid,
    /// so a window fetched again has the same bounds (service-fee events have no date of their own).
    /// Order windows are the 30 days an All Orders report serves at most
    /// (docs/amazon-reports-backfill.md §1.6: a longer range gets an error or an empty report).
    var windowDays: Int {
        switch self {
        case .financialEvents: 30
        case .orders: 30
        case .ledgerDetail: 92
        case .adsSpend: AmazonAdsClient.maximumRangeDays
        default: 366
        }
    }

    /// Amazon's regeneration limit for FBA reports: near-real-time reports at most every 30
    /// minutes, daily reports at most every 4 hours. A request inside the limit reuses the last
    /// report instead of asking for a new one. The All Orders reports are exempt (§1.8 of
    /// docs/amazon-reports-backfill.md): their 30 minutes only let a retried window reuse its report.
    var regenerationLimit: TimeInterval {
        switch self {
        case .ledgerDetail, .ledgerSummary, .removalOrders, .removalShipments, .listings, .orders: 30 * 60
        default: 4 * 3600
        }
    }

    /// The job priority of the dataset's first sync (lower runs first): the datasets some claim
    /// needs (`ClaimCoverage`) before the rest.
    public var backfillPriority: Int { ClaimCoverage.families.contains { $0.datasets.contains(self) } ? 1 : 2 }

    /// The report datasets whose first sync goes before this one's when this one reads its
    /// history from reports: Amazon's `createReport` quota is one a minute after a burst of 15,
    /// shared by every report of the seller, and the reports that find money come first. Only
    /// the orders backfill waits (19 reports for 18 months): the claim datasets before it in the
    /// backfill order take the quota first.
    public var reportsAheadOfBackfill: [SyncDataset] {
        guard self == .orders else { return [] }
        return Self.allCases.prefix { $0 != self }.filter { if case .report = $0.source { true } else { false } }
    }

    /// Datasets after whose sync the inventory reconciliation runs.
    var triggersReconciliation: Bool { self == .inventorySummaries || self == .ledgerDetail }
}
