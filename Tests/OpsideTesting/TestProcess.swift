import Foundation

/// Runs a program to its end for a test: its output and errors go to files (a pipe read one after
/// the other deadlocks once the other fills), and the wait is off Swift's cooperative threads.
///
/// Those threads are two on two cores and they also run every in-process service of the test
/// process: a `waitUntilExit()` on one of them, while the program talks to an in-process server,
/// left that server one thread, and two such waits at once (a CLI upload beside a parse benchmark)
/// left it none. That is the likeliest cause of the CI run in which every test of the parallel
/// pass stalled for two minutes at once.
///
/// The program is started with posix_spawn and waited for with `waitid` on a thread of its own,
/// not with Foundation's `Process`: a CI run's parallel pass saw a short python3 script outlive its
/// 60-second limit while the rest of the pass went on, as `pg_ctl` once went unreaped under
/// `Process` (`PrivatePostgres`). A blocking wait on the child's own pid cannot miss its end.
public enum TestProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        public let outputData: Data
        public let error: String
        public var output: String { String(decoding: outputData, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` and waits for it, at most `timeout`: past that it is
    /// killed and the test fails saying so, rather than the whole pass waiting on it. The status
    /// is the exit code, or the signal's number when a signal ended it (as `Process` gives it).
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           timeout: Duration = .seconds(300)) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout"), errorFile = folder.appendingPathComponent("stderr")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The program starts with no signal blocked and every signal's default action, as
        // Foundation's `Process` starts it: the test process blocks some, and a child inherits that.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let ownEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { ownEnvironment?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = ownEnvironment.map { posix_spawn(&pid, executable.path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw HarnessError("cannot start \(executable.path): errno \(spawned)") }

        let child = pid
        let watch = Watch(pid: child)
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            watch.killIfRunning()
        }
        defer { timer.cancel() }
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                // Wait for the end without reaping it, so the timer never signals a pid the
                // system has given to another process; then reap it.
                var info = siginfo_t()
                while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
                watch.finished()
                var raw: Int32 = 0
                while waitpid(child, &raw, 0) == -1, errno == EINTR {}
                // The status word: the signal in the low 7 bits, else the exit code above them.
                continuation.resume(returning: raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f)
            }
        }
        let error = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        if watch.timedOut {
            throw HarnessError("""
                \(executable.lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) did not end within \(timeout) \
                and was killed:
                \(error.suffix(2000))
                """)
        }
        return Outcome(status: status, outputData: (try? Data(contentsOf: outputFile)) ?? Data(), error: error)
    }

    /// The running program, and whether its time ran out before it ended.
    private final class Watch: @unchecked Sendable {
        private let lock = NSLock()
        private let pid: pid_t
        private var ended = false
        private var killed = false

        init(pid: pid_t) { self.pid = pid }

        func finished() { lock.withLock { ended = true } }
        var timedOut: Bool { lock.withLock { killed } }

        func killIfRunning() {
            lock.withLock {
                guard !ended else { return }
                killed = true
                kill(pid, SIGKILL)
            }
        }
    }
}
