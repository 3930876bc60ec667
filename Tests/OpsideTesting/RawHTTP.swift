import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends bytes exactly as written over a plain TCP socket and reads the reply: the path tricks an
/// attacker tries (`//internal`, `/./`, `%2F`) would be tidied away by a real HTTP client.
public enum RawHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let head: String
        public let body: Data

        public func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body with `Transfer-Encoding: chunked` framing removed (as read, when not chunked).
        public var payload: Data {
            guard header("transfer-encoding")?.lowercased() == "chunked" else { return body }
            var result = Data()
            var rest = body[...]
            while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
                let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
                let start = lineEnd.upperBound
                guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
                let end = rest.index(start, offsetBy: size)
                result.append(rest[start..<end])
                rest = rest[min(rest.endIndex, rest.index(end, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex)...]
            }
            return result
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `METHOD target HTTP/1.1` with `headers` and `body`, on a fresh connection that asks to be closed.
    public static func request(port: Int, method: String = "GET", target: String, headers: [String: String] = [:],
                        body: Data = Data()) async throws -> Reply {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        do {
            return try await send(port: port, bytes: Data(text.utf8) + body)
        } catch let failure as Failure {
            throw Failure(description: "\(method) \(target.prefix(200)): \(failure.description)")
        }
    }

    /// Writes `bytes` and reads until the server closes the connection (at most 10 s).
    public static func send(port: Int, bytes: Data) async throws -> Reply {
        try await OwnThread.run {
            let socket = try connect(port: port)
            defer { close(socket) }
            write(socket, bytes)
            let response = read(socket)
            guard let split = response.range(of: Data("\r\n\r\n".utf8)) else {
                throw Failure(description: "no complete response head in \(response.count) bytes")
            }
            let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
            let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return Reply(status: status, head: head, body: Data(response[split.upperBound...]))
        }
    }

    /// `POST target` with the whole `body` written before the answer is read, on a connection
    /// kept alive, as a browser uploads: the server reads (drains) what it refused, so the answer
    /// is there to read after the last byte, whatever an HTTP client library makes of an early
    /// answer. The reply is read up to its `Content-Length`.
    public static func upload(port: Int, target: String, headers: [String: String], body: Data) async throws -> Reply {
        try await OwnThread.run {
            let socket = try connect(port: port)
            defer { close(socket) }
            var text = "POST \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            write(socket, Data((text + "\r\n").utf8) + body)
            var response = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                if let split = response.range(of: Data("\r\n\r\n".utf8)) {
                    let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
                    let reply = Reply(status: head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0,
                                      head: head, body: Data(response[split.upperBound...]))
                    let length = reply.header("content-length").flatMap { Int($0) } ?? 0
                    if reply.body.count >= length { return reply }
                }
                let count = recv(socket, &buffer, buffer.count, 0)
                guard count > 0 else { throw Failure(description: "the connection ended after \(response.count) bytes of the answer") }
                response.append(contentsOf: buffer[0..<count])
            }
        }
    }

    /// A connected socket with a 10-second receive timeout.
    public static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect to port \(port) failed")
        }
        return socket
    }

    public static func write(_ socket: Int32, _ bytes: Data) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(socket, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                // The server may answer and close before it has read everything (a header it
                // refused): what it answered is still there to read.
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }

    /// `GET target` with `headers` on a connection left open (a WebSocket handshake, say); the
    /// answer's status and head, read up to the blank line that ends it.
    public static func head(port: Int, target: String, headers: [String: String]) async throws -> (status: Int, head: String) {
        try await OwnThread.run {
            let socket = try connect(port: port)
            defer { close(socket) }
            var text = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            write(socket, Data((text + "\r\n").utf8))
            var response = Data()
            var byte: UInt8 = 0
            while !response.suffix(4).elementsEqual(Data("\r\n\r\n".utf8)), recv(socket, &byte, 1, 0) == 1 { response.append(byte) }
            let head = String(decoding: response, as: UTF8.self)
            return (head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0, head)
        }
    }

    /// Everything the peer sends until it closes, or until the receive timeout.
    public static func read(_ socket: Int32) -> Data {
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            response.append(contentsOf: buffer[0..<count])
        }
        return response
    }

    /// Whether the server closes `socket` (reads end of file) within `timeout`, while the client
    /// sends nothing.
    public static func closedByServer(_ socket: Int32, within timeout: Duration) async throws -> Bool {
        try await OwnThread.run {
            let deadline = ContinuousClock.now + timeout
            var buffer = [UInt8](repeating: 0, count: 1024)
            var short = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &short, socklen_t(MemoryLayout<timeval>.size))
            while ContinuousClock.now < deadline {
                let count = recv(socket, &buffer, buffer.count, 0)
                if count == 0 { return true }
                if count < 0, errno != EAGAIN, errno != EWOULDBLOCK { return true }
            }
            return false
        }
    }
}
