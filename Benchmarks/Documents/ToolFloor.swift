import Foundation
import Synchronization

/// Runs a document tool directly with Foundation's `Process`, as the floor our pipeline is
/// measured against: the same program on the same file, without our parser process, prlimit,
/// JSON or row rebuilding around it.
struct ToolFloor: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The program, found on PATH.
    var tool: String
    /// The arguments for one input file.
    var arguments: @Sendable (URL) -> [String]
    /// Where standard output goes, one file per run: a file rather than a pipe, so the floor
    /// never waits on a reader, and its size shows the tool really read something.
    var outputFolder: URL

    /// The environment the parser gives its tools: one OCR thread per run (tesseract's OpenMP
    /// would otherwise use every core and measure threading, not our overhead).
    static let environment: [String: String] = [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OMP_THREAD_LIMIT": "1",
    ] .merging(ProcessInfo.processInfo.environment.filter { $0.key == "TESSDATA_PREFIX" }) { $1 }

    /// Runs the tool on one file.
    /// - Returns: The bytes it printed.
    /// - Throws: `Failure` when it cannot start or exits non-zero.
    func run(on input: URL) throws -> Int {
        let output = outputFolder.appendingPathComponent("\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw Failure(description: "cannot create \(output.path)")
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments(input)
        process.environment = Self.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw Failure(description: "\(tool) \(arguments(input).joined(separator: " ")) ended with status \(process.terminationStatus)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: output.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Runs the tool on every file, `width` at once on their own threads (`Process` blocks).
    /// - Returns: How many runs failed, with the first failure.
    func run(on inputs: [URL], width: Int) async -> (failures: Int, first: String?) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                let state = Mutex<(next: Int, failures: Int, first: String?)>((0, 0, nil))
                DispatchQueue.concurrentPerform(iterations: width) { _ in
                    while true {
                        let index = state.withLock { state in
                            defer { state.next += 1 }
                            return state.next
                        }
                        guard index < inputs.count else { return }
                        do {
                            if try run(on: inputs[index]) == 0 { throw Failure(description: "\(tool) printed nothing for \(inputs[index].lastPathComponent)") }
                        } catch {
                            state.withLock { state in
                                state.failures += 1
                                if state.first == nil { state.first = "\(error)" }
                            }
                        }
                    }
                }
                let (_, failures, first) = state.withLock { $0 }
                continuation.resume(returning: (failures, first))
            }
        }
    }
}
