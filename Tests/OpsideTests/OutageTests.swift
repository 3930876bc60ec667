import Foundation
import OpsideCore
import OpsideTesting
import Testing

/// Postgres going away and coming back: readiness says so, requests fail fast with the envelope,
/// and the service recovers without a restart.
@Suite struct OutageTests {
    @Test func servicesFailFastWhilePostgresIsDownAndRecoverWhenItReturns() async throws {
        let postgres = try await PrivatePostgres.start()
        defer { postgres.destroy() }
        let database = try await TestDatabase.create(host: "127.0.0.1", port: postgres.port)
        // Production's lease timeout: a request fails fast because no connection comes within it.
        let payments = try await RunningService.start(.payments, database: database,
                                                      overrides: ["postgres.leaseTimeoutMilliseconds": "3000"])
        defer { Task { await payments.stop() } }
        let authority = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        func listJobs() async throws -> TestHTTP.Reply {
            let token = try await authority.token(for: .payments, tenantID: nil)
            return try await TestHTTP.request(.GET, payments.baseURL + "/internal/jobs", headers: ["authorization": "Bearer \(token)"],
                                              timeout: .seconds(20))
        }
        #expect(try await listJobs().status == 200)

        try postgres.stopServer()
        let ready = try await TestHTTP.request(.GET, payments.baseURL + "/health/ready", timeout: .seconds(20))
        #expect(ready.status == 503)
        let readyEnvelope = try ready.envelope()
        #expect(readyEnvelope.error.details["postgres"] != nil, "readiness names Postgres")
        #expect(readyEnvelope.error.details["redis"] == nil, "and only Postgres")

        let started = ContinuousClock.now
        let failed = try await listJobs()
        let waited = ContinuousClock.now - started
        #expect(failed.status == 503)
        #expect(try failed.envelope().error.code == "service_unavailable")
        // Not a timing benchmark: a hung request would wait for the 20 s client timeout.
        #expect(waited < .seconds(15), "the request failed fast (\(waited)) instead of hanging")

        try postgres.startServer()
        let recovered = try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
            try await TestHTTP.request(.GET, payments.baseURL + "/health/ready").status == 200
        }
        #expect(recovered, "readiness recovers without a restart")
        #expect(try await listJobs().status == 200)
        await payments.stop()
    }
}
