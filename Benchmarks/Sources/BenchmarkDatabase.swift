import ArgumentParser
import Foundation
import Logging
import OpsideBenchmarkSupport
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import PostgresNIO

/// Where a platform benchmark's PostgreSQL and Redis are, as options every `opside-bench`
/// subcommand shares. Passwords come from the environment (deploy/up writes them to
/// .run/secrets.env, which Benchmarks/run reads), never from the command line:
/// `POSTGRES_SUPERUSER_PASSWORD`, `POSTGRES_PASSWORD` (the service roles'), `REDIS_PASSWORD`.
struct ServerOptions: ParsableArguments {
    @Option(help: "PostgreSQL host.") var postgresHost = "127.0.0.1"
    @Option(help: "PostgreSQL port.") var postgresPort = 5432
    @Option(help: "A superuser that can create the benchmark database.") var postgresSuperuser = "postgres"
    @Option(help: "Redis host.") var redisHost = "127.0.0.1"
    @Option(help: "Redis port.") var redisPort = 6379

    static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The PostgreSQL of these options, as the other benchmarks reach theirs.
    var postgres: BenchmarkPostgres {
        BenchmarkPostgres(host: postgresHost, port: postgresPort, superuser: postgresSuperuser,
                          superuserPassword: Self.environment("POSTGRES_SUPERUSER_PASSWORD"), servicePassword: Self.environment("POSTGRES_PASSWORD"))
    }

    func redis() -> RedisClient {
        RedisClient(settings: RedisSettings(host: redisHost, port: redisPort, password: Self.environment("REDIS_PASSWORD")))
    }

    /// Makes a database of the benchmark's own, bootstrapped as production is (deploy/sql/bootstrap.sql)
    /// with the platform's migrations, runs `body` with its settings, and drops it however `body` ends.
    func withScratchDatabase<T>(maxConnections: Int, logger: Logger, _ body: (PostgresSettings) async throws -> T) async throws -> T {
        let name = "opside_bench_\(UInt32.random(in: 0...UInt32.max))"
        let bootstrap = try String(contentsOfFile: "deploy/sql/bootstrap.sql", encoding: .utf8)
        try await postgres.withSuperuser("postgres", logger: logger) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger) }
        do {
            try await postgres.withSuperuser(name, logger: logger) { try await SQLScript.run(bootstrap, on: $0, logger: logger) }
            let settings = PostgresSettings(host: postgresHost, port: postgresPort, database: name, user: "opside_test_runner",
                                            password: postgres.servicePassword, maxConnections: maxConnections)
            let result = try await body(settings)
            try await drop(name, logger: logger)
            return result
        } catch {
            try? await drop(name, logger: logger)
            throw error
        }
    }

    private func drop(_ name: String, logger: Logger) async throws {
        try await postgres.withSuperuser("postgres", logger: logger) {
            try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        }
    }
}

/// The value at `fraction` of an ascending list (nearest rank), 0 for an empty one.
func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
}

/// Milliseconds in a duration.
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// Runs a SQL query that returns one integer.
func count(_ database: Database, _ sql: String, logger: Logger) async throws -> Int {
    try await database.withConnection { connection in
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int64.self) { return Int(value) }
        return 0
    }
}
