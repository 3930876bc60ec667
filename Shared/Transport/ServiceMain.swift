import Configuration
import Foundation
import Hummingbird
import Logging
import OpsideCore
import OpsidePostgres
import ServiceLifecycle

/// The body of every service's executable: read configuration, set up logging, then either
/// apply migrations and exit (`<service> migrate`, the release step) or serve until SIGTERM.
public enum ServiceMain {
    public static func run(
        _ service: OpsideService,
        migrators: @escaping @Sendable () throws -> [Migrator],
        build: @escaping @Sendable (ConfigReader) async throws -> any ApplicationProtocol
    ) async {
        // Services keep time in UTC. Naming it "GMT" when the environment names no zone also keeps
        // Foundation from opening ICU's time-zone tables (megabytes of resident memory) just to
        // canonicalise the zone's name for the HTTP server's Date header.
        setenv("TZ", "GMT", 0)
        do {
            let reader = try await OpsideConfiguration.reader()
            let level = Logger.Level(rawValue: reader.string(forKey: "log.level", default: "info")) ?? .info
            let tracing = try TracingSettings(reader: reader)
            let metadataProvider = tracing.enabled ? OpsideTracing.logMetadataProvider : nil
            // Off by default: without `errorTracking.dsn` the log path is JSONLogHandler alone.
            let errorTracker = ErrorTracker(settings: try ErrorTrackingSettings(reader: reader), service: service.name,
                                            logger: Logger(label: "opside.\(service.name).error-tracking") { label in
                                                JSONLogHandler(label: label, service: service.name, level: level)
                                            })
            if let errorTracker {
                LoggingSystem.bootstrap({ label, provider in
                    ErrorTrackingLogHandler(wrapping: JSONLogHandler(label: label, service: service.name, level: level,
                                                                     metadataProvider: provider),
                                            tracker: errorTracker, label: label, metadataProvider: provider)
                }, metadataProvider: metadataProvider)
            } else {
                JSONLogHandler.bootstrap(service: service.name, level: level, metadataProvider: metadataProvider)
            }
            if CommandLine.arguments.dropFirst().first == "migrate" {
                try await migrateAndExit(service, reader: reader, migrators: migrators())
                return
            }
            let exporter = try OpsideTracing.bootstrap(service: service, settings: tracing,
                                                       logger: Logger(label: "opside.\(service.name).tracing"))
            let app = try await build(reader)
            // The background senders run after the application in one group, so SIGTERM stops the
            // application first and they then send what its last requests produced: the error
            // tracker its buffered events, the exporter its spans.
            let background: [any Service] = [exporter, errorTracker].compactMap { $0 }
            if !background.isEmpty {
                let group = ServiceGroup(configuration: .init(
                    services: background.map { .init(service: $0) } + [.init(service: app)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: Logger(label: "opside.\(service.name)")))
                try await group.run()
            } else {
                try await app.runService()
            }
        } catch {
            FileHandle.standardError.write(Data("\(service.name): \(error)\n".utf8))
            exit(1)
        }
    }

    private static func migrateAndExit(_ service: OpsideService, reader: ConfigReader, migrators: [Migrator]) async throws {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await platform.database.client.run() }
            try await platform.migrate(migrators)
            group.cancelAll()
        }
        try await platform.httpClient.shutdown()
        try await platform.redis.shutdown()
        platform.logger.info("migrations applied", metadata: ["service": "\(service.name)"])
    }
}
