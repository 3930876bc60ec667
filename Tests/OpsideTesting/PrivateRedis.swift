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
    private var pid: pid_t = 0

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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw HarnessError("cannot start \(argv[0]): errno \(spawned)") }
        lock.withLock { pid = child }
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
        let child = lock.withLock { () -> pid_t in
            defer { pid = 0 }
            return pid
        }
        guard child > 0 else { return }
        kill(child, SIGKILL)
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1, errno == EINTR {}
    }

    public func destroy() {
        stopServer()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
