import Foundation
import Integrations
import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// Keeps the deployment files consistent with ``OpsideService``: docker-compose.yml, fly/*.toml,
/// deploy/Dockerfile and the service list of deploy/lib.sh must name the real services with their
/// real ports and health path, and no committed file may hold a secret.
///
/// No container engine runs on the build machines, so this is what notices a renamed service or a
/// changed port before a deploy does. The files are read with plain line parsing (no YAML or TOML
/// library): the parsers below understand the simple subset those files are written in.
@Suite struct DeployFilesTests {
    /// The repository root: this file is `Tests/OpsideTests/DeployFilesTests.swift`.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Entries of docker-compose.yml that are not services but may run beside them.
    static let composeSupportEntries: Set<String> = ["postgres", "redis", "db-init", "amazon-sandbox", "stripe-sandbox"]

    /// The sandboxes in docker-compose.yml: they use neither PostgreSQL nor Redis.
    static let sandboxes: Set<String> = ["amazon-sandbox", "stripe-sandbox"]

    /// Executables the image ships besides the ten services.
    static let supportExecutables: Set<String> = ["amazon-sandbox", "stripe-sandbox", "opside-document-parser"]
    static let optionalExecutables: Set<String> = []

    static let scripts = [
        "deploy/up", "deploy/down", "deploy/health-check", "deploy/test",
        "deploy/fly-deploy", "deploy/fly-secrets", "deploy/supervise", "deploy/monitoring-setup", ".ci/run",
    ]

    // MARK: docker-compose.yml

    @Test("docker-compose.yml runs each service on its port, health-checked, after Postgres and Redis",
          arguments: OpsideService.allCases)
    func composeRunsServiceOnItsPort(service: OpsideService) throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        let entry = try #require(compose.services[service.name],
                                 "docker-compose.yml has no `\(service.name):` service")
        let port = String(service.defaultPort)

        let command = entry.value("command") ?? ""
        #expect(command.contains("\"/app/\(service.name)\""),
                "compose \(service.name): command is `\(command)`, expected [\"/app/\(service.name)\"]")

        let published = entry.block("ports")?.listItems ?? []
        #expect(published.contains { $0.split(separator: ":").last.map(String.init) == port },
                "compose \(service.name): ports \(published) do not publish container port \(port)")

        let healthcheck = entry.block("healthcheck")?.lines.map(\.text).joined(separator: " ") ?? ""
        #expect(healthcheck.contains("127.0.0.1:\(port)/health/ready"),
                "compose \(service.name): healthcheck does not GET http://127.0.0.1:\(port)/health/ready: \(healthcheck)")

        let dependsOn = entry.block("depends_on")
        for dependency in ["postgres", "redis"] {
            let condition = dependsOn?.block(dependency)?.value("condition")
            #expect(condition == "service_healthy",
                    "compose \(service.name): depends_on \(dependency) has condition \(condition ?? "none"), expected service_healthy")
        }

        let environment = compose.environment(of: entry)
        #expect(environment["HTTP_PORT"] == port,
                "compose \(service.name): HTTP_PORT is \(environment["HTTP_PORT"] ?? "unset"), expected \(port)")
        #expect(["0.0.0.0", "::"].contains(environment["HTTP_HOST"] ?? ""),
                "compose \(service.name): HTTP_HOST is \(environment["HTTP_HOST"] ?? "unset"); a container must listen on all interfaces")
        #expect(environment["POSTGRES_HOST"] == "postgres" && environment["REDIS_HOST"] == "redis",
                "compose \(service.name): POSTGRES_HOST/REDIS_HOST must name the postgres and redis services")
        for other in OpsideService.allCases {
            let key = Self.urlKey(of: other)
            let expected = "http://\(other.name):\(other.defaultPort)"
            #expect(environment[key] == expected,
                    "compose \(service.name): \(key) is \(environment[key] ?? "unset"), expected \(expected)")
        }
    }

    @Test("docker-compose.yml has no entry for a service that does not exist")
    func composeNamesOnlyRealServices() throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        let known = Set(OpsideService.allCases.map(\.name)).union(Self.composeSupportEntries)
        #expect(!compose.serviceNames.isEmpty, "docker-compose.yml lists no services")
        for name in compose.serviceNames {
            #expect(known.contains(name), "docker-compose.yml runs `\(name)`, which is not an Opside service")
        }
        for entry in compose.services.values {
            for key in compose.environment(of: entry).keys where Self.isServiceURLKey(key) {
                #expect(OpsideService.allCases.contains { Self.urlKey(of: $0) == key },
                        "docker-compose.yml sets \(key), which names no service")
            }
        }
    }

    @Test("docker-compose.yml takes every secret from the environment, never a literal")
    func composeHoldsNoSecret() throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        var checked = 0
        for (name, entry) in compose.services {
            for (key, value) in compose.environment(of: entry) where Self.looksSecret(key) {
                checked += 1
                #expect(value.hasPrefix("${") && value.hasSuffix("}"),
                        "compose \(name): \(key) must be interpolated (${\(key):?...}), not a literal value")
            }
        }
        #expect(checked > 0, "docker-compose.yml passes no secrets at all (SECURITY_SERVICE_TOKEN_SECRET is required)")
    }

    @Test("docker-compose.yml's Redis requires a password, which every service is given")
    func composeRedisRequiresAPassword() throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        let redis = try #require(compose.services["redis"])
        #expect(compose.environment(of: redis)["REDIS_PASSWORD"]?.hasPrefix("${OPSIDE_REDIS_PASSWORD:?") == true)
        #expect(redis.value("command")?.contains("requirepass") == true, "redis-server is started with requirepass")
        for (name, entry) in compose.services where !Self.thirdPartyComposeEntries.contains(name) && !Self.sandboxes.contains(name) {
            #expect(compose.environment(of: entry)["REDIS_PASSWORD"] == "${OPSIDE_REDIS_PASSWORD:?set OPSIDE_REDIS_PASSWORD in .env}",
                    "\(name) authenticates to Redis")
        }
        #expect(try Self.read("deploy/env.example").contains("OPSIDE_REDIS_PASSWORD="))
    }

    @Test("docker-compose.yml builds the services from deploy/Dockerfile")
    func composeBuildsFromTheDockerfile() throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        let dockerfiles = compose.root.lines.filter { YAMLBlock.key(of: $0.text) == "dockerfile" }
            .compactMap { YAMLBlock.valueText(of: $0.text) }
        #expect(!dockerfiles.isEmpty, "docker-compose.yml builds no image")
        for path in dockerfiles {
            #expect(path == "deploy/Dockerfile", "docker-compose.yml builds from \(path), expected deploy/Dockerfile")
        }
        #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("deploy/Dockerfile").path),
                "deploy/Dockerfile is missing")
    }

    // MARK: fly/*.toml

    @Test("fly/<service>.toml deploys each service on its port with the ready check and migrations",
          arguments: OpsideService.allCases)
    func flyAppRunsServiceOnItsPort(service: OpsideService) throws {
        let path = "fly/\(service.name).toml"
        let fly = try TOMLFile(text: Self.read(path))
        let port = String(service.defaultPort)

        #expect(fly.value("app", in: "") == "opside-\(service.name)",
                "\(path): app is \(fly.value("app", in: "") ?? "unset"), expected opside-\(service.name)")
        #expect(fly.value("internal_port", in: "http_service") == port,
                "\(path): [http_service] internal_port is \(fly.value("internal_port", in: "http_service") ?? "unset"), expected \(port)")
        #expect(fly.values("path", in: "http_service.checks").contains("/health/ready"),
                "\(path): no [[http_service.checks]] with path = \"/health/ready\"")
        #expect(fly.value("release_command", in: "deploy") == "/app/\(service.name) migrate",
                "\(path): [deploy] release_command is \(fly.value("release_command", in: "deploy") ?? "unset"), expected \"/app/\(service.name) migrate\"")
        #expect(fly.value("app", in: "processes") == "/app/\(service.name)",
                "\(path): [processes] app is \(fly.value("app", in: "processes") ?? "unset"), expected \"/app/\(service.name)\"")
        #expect(fly.value("HTTP_PORT", in: "env") == port,
                "\(path): [env] HTTP_PORT is \(fly.value("HTTP_PORT", in: "env") ?? "unset"), expected \(port)")
        #expect(["0.0.0.0", "::"].contains(fly.value("HTTP_HOST", in: "env") ?? ""),
                "\(path): [env] HTTP_HOST must listen on all interfaces, is \(fly.value("HTTP_HOST", in: "env") ?? "unset")")

        let dockerfile = try #require(fly.value("dockerfile", in: "build"), "\(path): [build] dockerfile is unset")
        let resolved = Self.root.appendingPathComponent("fly").appendingPathComponent(dockerfile)
            .standardizedFileURL.resolvingSymlinksInPath()
        let expected = Self.root.appendingPathComponent("deploy/Dockerfile").standardizedFileURL.resolvingSymlinksInPath()
        #expect(resolved.path == expected.path,
                "\(path): [build] dockerfile \(dockerfile) is not ../deploy/Dockerfile")

        for other in OpsideService.allCases {
            let key = Self.urlKey(of: other)
            let expected = "http://opside-\(other.name).internal:\(other.defaultPort)"
            #expect(fly.value(key, in: "env") == expected,
                    "\(path): [env] \(key) is \(fly.value(key, in: "env") ?? "unset"), expected \(expected)")
        }
        for entry in fly.entries(in: "env") where Self.isServiceURLKey(entry.key) {
            #expect(OpsideService.allCases.contains { Self.urlKey(of: $0) == entry.key },
                    "\(path): [env] \(entry.key) names no service")
        }
    }

    @Test("fly/*.toml scrape metrics from the service's own metrics listener, and main-api trusts Fly's client-address header")
    func flyScrapesMetricsFromTheirOwnListener() throws {
        for file in try Self.flyFiles() {
            let toml = TOMLFile(text: try Self.read("fly/\(file)"))
            let port = toml.value("METRICS_PORT", in: "env")
            #expect(port != nil, "\(file) opens a metrics listener")
            #expect(toml.value("port", in: "metrics") == port, "\(file): Fly scrapes the port the service listens on")
            #expect(toml.value("path", in: "metrics") == "/metrics")
            #expect(port != toml.value("HTTP_PORT", in: "env"), "\(file): metrics are not on the public port")
        }
        let mainAPI = TOMLFile(text: try Self.read("fly/main-api.toml"))
        #expect(mainAPI.value("RATE_LIMIT_CLIENT_ADDRESS_HEADER", in: "env") == "Fly-Client-IP")
    }

    @Test("fly/*.toml holds no secret values (they are set with deploy/fly-secrets)")
    func flyFilesHoldNoSecret() throws {
        let files = try Self.flyFiles()
        #expect(!files.isEmpty, "fly/ has no .toml files")
        for file in files {
            let fly = try TOMLFile(text: Self.read("fly/\(file)"))
            for entry in fly.entries where Self.looksSecret(entry.key) {
                Issue.record("fly/\(file): [\(entry.table)] \(entry.key) looks like a secret; set it with deploy/fly-secrets instead")
            }
        }
    }

    @Test("fly/ has one file per service and none for a service that does not exist")
    func flyFilesNameOnlyRealServices() throws {
        let files = try Self.flyFiles()
        let names = Set(OpsideService.allCases.map(\.name))
        for file in files {
            let name = String(file.dropLast(".toml".count))
            #expect(names.contains(name), "fly/\(file) deploys `\(name)`, which is not an Opside service")
        }
        for service in OpsideService.allCases {
            #expect(files.contains("\(service.name).toml"), "fly/\(service.name).toml is missing")
        }
    }

    // MARK: deploy/Dockerfile, deploy/lib.sh, scripts

    @Test("deploy/Dockerfile ships every service executable and the Amazon sandbox")
    func dockerfileCopiesEveryExecutable() throws {
        let dockerfile = try Self.read("deploy/Dockerfile")
        let lines = dockerfile.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let prefix = "ARG OPSIDE_EXECUTABLES="
        let argument = try #require(lines.first { $0.hasPrefix(prefix) },
                                    "deploy/Dockerfile has no `\(prefix)\"...\"` line listing the executables")
        let executables = Set(argument.dropFirst(prefix.count)
            .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            .split(separator: " ").map(String.init))
        for service in OpsideService.allCases {
            #expect(executables.contains(service.name), "deploy/Dockerfile does not ship \(service.name)")
        }
        for support in Self.supportExecutables {
            #expect(executables.contains(support), "deploy/Dockerfile does not ship \(support)")
        }
        let known = Set(OpsideService.allCases.map(\.name)).union(Self.supportExecutables).union(Self.optionalExecutables)
        for executable in executables {
            #expect(known.contains(executable), "deploy/Dockerfile ships `\(executable)`, which is no Opside executable")
        }
        #expect(lines.contains("COPY --from=builder /staging/ /app/"),
                "deploy/Dockerfile does not copy the built executables into /app")
        #expect(!lines.contains { $0.hasPrefix("ENTRYPOINT") || $0.hasPrefix("CMD") },
                "deploy/Dockerfile must leave the command to compose and Fly")
    }

    @Test("deploy/lib.sh lists exactly the services with their ports")
    func scriptServiceListMatches() throws {
        let lib = try Self.read("deploy/lib.sh")
        let lines = lib.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(lines.firstIndex(of: "OPSIDE_SERVICES=("), "deploy/lib.sh has no OPSIDE_SERVICES=( list")
        let end = try #require(lines[start...].firstIndex(of: ")"), "deploy/lib.sh: OPSIDE_SERVICES=( is not closed")
        var listed: [String: String] = [:]
        for line in lines[(start + 1)..<end] where !line.isEmpty && !line.hasPrefix("#") {
            let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
            try #require(parts.count == 2, "deploy/lib.sh: `\(line)` is not name:port")
            listed[parts[0]] = parts[1]
        }
        let expected = Dictionary(uniqueKeysWithValues: OpsideService.allCases.map { ($0.name, String($0.defaultPort)) })
        #expect(listed == expected, "deploy/lib.sh OPSIDE_SERVICES is \(listed), expected \(expected)")
    }

    @Test("the deploy scripts exist and are executable", arguments: DeployFilesTests.scripts)
    func scriptIsExecutable(path: String) {
        let fullPath = Self.root.appendingPathComponent(path).path
        #expect(FileManager.default.fileExists(atPath: fullPath), "\(path) is missing")
        #expect(FileManager.default.isExecutableFile(atPath: fullPath), "\(path) is not executable (chmod +x)")
    }

    // MARK: Settings the files pass

    /// Entries of docker-compose.yml that run images of others (their settings are theirs).
    static let thirdPartyComposeEntries: Set<String> = ["postgres", "redis", "db-init"]

    /// Variables read directly from the environment rather than through a configuration key.
    static let processEnvironmentKeys: Set<String> = ["OPSIDE_CONFIG_FILE", "TZ"]

    @Test("every setting docker-compose.yml and fly/*.toml pass is one the code reads (a misspelt key is silently ignored)")
    func deploymentFilesPassOnlyKeysTheCodeReads() throws {
        let known = try Self.environmentKeysReadByCode()
        #expect(known.contains("AMAZON_ENDPOINT_NA") && known.contains("JOBS_POLL_INTERVAL_MILLISECONDS"),
                "the key scan found \(known.count) keys")
        func check(_ key: String, in place: String) {
            guard !Self.isServiceURLKey(key), !Self.processEnvironmentKeys.contains(key) else { return }
            #expect(known.contains(key), "\(place): \(key) is not a configuration key any service reads")
        }
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        for (name, entry) in compose.services where !Self.thirdPartyComposeEntries.contains(name) {
            for key in compose.environment(of: entry).keys { check(key, in: "docker-compose.yml \(name)") }
        }
        for file in try Self.flyFiles() {
            for entry in try TOMLFile(text: Self.read("fly/\(file)")).entries(in: "env") { check(entry.key, in: "fly/\(file)") }
        }
    }

    /// The environment spelling of every literal configuration key in the sources
    /// (`forKey: "amazon.lwaClientId"` → `AMAZON_LWA_CLIENT_ID`), as swift-configuration maps them.
    static func environmentKeysReadByCode() throws -> Set<String> {
        var keys: Set<String> = []
        for folder in ["Shared", "Services", "Sandbox"] {
            let base = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let path as String in files where path.hasSuffix(".swift") {
                let text = try String(contentsOf: base.appendingPathComponent(path), encoding: .utf8)
                for match in text.matches(of: /(?:forKey: |requiredSecret\()"([A-Za-z0-9.]+)"/) {
                    keys.insert(environmentName(of: String(match.1)))
                }
            }
        }
        return keys
    }

    /// `jobs.pollIntervalMilliseconds` → `JOBS_POLL_INTERVAL_MILLISECONDS`.
    static func environmentName(of key: String) -> String {
        var name = ""
        for character in key {
            if character == "." {
                name.append("_")
            } else if character.isUppercase, let last = name.last, last != "_" {
                name.append("_")
                name.append(character)
            } else {
                name.append(character.uppercased())
            }
        }
        return name
    }

    // MARK: Helpers

    static func read(_ relativePath: String) throws -> String {
        let url = root.appendingPathComponent(relativePath)
        try #require(FileManager.default.fileExists(atPath: url.path), "\(relativePath) is missing")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func flyFiles() throws -> [String] {
        let folder = root.appendingPathComponent("fly").path
        try #require(FileManager.default.fileExists(atPath: folder), "fly/ is missing")
        return try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".toml") }.sorted()
    }

    /// `SERVICES_<NAME>_URL`, e.g. `SERVICES_MAIN_API_URL`.
    static func urlKey(of service: OpsideService) -> String {
        "SERVICES_" + service.name.uppercased().replacingOccurrences(of: "-", with: "_") + "_URL"
    }

    static func isServiceURLKey(_ key: String) -> Bool {
        key.hasPrefix("SERVICES_") && key.hasSuffix("_URL")
    }

    /// A setting whose value must never be committed.
    static func looksSecret(_ key: String) -> Bool {
        let upper = key.uppercased()
        return OpsideConfiguration.secretEnvironmentKeys.contains(upper)
            || ["SECRET", "PASSWORD", "TOKEN", "PRIVATE_KEY", "ENCRYPTION_KEY", "API_KEY"].contains { upper.contains($0) }
    }
}

// MARK: - Line parsers

// Nested in the suite so their names cannot collide with other test files.
extension DeployFilesTests {
    /// One meaningful line of a YAML file: its indentation and its trimmed text.
    struct YAMLLine: Sendable {
        var indent: Int
        var text: String
    }

    /// Lines of YAML read by indentation: enough for docker-compose.yml (block mappings, lists,
    /// `key: value` pairs, `&anchor` / `<<: *anchor` merges). Full-line comments and blank lines are
    /// dropped.
    struct YAMLBlock: Sendable {
        var lines: [YAMLLine]

        init(lines: [YAMLLine]) {
            self.lines = lines
        }

        init(text: String) {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { raw in
                let text = raw.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, !text.hasPrefix("#") else { return nil }
                return YAMLLine(indent: raw.prefix { $0 == " " }.count, text: text)
            }
        }

        /// The indentation of this block's own keys.
        var level: Int? { lines.map(\.indent).min() }

        /// This block's own lines (not the nested ones).
        var topLines: [YAMLLine] {
            guard let level else { return [] }
            return lines.filter { $0.indent == level }
        }

        /// This block's own keys, in order.
        var keys: [String] { topLines.compactMap { Self.key(of: $0.text) } }

        /// The lines nested under this block's key `key`.
        func block(_ key: String) -> YAMLBlock? {
            guard let level,
                  let start = lines.firstIndex(where: { $0.indent == level && Self.key(of: $0.text) == key })
            else { return nil }
            var children: [YAMLLine] = []
            for line in lines[(start + 1)...] {
                if line.indent <= level { break }
                children.append(line)
            }
            return YAMLBlock(lines: children)
        }

        /// The value written after this block's key `key:` on the same line, unquoted.
        func value(_ key: String) -> String? {
            topLines.first { Self.key(of: $0.text) == key }.flatMap { Self.valueText(of: $0.text) }
        }

        /// This block's list items (`- item`), unquoted.
        var listItems: [String] {
            topLines.filter { $0.text.hasPrefix("- ") }.map { Self.unquote(String($0.text.dropFirst(2))) }
        }

        /// The `key: value` pairs (and `- KEY=value` items) at this block's level, unquoted.
        var pairs: [(key: String, value: String)] {
            topLines.compactMap { line in
                if line.text.hasPrefix("- ") {
                    let item = Self.unquote(String(line.text.dropFirst(2)))
                    guard let equals = item.firstIndex(of: "=") else { return nil }
                    return (String(item[..<equals]), String(item[item.index(after: equals)...]))
                }
                guard let key = Self.key(of: line.text), let value = Self.valueText(of: line.text) else { return nil }
                return (key, value)
            }
        }

        /// The key of a `key: value` or `key:` line; nil for list items and other lines.
        static func key(of text: String) -> String? {
            guard !text.hasPrefix("- ") else { return nil }
            if text.hasSuffix(":") { return Self.unquote(String(text.dropLast())) }
            guard let separator = text.range(of: ": ") else { return nil }
            return Self.unquote(String(text[..<separator.lowerBound]))
        }

        /// The value of a `key: value` line, unquoted; nil when there is none.
        static func valueText(of text: String) -> String? {
            guard !text.hasPrefix("- "), let separator = text.range(of: ": ") else { return nil }
            let value = text[separator.upperBound...].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : Self.unquote(value)
        }

        static func unquote(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            for quote in ["\"", "'"] where trimmed.count >= 2 && trimmed.hasPrefix(quote) && trimmed.hasSuffix(quote) {
                return String(trimmed.dropFirst().dropLast())
            }
            return trimmed
        }
    }

    /// docker-compose.yml: its services and the `&anchor` blocks they merge.
    struct ComposeFile: Sendable {
        var root: YAMLBlock
        var serviceNames: [String]
        var services: [String: YAMLBlock]
        var anchors: [String: YAMLBlock]

        init(text: String) throws {
            root = YAMLBlock(text: text)
            let servicesBlock = try #require(root.block("services"), "docker-compose.yml has no top-level `services:`")
            serviceNames = servicesBlock.keys
            var services: [String: YAMLBlock] = [:]
            for name in serviceNames {
                services[name] = servicesBlock.block(name)
            }
            self.services = services
            var anchors: [String: YAMLBlock] = [:]
            for key in root.keys {
                if let value = root.value(key), value.hasPrefix("&"), let block = root.block(key) {
                    anchors[String(value.dropFirst())] = block
                }
            }
            self.anchors = anchors
        }

        /// The environment of a service entry, with `<<: *anchor` merges resolved (its own keys win).
        func environment(of entry: YAMLBlock) -> [String: String] {
            guard let block = entry.block("environment") else { return [:] }
            var merged: [String: String] = [:]
            for (key, value) in block.pairs where key == "<<" && value.hasPrefix("*") {
                for (anchorKey, anchorValue) in anchors[String(value.dropFirst())]?.pairs ?? [] {
                    merged[anchorKey] = anchorValue
                }
            }
            for (key, value) in block.pairs where key != "<<" {
                merged[key] = value
            }
            return merged
        }
    }

    /// A TOML file as `[table] key = value` entries: enough for fly.toml (tables, arrays of tables,
    /// string and number values). Array-of-table entries keep their table's name.
    struct TOMLFile: Sendable {
        struct Entry: Sendable {
            var table: String
            var key: String
            var value: String
        }

        var entries: [Entry] = []

        init(text: String) {
            var table = ""
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                if line.hasPrefix("[") {
                    table = line.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                        .trimmingCharacters(in: .whitespaces)
                    continue
                }
                guard let equals = line.firstIndex(of: "=") else { continue }
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = Self.parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces))
                entries.append(Entry(table: table, key: YAMLBlock.unquote(key), value: value))
            }
        }

        func entries(in table: String) -> [Entry] { entries.filter { $0.table == table } }

        func values(_ key: String, in table: String) -> [String] {
            entries(in: table).filter { $0.key == key }.map(\.value)
        }

        func value(_ key: String, in table: String) -> String? { values(key, in: table).first }

        /// A string's contents, or the raw text (comment removed) of any other value.
        static func parseValue(_ text: String) -> String {
            if text.hasPrefix("\""), let close = text.dropFirst().firstIndex(of: "\"") {
                return String(text[text.index(after: text.startIndex)..<close])
            }
            if let comment = text.firstIndex(of: "#") {
                return text[..<comment].trimmingCharacters(in: .whitespaces)
            }
            return text
        }
    }
}

// MARK: - Production profile and staying up (issue 9)

extension DeployFilesTests {
    /// Restart policies that bring a crashed container back (compose's and Fly's spellings).
    static let restartingPolicies: Set<String> = ["always", "unless-stopped", "on-failure"]

    @Test("fly/*.toml run the production profile and restart a crashed machine")
    func flyFilesRunTheProductionProfileAndRestart() throws {
        let files = try Self.flyFiles()
        #expect(files.count == OpsideService.allCases.count)
        for file in files {
            let fly = TOMLFile(text: try Self.read("fly/\(file)"))
            #expect(fly.value("DEPLOYMENT_PROFILE", in: "env") == "production",
                    "fly/\(file): [env] DEPLOYMENT_PROFILE is \(fly.value("DEPLOYMENT_PROFILE", in: "env") ?? "unset"), expected production")
            let policy = fly.value("policy", in: "restart")
            #expect(policy.map { Self.restartingPolicies.contains($0) } == true,
                    "fly/\(file): [[restart]] policy is \(policy ?? "unset"); a crashed machine would stay down")
        }
    }

    /// The keys the production profile requires are either in fly/integrations.toml (the public
    /// endpoints) or required by deploy/fly-secrets; and the code accepts the file's values.
    @Test("fly/integrations.toml and deploy/fly-secrets give integrations everything the production profile requires")
    func flyGivesIntegrationsWhatProductionRequires() async throws {
        let fly = TOMLFile(text: try Self.read("fly/integrations.toml"))
        let secretsScript = try Self.read("deploy/fly-secrets")
        let requiredBySecrets = secretsScript.split(separator: "\n").filter { $0.contains("integrations ]] && required+=(") }.joined()
        var environment: [String: String] = [:]
        for entry in fly.entries(in: "env") { environment[entry.key] = entry.value }
        for key in AmazonSPAPISettings.productionEndpointKeys + IntegrationsSettings.productionKeys + AmazonAdsSettings.productionKeys {
            let variable = OpsideConfiguration.environmentName(for: key)
            if let value = environment[variable] {
                #expect(value.hasPrefix("https://") && !value.contains("127.0.0.1") && !value.contains("localhost"),
                        "fly/integrations.toml: \(variable) = \(value) is not a real https endpoint")
            } else {
                #expect(requiredBySecrets.contains(variable),
                        "\(variable) is neither in fly/integrations.toml nor required by deploy/fly-secrets for integrations")
                environment[variable] = "amzn1.sellerapps.app.from-fly-secrets"
            }
        }
        for variable in ["AMAZON_LWA_CLIENT_ID", "AMAZON_LWA_CLIENT_SECRET", "SECURITY_TOKEN_ENCRYPTION_KEYS"] {
            #expect(requiredBySecrets.contains(variable), "deploy/fly-secrets does not require \(variable) for integrations")
        }
        // Amazon's notifications are read from our SQS queue in production; its URL and key are secrets.
        #expect(environment["NOTIFICATIONS_TRANSPORT"] == "sqs", "fly/integrations.toml does not read Amazon's notifications")
        for variable in ["NOTIFICATIONS_SQS_QUEUE_URL", "NOTIFICATIONS_SQS_ACCESS_KEY_ID", "NOTIFICATIONS_SQS_SECRET_ACCESS_KEY"] {
            #expect(requiredBySecrets.contains(variable), "deploy/fly-secrets does not require \(variable) for integrations")
            environment[variable] = variable == "NOTIFICATIONS_SQS_QUEUE_URL"
                ? "https://sqs.us-east-1.amazonaws.com/123456789012/opside-notifications" : "from-fly-secrets"
        }
        // What the secrets would add, then the settings exactly as the deployed service reads them.
        environment.merge(DeploymentProfileTests.credentials) { current, _ in current }
        let refusal = try await DeploymentProfileTests.readSettings(environment)
        #expect(refusal == nil, "integrations would refuse fly/integrations.toml: \(refusal.map(\.description) ?? "")")
    }

    @Test("docker-compose.yml runs the development profile (it runs the sandboxes) and restarts crashed services")
    func composeRunsTheDevelopmentProfileAndRestarts() throws {
        let compose = try ComposeFile(text: Self.read("docker-compose.yml"))
        for service in OpsideService.allCases {
            let entry = try #require(compose.services[service.name])
            #expect(compose.environment(of: entry)["DEPLOYMENT_PROFILE"] == "development",
                    "compose \(service.name): DEPLOYMENT_PROFILE is not development")
            var policy = entry.value("restart")
            if policy == nil, let merge = entry.value("<<"), merge.hasPrefix("*") {
                policy = compose.anchors[String(merge.dropFirst())]?.value("restart")
            }
            #expect(policy.map { Self.restartingPolicies.contains($0) } == true,
                    "compose \(service.name): restart policy is \(policy ?? "unset"); a crashed container would stay down")
        }
    }

    @Test("deploy/up starts every process under deploy/supervise; deploy/down stops the supervisors first; health-check shows restarts")
    func localScriptsSupervise() throws {
        let up = try Self.read("deploy/up")
        #expect(up.contains("exec nohup \"$OPSIDE_ROOT/deploy/supervise\" \"$name\" \"$pids\" --"), "deploy/up does not start processes under deploy/supervise")
        #expect(!up.contains("nohup env"), "deploy/up still starts a process unsupervised")
        let down = try Self.read("deploy/down")
        let stopSupervisors = try #require(down.range(of: "stop_supervisors 40 \"${services[@]}\""), "deploy/down does not stop the supervisors")
        let stopServices = try #require(down.range(of: "stop_group 30 \"${services[@]}\""))
        #expect(stopSupervisors.lowerBound < stopServices.lowerBound, "supervisors must stop first, or they restart what deploy/down stops")
        #expect(try Self.read("deploy/health-check").contains("opside_supervised_state"))
        #expect(FileManager.default.isExecutableFile(atPath: Self.root.appendingPathComponent("deploy/supervise").path))
    }

    // MARK: The supervisor itself, on tiny commands in a temporary folder

    struct Supervised: Sendable {
        let pid: pid_t
        let folder: URL

        /// Starts deploy/supervise on `command` with no backoff delay (so no time needs to pass).
        /// Spawned with an empty signal mask and default dispositions: the test process blocks
        /// signals in its threads, and a supervisor inheriting that would never see SIGTERM.
        static func start(_ name: String, command: String, maxRestarts: Int) throws -> Supervised {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-supervise-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var environment = ProcessInfo.processInfo.environment
            environment["OPSIDE_SUPERVISE_MAX_RESTARTS"] = String(maxRestarts)
            environment["OPSIDE_SUPERVISE_BACKOFF_BASE"] = "0"
            environment["OPSIDE_SUPERVISE_WINDOW"] = "3600"
            let argv = [DeployFilesTests.root.appendingPathComponent("deploy/supervise").path, name,
                        folder.appendingPathComponent("state").path, "--", "/bin/sh", "-c", "cd '\(folder.path)' && \(command)"]
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, folder.appendingPathComponent("output").path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            var cArguments = argv.map { strdup($0) } + [nil]
            defer { cArguments.forEach { free($0) } }
            var cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { cEnvironment.forEach { free($0) } }
            var pid: pid_t = 0
            let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cArguments, &cEnvironment)
            guard spawned == 0 else { throw TestFailure(description: "cannot start deploy/supervise: errno \(spawned)") }
            return Supervised(pid: pid, folder: folder)
        }

        func state(_ name: String, _ file: String) -> String? {
            (try? String(contentsOf: folder.appendingPathComponent("state/\(name).\(file)"), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func terminate() { kill(pid, SIGTERM) }

        /// Waits for the supervisor to exit (off the cooperative pool): its exit status and output.
        func finish() async -> (status: Int32, output: String) {
            let pid = self.pid
            let status = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                    continuation.resume(returning: (status >> 8) & 0xff)
                }
            }
            let output = (try? String(contentsOf: folder.appendingPathComponent("output"), encoding: .utf8)) ?? ""
            return (status, output)
        }

        func remove() {
            kill(pid, SIGKILL)
            try? FileManager.default.removeItem(at: folder)
        }
    }

    @Test("the supervisor restarts a crashing process with backoff, then gives up loudly")
    func supervisorGivesUpOnACrashLoop() async throws {
        let supervised = try Supervised.start("crashy", command: "echo ran >> runs; exit 3", maxRestarts: 2)
        defer { supervised.remove() }
        let (status, output) = await supervised.finish()
        #expect(status == 1, "the supervisor gave up with a failure status")
        let runs = try String(contentsOf: supervised.folder.appendingPathComponent("runs"), encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 3, "ran once and was restarted twice: \(runs)")
        #expect(supervised.state("crashy", "restarts") == "2")
        #expect(supervised.state("crashy", "state") == "gave-up")
        #expect(output.contains("exited with status 3") && output.contains("restarting in 0s"))
        #expect(output.contains("GIVING UP after 2 restarts"), "it says so loudly: \(output)")
    }

    @Test("the supervisor brings back a crashed process that then stays up, and SIGTERM stops both")
    func supervisorRestartsThenStopsOnSIGTERM() async throws {
        // Crashes on its first run only, then runs until stopped.
        let supervised = try Supervised.start("flaky", command: "if [ -f marker ]; then exec sleep 600; fi; touch marker; exit 1", maxRestarts: 3)
        defer { supervised.remove() }
        #expect(try await eventually {
            supervised.state("flaky", "restarts") == "1" && supervised.state("flaky", "state") == "running"
                && supervised.state("flaky", "pid") != nil
        }, "restarted once and running")
        let child = try #require(supervised.state("flaky", "pid").flatMap { pid_t($0) })
        #expect(kill(child, 0) == 0, "the restarted process is alive")
        supervised.terminate()
        let (status, output) = await supervised.finish()
        #expect(status == 0, "stopped on request: \(output)")
        #expect(kill(child, 0) != 0, "SIGTERM reached the process too")
        #expect(supervised.state("flaky", "state") == "stopped")
        #expect(supervised.state("flaky", "restarts") == "1", "stopping is not a crash")
    }
}

// MARK: - deploy/up's own PostgreSQL and Redis (issue 9)

extension DeployFilesTests {
    /// Starts deploy/up's infrastructure (`--infra-only`) in a temporary run folder on free ports,
    /// probes it, and stops and deletes it again. Each probe prints `name=value`.
    static let infrastructureProbe = #"""
        set -uo pipefail
        source deploy/lib.sh
        run=$1
        pg=$(opside_free_port)
        rd=$(opside_free_port)
        trap 'OPSIDE_RUN_DIR=$run deploy/down --purge >/dev/null 2>&1' EXIT
        if ! OPSIDE_RUN_DIR=$run OPSIDE_PG_PORT=$pg OPSIDE_REDIS_PORT=$rd deploy/up --infra-only --skip-build >"$run.up.log" 2>&1; then
          echo up=failed; tail -n 30 "$run.up.log"; exit 0
        fi
        echo up=ok
        source "$run/secrets.env"
        psql=$(opside_pg_bin)/psql
        probe() { PGCONNECT_TIMEOUT=5 "$psql" -X -w -h 127.0.0.1 -p "$pg" -tA "$@" 2>/dev/null; }
        [[ $(PGPASSWORD='' probe -U postgres -d opside -c 'SELECT 1') == 1 ]] && echo pg_superuser_without_password=accepted || echo pg_superuser_without_password=refused
        [[ $(PGPASSWORD=$POSTGRES_SUPERUSER_PASSWORD probe -U postgres -d opside -c 'SELECT 1') == 1 ]] && echo pg_superuser_with_password=accepted || echo pg_superuser_with_password=refused
        [[ $(PGPASSWORD='' probe -U opside_payments -d opside -c 'SELECT 1') == 1 ]] && echo pg_service_without_password=accepted || echo pg_service_without_password=refused
        [[ $(PGPASSWORD=$POSTGRES_PASSWORD probe -U opside_payments -d opside -c 'SELECT 1') == 1 ]] && echo pg_service_with_password=accepted || echo pg_service_with_password=refused
        echo "pg_auth=$(PGPASSWORD=$POSTGRES_SUPERUSER_PASSWORD probe -U postgres -d opside -c "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules")"
        # A unique violation whose DETAIL quotes an e-mail address, as a duplicate sign-up would.
        PGPASSWORD=$POSTGRES_SUPERUSER_PASSWORD probe -U postgres -d opside \
          -c "CREATE TABLE leak_probe (email text UNIQUE)" -c "INSERT INTO leak_probe VALUES ('leak.probe@opside.test')" \
          -c "INSERT INTO leak_probe VALUES ('leak.probe@opside.test')" >/dev/null
        echo "redis_without_password=$(redis-cli -h 127.0.0.1 -p "$rd" ping 2>&1 | head -c 40)"
        echo "redis_with_password=$(REDISCLI_AUTH=$REDIS_PASSWORD redis-cli --no-auth-warning -h 127.0.0.1 -p "$rd" ping 2>&1)"
        logs=$(find "$run" -name '*.log' -type f)
        echo "log_files=$(wc -l <<<"$logs")"
        echo "log_modes=$(for f in $logs; do stat -c %a "$f"; done | sort -u | tr '\n' ' ')"
        echo "log_folder_modes=$(for f in $logs; do stat -c %a "$(dirname "$f")"; done | sort -u | tr '\n' ' ')"
        echo "secrets_mode=$(stat -c %a "$run/secrets.env")"
        echo "email_in_logs=$(cat $logs | grep -c 'leak.probe@opside.test')"
        echo "violation_logged=$(cat $logs | grep -c 'leak_probe_email_key')"
        """#

    @Test("deploy/up's PostgreSQL and Redis refuse connections without generated passwords; logs are private and name no e-mail address")
    func localInfrastructureRequiresPasswordsAndKeepsLogsPrivate() async throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("opside-up-\(UUID().uuidString.prefix(8))").path
        defer {
            try? FileManager.default.removeItem(atPath: run)
            try? FileManager.default.removeItem(atPath: run + ".up.log")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", Self.infrastructureProbe, "probe", run]
        process.currentDirectoryURL = Self.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        var probes: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            probes[String(line[..<equals])] = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        try #require(probes["up"] == "ok", "deploy/up --infra-only failed: \(text)")
        #expect(probes["pg_superuser_without_password"] == "refused")
        #expect(probes["pg_superuser_with_password"] == "accepted", "control: the generated password works")
        #expect(probes["pg_service_without_password"] == "refused")
        #expect(probes["pg_service_with_password"] == "accepted", "the service roles log in with POSTGRES_PASSWORD")
        #expect(probes["pg_auth"] == "scram-sha-256")
        #expect(probes["redis_without_password"]?.hasPrefix("NOAUTH") == true, "redis answered \(probes["redis_without_password"] ?? "nothing")")
        #expect(probes["redis_with_password"] == "PONG")
        #expect(probes["log_files"].flatMap(Int.init).map { $0 >= 2 } == true, "PostgreSQL's and Redis's logs were found: \(text)")
        #expect(probes["log_modes"] == "600", "log files must be private: \(probes["log_modes"] ?? "")")
        #expect(probes["log_folder_modes"] == "700", "log folders must be private: \(probes["log_folder_modes"] ?? "")")
        #expect(probes["secrets_mode"] == "600")
        #expect(probes["violation_logged"].flatMap(Int.init).map { $0 >= 1 } == true, "control: the error itself is logged")
        #expect(probes["email_in_logs"] == "0", "PostgreSQL's log quotes the e-mail address")
    }
}
