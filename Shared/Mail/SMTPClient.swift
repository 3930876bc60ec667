import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Where mail goes: `mail.smtp.*` settings. Development and tests point at deploy/mail-sink.py;
/// production at any SMTP server (implicit TLS on 465 with a user and password, typically).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// Plain SMTP: only for a server on this machine (the sink).
        case none
        /// TLS from the first byte (SMTPS, usually port 465), the server's certificate verified.
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name this side gives in EHLO.
    public var heloName: String
    public var timeout: Duration

    public init(host: String, port: Int, security: Security = .none, username: String? = nil, password: String? = nil,
                heloName: String = "opside.local", timeout: Duration = .seconds(20)) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeout = timeout
    }
}

/// One e-mail: plain text, UTF-8. `from` and `to` are bare addresses; `fromName` is shown beside `from`.
public struct MailMessage: Sendable, Equatable, Codable {
    public var from: String
    public var fromName: String?
    public var to: String
    public var subject: String
    public var text: String

    public init(from: String, fromName: String? = nil, to: String, subject: String, text: String) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.text = text
    }
}

public enum SMTPError: Error, Equatable, CustomStringConvertible {
    /// The server answered a command with an error (4xx: try again later; 5xx: it will not take it).
    case refused(command: String, reply: String)
    case connectionClosed
    case timedOut
    /// An address with characters SMTP cannot carry (CR, LF, angle brackets) or no `@`.
    case badAddress(String)

    public var isTransient: Bool {
        switch self {
        case .refused(_, let reply): reply.hasPrefix("4")
        case .connectionClosed, .timedOut: true
        case .badAddress: false
        }
    }

    public var description: String {
        switch self {
        case .refused(let command, let reply): "the mail server refused \(command): \(reply)"
        case .connectionClosed: "the mail server closed the connection"
        case .timedOut: "the mail server did not answer in time"
        case .badAddress(let address): "\"\(address)\" is not an address mail can be sent to"
        }
    }
}

/// Sends mail over SMTP (RFC 5321): a connection per message, EHLO, AUTH PLAIN when a user is
/// set, MAIL FROM, RCPT TO, DATA, QUIT. The message is UTF-8 text in base64, so any server takes
/// it whatever its extensions; the subject is RFC 2047-encoded when it is not ASCII.
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings
    let now: @Sendable () -> Date

    public init(settings: SMTPSettings, now: @escaping @Sendable () -> Date = Date.init) {
        self.settings = settings
        self.now = now
    }

    public func send(_ message: MailMessage) async throws {
        for address in [message.from, message.to] { try Self.checkAddress(address) }
        let settings = self.settings
        let data = Self.compose(message, date: now(), messageID: "<\(UUID().uuidString.lowercased())@\(settings.heloName)>")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.converse(settings: settings, message: message, data: data) }
            group.addTask {
                try await Task.sleep(for: settings.timeout)
                throw SMTPError.timedOut
            }
            try await group.next()
            group.cancelAll()
        }
    }

    static func checkAddress(_ address: String) throws {
        guard address.contains("@"), !address.contains(where: { "\r\n<> ".contains($0) }) else { throw SMTPError.badAddress(address) }
    }

    static func converse(settings: SMTPSettings, message: MailMessage, data: String) async throws {
        let tlsContext = settings.security == .tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: settings.host))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplies(inbound.makeAsyncIterator())
            func command(_ line: String, expect: Set<Int>, name: String? = nil) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                try await replies.expect(expect, command: name ?? line)
            }
            try await replies.expect([220], command: "the greeting")
            try await command("EHLO \(settings.heloName)", expect: [250])
            if let username = settings.username, let password = settings.password {
                let credentials = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
                try await command("AUTH PLAIN \(credentials)", expect: [235], name: "AUTH PLAIN")
            }
            try await command("MAIL FROM:<\(message.from)>", expect: [250])
            try await command("RCPT TO:<\(message.to)>", expect: [250, 251])
            try await command("DATA", expect: [354])
            try await outbound.write(ByteBuffer(string: data + ".\r\n"))
            try await replies.expect([250], command: "the message")
            try? await command("QUIT", expect: [221])
        }
    }

    /// The message as DATA carries it (each line CRLF-ended; base64 lines never start with a dot).
    static func compose(_ message: MailMessage, date: Date, messageID: String) -> String {
        let subject = message.subject.allSatisfy(\.isASCII)
            ? message.subject.filter { $0 != "\r" && $0 != "\n" }
            : "=?UTF-8?B?" + Data(message.subject.utf8).base64EncodedString() + "?="
        let body = Data(message.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let name = message.fromName.map { $0.filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "." || $0 == "-" } }
        let from = name.map { $0.isEmpty ? message.from : (($0.allSatisfy(\.isASCII) ? $0 : "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=")
            + " <\(message.from)>") } ?? message.from
        return [
            "From: \(from)", "To: \(message.to)", "Subject: \(subject)", "Date: \(rfc5322(date))", "Message-ID: \(messageID)",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "", body, "",
        ].joined(separator: "\r\n")
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// The server's replies, read line by line: a reply is done at the line whose code is followed by
/// a space (`250 OK`), after any `250-…` lines.
struct SMTPReplies {
    var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    var pending = ByteBuffer()

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func line() async throws -> String {
        while true {
            if let end = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = end - pending.readerIndex + 1
                let line = pending.readString(length: length) ?? ""
                return line.trimmingCharacters(in: .newlines)
            }
            guard var chunk = try await iterator.next() else { throw SMTPError.connectionClosed }
            pending.writeBuffer(&chunk)
        }
    }

    mutating func expect(_ codes: Set<Int>, command: String) async throws {
        var text: [String] = []
        while true {
            let line = try await line()
            text.append(line)
            let code = Int(line.prefix(3)) ?? 0
            guard line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" else {
                guard codes.contains(code) else { throw SMTPError.refused(command: command, reply: text.joined(separator: " ")) }
                return
            }
        }
    }
}
