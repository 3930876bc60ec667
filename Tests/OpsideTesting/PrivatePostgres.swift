import Foundation
import Testing

/// A PostgreSQL cluster of the test's own, for tests that stop and restart the server without
/// disturbing the shared one. Runs as the `postgres` user when the tests run as root (CI does):
/// PostgreSQL refuses to run as root.
public final class PrivatePostgres: Sendable {
    public let port: Int
    public let directory: String
    private let binaries: String

    private init(port: Int, directory: String, binaries: String) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    public static func start() async throws -> PrivatePostgres {
        let binaries = try TestEnvironment.value("OPSIDE_PG_BIN")
        let directory = NSTemporaryDirectory() + "opside-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try run("/bin/chown", ["postgres", directory], asPostgres: false) }
        let cluster = PrivatePostgres(port: try TestEnvironment.freePort(), directory: directory, binaries: binaries)
        try run(binaries + "/initdb", ["-D", directory + "/data", "--auth=trust", "-U", "postgres", "--no-sync"], asPostgres: true)
        try cluster.startServer()
        return cluster
    }

    public func startServer() throws {
        try Self.run(binaries + "/pg_ctl", [
            "-D", directory + "/data", "-w", "-l", directory + "/log",
            "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", "start",
        ], asPostgres: true)
    }

    public func stopServer() throws {
        try Self.run(binaries + "/pg_ctl", ["-D", directory + "/data", "-w", "-m", "immediate", "stop"], asPostgres: true)
    }

    public func destroy() {
        try? stopServer()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// posix_spawn and waitpid: Foundation's Process did not always reap `pg_ctl`'s runuser here.
    private static func run(_ executable: String, _ arguments: [String], asPostgres: Bool) throws {
        let argv = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestFailure(description: "cannot start \(argv[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else {
            throw TestFailure(description: "\(argv.joined(separator: " ")) failed with status \(status)")
        }
    }
}
