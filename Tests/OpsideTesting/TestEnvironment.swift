import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import NIOCore
import OpsideCore
import OpsidePostgres
import OpsideRedis
import PostgresNIO
import Synchronization
import Testing

/// The servers `deploy/test` started for this run, read from its environment.
public enum TestEnvironment {
    public static let environment = ProcessInfo.processInfo.environment
    /// The folder holding `Package.swift`, found upward from this file wherever the harness sits.
    public static let repositoryRoot: URL = {
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            folder = folder.deletingLastPathComponent()
        }
        return folder
    }()

    public struct MissingServer: Error, CustomStringConvertible {
        public let variable: String
        public var description: String { "\(variable) is not set: run the tests through deploy/test, which starts PostgreSQL and Redis" }
    }

    public static func value(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else { throw MissingServer(variable: name) }
        return value
    }

    public static var postgresHost: String { environment["OPSIDE_TEST_POSTGRES_HOST"] ?? "127.0.0.1" }
    public static func postgresPort() throws -> Int { Int(try value("OPSIDE_TEST_POSTGRES_PORT")) ?? 5432 }
    public static var postgresSuperuser: String { environment["OPSIDE_TEST_POSTGRES_SUPERUSER"] ?? "postgres" }
    public static var redisHost: String { environment["OPSIDE_TEST_REDIS_HOST"] ?? "127.0.0.1" }
    public static func redisPort() throws -> Int { Int(try value("OPSIDE_TEST_REDIS_PORT")) ?? 6379 }

    public static let logger: Logger = {
        var logger = Logger(label: "opside.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// How long a service under test waits for a database connection before it answers 503.
    /// Production's 3 s tell a Postgres outage from a busy pool; when hundreds of parallel tests
    /// start on two cores, Postgres takes longer than that to fork a backend. OutageTests keep 3 s.
    public static let postgresLeaseTimeout: Duration = .seconds(15)

    /// The suite's secrets for tests: random per run, never real.
    public static let serviceTokenSecret = "test-service-secret-" + UUID().uuidString
    public static let sessionTokenSecret = "test-session-secret-" + UUID().uuidString
    /// integrations' refresh-token key ring: one random AES-256 key per run.
    public static let tokenEncryptionKeys = "test:" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()

    /// A port held for one of our own in-process services until it listens there: bound with
    /// SO_REUSEADDR and never listened on, so the kernel gives it to no other test (neither a
    /// `bind` to port 0 nor an outgoing connection), while the service, which also sets
    /// SO_REUSEADDR as Hummingbird does by default, can still bind it. Release it once the service
    /// serves. (A port released at once, as `freePort` does, was sometimes taken by another test's
    /// service in between, and the readiness probe then reached the wrong service.)
    public static func reservePort() throws -> PortReservation {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size)) == 0
            && withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
            }
        guard bound else {
            close(descriptor)
            throw MissingServer(variable: "a free port")
        }
        return PortReservation(port: Int(UInt16(bigEndian: address.sin_port)), descriptor: descriptor)
    }

    /// A port nothing listens on right now (the kernel's choice, released at once), for the
    /// external programs a test starts (PostgreSQL, Redis, a mail sink, chromedriver).
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw MissingServer(variable: "a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A port kept from every other test until `release()`; see `TestEnvironment.reservePort()`.
public final class PortReservation: Sendable {
    public let port: Int
    private let descriptor: Mutex<Int32?>

    init(port: Int, descriptor: Int32) {
        self.port = port
        self.descriptor = Mutex(descriptor)
    }

    public func release() {
        descriptor.withLock { held in
            if let open = held { close(open) }
            held = nil
        }
    }

    deinit { release() }
}

/// A fresh database per test, bootstrapped like production (roles, schemas), so tests run in
/// parallel without seeing each other's rows.
public struct TestDatabase: Sendable {
    public let name: String
    public let host: String
    public let port: Int

    /// Hash partitions per tenant-partitioned table in test databases.
    public static let tenantPartitions = 4

    public static func create(host: String? = nil, port: Int? = nil) async throws -> TestDatabase {
        let host = host ?? TestEnvironment.postgresHost
        let port = try port ?? TestEnvironment.postgresPort()
        let name = "opside_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await withSuperuser(host: host, port: port, database: "postgres") { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: TestEnvironment.logger)
            // Four hash partitions per tenant table, not production's sixteen: the same layout and
            // the same keys, but a test database is made hundreds of times a run, and each
            // partition is a table with its indexes to create (platform.partition_by_tenant).
            try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(name) SET opside.tenant_partitions = '\(Self.tenantPartitions)'"),
                                       logger: TestEnvironment.logger)
        }
        let bootstrap = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("deploy/sql/bootstrap.sql"), encoding: .utf8)
        try await withSuperuser(host: host, port: port, database: name) { connection in
            try await SQLScript.run(bootstrap, on: connection, logger: TestEnvironment.logger)
        }
        return TestDatabase(name: name, host: host, port: port)
    }

    /// Runs `body` on a superuser connection to `database`.
    public static func withSuperuser<T: Sendable>(host: String, port: Int, database: String,
                                           _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let configuration = PostgresConnection.Configuration(
            host: host, port: port, username: TestEnvironment.postgresSuperuser, password: nil, database: database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: TestEnvironment.logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func withSuperuser<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.withSuperuser(host: host, port: port, database: name, body)
    }

    /// Runs one query as superuser and returns the first column of the first row as an integer.
    public func count(_ sql: String) async throws -> Int {
        try await withSuperuser { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
            for try await value in rows.decode(Int64.self) { return Int(value) }
            return 0
        }
    }

    /// Runs one query as superuser and returns every row's first column as text.
    public func strings(_ sql: String) async throws -> [String] {
        try await withSuperuser { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
            var values: [String] = []
            for try await value in rows.decode(String?.self) { values.append(value ?? "NULL") }
            return values
        }
    }

    /// A `Database` connected as `service`'s role, run by the caller's task group.
    public func settings(for service: OpsideService) -> PostgresSettings {
        PostgresSettings(host: host, port: port, database: name, user: service.databaseRole, maxConnections: 10,
                         leaseTimeout: TestEnvironment.postgresLeaseTimeout)
    }
}

/// Configuration for one service under test; `overrides` win.
public func testConfiguration(service: OpsideService, database: TestDatabase, port: Int, redisPort: Int? = nil,
                       overrides: [String: String] = [:]) async throws -> ConfigReader {
    var values: [String: String] = [
        "http.host": "127.0.0.1", "http.port": String(port),
        "postgres.host": database.host, "postgres.port": String(database.port), "postgres.database": database.name,
        "postgres.user": service.databaseRole,
        "postgres.leaseTimeoutMilliseconds": String(TestEnvironment.postgresLeaseTimeout.components.seconds * 1000),
        "redis.host": TestEnvironment.redisHost, "redis.port": String(try redisPort ?? TestEnvironment.redisPort()),
        "security.serviceTokenSecret": TestEnvironment.serviceTokenSecret,
        "security.sessionTokenSecret": TestEnvironment.sessionTokenSecret,
        "security.bcryptCost": "4",
        "security.tokenEncryptionKeys": TestEnvironment.tokenEncryptionKeys,
        // The Amazon sandbox's documented LWA client (SandboxSettings), for integrations.
        "amazon.lwaClientId": "amzn1.application-oa2-client.opside-sandbox", "amazon.lwaClientSecret": "opside-sandbox-secret",
        "jobs.pollIntervalMilliseconds": "250", "jobs.rescueIntervalMilliseconds": "500", "jobs.shutdownGraceSeconds": "5",
        "log.level": "warning",
        // Every test calls from 127.0.0.1; only the rate-limit test sets a real limit.
        "rateLimit.authPerMinute": "100000",
        // Tests share one Redis and reuse e-mail addresses; only the limit tests set a real budget.
        "rateLimit.loginPerAccount": "100000",
    ]
    values.merge(overrides) { $1 }
    // Through the environment provider, as in production, so the key spellings are tested too.
    var environment: [String: String] = [:]
    for (key, value) in values { environment[OpsideConfiguration.environmentName(for: key)] = value }
    return try await OpsideConfiguration.reader(environment: environment)
}

extension TestEnvironment {
    /// An executable built beside the test bundle (`.build/debug/<name>`).
    public static func executable(_ name: String) -> URL {
        let testBundle = Bundle.main.bundleURL
        let candidates = [testBundle.deletingLastPathComponent(), testBundle, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for folder in candidates where FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent(name).path) {
            return folder.appendingPathComponent(name)
        }
        return repositoryRoot.appendingPathComponent(".build/debug/\(name)")
    }
}

extension TestDatabase {
    /// Runs the `opside` CLI (built beside the tests) against this database, as its commands'
    /// default roles, with `environment` added to the test's own, and returns its exit status,
    /// standard output and standard error.
    public func runCLI(_ arguments: [String], environment extra: [String: String] = [:]) async throws
        -> (status: Int32, output: String, error: String) {
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in ["postgres.host": host, "postgres.port": String(port), "postgres.database": name] {
            environment[OpsideConfiguration.environmentName(for: key)] = value
        }
        let run = try await TestProcess.run(TestEnvironment.executable("opside"), arguments,
                                            environment: environment.merging(extra) { $1 })
        return (run.status, run.output, run.error)
    }
}
