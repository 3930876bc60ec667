import Foundation
import OpsideRedis

/// A redis-server of the test's own on a free port, for tests that stop and restart Redis without
/// disturbing the shared one. Runs in the foreground as this process's child, so stopping it is a
/// signal and a `waitpid`.
public final class PrivateRedis: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let executable: String
    private let lock = NSLock()
    private var process: ChildProcess?

    private init(port: Int, directory: String, executable: String) {
        self.port = port
        self.directory = directory
        self.executable = executable
    }

    /// `OPSIDE_REDIS_SERVER` (set by deploy/test), else `redis-server` on the PATH.
    public static func start() async throws -> PrivateRedis {
        let executable = ProcessInfo.processInfo.environment["OPSIDE_REDIS_SERVER"] ?? "/usr/bin/redis-server"
        let directory = NSTemporaryDirectory() + "opside-redis-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = PrivateRedis(port: try TestEnvironment.freePort(), directory: directory, executable: executable)
        try await server.startServer()
        return server
    }

    public var settings: RedisSettings { RedisSettings(host: "127.0.0.1", port: port) }

    /// Starts the server and returns once it answers PING.
    public func startServer() async throws {
        let argv = [executable, "--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no",
                    "--logfile", directory + "/redis.log"]
        let process = try ChildProcess.spawn(argv)
        lock.withLock { self.process = process }
        let probe = RedisClient(settings: settings)
        defer { Task { try? await probe.shutdown() } }
        for _ in 0..<200 {
            if (try? await probe.ping()) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("redis-server on port \(port) did not answer PING")
    }

    /// SIGKILL (Redis going away as in a crash; a SIGTERM could stay blocked, since the test
    /// process's signal mask is inherited), then waits for the process: afterwards nothing
    /// listens on the port.
    public func stopServer() {
        lock.withLock { () -> ChildProcess? in
            defer { process = nil }
            return process
        }?.stop()
    }

    public func destroy() {
        stopServer()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
