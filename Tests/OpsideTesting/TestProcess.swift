import Foundation

/// Runs a program to its end for a test: its output and errors go to files (a pipe read one after
/// the other deadlocks once the other fills), and the wait is off Swift's cooperative threads.
///
/// Those threads are two on two cores and they also run every in-process service of the test
/// process: a `waitUntilExit()` on one of them, while the program talks to an in-process server,
/// left that server one thread, and two such waits at once (a CLI upload beside a parse benchmark)
/// left it none. That is the likeliest cause of the CI run in which every test of the parallel
/// pass stalled for two minutes at once.
public enum TestProcess {
    public struct Outcome: Sendable {
        public let status: Int32
        public let outputData: Data
        public let error: String
        public var output: String { String(decoding: outputData, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` and waits for it, at most `timeout`: past that it is
    /// killed and the test fails saying so, rather than the whole pass waiting on it.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           timeout: Duration = .seconds(300)) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout"), errorFile = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)

        let watch = Watch()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            watch.killIfRunning()
        }
        defer { timer.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = {
                watch.finished()
                continuation.resume(returning: $0.terminationStatus)
            }
            do {
                try process.run()
                watch.started(process.processIdentifier)
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
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

    /// The process's id once started, and whether its time ran out before it ended.
    private final class Watch: @unchecked Sendable {
        private let lock = NSLock()
        private var pid: pid_t = 0
        private var ended = false
        private var killed = false

        func started(_ pid: pid_t) { lock.withLock { self.pid = pid } }
        func finished() { lock.withLock { ended = true } }
        var timedOut: Bool { lock.withLock { killed } }

        func killIfRunning() {
            lock.withLock {
                guard pid > 0, !ended else { return }
                killed = true
                kill(pid, SIGKILL)
            }
        }
    }
}
