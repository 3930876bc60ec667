import Configuration
import Foundation
import Logging
import PostgresNIO

// What every benchmark executable needs and none should write again: its options, its logger,
// the PostgreSQL it measures against, durations in seconds, and the process's peak memory.

/// A logger that prints only warnings and worse, so the figures stand out.
public func benchmarkLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .warning
    return logger
}

/// A duration in seconds, for printing.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// `--name value` from the command line, or `fallback` when absent or unreadable.
public func option(_ name: String, _ fallback: Int) -> Int {
    optionText(name).flatMap { Int($0) } ?? fallback
}

/// `--name value` as a decimal number, or `fallback`.
public func doubleOption(_ name: String, _ fallback: Double) -> Double {
    optionText(name).flatMap { Double($0) } ?? fallback
}

/// `--name value` as text, or `fallback`.
public func stringOption(_ name: String, _ fallback: String) -> String {
    optionText(name) ?? fallback
}

private func optionText(_ name: String) -> String? {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// The PostgreSQL a benchmark runs against, configured as the services are (`postgres.host`,
/// `postgres.port`, `postgres.password`), with the superuser (`bench.postgresSuperuser`, default
/// postgres; password from POSTGRES_SUPERUSER_PASSWORD) for the scratch databases it makes.
public struct BenchmarkPostgres: Sendable {
    public let host: String
    public let port: Int
    public let superuser: String
    public let superuserPassword: String?
    /// The service roles' password on deploy/up's cluster (none on a trust-auth one).
    public let servicePassword: String?

    public init(reader: ConfigReader) {
        host = reader.string(forKey: "postgres.host", default: "127.0.0.1")
        port = reader.int(forKey: "postgres.port", default: 5432)
        superuser = reader.string(forKey: "bench.postgresSuperuser", default: "postgres")
        superuserPassword = ProcessInfo.processInfo.environment["POSTGRES_SUPERUSER_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        servicePassword = reader.string(forKey: "postgres.password", isSecret: true)
    }

    public init(host: String, port: Int, superuser: String, superuserPassword: String?, servicePassword: String?) {
        self.host = host
        self.port = port
        self.superuser = superuser
        self.superuserPassword = superuserPassword
        self.servicePassword = servicePassword
    }

    /// Runs `body` on a superuser connection to `database`, closed however `body` ends.
    public func withSuperuser(_ database: String, logger: Logger, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await superuserConnection(database, logger: logger)
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A connection to `database` as the superuser; the caller closes it.
    public func superuserConnection(_ database: String, logger: Logger) async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration: .init(host: host, port: port, username: superuser, password: superuserPassword,
                                                                  database: database, tls: .disable), id: 1, logger: logger)
    }
}

/// The process's peak resident memory (VmHWM), which a benchmark resets before each phase.
public enum PeakMemory {
    /// Peak resident memory since the last reset, in MiB (-1 where /proc is not readable).
    public static func mebibytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
        return (line.split(separator: " ").dropFirst().first { !$0.isEmpty }.flatMap { Double($0) } ?? -1) / 1024
    }

    /// Resets VmHWM to the current resident memory (writing 5 to clear_refs, Linux ≥ 4.0).
    public static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }
}
