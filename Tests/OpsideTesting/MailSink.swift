import Foundation

/// deploy/mail-sink.py of the test's own, on a free port and in a temporary folder: what the
/// services under test send mail to (`overrides`), and where the test reads each message back.
public final class MailSink: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let lock = NSLock()
    private var process: ChildProcess?
    /// What the sink has said on its stdout: that it listens, and each message it kept.
    private let events = SinkEvents()

    /// One kept message: the SMTP envelope, the headers, and the text body decoded.
    public struct Message: Sendable {
        public let envelopeFrom: String
        public let envelopeTo: String
        public let headers: [String: String]
        public let text: String

        public var subject: String { headers["subject"] ?? "" }

        /// The first `http(s)://` link in the text.
        public var firstLink: String? {
            text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" }).first { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
                .map(String.init)
        }
    }

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    /// `OPSIDE_MAIL_SINK_PYTHON` (deploy/test exports Debian's python, which has aiosmtpd), else /usr/bin/python3.
    public static func start() async throws -> MailSink {
        let python = ProcessInfo.processInfo.environment["OPSIDE_MAIL_SINK_PYTHON"] ?? "/usr/bin/python3"
        let directory = NSTemporaryDirectory() + "opside-mail-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sink = MailSink(port: try TestEnvironment.freePort(), directory: directory)
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("deploy/mail-sink.py").path
        let events = sink.events
        let process = try ChildProcess.spawn([python, script, "--port", String(sink.port), "--dir", directory],
                                             output: directory + "/sink.log") { events.record($0) }
        sink.lock.withLock { sink.process = process }
        // The sink says "listening" once its server accepts connections (aiosmtpd's start returns then).
        if try await events.wait(timeout: .seconds(20), until: { $0.listening }) { return sink }
        sink.stop()
        throw HarnessError("the mail sink on port \(sink.port) did not start (is python3-aiosmtpd installed for \(python)?)")
    }

    /// What the services' configuration needs to send here.
    public var overrides: [String: String] {
        ["mail.smtp.host": "127.0.0.1", "mail.smtp.port": String(port), "mail.smtp.security": "none"]
    }

    /// The messages kept so far, oldest first.
    public func messages() throws -> [Message] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }
        return try names.sorted { Self.order($0) < Self.order($1) }.map { try Self.parse(Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0))) }
    }

    /// Waits until the sink has said it kept `count` messages (the file is in place before it
    /// says so), or `timeout` passes, and returns the messages kept.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Message] {
        _ = try await events.wait(timeout: timeout) { $0.kept >= count }
        return try messages()
    }

    public func stop() {
        lock.withLock { process }?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func order(_ name: String) -> (Int, Int) {
        let parts = name.dropLast(4).split(separator: "-")
        return (Int(parts.first ?? "") ?? 0, Int(parts.last ?? "") ?? 0)
    }

    /// Headers (lowercased names, folded lines joined) and the body, base64-decoded when so encoded.
    static func parse(_ data: Data) throws -> Message {
        // Line ends as "\n" first: Swift takes "\r\n" for one character, which no "\n" search finds.
        let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        guard let split = text.range(of: "\n\n") else { throw HarnessError("a kept message without a body") }
        var headers: [String: String] = [:]
        var last: String?
        for line in text[..<split.lowerBound].components(separatedBy: "\n") {
            if line.first == " " || line.first == "\t", let key = last {
                headers[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
        }
        var body = String(text[split.upperBound...])
        if headers["content-transfer-encoding"]?.lowercased() == "base64" {
            let joined = body.filter { !$0.isWhitespace }
            body = Data(base64Encoded: joined).map { String(decoding: $0, as: UTF8.self) } ?? body
        }
        return Message(envelopeFrom: headers["x-sink-mail-from"] ?? "", envelopeTo: headers["x-sink-rcpt-to"] ?? "", headers: headers,
                       text: body.replacingOccurrences(of: "\r\n", with: "\n"))
    }
}

/// The sink's stdout as state, and the tests waiting for some of it.
final class SinkEvents: @unchecked Sendable {
    struct State {
        var listening = false
        var kept = 0
    }

    private let lock = NSLock()
    private var state = State()
    private var waiters: [UUID: (condition: @Sendable (State) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]

    /// One line the sink printed (deploy/mail-sink.py: "listening on …", "<file> from … to …").
    func record(_ line: String) {
        let ready = lock.withLock { () -> [CheckedContinuation<Bool, Never>] in
            if line.hasPrefix("mail-sink: listening") { state.listening = true } else if line.hasPrefix("mail-sink: ") { state.kept += 1 }
            let met = waiters.filter { $0.value.condition(state) }
            for id in met.keys { waiters[id] = nil }
            return met.map(\.value.continuation)
        }
        ready.forEach { $0.resume(returning: true) }
    }

    /// Returns true as soon as `condition` holds, false if `timeout` passes first.
    func wait(timeout: Duration, until condition: @escaping @Sendable (State) -> Bool) async throws -> Bool {
        let id = UUID()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now = self.lock.withLock { () -> Bool in
                        if condition(self.state) { return true }
                        self.waiters[id] = (condition, continuation)
                        return false
                    }
                    if now { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                // Only a bound on a failing test: the answer comes from the sink's own words.
                try? await Task.sleep(for: timeout)
                let waiting = self.lock.withLock { self.waiters.removeValue(forKey: id) }
                waiting?.continuation.resume(returning: false)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
