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

/// Applies migrations at start, retrying while the database is unreachable, then opens the gate
/// that workers and the HTTP server wait behind.
struct MigrationService: Service {
    let platform: OpsidePlatform
    let migrators: [Migrator]
    let gate: StartupGate

    func run() async throws {
        // Open the gate however this ends: on shutdown or failure the waiters must not hang.
        defer { gate.open() }
        var delay = Duration.milliseconds(250)
        while true {
            do {
                try await platform.migrate(migrators)
                break
            } catch let error as DatabaseError {
                platform.logger.warning("database not reachable for migrations; retrying", metadata: ["error": "\(error)"])
            } catch let error as MigrationError {
                throw error
            } catch {
                platform.logger.warning("migrations failed; retrying", metadata: ["error": "\(String(reflecting: error))"])
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
        gate.open()
        try? await gracefulShutdown()
    }
}

/// Runs a service only once the gate opens (after migrations).
struct GatedService<Wrapped: Service>: Service {
    let gate: StartupGate
    let wrapped: Wrapped
    func run() async throws {
        await gate.wait()
        try await wrapped.run()
    }
}

/// Shuts an HTTP client down with the service group: the process's, or one a service keeps for
/// itself (test-runner's, which must not follow redirects).
public struct HTTPClientService: Service {
    let client: HTTPClient
    public init(client: HTTPClient) { self.client = client }
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
