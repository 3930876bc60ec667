import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideAmazonSPAPI
import OpsideCore
import OpsideSchemaValidation
import OpsideTesting
import OpsideTransport
import Testing

/// `deploy/monitoring-setup` and what it writes, checked with the real tools: Prometheus's
/// `promtool` (Debian's `prometheus` package, which deploy/lib.sh installs) for the scrape
/// configuration and the alert rules, their unit tests for every alert, a JSON Schema of Grafana's
/// dashboard model for the dashboard, and a real service's `/metrics` for every metric they name.
@Suite struct MonitoringSetupTests {
    static let root = DeployFilesTests.root
    static let script = root.appendingPathComponent("deploy/monitoring-setup")

    // MARK: prometheus.yml

    @Test func writesAScrapeConfigurationPromtoolAccepts() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = folder.appendingPathComponent("metrics-token")
        try Data("a-metrics-token-of-32-bytes-long".utf8).write(to: token)
        let targets = folder.appendingPathComponent("targets")
        try Data("# replicas of payments\npayments = 10.0.1.1:4000, 10.0.1.2:4000\n".utf8).write(to: targets)
        let out = folder.appendingPathComponent("out")

        let run = try await Self.runScript(["--out", out.path, "--targets", "main-api=10.0.0.1:8000,10.0.0.2:8000,10.0.0.3:8000",
                                            "--targets-file", targets.path, "--token-file", token.path])
        try #require(run.status == 0, "monitoring-setup failed: \(run.error)")
        let config = try String(contentsOf: out.appendingPathComponent("prometheus.yml"), encoding: .utf8)

        // A job per service; the named replicas, else the deploy/up port on loopback.
        for service in OpsideService.allCases {
            #expect(config.contains("  - job_name: \(service.name)\n"), "no job for \(service.name)")
        }
        let mainAPI = try #require(Self.job("main-api", in: config))
        for replica in ["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"] { #expect(mainAPI.contains("\"\(replica)\""), "\(mainAPI)") }
        let payments = try #require(Self.job("payments", in: config))
        #expect(payments.contains("\"10.0.1.1:4000\"") && payments.contains("\"10.0.1.2:4000\""), "\(payments)")
        let mcde = try #require(Self.job("mcde", in: config))
        #expect(mcde.contains("\"127.0.0.1:\(OpsideService.mcde.defaultPort)\""), "\(mcde)")
        #expect(mcde.contains("metrics_path: /metrics"))
        #expect(mcde.contains("credentials_file: \"\(token.path)\""), "the bearer token comes from a file: \(mcde)")
        #expect(config.contains("rule_files:\n  - opside-alerts.yml\n"))

        let check = try await Self.promtool(["check", "config", out.appendingPathComponent("prometheus.yml").path])
        #expect(check.status == 0, "promtool check config: \(check.output)\(check.error)")

        // Without a token the scrape carries no credentials (the metrics.port listener).
        let plainOut = folder.appendingPathComponent("plain")
        let plain = try await Self.runScript(["--out", plainOut.path, "--only", "payments,claim-detector"])
        try #require(plain.status == 0, "\(plain.error)")
        let plainConfig = try String(contentsOf: plainOut.appendingPathComponent("prometheus.yml"), encoding: .utf8)
        #expect(!plainConfig.contains("authorization"))
        #expect(!plainConfig.contains("job_name: main-api"))
        #expect(try await Self.promtool(["check", "config", plainOut.appendingPathComponent("prometheus.yml").path]).status == 0)
    }

    @Test(arguments: [["--targets", "payments=10.0.0.1"], ["--targets", "no-such-service=10.0.0.1:80"], ["--scheme", "ftp"]])
    func refusesTargetsItCannotScrape(arguments: [String]) async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.runScript(["--out", folder.appendingPathComponent("out").path] + arguments)
        #expect(run.status != 0, "monitoring-setup accepted \(arguments)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/prometheus.yml").path))
    }

    // MARK: Alert rules

    @Test func alertRulesPassPromtoolAndEveryAlertIsUnitTested() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.runScript(["--out", folder.path])
        try #require(run.status == 0, "\(run.error)")

        let check = try await Self.promtool(["check", "rules", folder.appendingPathComponent("opside-alerts.yml").path])
        #expect(check.status == 0, "promtool check rules: \(check.output)\(check.error)")
        let unitTests = try await Self.promtool(["test", "rules", folder.appendingPathComponent("alerts-test.yml").path])
        #expect(unitTests.status == 0, "promtool test rules: \(unitTests.output)\(unitTests.error)")

        let rules = try Self.alertRules(try String(contentsOf: folder.appendingPathComponent("opside-alerts.yml"), encoding: .utf8))
        #expect(Set(rules.map(\.name)) == Self.expectedAlerts)
        for rule in rules {
            for field in ["for:", "severity:", "summary:", "description:", "runbook:"] {
                #expect(rule.text.contains(field), "\(rule.name) has no \(field)")
            }
        }
        // Each alert is evaluated at least twice: once quiet (exp_alerts: []) and once firing.
        let tests = try String(contentsOf: folder.appendingPathComponent("alerts-test.yml"), encoding: .utf8)
        for rule in rules {
            let cases = tests.components(separatedBy: "- alertname: \(rule.name)\n").dropFirst()
            #expect(cases.contains { $0.hasPrefix("        eval_time: ") && $0.contains("exp_alerts: []") && !$0.contains("exp_labels") },
                    "\(rule.name) is never shown quiet")
            #expect(cases.contains { $0.contains("exp_labels:") }, "\(rule.name) is never shown firing")
        }
    }

    // MARK: Grafana dashboard

    @Test func dashboardMatchesGrafanasDashboardModel() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.runScript(["--out", folder.path])
        try #require(run.status == 0, "\(run.error)")

        let schemaData = try Data(contentsOf: Self.root.appendingPathComponent("deploy/monitoring/grafana-dashboard.schema.json"))
        let schema = try JSONDecoder().decode(JSONValue.self, from: schemaData)
        guard case .object(let definitions)? = schema["definitions"] else { throw UnwrapError(what: "definitions in the schema") }
        let dashboard = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: folder.appendingPathComponent("opside-dashboard.json")))
        let validator = JSONSchemaValidator(definitions: definitions)
        let violations = validator.validate(dashboard, against: schema)
        #expect(violations.isEmpty, "\(violations)")

        // The schema can fail: a panel without its grid position and a wrong variable type are caught.
        guard case .object(var broken) = dashboard, case .array(var panels)? = broken["panels"], case .object(var panel) = panels[1] else {
            throw UnwrapError(what: "a dashboard object with panels")
        }
        panel["gridPos"] = nil
        panels[1] = .object(panel)
        broken["panels"] = .array(panels)
        broken["graphTooltip"] = .number(7)
        let brokenViolations = validator.validate(.object(broken), against: schema).map(\.path)
        #expect(brokenViolations.contains("$.panels[1]") && brokenViolations.contains("$.graphTooltip"), "\(brokenViolations)")

        // The datasource is a variable, and so are service and instance.
        let variables = try Self.dashboardVariables(dashboard)
        #expect(variables["datasource"] == "datasource")
        #expect(variables["service"] == "query")
        #expect(variables["instance"] == "query")
        // Every alert's signal has a panel, as do request rate and latency.
        let expressions = Self.dashboardExpressions(dashboard).joined(separator: "\n")
        let rules = try Self.alertRules(try String(contentsOf: folder.appendingPathComponent("opside-alerts.yml"), encoding: .utf8))
        for rule in rules {
            for metric in Self.metricNames(in: rule.expression) {
                #expect(expressions.contains(metric), "no panel shows \(metric), the signal of \(rule.name)")
            }
        }
        #expect(expressions.contains("rate(hb_requests"))
        #expect(expressions.contains("http_server_request_duration_bucket"))
        for expression in Self.dashboardExpressions(dashboard) where !expression.hasPrefix("max(") && !expression.contains("by (kind)")
            && !expression.contains("by (dataset") && !expression.contains("by (within_days)") {
            #expect(expression.contains("$service"), "panel query does not follow the service variable: \(expression)")
        }
    }

    // MARK: The metrics are real

    @Test(.timeLimit(.minutes(8)))
    func everyMetricTheRulesAndDashboardUseIsExported() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try await Self.runScript(["--out", folder.path])
        try #require(run.status == 0, "\(run.error)")
        let rules = try Self.alertRules(try String(contentsOf: folder.appendingPathComponent("opside-alerts.yml"), encoding: .utf8))
        let dashboard = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: folder.appendingPathComponent("opside-dashboard.json")))
        var used = Set(rules.flatMap { Self.metricNames(in: $0.expression) })
        for expression in Self.dashboardExpressions(dashboard) { used.formUnion(Self.metricNames(in: expression)) }
        // `up` is Prometheus's own, one per target it scrapes.
        used.remove("up")
        let wanted = used
        try #require(wanted.count >= 10, "the names were not found in the expressions: \(wanted)")

        // The services whose metrics these are, on one database: each one's queue leader fills its gauges.
        let database = try await TestDatabase.create()
        var running: [RunningService] = []
        defer { let stopping = running; Task { for service in stopping { await service.stop() } } }
        for service in [OpsideService.inventorySync, .claimDetector, .payments, .mainAPI] {
            running.append(try await RunningService.start(service, database: database))
        }
        // The error tracker's counters exist once a tracker is configured; this one is never run.
        let tracker = ErrorTracker(settings: ErrorTrackingSettings(dsn: ErrorTrackerDSN("http://key@127.0.0.1:9/1")), service: "test",
                                   logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        #expect(tracker != nil)
        for service in running { _ = try await TestHTTP.request(.GET, service.baseURL + "/health/ready") }

        let scraped = running[0].baseURL + "/metrics"
        let missing = SharedNames()
        let complete = try await eventually(timeout: .seconds(180), every: .milliseconds(500)) {
            let reply = try await TestHTTP.request(.GET, scraped)
            guard reply.status == 200 else { return false }
            let exported = Self.sampleNames(in: reply.text)
            missing.set(wanted.subtracting(exported))
            return missing.value.isEmpty
        }
        #expect(complete, "exported by no running service: \(missing.value.sorted())")
    }

    // MARK: Helpers

    static let expectedAlerts: Set<String> = [
        "OpsideHigh5xxRate", "OpsideJobQueueLagging", "OpsideJobsDiscarded", "OpsideSyncConnectionsFailing",
        "OpsideClaimsNearDeadlineUnfiled", "OpsidePaymentFailures", "OpsideServiceRestarting", "OpsideTargetDown",
    ]

    struct AlertRule {
        let name: String
        let expression: String
        let text: String
    }

    /// The alerting rules of a rules file written as opside-alerts.yml is: `- alert: NAME` items
    /// with `expr:` on one line or as a `|` block.
    static func alertRules(_ text: String) throws -> [AlertRule] {
        let items = text.components(separatedBy: "      - alert: ").dropFirst()
        return try items.map { item in
            let lines = item.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let name = lines[0].trimmingCharacters(in: .whitespaces)
            guard let exprIndex = lines.firstIndex(where: { $0.hasPrefix("        expr:") }) else {
                throw UnwrapError(what: "an expr in alert \(name)")
            }
            var expression = String(lines[exprIndex].dropFirst("        expr:".count)).trimmingCharacters(in: .whitespaces)
            if expression == "|" {
                expression = lines[(exprIndex + 1)...].prefix { $0.hasPrefix("          ") }.joined(separator: "\n")
            }
            return AlertRule(name: name, expression: expression, text: item)
        }
    }

    /// The metric names a PromQL expression reads: identifiers that are not functions, keywords,
    /// label names (inside `{}` or a `by (...)` list) or durations.
    static func metricNames(in expression: String) -> Set<String> {
        var text = expression
        text = text.replacing(/"(?:[^"\\]|\\.)*"/, with: " ")
        text = text.replacing(/\{[^}]*\}/, with: " ")
        text = text.replacing(/\[[^\]]*\]/, with: " ")
        text = text.replacing(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/, with: " ")
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset"]
        var names = Set<String>()
        for match in text.matches(of: /([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/) where match.output.2 == nil {
            let name = String(match.output.1)
            if !keywords.contains(name) { names.insert(name) }
        }
        return names
    }

    /// The names of the samples in a Prometheus text exposition (`name{labels} value` lines).
    static func sampleNames(in exposition: String) -> Set<String> {
        Set(exposition.split(separator: "\n").compactMap { line -> String? in
            guard !line.hasPrefix("#"), let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) else { return nil }
            return String(line[..<end])
        })
    }

    static func dashboardExpressions(_ dashboard: JSONValue) -> [String] {
        guard case .array(let panels)? = dashboard["panels"] else { return [] }
        return panels.flatMap { panel -> [String] in
            guard case .array(let targets)? = panel["targets"] else { return [] }
            return targets.compactMap { if case .string(let expression)? = $0["expr"] { expression } else { nil } }
        }
    }

    static func dashboardVariables(_ dashboard: JSONValue) throws -> [String: String] {
        guard case .array(let list)? = dashboard["templating"]?["list"] else { throw UnwrapError(what: "templating.list") }
        var variables: [String: String] = [:]
        for variable in list {
            if case .string(let name)? = variable["name"], case .string(let type)? = variable["type"] { variables[name] = type }
        }
        return variables
    }

    /// The lines of one scrape job in a prometheus.yml the script wrote.
    static func job(_ name: String, in config: String) -> String? {
        config.components(separatedBy: "  - job_name: ").first { $0.hasPrefix("\(name)\n") }
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-monitoring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static func runScript(_ arguments: [String]) async throws -> TestProcess.Outcome {
        try await TestProcess.run(URL(fileURLWithPath: "/bin/bash"), [script.path] + arguments, timeout: .seconds(60))
    }

    /// Runs Prometheus's promtool, which deploy/lib.sh's `opside_ensure_packages` installs
    /// (Debian's `prometheus` package) for deploy/up and deploy/test.
    static func promtool(_ arguments: [String]) async throws -> TestProcess.Outcome {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        let promtool = try #require(path, "promtool is not installed: deploy/test installs it (deploy/lib.sh, package prometheus)")
        return try await TestProcess.run(URL(fileURLWithPath: promtool), arguments, timeout: .seconds(120))
    }
}

/// A set of names shared between a polling closure and the test that reports it.
final class SharedNames: Sendable {
    private let box = NIOLockedValueBox<Set<String>>([])
    var value: Set<String> { box.withLockedValue { $0 } }
    func set(_ names: Set<String>) { box.withLockedValue { $0 = names } }
}
