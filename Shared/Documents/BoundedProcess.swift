import Foundation
import Subprocess
import SystemPackage
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a program with a cap on what it may print and, optionally, a wall-clock deadline after
/// which its whole process group is killed.
///
/// Output is read as it arrives (swift-subprocess' async pipes), so a waiting parse holds no
/// thread of Swift's cooperative pool; many may wait at once.
package struct BoundedProcess: Sendable {
    package var executable: Executable
    package var arguments: [String]
    package var environment: Environment = .inherit
    /// A file given to the program as its standard input. A file, not a pipe: writing to a pipe
    /// whose reader died raises SIGPIPE, which would end the calling service.
    package var standardInputFile: URL?
    /// Most bytes of standard output kept; past it the process group is killed and
    /// ``Outcome/outputOverflowed`` is set.
    package var outputLimit: Int
    /// Most bytes of standard error kept (the rest is read and dropped so the program never blocks).
    package var errorLimit: Int = 64 * 1024
    /// Starts the program as the leader of a new process group, so one kill reaches every program
    /// it starts (tesseract, pdftoppm) too.
    package var leadsProcessGroup = false
    package var deadline: Duration?

    package init(executable: Executable, arguments: [String], outputLimit: Int) {
        self.executable = executable
        self.arguments = arguments
        self.outputLimit = outputLimit
    }

    package struct Outcome: Sendable {
        package var status: TerminationStatus
        package var output: [UInt8]
        package var errorOutput: [UInt8]
        /// The deadline passed and the process (group) was killed.
        package var timedOut: Bool
        package var outputOverflowed: Bool
        /// The process's peak address space when the deadline killed it (from /proc): a process
        /// that stalls at its memory limit (libdispatch retries a failed thread start forever)
        /// is out of memory, not slow.
        package var peakAddressSpaceAtDeadline: Int?

        package var errorText: String { String(decoding: errorOutput, as: UTF8.self) }

        package var exitedCleanly: Bool {
            if case .exited(0) = status { return true }
            return false
        }

        /// The signal that ended the process, if one did.
        package var signal: Int32? {
            if case .signaled(let signal) = status { return signal }
            return nil
        }
    }

    /// - Throws: `SubprocessError` when the program cannot be started.
    package func run() async throws -> Outcome {
        let target = KillTarget(killsGroup: leadsProcessGroup)
        let deadline = self.deadline
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask { try await self.spawn(target: target) }
                if let deadline {
                    group.addTask {
                        // Cancelled when the program finished first: then there is nothing to kill.
                        guard (try? await Task.sleep(for: deadline)) != nil else { return nil }
                        target.killForDeadline()
                        return nil
                    }
                }
                var outcome: Outcome?
                while let finished = try await group.next() {
                    if let finished {
                        outcome = finished
                        group.cancelAll()
                    }
                }
                guard var outcome else { throw CancellationError() }
                outcome.timedOut = target.deadlinePassed
                outcome.peakAddressSpaceAtDeadline = target.peakAddressSpaceAtDeadline
                return outcome
            }
        } onCancel: {
            target.kill()
        }
    }

    private func spawn(target: KillTarget) async throws -> Outcome {
        var options = PlatformOptions()
        if leadsProcessGroup { options.processGroupID = 0 }
        let outputLimit = self.outputLimit
        let errorLimit = self.errorLimit
        let input: FileDescriptorInput
        if let standardInputFile {
            input = .fileDescriptor(try FileDescriptor.open(FilePath(standardInputFile.path), .readOnly), closeAfterSpawningProcess: true)
        } else {
            input = .fileDescriptor(try FileDescriptor.open("/dev/null", .readOnly), closeAfterSpawningProcess: true)
        }
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: environment, platformOptions: options,
            input: input, output: .sequence, error: .sequence
        ) { execution in
            target.started(execution.processIdentifier.value)
            async let errorOutput = Self.collect(execution.standardError, keeping: errorLimit) { }
            let output = try await Self.collect(execution.standardOutput, keeping: outputLimit) {
                // Printing past the cap is a runaway: stop the whole group instead of buffering it.
                target.kill()
            }
            return (output, try await errorOutput)
        }
        target.finished()
        let (output, errorOutput) = result.closureResult
        return Outcome(status: result.terminationStatus, output: output.bytes, errorOutput: errorOutput.bytes,
                       timedOut: false, outputOverflowed: output.overflowed)
    }

    /// Reads a stream to its end, keeping at most `limit` bytes.
    private static func collect(_ stream: SubprocessOutputSequence, keeping limit: Int,
                                onOverflow: () -> Void) async throws -> (bytes: [UInt8], overflowed: Bool) {
        var bytes: [UInt8] = []
        var overflowed = false
        for try await chunk in stream {
            guard !overflowed else { continue }
            chunk.withUnsafeBytes { buffer in
                let room = limit - bytes.count
                bytes.append(contentsOf: buffer.prefix(room))
                if buffer.count > room { overflowed = true }
            }
            if overflowed { onOverflow() }
        }
        return (bytes, overflowed)
    }
}

/// The process (or group) to kill on a deadline, a runaway output or cancellation; only between
/// start and reaping, so a recycled pid is never signalled.
private final class KillTarget: Sendable {
    private struct State {
        var processID: pid_t?
        var hasFinished = false
        var deadlinePassed = false
        var killRequested = false
        var peakAddressSpaceAtDeadline: Int?
    }

    private let state = Mutex(State())
    let killsGroup: Bool

    init(killsGroup: Bool) {
        self.killsGroup = killsGroup
    }

    var deadlinePassed: Bool { state.withLock { $0.deadlinePassed } }
    var peakAddressSpaceAtDeadline: Int? { state.withLock { $0.peakAddressSpaceAtDeadline } }

    func started(_ processID: pid_t) {
        let killAlreadyRequested = state.withLock { state in
            state.processID = processID
            return state.killRequested
        }
        if killAlreadyRequested { kill() }
    }

    func finished() {
        state.withLock { state in
            state.processID = nil
            state.hasFinished = true
        }
    }

    /// A deadline that fires after the process was reaped (a race with a normal exit) is no timeout.
    func killForDeadline() {
        let stillRunning = state.withLock { state in
            if !state.hasFinished {
                state.deadlinePassed = true
                state.peakAddressSpaceAtDeadline = state.processID.flatMap(peakAddressSpace(of:))
            }
            return !state.hasFinished
        }
        if stillRunning { kill() }
    }

    func kill() {
        let killsGroup = self.killsGroup
        state.withLock { state in
            state.killRequested = true
            guard let processID = state.processID else { return }
            // Under the lock so `finished()` cannot slip in between the check and the signal.
            sendSignal(SIGKILL, to: killsGroup ? -processID : processID)
        }
    }
}

private func sendSignal(_ signal: Int32, to processOrGroup: pid_t) {
    _ = kill(processOrGroup, signal)
}

/// VmPeak from /proc/<pid>/status, in bytes.
private func peakAddressSpace(of processID: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(processID)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmPeak:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
    return kilobytes * 1024
}
