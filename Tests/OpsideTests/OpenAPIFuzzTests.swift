import Foundation
import OpsideCore
import OpsideSchemaValidation
import OpsideTesting
import Testing

/// Every public and internal operation in the services' own OpenAPI documents, called with
/// malformed, oversized and type-confused input by a signed-in caller: no answer may be a 5xx,
/// none may hang, and every service must still be alive afterwards. Every answer (4xx and 2xx)
/// is checked against the document of the service that gave it, and happy paths make sure each
/// documented success answer is checked at least once.
@Suite struct OpenAPIFuzzTests {
    /// The whole suite wired as in production (`SuiteCluster`): the sandboxes, every service
    /// knowing every other's address, cost-docs' files in a temporary folder.
    @Test func noOperationAnswers5xxHangsOrCrashesOnBadInput() async throws {
        try await SuiteCluster.withSandboxes { sandbox, stripe, mailSink in
            try await fuzz(sandbox: sandbox, stripe: stripe, mailSink: mailSink)
        }
    }

    func fuzz(sandbox: IntegrationsSandbox, stripe: StripeSandboxHarness, mailSink: MailSink) async throws {
        let database = try await TestDatabase.create()
        // The sweep never ticks during the pass: the happy paths' cases are in 2026-03 and would be marked missed.
        // test-runner's schedule never ticks either; the fuzz seller is an operator (the System tests pages).
        let cluster = try await SuiteCluster.start(database: database, sandbox: sandbox, stripeURL: stripe.baseURL, mailSink: mailSink, overrides: [
            .payments: ["stripe.webhookSecrets.account": HappyPaths.stripeWebhookSecret],
            .refundEngine: ["filing.sweepSchedule": "0 0 1 1 *"],
            .testRunner: ["testRunner.schedule": "0 0 1 1 *"],
            .mainAPI: ["operators.emails": "fuzz@shop.test"],
        ])
        let running = cluster.running
        let (integrations, inventorySync, payments) = (cluster[.integrations], cluster[.inventorySync], cluster[.payments])
        let (claimDetector, refundEngine, costDocs, mcde) = (cluster[.claimDetector], cluster[.refundEngine], cluster[.costDocs], cluster[.mcde])
        let (evidenceEngine, mainAPI, testRunner) = (cluster[.evidenceEngine], cluster[.mainAPI], cluster[.testRunner])

        let (session, tenant) = try await TestSignUp.signUp(mainAPI, email: "fuzz@shop.test")
        // Signing out (everywhere, even) would end the session the pass runs on: those calls are
        // made as another person, each with a sign-in of its own.
        _ = try await TestSignUp.signUp(mainAPI, email: "fuzz-sign-out@shop.test")
        let audit = try await ResponseAudit.load(running)
        var failures: [String] = []
        var calls = 0
        var statusClasses: [Int: Int] = [:]
        for service in running {
            let document = try await TestHTTP.request(.GET, service.baseURL + "/openapi.json").json()
            let paths = try (document["paths"] as? [String: [String: Any]]).unwrap("paths")
            for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, value) in item.sorted(by: { $0.key < $1.key }) {
                    guard ["get", "post", "put", "delete", "patch"].contains(method), let operation = value as? [String: Any] else { continue }
                    let caller: String? = path.hasPrefix("/internal/")
                        ? try await ServiceTokenAuthority(secret: TestEnvironment.serviceTokenSecret, service: .mainAPI)
                            .token(for: service.service, tenantID: UUID(uuidString: tenant))
                        : session
                    let endsSignIn = path.hasPrefix("/api/v1/auth/logout") || path.hasPrefix("/api/v1/auth/sessions/")
                    for request in FuzzCases.requests(path: path, method: method.uppercased(), operation: operation) {
                        calls += 1
                        var headers = request.headers
                        let caller = endsSignIn ? try await TestSignUp.logIn(mainAPI, email: "fuzz-sign-out@shop.test") : caller
                        if let caller { headers["Authorization"] = "Bearer \(caller)" }
                        do {
                            let reply = try await RawHTTP.request(port: service.port, method: request.method, target: request.target,
                                                                  headers: headers, body: request.body)
                            statusClasses[reply.status / 100, default: 0] += 1
                            audit.record(service.service, method, path, reply, label: request.label)
                            if reply.status >= 500 || reply.status < 100 {
                                failures.append("\(service.service.name) \(request.method) \(request.target.prefix(120)) [\(request.label)] → \(reply.status) \(reply.text.prefix(200))")
                            }
                        } catch {
                            failures.append("\(service.service.name) \(request.method) \(request.target.prefix(120)) [\(request.label)] → no answer: \(error)")
                        }
                    }
                }
            }
        }
        let report = failures.prefix(40).joined(separator: "\n")
        #expect(failures.isEmpty, "\(failures.count) of \(calls) calls failed:\n\(report)")
        #expect(calls > 1000, "the pass made \(calls) calls")
        // The callers are really signed in: some calls get through to a handler and succeed.
        #expect(statusClasses[2, default: 0] > 50 && statusClasses[4, default: 0] > 500, "answers by class: \(statusClasses)")

        // Then the happy paths, so every documented success answer is checked at least once.
        try await HappyPaths(audit: audit, sandbox: sandbox, mainAPI: mainAPI, integrations: integrations,
                             inventorySync: inventorySync, payments: payments, session: session,
                             tenant: try UUID(uuidString: tenant).unwrap("tenant"), claimDetector: claimDetector, refundEngine: refundEngine,
                             evidenceEngine: evidenceEngine, mcde: mcde, costDocs: costDocs, testRunner: testRunner, database: database,
                             mailSink: mailSink).run()
        let violations = audit.violations
        let violationReport = violations.prefix(40).joined(separator: "\n")
        #expect(violations.isEmpty, "\(violations.count) of \(audit.checked) answers break their service's document:\n\(violationReport)")
        let unexercised = audit.unexercisedSuccesses().joined(separator: "\n")
        #expect(unexercised.isEmpty, "documented success answers never exercised:\n\(unexercised)")

        for service in running {
            let live = try await TestHTTP.request(.GET, service.baseURL + "/health/live")
            #expect(live.status == 200, "\(service.service.name) is still up")
        }
        await cluster.stop()
    }
}

/// The malformed requests made of one documented operation.
enum FuzzCases {
    struct Case {
        let label: String
        let method: String
        let target: String
        let headers: [String: String]
        let body: Data
    }

    static let validUUID = "00000000-0000-4000-8000-000000000001"
    static let pathValues = ["not-a-uuid", String(repeating: "9", count: 40), "-1", "0", "%C0%AE", "%FF%FE",
                             String(repeating: "a", count: 4000), "%E2%80%AE", "..%2e", "null"]
    static let queryValues = ["", "-1", "0", "99999999999999999999", "abc", "1e9", "%FF", "2147483648",
                              String(repeating: "z", count: 5000), "true", "%7B%7D"]
    static let rawBodies = ["", "{}", "[]", "null", "0", "\"s\"", "{", "{\"a\":", "[1,2,]", "{\"a\":NaN}",
                            String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "\u{00}\u{FF}"]
    static let confusedValues = ["2147483648", "-1", "1e308", "-1e308", "\"x\"", "true", "null", "[]", "{}",
                                 "\"" + String(repeating: "a", count: 100_000) + "\"", "9223372036854775808", "0.5",
                                 "\"2026-13-45T99:99:99Z\"", "\"\\ud800\"", "\"a\\u0000b\"", "\"tab\\tand\\nline\"",
                                 "\"\\u202e\\u0085\"", "\"../../etc/passwd\"", "\"\"", "\" \""]

    static func requests(path: String, method: String, operation: [String: Any]) -> [Case] {
        let parameters = operation["parameters"] as? [[String: Any]] ?? []
        let pathParameters = parameters.filter { $0["in"] as? String == "path" }
        let queryParameters = parameters.filter { $0["in"] as? String == "query" }.compactMap { $0["name"] as? String }
        func plausible(_ parameter: [String: Any]) -> String {
            let schema = parameter["schema"] as? [String: Any] ?? [:]
            if let values = schema["enum"] as? [String], let first = values.first { return first }
            if schema["type"] as? String == "integer" { return "1" }
            return validUUID
        }
        func fill(_ overrides: [String: String]) -> String {
            var result = path
            for parameter in pathParameters {
                guard let name = parameter["name"] as? String else { continue }
                result = result.replacingOccurrences(of: "{\(name)}", with: overrides[name] ?? plausible(parameter))
            }
            return result
        }
        let plainTarget = fill([:])
        let json = ["Content-Type": "application/json"]
        var cases: [Case] = [Case(label: "plausible", method: method, target: plainTarget, headers: json, body: Data())]

        for parameter in pathParameters {
            guard let name = parameter["name"] as? String else { continue }
            for value in pathValues {
                cases.append(Case(label: "path \(name)", method: method, target: fill([name: value]), headers: json, body: Data()))
            }
        }
        for name in queryParameters {
            for value in queryValues {
                cases.append(Case(label: "query \(name)", method: method, target: plainTarget + "?\(name)=\(value)", headers: json, body: Data()))
            }
        }
        cases.append(Case(label: "repeated query", method: method, target: plainTarget + "?limit=1&limit=2&state=x&state=y",
                          headers: json, body: Data()))

        guard ["POST", "PUT", "PATCH"].contains(method) else { return cases }
        for body in rawBodies {
            cases.append(Case(label: "raw body", method: method, target: plainTarget, headers: json, body: Data(body.utf8)))
        }
        cases.append(Case(label: "text/plain", method: method, target: plainTarget, headers: ["Content-Type": "text/plain"],
                          body: Data("hello".utf8)))
        cases.append(Case(label: "no content-type", method: method, target: plainTarget, headers: [:], body: Data("{}".utf8)))
        cases.append(Case(label: "bad multipart", method: method, target: plainTarget,
                          headers: ["Content-Type": "multipart/form-data; boundary=zzz"], body: Data("--zzz\r\nbroken".utf8)))
        cases.append(Case(label: "oversized", method: method, target: plainTarget, headers: json,
                          body: Data(("{\"a\":\"" + String(repeating: "b", count: 3 * 1024 * 1024) + "\"}").utf8)))

        // Each documented property confused in turn, the others plausible.
        let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any]
        let schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
        let properties = schema?["properties"] as? [String: [String: Any]] ?? [:]
        func plausibleValue(_ property: [String: Any]) -> String {
            if let values = property["enum"] as? [String], let first = values.first { return "\"\(first)\"" }
            switch property["type"] as? String {
            case "integer": return String(property["minimum"] as? Int ?? 1)
            case "number": return "1.5"
            case "boolean": return "true"
            case "array": return "[]"
            case "object": return "{}"
            default: return property["format"] as? String == "uuid" ? "\"\(validUUID)\"" : "\"x\""
            }
        }
        for name in properties.keys.sorted() {
            for confused in confusedValues {
                let fields = properties.keys.sorted().map { key in
                    "\"\(key)\":" + (key == name ? confused : plausibleValue(properties[key] ?? [:]))
                }
                cases.append(Case(label: "field \(name)", method: method, target: plainTarget, headers: json,
                                  body: Data(("{" + fields.joined(separator: ",") + "}").utf8)))
            }
        }
        return cases
    }
}
