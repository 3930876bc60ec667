import Foundation

/// A server a test starts as its own child (Redis, the mail sink): spawned with posix_spawn, its
/// output sent to a file (or nowhere), stopped with SIGKILL and reaped with waitpid, so once
/// `stop()` returns nothing listens on its port.
public final class ChildProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: pid_t

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `argv` (an absolute executable first) with stdout and stderr to `output`; with
    /// `onLine`, stdout comes back instead, each line handed to it (on a thread of its own) as the
    /// process writes it, which is how a test waits for what the server says it did.
    public static func spawn(_ argv: [String], output: String = "/dev/null",
                             onLine: (@Sendable (String) -> Void)? = nil) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if onLine != nil {
            guard pipe(&pipeEnds) == 0 else { throw HarnessError("cannot make a pipe for \(argv[0]): errno \(errno)") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
            posix_spawn_file_actions_addopen(&actions, 2, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, argv[0], &actions, nil, &cArguments, environ)
        if let onLine {
            close(pipeEnds[1])
            let reader = pipeEnds[0]
            if spawned == 0 {
                // Blocking reads until the process (and so the pipe) ends.
                Thread.detachNewThread {
                    guard let stream = fdopen(reader, "r") else {
                        close(reader)
                        return
                    }
                    defer { fclose(stream) }
                    var line: UnsafeMutablePointer<CChar>?
                    var capacity = 0
                    defer { free(line) }
                    while getline(&line, &capacity, stream) > 0, let line {
                        onLine(String(cString: line).trimmingCharacters(in: .newlines))
                    }
                }
            } else {
                close(reader)
            }
        }
        guard spawned == 0 else { throw HarnessError("cannot start \(argv[0]): errno \(spawned)") }
        return ChildProcess(pid: child)
    }

    /// SIGKILL (a crash, as far as the server knows; a SIGTERM could stay blocked, since the test
    /// process's signal mask is inherited), then waits for it. Harmless when already stopped.
    public func stop() {
        let child = lock.withLock { () -> pid_t in
            defer { pid = 0 }
            return pid
        }
        guard child > 0 else { return }
        kill(child, SIGKILL)
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1, errno == EINTR {}
    }
}
