import Foundation
import Subprocess

/// Parses untrusted seller documents in a separate `opside-document-parser` process, under
/// ``DocumentLimits``, so a hostile or broken file costs one process, never the service.
///
/// The parser runs as the leader of its own process group under `prlimit` (address space,
/// processor time, file size, no core dumps), with a minimal environment (no service secrets)
/// and a private temporary folder that is removed afterwards. A wall-clock deadline kills the
/// whole group, so the tesseract or pdftoppm it started die with it. Every outcome, including a
/// crash, comes back as a ``ParsedDocument`` or a ``DocumentRejection``; `parse` never traps.
public struct DocumentParsing: Sendable {
    public var parserExecutable: URL
    public var limits: DocumentLimits
    /// util-linux `prlimit`, which sets the limits on the parser before it starts.
    public var prlimitExecutable = URL(fileURLWithPath: "/usr/bin/prlimit")
    /// Where each parse gets its private folder for rendered pages and converted photos.
    public var temporaryDirectory = FileManager.default.temporaryDirectory

    /// The parser's executable name, as built by the `opside-document-parser` target.
    public static let parserExecutableName = "opside-document-parser"
    /// Environment variable that overrides where the parser is looked for.
    public static let parserExecutableEnvironmentKey = "OPSIDE_DOCUMENT_PARSER"

    public init(parserExecutable: URL, limits: DocumentLimits = .standard) {
        self.parserExecutable = parserExecutable
        self.limits = limits
    }

    /// The parser beside the running executable (SwiftPM and the Docker image put all of a
    /// package's executables in one folder), unless `OPSIDE_DOCUMENT_PARSER` names another path.
    public static func parserExecutableBesideRunningExecutable(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> URL {
        if let override = environment[parserExecutableEnvironmentKey], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // /proc/self/exe is the real binary even when started through a symlink or a relative path.
        let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: running).deletingLastPathComponent().appendingPathComponent(parserExecutableName)
    }

    // MARK: Parsing

    /// Checks the file's size, sniffs its kind from its bytes, then parses it.
    public func parse(fileAt url: URL) async throws(DocumentRejection) -> ParsedDocument {
        try limits.checkFileSize(ofFileAt: url)
        return try await parse(fileAt: url, kind: try DocumentKind.sniff(fileAt: url))
    }

    /// Parses a file of a kind already sniffed with ``DocumentKind/sniff(fileAt:)``.
    ///
    /// The size is checked first from the file system, so an oversized file is refused before
    /// anything reads it.
    /// - Throws: A ``DocumentRejection`` for every failure, including a parser that crashed,
    ///   ran out of time or memory, or could not be started (`parser_unavailable`).
    public func parse(fileAt url: URL, kind: DocumentKind) async throws(DocumentRejection) -> ParsedDocument {
        try limits.checkFileSize(ofFileAt: url)
        guard FileManager.default.isExecutableFile(atPath: parserExecutable.path) else {
            throw DocumentRejection(.parserUnavailable, "We could not read the document because our document reader is not installed (\(parserExecutable.lastPathComponent)). Please try again later.")
        }
        let workFolder = temporaryDirectory.appendingPathComponent("opside-document-parse-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DocumentRejection(.parserUnavailable, "We could not read the document because we could not prepare a work folder on our side. Please try again later.")
        }
        defer { try? FileManager.default.removeItem(at: workFolder) }

        let outcome: BoundedProcess.Outcome
        do {
            outcome = try await parserProcess(input: url.standardizedFileURL, kind: kind, workFolder: workFolder).run()
        } catch {
            if Task.isCancelled { throw Self.cancelled }
            throw DocumentRejection(.parserUnavailable, "We could not start our document reader (\(error)). Please try again later.")
        }
        // A cancelled parse was killed by us: its SIGKILL says nothing about the document.
        if Task.isCancelled { throw Self.cancelled }
        return try interpret(outcome)
    }

    private func parserProcess(input: URL, kind: DocumentKind, workFolder: URL) throws -> BoundedProcess {
        let arguments = [
            "--as=\(limits.parseMemoryBytes)",
            // Soft below hard: the soft limit sends SIGXCPU, read as "took too long"; a hard
            // limit reached first would send SIGKILL, which looks like the kernel's OOM killer.
            "--cpu=\(limits.parseCPUSeconds):\(limits.parseCPUSeconds + 2)",
            "--fsize=\(limits.parseOutputBytes)",
            // A crash writes no core file: it would be as big as the memory limit.
            "--core=0",
            "--", parserExecutable.path, kind.rawValue, input.path,
        ]
        var process = BoundedProcess(executable: .path(.init(prlimitExecutable.path)), arguments: arguments,
                                     // The parser keeps its JSON within parseOutputBytes; the slack is for the envelope.
                                     outputLimit: limits.parseOutputBytes + 1_048_576)
        process.environment = .custom(parserEnvironment(workFolder: workFolder))
        let limitsFile = workFolder.appendingPathComponent("limits.json")
        try JSONEncoder().encode(limits).write(to: limitsFile)
        process.standardInputFile = limitsFile
        process.leadsProcessGroup = true
        process.deadline = .milliseconds(Int64((limits.parseSeconds * 1000).rounded()))
        return process
    }

    /// Only what the tools need: a service's environment holds database passwords and tokens.
    private func parserEnvironment(workFolder: URL) -> [Environment.Key: String] {
        let inherited = ProcessInfo.processInfo.environment
        var environment: [Environment.Key: String] = [
            "PATH": inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "TMPDIR": workFolder.path,
            // fontconfig (poppler) writes its cache under HOME; keep it in the work folder.
            "HOME": workFolder.path,
            "LANG": "C.UTF-8",
            // One OCR thread per parse: parses run side by side, and each OpenMP thread would
            // reserve address space against the memory limit.
            "OMP_THREAD_LIMIT": "1",
            // glibc reserves 64 MB of address space per malloc arena and thread; two are plenty.
            "MALLOC_ARENA_MAX": "2",
        ]
        if let tessdata = inherited["TESSDATA_PREFIX"] { environment["TESSDATA_PREFIX"] = tessdata }
        return environment
    }

    // MARK: Outcomes

    private static let cancelled = DocumentRejection(.parserUnavailable, "Reading the document was stopped because the upload was cancelled. Please upload it again.")

    private func interpret(_ outcome: BoundedProcess.Outcome) throws(DocumentRejection) -> ParsedDocument {
        if outcome.timedOut, let peak = outcome.peakAddressSpaceAtDeadline, Double(peak) >= 0.9 * Double(limits.parseMemoryBytes) {
            throw DocumentRejection(.outOfMemory, "Reading the document needed more than \(ByteCountText.describe(limits.parseMemoryBytes)) of memory, the limit, and stalled. Please upload a smaller file or fewer pages.")
        }
        if outcome.timedOut {
            throw DocumentRejection(.timedOut, "Reading the document took longer than \(Self.seconds(limits.parseSeconds)), the limit. Please upload a smaller or simpler file, for example only the invoice pages.")
        }
        if outcome.outputOverflowed {
            throw DocumentRejection(.tooLarge, "The document holds more than \(ByteCountText.describe(limits.parseOutputBytes)) of text, the limit. Please split it into smaller files.")
        }
        if outcome.exitedCleanly, let output = try? JSONDecoder().decode(ParserOutput.self, from: Data(outcome.output)) {
            switch output {
            case .document(let document): return document
            case .rejection(let rejection): throw rejection
            }
        }
        throw ParserFailure(outcome: outcome, limits: limits, subject: "our document reader").rejection
    }

    static func seconds(_ value: Double) -> String {
        if value == 1 { return "1 second" }
        return value == value.rounded() ? "\(Int(value)) seconds" : "\(ByteCountText.roundedFigure(value)) seconds"
    }
}
