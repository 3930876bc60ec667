import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import ServiceLifecycle
import Tracing

/// What every service reads at start.
///
/// Keys: `http.host` (127.0.0.1), `http.port` (the service's port), `http.idleTimeoutSeconds` (75),
/// `log.level` (info), `security.serviceTokenSecret` (secret, required, ≥ 32 bytes),
/// `metrics.token` (secret, optional), `metrics.host` (127.0.0.1), `metrics.port` (none), plus the keys of
/// `PostgresSettings`, `RedisSettings` (read here), `JobWorkerSettings`, `ServiceEndpoints` and
/// `TracingSettings`.
public struct PlatformSettings: Sendable {
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    public var serviceTokenSecret: String
    public var postgres: PostgresSettings
    public var redis: RedisSettings
    public var jobs: JobWorkerSettings
    public var endpoints: ServiceEndpoints
    /// How long a connection may send nothing before it is closed (0: never).
    public var idleTimeout: Duration
    /// Bearer token that opens `/metrics` on the service's own port to any address.
    public var metricsToken: String?
    /// A second listener that serves only `/metrics`, without a credential, for scrapers on a
    /// private network.
    public var metricsHost: String
    public var metricsPort: Int?
    /// Where spans go, if anywhere (`tracing.*` keys, see `TracingSettings`).
    public var tracing: TracingSettings

    public init(reader: ConfigReader, service: OpsideService) throws {
        host = reader.string(forKey: "http.host", default: "127.0.0.1")
        port = reader.int(forKey: "http.port", default: service.defaultPort)
        let levelText = reader.string(forKey: "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(key: "log.level", reason: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = level
        serviceTokenSecret = try reader.requiredSecret("security.serviceTokenSecret", minimumLength: 32)
        postgres = try PostgresSettings(reader: reader, service: service)
        redis = RedisSettings(
            host: reader.string(forKey: "redis.host", default: "127.0.0.1"),
            port: reader.int(forKey: "redis.port", default: 6379),
            password: reader.string(forKey: "redis.password", isSecret: true),
            database: reader.int(forKey: "redis.database", default: 0),
            timeoutMilliseconds: reader.int(forKey: "redis.timeoutMilliseconds", default: 2000),
            poolSize: reader.int(forKey: "redis.poolSize", default: 8))
        jobs = JobWorkerSettings(reader: reader)
        endpoints = ServiceEndpoints(reader: reader)
        let idleSeconds = reader.int(forKey: "http.idleTimeoutSeconds", default: 75)
        guard (0...86_400).contains(idleSeconds) else {
            throw ConfigurationError(key: "http.idleTimeoutSeconds", reason: "must be 0 to 86400 seconds")
        }
        idleTimeout = .seconds(idleSeconds)
        metricsToken = reader.string(forKey: "metrics.token", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        if let token = metricsToken, token.utf8.count < 16 {
            throw ConfigurationError(key: "metrics.token", reason: "must be at least 16 bytes")
        }
        metricsHost = reader.string(forKey: "metrics.host", default: "127.0.0.1")
        tracing = try TracingSettings(reader: reader)
        metricsPort = reader.int(forKey: "metrics.port")
        if let metricsPort, !(1...65_535).contains(metricsPort) {
            throw ConfigurationError(key: "metrics.port", reason: "must be a TCP port, 1 to 65535")
        }
    }
}
