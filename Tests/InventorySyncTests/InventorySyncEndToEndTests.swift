import Foundation
import InventorySync
import InventorySyncTesting
import NIOHTTP1
import OpsideCore
import OpsideTesting
import Testing

/// The whole path as in production: a seller connects through main-api and integrations (the
/// real token vault), `amazon.connected` reaches inventory-sync, which backfills through the
/// vault's access tokens; the seller then follows and triggers syncs and uploads a report
/// through main-api's public routes.
@Suite(.serialized) struct InventorySyncEndToEndTests {
    @Test func connectingASellerBackfillsThroughTheRealVaultAndThePublicAPIDrivesSyncs() async throws {
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        let path = try await ProductionPath.start(database: database, sandbox: sandbox)
        let mainAPI = path.mainAPI
        defer { Task { await path.stop(); await sandbox.stop() } }

        let seller = try await sandbox.createSeller(seed: 4801, skus: 2, months: 2)
        let (session, _) = try await TestSignUp.signUp(mainAPI, email: "sync-e2e@acme.test")
        let auth = ["authorization": "Bearer \(session)"]
        let connect = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/refresh-token", json: """
            {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
            """, headers: auth)
        #expect(connect.status == 201, "connect answered \(connect.status) \(connect.text)")
        let connection = try (try connect.json()["id"] as? String).unwrap("the connection id")

        let backfilled = try await eventually(timeout: .seconds(120), every: .milliseconds(300)) {
            try await database.count("SELECT count(*) FROM amazon.sync_runs WHERE trigger = 'backfill' AND state = 'succeeded'") == SyncDataset.backfilledOnConnect.count
        }
        let states = try await database.strings("SELECT dataset || '=' || state || ' ' || coalesce(error_message, '') FROM amazon.sync_runs")
        #expect(backfilled, "\(states)")
        #expect(try await database.count("SELECT count(*) FROM amazon.ledger_detail WHERE connection_id = '\(connection)'") > 0)
        // The backfill's progress says which claims are covered: all of them, once it is over.
        let overview = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/schedules", headers: auth)
        let coverage = (try overview.json()["claimCoverage"] as? [[String: Any]]) ?? []
        let watermarks = try await database.strings("SELECT dataset || ' ' || coalesce(first_synced_at::text, 'none') FROM amazon.sync_watermarks")
        #expect(coverage.count == ClaimCoverage.families.count && coverage.allSatisfy { $0["covered"] as? Bool == true },
                "\(overview.text) \(watermarks)")

        // The public API: history, a manual trigger and its progress, an upload.
        let history = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs", headers: auth)
        #expect(history.status == 200, "\(history.text)")
        #expect(((try history.json()["runs"] as? [Any])?.count ?? 0) == SyncDataset.backfilledOnConnect.count, "\(history.text)")
        let trigger = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                                 json: #"{"dataset":"ledger_detail"}"#, headers: auth)
        #expect(trigger.status == 202, "\(trigger.text)")
        let runID = try (((try trigger.json()["runs"] as? [[String: Any]])?.first)?["runId"] as? String).unwrap("a run id")
        let done = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            let run = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/syncs/\(runID)", headers: auth)
            return (try? run.json()["state"] as? String) == "succeeded"
        }
        #expect(done)
        let unknown = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                                 json: #"{"dataset":"everything"}"#, headers: auth)
        #expect(unknown.status == 422)
        let anonymous = try await TestHTTP.request(.GET, mainAPI.baseURL + "/api/v1/amazon/syncs/\(runID)")
        #expect(anonymous.status == 401)

        let file = try await sandbox.reportText(seller, type: "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA")
        if !file.isEmpty {
            let upload = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/imports?marketplaceId=\(seller.marketplaceIds[0])",
                                                    body: Data(file), headers: auth)
            // Accepted at once (202) with the run to watch; the load goes on in the background.
            #expect(upload.status == 202, "\(upload.text)")
            #expect(upload.text.contains("GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA"))
        }
    }
}
