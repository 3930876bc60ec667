import Foundation
import OpsideCore
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

    /// Executables the image ships besides the ten services.
    static let supportExecutables: Set<String> = ["amazon-sandbox"]
    static let optionalExecutables: Set<String> = ["stripe-sandbox"]

    static let scripts = [
        "deploy/up", "deploy/down", "deploy/health-check", "deploy/test",
        "deploy/fly-deploy", "deploy/fly-secrets", ".ci/run",
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
