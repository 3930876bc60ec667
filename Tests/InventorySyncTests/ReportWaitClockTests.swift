import AsyncHTTPClient
import Foundation
import InventorySyncTesting
import OpsideTesting
import OpsideAmazonSPAPI
import OpsideCore
import Testing

/// How long a report may take is judged on the client's clock: a test moves it past the
/// deadline instead of waiting a minute for a report that never finishes.
@Suite struct ReportWaitClockTests {
    @Test func aReportThatNeverFinishesTimesOutWhenTheClockPassesTheDeadline() async throws {
        // Sandbox reports stay IN_QUEUE for as good as ever.
        let sandbox = try await InventorySyncSandbox.start(reportProcessingSeconds: 1_000_000_000)
        defer { Task { await sandbox.stop() } }
        let seller = try await sandbox.createSeller(seed: 71)
        var settings = sandbox.spapi
        settings.reportPollInitialInterval = .seconds(1)
        settings.reportPollMaxInterval = .seconds(10)
        settings.reportTimeout = .seconds(60)
        let clock = ManualClock()
        let tokens = LWAAccessTokenCache(lwa: sandbox.lwa, logger: InventorySyncSandbox.logger)
        let client = SPAPIClient(settings: settings, httpClient: HTTPClient.shared, tokens: tokens,
                                 rateLimiter: InventorySyncSandbox.NoPacing(), logger: InventorySyncSandbox.logger, clock: clock)
        let api = client.api(for: .seller(seller.sellingPartnerId, region: .northAmerica, refreshToken: seller.refreshToken))
        let report = try await api.createReport(CreateReportSpecification(reportType: "GET_FBA_REIMBURSEMENTS_DATA",
                                                                          marketplaceIDs: seller.marketplaceIds))
        let waiting = TrackedTask { try await api.waitForReport(reportID: report.reportId) }

        // Pauses of 1, 2, 4, 8, 10, 10… seconds: each one ends only when the clock is moved.
        var moved = Duration.zero
        while !waiting.isFinished, moved < .seconds(120) {
            #expect(try await eventually { clock.sleepers == 1 || waiting.isFinished })
            if waiting.isFinished { break }
            #expect(moved <= .seconds(60), "still waiting \(moved) into a 60-second wait")
            clock.advance(by: .seconds(10))
            moved += .seconds(10)
        }
        await #expect(throws: ReportError.self) { try await waiting.value }
        do {
            _ = try await waiting.value
        } catch let error as ReportError {
            guard case .timedOut(let id, let status) = error else { Issue.record("not a time-out: \(error)"); return }
            #expect(id == report.reportId && status == "IN_QUEUE")
        }
        #expect(moved >= .seconds(50) && moved <= .seconds(70), "gave up at the deadline: \(moved)")
    }
}
