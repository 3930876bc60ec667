import Foundation
import InventorySync
import InventorySyncTesting
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Synchronization
import Testing

@Suite(.serialized) struct InventorySyncResumeTests {
    /// The real executable is killed with SIGKILL half way through a two-year finance backfill;
    /// a new process takes the job over when its lease lapses and resumes at the first window
    /// that was not committed. The result is exactly what the sandbox holds.
    @Test func syncKilledMidwayResumesWithNoDuplicateAndNoGap() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let tokens = SandboxAccessTokenSource(sandbox: sandbox)
        let seller = try await sandbox.createSeller(seed: 4501, skus: 3, months: 6)
        let tenant = UUID(), connection = UUID()
        tokens.register(connectionID: connection, tenantID: tenant, seller: seller)
        let vault = try await FakeTokenVault.start(tokens: tokens) { $0 == connection ? tenant : nil }
        // Each finance page takes a while, so the kill lands mid-run.
        try await sandbox.admin(.PUT, "/_sandbox/faults", [
            "sellingPartnerId": seller.sellingPartnerId, "operations": ["listFinancialEvents"], "slow": ["rate": 1.0, "delayMilliseconds": 300],
        ])

        // The short lease lets the killed attempt's job be rescued quickly. On a machine starved by
        // the parallel pass, the new process's renewals can be late too and its lease lapse again:
        // enough attempts that such rescues cannot exhaust the job (3 did, once, in CI).
        let lenient = ["sync.maxAttempts": "12"]
        let first = try InventorySyncProcess(database: database, sandbox: sandbox, vault: vault, overrides: lenient)
        #expect(try await first.waitUntilReady())
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let token = try await authority.token(for: .inventorySync, tenantID: tenant)
        let reply = try await TestHTTP.request(.POST, first.baseURL + "/internal/amazon/connections/\(connection)/syncs",
                                               json: #"{"dataset":"financial_events"}"#, headers: ["authorization": "Bearer \(token)"])
        #expect(reply.status == 202, "\(reply.text)")
        let started = try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
            try await database.count("SELECT coalesce(max(windows_done), 0) FROM amazon.sync_runs") >= 6
        }
        #expect(started)
        first.kill()
        let state = try await database.strings("SELECT state || ':' || windows_done || '/' || (SELECT count(*) FROM amazon.financial_shipment_events) FROM amazon.sync_runs")
        #expect(state.first?.hasPrefix("running:") == true, "killed mid-run: \(state)")
        let windowsBeforeKill = try await database.count("SELECT windows_done FROM amazon.sync_runs")

        let second = try InventorySyncProcess(database: database, sandbox: sandbox, vault: vault, overrides: lenient)
        defer { second.terminate() }
        #expect(try await second.waitUntilReady())
        let finished = try await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
            try await database.strings("SELECT state FROM amazon.sync_runs") == ["succeeded"]
        }
        let outcome = try await database.strings("SELECT state || ' ' || coalesce(error_message, '') FROM amazon.sync_runs")
        #expect(finished, "the run finished after the restart: \(outcome)")
        let attempts = try await database.count("SELECT attempts FROM amazon.sync_runs")
        // The killed attempt and the new process's; on a starved machine the new process's lease
        // can lapse once more and be rescued, which is the queue working, not a duplicate.
        #expect(attempts >= 2)
        let windowsTotal = try await database.count("SELECT windows_total FROM amazon.sync_runs")

        try await sandbox.admin(.DELETE, "/_sandbox/faults")
        let truth = try await InventorySyncTests.groundTruth(sandbox, seller)
        for table in ["financial_shipment_events", "financial_refund_events", "financial_adjustment_events", "financial_service_fee_events",
                      "financial_safet_events", "financial_removal_shipment_events"] {
            let loaded = try await database.count("SELECT count(*) FROM amazon.\(table)")
            #expect(loaded == truth[table], "\(table): \(loaded) loaded, the sandbox holds \(truth[table] ?? -1)")
        }
        let duplicates = try await database.count("""
            SELECT count(*) - count(DISTINCT (amazon_order_id, posted_at, order_item_id)) FROM amazon.financial_shipment_events
            """)
        #expect(duplicates == 0)
        // Resumed, not restarted: the second process fetched only the windows not yet committed.
        let stats = try JSONSerialization.jsonObject(with: try await sandbox.admin(.GET, "/_sandbox/sellers/\(seller.sellingPartnerId)/stats"))
        let requests = ((stats as? [String: Any])?["requests"] as? [String: Any])?["financesV0.listFinancialEvents"] as? Int ?? -1
        #expect(windowsBeforeKill >= 6 && windowsBeforeKill < windowsTotal)
        #expect(requests > 0 && requests < 2 * windowsTotal, "listFinancialEvents called \(requests) times for \(windowsTotal) windows")
        await vault.stop()
        await sandbox.stop()
    }
}
