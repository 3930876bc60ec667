import Foundation
import OpsideCore
import OpsideTesting
import Testing

/// Every service boots from its own `buildApplication`, migrates, and serves the shared endpoints
/// with the one error envelope.
@Suite struct PlatformEndpointTests {
    @Test func everyServiceServesHealthMetricsAndItsOpenAPIDocument() async throws {
        let database = try await TestDatabase.create()
        for service in OpsideService.allCases {
            let running = try await RunningService.start(service, database: database)
            defer { Task { await running.stop() } }

            let live = try await TestHTTP.request(.GET, running.baseURL + "/health/live")
            #expect(live.status == 200, "\(service.name) /health/live")
            let ready = try await TestHTTP.request(.GET, running.baseURL + "/health/ready")
            #expect(ready.status == 200, "\(service.name) /health/ready")
            #expect((try ready.json()["service"] as? String) == service.name)

            let metrics = try await TestHTTP.request(.GET, running.baseURL + "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("# TYPE"), "\(service.name) /metrics is Prometheus text")

            let document = try await TestHTTP.request(.GET, running.baseURL + "/openapi.json")
            let json = try document.json()
            #expect(json["openapi"] as? String == "3.1.0")
            let info = json["info"] as? [String: Any]
            #expect(info?["title"] as? String == "Opside \(service.name)")
            await running.stop()
        }
    }

    @Test func errorsComeBackInTheEnvelopeWithTheRequestID() async throws {
        let database = try await TestDatabase.create()
        let mainAPI = try await RunningService.start(.mainAPI, database: database)
        defer { Task { await mainAPI.stop() } }

        let unknown = try await TestHTTP.request(.GET, mainAPI.baseURL + "/no/such/route", headers: ["x-request-id": "trace-123"])
        #expect(unknown.status == 404)
        #expect(try unknown.envelope().error.code == "not_found")
        #expect(try unknown.envelope().error.requestId == "trace-123")
        #expect(unknown.header("x-request-id") == "trace-123")

        let malformed = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: "{\"email\": ")
        #expect(malformed.status == 400)
        let malformedEnvelope = try malformed.envelope()
        #expect(!malformedEnvelope.error.message.isEmpty)
        #expect(!malformedEnvelope.error.requestId.isEmpty)
        // A request that brings no id gets a fresh lower-case UUID, the same in header and envelope.
        let generated = try #require(malformed.header("x-request-id"))
        #expect(UUID(uuidString: generated) != nil && generated == generated.lowercased(), "\(generated)")
        #expect(malformedEnvelope.error.requestId == generated)

        let huge = "{\"email\":\"" + String(repeating: "a", count: 2 * 1024 * 1024) + "\"}"
        let oversized = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: huge)
        #expect(oversized.status == 413)
        #expect(try oversized.envelope().error.code == "payload_too_large")

        let missingField = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/auth/signup", json: "{\"email\":\"a@b.co\"}")
        #expect(missingField.status == 400)
        #expect(try missingField.envelope().error.message == "field `password` is required")
        await mainAPI.stop()
    }

    @Test func internalEndpointsDemandAValidServiceToken() async throws {
        let database = try await TestDatabase.create()
        let payments = try await RunningService.start(.payments, database: database)
        defer { Task { await payments.stop() } }

        let anonymous = try await TestHTTP.request(.GET, payments.baseURL + "/internal/jobs")
        #expect(anonymous.status == 401)
        #expect(try anonymous.envelope().error.code == "unauthorized")

        let forged = await ServiceTokenAuthority(secret: "another-secret-that-is-long-enough-0000", service: .mainAPI)
        let forgedToken = try await forged.token(for: .payments, tenantID: nil)
        let rejected = try await TestHTTP.request(.GET, payments.baseURL + "/internal/jobs", headers: ["authorization": "Bearer \(forgedToken)"])
        #expect(rejected.status == 401)

        let suite = await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
        let misaddressed = try await suite.token(for: .integrations, tenantID: nil)
        let wrongAudience = try await TestHTTP.request(.GET, payments.baseURL + "/internal/jobs", headers: ["authorization": "Bearer \(misaddressed)"])
        #expect(wrongAudience.status == 401)

        let valid = try await suite.token(for: .payments, tenantID: nil)
        let accepted = try await TestHTTP.request(.GET, payments.baseURL + "/internal/jobs", headers: ["authorization": "Bearer \(valid)"])
        #expect(accepted.status == 200)
        #expect((try accepted.json()["jobs"] as? [Any]) != nil)
        await payments.stop()
    }
}
