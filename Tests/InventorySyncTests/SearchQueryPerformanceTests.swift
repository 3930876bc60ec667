import Foundation
@testable import InventorySync
import InventorySyncTesting
import OpsideAmazonData
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import OpsideTesting
import Testing

/// Brand Analytics' Search Query Performance: Amazon's periods and their dates, the ASIN batches,
/// the plan of a sync, the schedules at Amazon's times, and a seller's weeks and months synced from
/// the sandbox, read back as trends and backfilled.
@Suite struct SearchQueryPeriodTests {
    typealias Period = SearchQueryPerformance.Period

    static func day(_ text: String) throws -> CivilDate { try CivilDate(iso: text).unwrap(text) }
    static func instant(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }

    @Test func weeksRunSundayToSaturdayAndMonthsFirstToLast() throws {
        // 2 December 2026 is a Wednesday.
        #expect(Period.week.start(containing: try Self.day("2026-12-02")) == (try Self.day("2026-11-29")))
        #expect(Period.week.start(containing: try Self.day("2026-11-29")) == (try Self.day("2026-11-29")), "a Sunday starts its own week")
        #expect(Period.week.start(containing: try Self.day("2026-12-05")) == (try Self.day("2026-11-29")), "a Saturday ends it")
        #expect(Period.week.end(ofPeriodStarting: try Self.day("2026-11-29")) == (try Self.day("2026-12-05")))
        #expect(Period.week.next(after: try Self.day("2026-12-27")) == (try Self.day("2027-01-03")))
        #expect(Period.month.start(containing: try Self.day("2028-02-29")) == (try Self.day("2028-02-01")))
        #expect(Period.month.end(ofPeriodStarting: try Self.day("2028-02-01")) == (try Self.day("2028-02-29")), "a leap February")
        #expect(Period.month.end(ofPeriodStarting: try Self.day("2026-12-01")) == (try Self.day("2026-12-31")))
        #expect(Period.month.previous(before: try Self.day("2027-01-01")) == (try Self.day("2026-12-01")))
    }

    @Test func aPeriodIsFetchedOnlyOnceAmazonHasCompletedIt() throws {
        // The week of 22–28 November 2026 is ready on Tuesday 1 December at 08:00 UTC, not before.
        #expect(Period.week.latestAvailable(at: try Self.instant("2026-12-01T07:59:59Z")) == (try Self.day("2026-11-15")))
        #expect(Period.week.latestAvailable(at: try Self.instant("2026-12-01T08:00:00Z")) == (try Self.day("2026-11-22")))
        // On Sunday 6 December the week that ended yesterday is not ready until Tuesday.
        #expect(Period.week.latestAvailable(at: try Self.instant("2026-12-06T12:00:00Z")) == (try Self.day("2026-11-22")))
        // November 2026 is ready on 5 December at 08:00 UTC.
        #expect(Period.month.latestAvailable(at: try Self.instant("2026-12-05T07:59:00Z")) == (try Self.day("2026-10-01")))
        #expect(Period.month.latestAvailable(at: try Self.instant("2026-12-05T08:00:00Z")) == (try Self.day("2026-11-01")))
    }

    @Test func schedulesRunOnTuesdayMorningsAndTheFifth() throws {
        let monday = try Self.instant("2026-12-07T10:00:00Z")
        let connection = UUID()
        // From Amazon's time, at the connection's own place in the spread after it.
        let week = SyncDataset.searchQueryPerformanceWeekly.nextScheduledRun(after: monday, intervalSeconds: 0, connection: connection)
        let month = SyncDataset.searchQueryPerformanceMonthly.nextScheduledRun(after: monday, intervalSeconds: 0, connection: connection)
        let tuesday = try Self.instant("2026-12-08T08:00:00Z"), fifth = try Self.instant("2027-01-05T08:00:00Z")
        #expect(week >= tuesday && week < tuesday.addingTimeInterval(SyncDataset.calendarSpread))
        #expect(month >= fifth && month < fifth.addingTimeInterval(SyncDataset.calendarSpread))
        // Every schedule time is at or after the moment its period becomes available: a run never waits a week for data.
        #expect(Period.week.available(periodStarting: Period.week.latestAvailable(at: tuesday)) == tuesday)
        // The other datasets keep their intervals, at the connection's slot of each.
        let orders = SyncDataset.orders.nextScheduledRun(after: monday, intervalSeconds: 3600, connection: connection)
        #expect(orders >= monday.addingTimeInterval(1800) && orders < monday.addingTimeInterval(5400))
        #expect(SyncDataset.orders.nextScheduledRun(after: orders, intervalSeconds: 3600, connection: connection) == orders.addingTimeInterval(3600))
        #expect(SyncDataset.orders.calendar == nil && SyncDataset.orders.runsAt == nil)
        #expect(SyncDataset.searchQueryPerformanceWeekly.runsAt?.contains("Tuesdays from 08:00 UTC") == true)
    }

    @Test func asinsAreBatchedUnderTheTwoHundredCharacterLimit() {
        let asins = (0..<40).map { String(format: "B0%08d", $0) }
        let batches = SearchQueryPerformance.asinBatches(asins + ["B000000001", ""])
        #expect(batches.allSatisfy { $0.count <= SearchQueryPerformance.asinOptionLimit })
        // 18 ASINs and 17 spaces are 197 characters; a 19th would make 208.
        #expect(batches.map { $0.split(separator: " ").count } == [18, 18, 4])
        #expect(batches.flatMap { $0.split(separator: " ").map(String.init) } == asins, "every ASIN once, in order")
        #expect(SearchQueryPerformance.asinBatches([]).isEmpty)
    }

    @Test func aFirstSyncReadsAQuarterOfWeeksAndALaterOneRereadsTheLastWeek() throws {
        let now = try Self.instant("2026-12-06T12:00:00Z")
        let run = UUID()
        let first = SyncPlanner.plan(dataset: .searchQueryPerformanceWeekly, watermark: SyncWatermark(syncedThrough: nil, resumeRunID: nil, resumeFrom: nil),
                                     runID: run, now: now)
        #expect(first.total == 13 && first.remaining.count == 13)
        #expect(first.remaining.last?.start == (try Self.day("2026-11-22")).startInstant, "the latest week Amazon has complete")
        #expect(first.remaining.first?.start == (try Self.day("2026-08-30")).startInstant)
        #expect(first.remaining.allSatisfy { window in
            guard let start = window.start, let end = window.end else { return false }
            return Period.week.start(containing: CivilDate(utcDayOf: start)) == CivilDate(utcDayOf: start) && end.timeIntervalSince(start) == 7 * 86_400
        }, "each window is one Sunday-to-Saturday week")
        #expect(first.syncedThrough == (try Self.day("2026-11-29")).startInstant)

        // Killed after three weeks, the same run resumes at the fourth.
        let resumed = SyncPlanner.plan(dataset: .searchQueryPerformanceWeekly,
                                       watermark: SyncWatermark(syncedThrough: nil, resumeRunID: run, resumeFrom: first.remaining[3].start),
                                       runID: run, now: now)
        #expect(resumed.total == 13 && resumed.remaining.first == first.remaining[3])

        // A week later: the last week loaded again (Amazon may still correct it) and the new one.
        let later = SyncPlanner.plan(dataset: .searchQueryPerformanceWeekly,
                                     watermark: SyncWatermark(syncedThrough: first.syncedThrough, resumeRunID: nil, resumeFrom: nil),
                                     runID: UUID(), now: now.addingTimeInterval(7 * 86_400))
        #expect(later.remaining.map(\.start) == [(try Self.day("2026-11-22")).startInstant, (try Self.day("2026-11-29")).startInstant])

        let months = SyncPlanner.plan(dataset: .searchQueryPerformanceMonthly, watermark: SyncWatermark(syncedThrough: nil, resumeRunID: nil, resumeFrom: nil),
                                      runID: run, now: now)
        let december = try Self.day("2025-12-01")
        #expect(months.total == 12)
        #expect(months.remaining.first?.start == december.startInstant)
        #expect(months.remaining.last?.start == (try Self.day("2026-11-01")).startInstant)
    }

    @Test func theReportDocumentIsReadAsAmazonWritesItAndRefusedWhenItIsNot() throws {
        // Amazon's own example document (the report's JSON schema), money as JSON numbers.
        let example = """
            {"reportSpecification": {"reportType": "GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT", "reportOptions": {"reportPeriod": "WEEK",
             "asin": "B123456789 B987654321"}, "dataStartTime": "2025-01-05", "dataEndTime": "2025-01-11", "marketplaceIds": ["ATVPDKIKX0DER"]},
             "dataByAsin": [{"startDate": "2025-01-05", "endDate": "2025-01-11", "asin": "B123456789",
               "searchQueryData": {"searchQuery": "wireless headphones", "searchQueryScore": 5, "searchQueryVolume": 15000},
               "impressionData": {"totalQueryImpressionCount": 10000, "asinImpressionCount": 765, "asinImpressionShare": 0.0765},
               "clickData": {"totalClickCount": 1000, "totalClickRate": 0.1, "asinClickCount": 50, "asinClickShare": 0.05,
                 "totalMedianClickPrice": {"amount": 19.99, "currencyCode": "USD"}, "asinMedianClickPrice": {"amount": 19.990000000000002, "currencyCode": "USD"},
                 "totalSameDayShippingClickCount": 200, "totalOneDayShippingClickCount": 300, "totalTwoDayShippingClickCount": 500},
               "cartAddData": {"totalCartAddCount": 200, "totalCartAddRate": 0.02, "asinCartAddCount": 10, "asinCartAddShare": 0.05,
                 "totalMedianCartAddPrice": {"amount": 19.99, "currencyCode": "USD"}, "asinMedianCartAddPrice": {"amount": 19.99, "currencyCode": "USD"},
                 "totalSameDayShippingCartAddCount": 40, "totalOneDayShippingCartAddCount": 60, "totalTwoDayShippingCartAddCount": 100},
               "purchaseData": {"totalPurchaseCount": 100, "totalPurchaseRate": 0.01, "asinPurchaseCount": 5, "asinPurchaseShare": 0.05,
                 "totalMedianPurchasePrice": {"amount": 19.99, "currencyCode": "USD"}, "asinMedianPurchasePrice": {"amount": 19.99, "currencyCode": "USD"},
                 "totalSameDayShippingPurchaseCount": 20, "totalOneDayShippingPurchaseCount": 30, "totalTwoDayShippingPurchaseCount": 50}}]}
            """
        let rows = try SearchQueryWindowFetcher.rows(of: Array(example.utf8), period: .week, marketplace: "ATVPDKIKX0DER")
        #expect(rows.count == 1)
        let row = try rows.first.unwrap("row")
        let columns = AmazonTables.searchQueryPerformance.stagedColumns
        #expect(row.count == columns.count, "one value per staged column")
        let values = Dictionary(uniqueKeysWithValues: zip(columns, row))
        #expect(values["start_date"] == "2025-01-05" && values["end_date"] == "2025-01-11" && values["period"] == "WEEK")
        #expect(values["search_query"] == "wireless headphones" && values["search_query_score"] == "5" && values["search_query_volume"] == "15000")
        #expect(values["asin_impression_share"] == "0.0765" && values["total_click_rate"] == "0.1")
        #expect(values["total_median_click_price_minor"] == "1999" && values["asin_median_click_price_minor"] == "1999",
                "a float's tail rounds to the cent")
        #expect(values["asin_purchases"] == "5" && values["total_two_day_shipping_purchases"] == "50" && values["currency"] == "USD")

        #expect(throws: LoadError.self) {
            _ = try SearchQueryWindowFetcher.rows(of: Array(#"{"dataByAsin": [{"asin": "B1"}]}"#.utf8), period: .week, marketplace: "ATVPDKIKX0DER")
        }
        #expect(throws: LoadError.self) {
            _ = try SearchQueryWindowFetcher.rows(of: Array("<html>Service Unavailable</html>".utf8), period: .week, marketplace: "X")
        }
    }
}

@Suite(.serialized) struct SearchQuerySyncTests {
    @Test func aSellersWeeksAndMonthsSyncAndReadAsTrendsAndOlderWeeksBackfill() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: tokens)
        defer { Task { await service.stop(); await sandbox.stop() } }
        // 20 SKUs: more ASINs than one report's 200 characters hold.
        let seller = try await sandbox.createSeller(seed: 4811, skus: 20, months: 2)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        let path = "/internal/amazon/connections/\(connection)"

        let weekly = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "search_query_performance_weekly")
        #expect(weekly.count == 1 && weekly[0].state == "succeeded", "\(weekly.map { "\($0.state) \($0.errorMessage ?? "")" })")
        #expect(weekly.first?.windowsTotal == 13)
        // Thirteen Sunday-to-Saturday weeks, every ASIN in each (asked in two batches a week).
        let weeks = try await database.strings("""
            SELECT DISTINCT start_date::text || ' ' || extract(dow FROM start_date)::text || ' ' || (end_date - start_date)::text
            FROM amazon.search_query_performance WHERE connection_id = '\(connection)' AND period = 'WEEK' ORDER BY 1
            """)
        #expect(weeks.count == 13 && weeks.allSatisfy { $0.hasSuffix(" 0 6") }, "\(weeks)")
        #expect(try await database.count("""
            SELECT count(DISTINCT asin) FROM amazon.search_query_performance WHERE connection_id = '\(connection)'
            """) == 20)
        let batches = try await database.strings("""
            SELECT DISTINCT options FROM amazon.report_requests WHERE connection_id = '\(connection)'
              AND report_type = 'GET_BRAND_ANALYTICS_SEARCH_QUERY_PERFORMANCE_REPORT'
            """)
        #expect(batches.count == 2 && batches.allSatisfy { $0.contains("reportPeriod=WEEK") })
        #expect(batches.allSatisfy { ($0.split(separator: "&").first { $0.hasPrefix("asin=") }?.count ?? 999) <= 205 })

        // The same sync again changes nothing: the same rows, merged, not doubled.
        let rowsBefore = try await database.count("SELECT count(*) FROM amazon.search_query_performance")
        let again = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "search_query_performance_weekly")
        #expect(again.first?.state == "succeeded")
        #expect(try await database.count("SELECT count(*) FROM amazon.search_query_performance") == rowsBefore)

        // Trends: each ASIN's top queries of the latest week with their volume in the weeks before.
        let trends = try await service.call(.GET, "\(path)/search-query-performance?period=WEEK&periods=8&top=3", tenant: tenant)
        #expect(trends.status == 200, "\(trends.text)")
        let body = try trends.json()
        let periods = try (body["periods"] as? [String]).unwrap("periods")
        #expect(periods.count == 8 && periods == periods.sorted())
        let asins = try (body["asins"] as? [[String: Any]]).unwrap("asins")
        #expect(asins.count == 20)
        for entry in asins {
            let queries = try (entry["queries"] as? [[String: Any]]).unwrap("queries")
            #expect(queries.count == 3 && queries.map { $0["searchQueryScore"] as? Int } == [1, 2, 3])
            #expect(queries.allSatisfy { ($0["volumes"] as? [Any])?.count == 8 })
            let volumes = queries.compactMap { $0["searchQueryVolume"] as? Int }
            #expect(volumes == volumes.sorted(by: >), "score 1 is the most searched")
        }
        #expect(try await service.call(.GET, "\(path)/search-query-performance?period=DAY", tenant: tenant).status == 422)
        #expect(try await service.call(.GET, "\(path)/search-query-performance?top=500", tenant: tenant).status == 422)
        // Another tenant sees nothing of this connection.
        #expect(try await service.call(.GET, "\(path)/search-query-performance", tenant: UUID()).status == 404)

        // A backfill reaches further back than the first sync, from the week holding the day given.
        let today = CivilDate(utcDayOf: sandbox.clock.now)
        let from = CivilDate(daysSince1970: today.daysSince1970 - 7 * 20)
        let tooOld = try await service.call(.POST, "\(path)/search-query-performance/backfill", tenant: tenant,
                                            json: #"{"period":"WEEK","from":"\#(CivilDate(daysSince1970: today.daysSince1970 - 800))"}"#)
        #expect(tooOld.status == 422 && tooOld.text.contains("two years"), "\(tooOld.text)")
        let future = try await service.call(.POST, "\(path)/search-query-performance/backfill", tenant: tenant,
                                            json: #"{"period":"WEEK","from":"\#(today)"}"#)
        #expect(future.status == 422, "\(future.text)")
        let backfill = try await service.call(.POST, "\(path)/search-query-performance/backfill", tenant: tenant,
                                              json: #"{"period":"WEEK","from":"\#(from)"}"#)
        #expect(backfill.status == 202, "\(backfill.text)")
        // A second backfill while the first runs would be overtaken by it: refused.
        let twice = try await service.call(.POST, "\(path)/search-query-performance/backfill", tenant: tenant,
                                           json: #"{"period":"WEEK","from":"\#(from)"}"#)
        #expect(twice.status == 409 || twice.status == 202, "\(twice.text)")
        let backfilled = try await eventually(timeout: .seconds(120), every: .milliseconds(250)) {
            try await database.count("""
                SELECT count(*) FROM amazon.sync_runs WHERE connection_id = '\(connection)' AND trigger = 'backfill' AND state = 'succeeded'
                """) >= 1
        }
        #expect(backfilled)
        let firstWeek = Period.week.start(containing: from).description
        #expect(try await database.strings("""
            SELECT min(start_date)::text FROM amazon.search_query_performance WHERE connection_id = '\(connection)' AND period = 'WEEK'
            """) == [firstWeek])

        // Months are their own dataset, on their own calendar.
        let monthly = try await service.syncAndWait(tenant: tenant, connection: connection, dataset: "search_query_performance_monthly")
        #expect(monthly.first?.state == "succeeded" && monthly.first?.windowsTotal == 12, "\(monthly.map { $0.errorMessage ?? "" })")
        #expect(try await database.count("""
            SELECT count(DISTINCT start_date) FROM amazon.search_query_performance WHERE period = 'MONTH' AND extract(day FROM start_date) = 1
            """) == 12)
        let schedules = try await service.call(.GET, "\(path)/schedules", tenant: tenant)
        let listed = try (schedules.json()["schedules"] as? [[String: Any]]).unwrap("schedules")
        let weeklySchedule = try listed.first { $0["dataset"] as? String == "search_query_performance_weekly" }.unwrap("weekly schedule")
        #expect((weeklySchedule["runsAt"] as? String)?.contains("Tuesdays") == true)
    }

    /// A new connection's search queries first sync a while after the claim datasets' backfill
    /// (their reports share Amazon's quota), then on Amazon's calendar; the seller can switch them
    /// off, not move them.
    @Test func searchQueriesFirstSyncAfterTheClaimDataThenOnTuesdaysAndTheFifth() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let service = try await RunningInventorySync.start(database: database, sandbox: sandbox, tokens: SandboxAccessTokenSource(sandbox: sandbox))
        await service.stop()  // the schema is in place; the repository is driven by hand below
        await sandbox.stop()
        let monday = try Date("2026-12-07T10:00:00Z", strategy: .iso8601)
        let clock = ManualWallClock(monday)
        let tenant = UUID(), connection = UUID()
        let pool = Database(settings: database.settings(for: .inventorySync), logger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.client.run() }
            defer { group.cancelAll() }
            let repository = SyncPostgresRepository(database: pool, logger: TestEnvironment.logger, queue: InventorySyncService.queue,
                                                    jobKind: InventorySyncService.syncKind, maxAttempts: 3, calendarFirstRunDelay: 1200,
                                                    now: { clock.now })
            try await repository.upsertConnection(SyncConnection(connectionId: connection, tenantId: tenant, sellingPartnerId: "A2CALENDAR",
                                                                 region: "na", marketplaceIds: ["ATVPDKIKX0DER"], status: "active",
                                                                 statusReason: nil))
            func next() async throws -> [String: Date] {
                Dictionary(uniqueKeysWithValues: try await repository.schedules(tenantID: tenant, connectionID: connection).map { ($0.dataset, $0.nextRunAt) })
            }
            var schedules = try await next()
            #expect(schedules["search_query_performance_weekly"] == monday.addingTimeInterval(1200))
            #expect(schedules["search_query_performance_monthly"] == monday.addingTimeInterval(1200))
            // The interval datasets start at the connection's own minute of the hour, about an hour on.
            let orders = try #require(schedules["orders"])
            // (to the microsecond PostgreSQL keeps)
            #expect(abs(orders.timeIntervalSince(SyncDataset.orders.nextScheduledRun(after: monday, intervalSeconds: 3600, connection: connection))) < 0.001)
            #expect(orders >= monday.addingTimeInterval(1800) && orders < monday.addingTimeInterval(5400))
            #expect(SyncDataset.backfilledOnConnect.allSatisfy { $0.calendar == nil } && SyncDataset.backfilledOnConnect.count == SyncDataset.scheduledWithConnection.count - 2)

            // Twenty minutes on, the two first syncs start; then they wait for Amazon's times.
            clock.advance(by: 1201)
            #expect(try await repository.enqueueDueSchedules(limit: 50) == 2)
            #expect(try await database.strings("SELECT dataset || ' ' || trigger FROM amazon.sync_runs ORDER BY 1")
                    == ["search_query_performance_monthly schedule", "search_query_performance_weekly schedule"])
            // Each waits for Amazon's time plus the connection's place in the twelve hours after it
            // (10,000 sellers do not all fetch Tuesday's report at 08:00).
            schedules = try await next()
            let tuesday = try Date("2026-12-08T08:00:00Z", strategy: .iso8601), fifth = try Date("2027-01-05T08:00:00Z", strategy: .iso8601)
            let week = try #require(schedules["search_query_performance_weekly"])
            let month = try #require(schedules["search_query_performance_monthly"])
            #expect(week >= tuesday && week < tuesday.addingTimeInterval(SyncDataset.calendarSpread), "\(week)")
            #expect(month >= fifth && month < fifth.addingTimeInterval(SyncDataset.calendarSpread), "\(month)")

            // The connection's time on Tuesday: the week is due (with the interval datasets by now),
            // the month is not; the week is next due a week later at the same time.
            clock.advance(by: week.addingTimeInterval(30).timeIntervalSince(clock.now))
            _ = try await repository.enqueueDueSchedules(limit: 50)
            schedules = try await next()
            #expect(abs(try #require(schedules["search_query_performance_weekly"]).timeIntervalSince(week.addingTimeInterval(7 * 86_400))) < 0.001)
            #expect(schedules["search_query_performance_monthly"] == month)

            // An operator's interval does not move a calendar dataset; switching it off does stop it.
            let off = try await repository.setSchedule(tenantID: tenant, connectionID: connection, dataset: .searchQueryPerformanceWeekly,
                                                       intervalSeconds: 600, enabled: false, changedBy: "test")
            #expect(off?.intervalSeconds == 7 * 86_400 && off?.enabled == false && off?.runsAt != nil)
            clock.advance(by: 8 * 86_400)
            let due = try await repository.enqueueDueSchedules(limit: 50)
            #expect(try await database.count("""
                SELECT count(*) FROM amazon.sync_schedules WHERE dataset = 'search_query_performance_weekly' AND last_enqueued_at > '2026-12-09'
                """) == 0, "switched off: not enqueued (\(due) others were)")
        }
    }

    typealias Period = SearchQueryPerformance.Period
}
