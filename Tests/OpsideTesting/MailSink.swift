import Foundation

/// deploy/mail-sink.py of the test's own, on a free port and in a temporary folder: what the
/// services under test send mail to (`overrides`), and where the test reads each message back.
public final class MailSink: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let lock = NSLock()
    private var process: ChildProcess?

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
        let process = try ChildProcess.spawn([python, script, "--port", String(sink.port), "--dir", directory],
                                             output: directory + "/sink.log")
        sink.lock.withLock { sink.process = process }
        for _ in 0..<200 {
            if Self.accepts(port: sink.port) { return sink }
            try await Task.sleep(for: .milliseconds(50))
        }
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

    /// Waits (polling the folder) until `count` messages are kept, and returns them.
    public func waitForMessages(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Message] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let kept = try messages()
            if kept.count >= count || ContinuousClock.now >= deadline { return kept }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    public func stop() {
        lock.withLock { process }?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func order(_ name: String) -> (Int, Int) {
        let parts = name.dropLast(4).split(separator: "-")
        return (Int(parts.first ?? "") ?? 0, Int(parts.last ?? "") ?? 0)
    }

    static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
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
