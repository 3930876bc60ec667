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
            JSONLogHandler.bootstrap(service: service.name, level: level,
                                     metadataProvider: tracing.enabled ? OpsideTracing.logMetadataProvider : nil)
            if CommandLine.arguments.dropFirst().first == "migrate" {
                try await migrateAndExit(service, reader: reader, migrators: migrators())
                return
            }
            let exporter = try OpsideTracing.bootstrap(service: service, settings: tracing,
                                                       logger: Logger(label: "opside.\(service.name).tracing"))
            let app = try await build(reader)
            if let exporter {
                // The exporter runs after the application in one group, so SIGTERM stops the
                // application first and the exporter then flushes the spans of its last requests.
                let group = ServiceGroup(configuration: .init(
                    services: [.init(service: exporter), .init(service: app)],
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
