import AsyncHTTPClient
import Foundation
import OpsideTesting
import Testing

@testable import CostDocs

/// A tiny HTTP server that answers like an S3 server having a bad day, which moto cannot be made
/// to do: `503 SlowDown`, `400 InvalidArgument`, answers 20 s late, or two 503s
/// and then the object. The second path segment picks the behaviour (`/bucket/slowdown-<id>/<hash>`)
/// and the server counts requests per segment (`GET /count/<segment>`), so a test sees how many
/// attempts the store made.
final class MisbehavingS3Server: @unchecked Sendable {
    static let flakyBody = Data("a document served on the third attempt".utf8)

    private static let script = #"""
        import sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        counts, lock = {}, threading.Lock()
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def answer(self, status, body=b""):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def do_GET(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                parts = self.path.split("/")
                if parts[1] == "count":
                    with lock: return self.answer(200, str(counts.get(parts[2], 0)).encode())
                segment = parts[2]
                with lock:
                    counts[segment] = counts.get(segment, 0) + 1
                    seen = counts[segment]
                mode = segment.split("-")[0]
                if mode == "slowdown":
                    return self.answer(503, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
                if mode == "badrequest":
                    return self.answer(400, b"<Error><Code>InvalidArgument</Code><Message>Nope.</Message></Error>")
                if mode == "slow":
                    time.sleep(20)
                    return self.answer(200, b"late")
                if mode == "flaky":
                    if seen < 3:
                        return self.answer(503, b"<Error><Code>InternalError</Code><Message>Try again.</Message></Error>")
                    return self.answer(200, sys.argv[2].encode())
                return self.answer(404, b"")
            do_PUT = do_GET
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#

    let port: Int
    private let process: Process

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    static func start(httpClient: HTTPClient) async throws -> MisbehavingS3Server {
        let python = ProcessInfo.processInfo.environment["OPSIDE_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        let port = try TestEnvironment.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, String(port), String(decoding: flakyBody, as: UTF8.self)]
        try process.run()
        let server = MisbehavingS3Server(port: port, process: process)
        for _ in 0..<200 {
            // Refused until the server listens: an error here only means "not yet".
            if let count = try? await server.requests(to: "probe", httpClient: httpClient), count == 0 { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.stop()
        throw ContentStoreError.unavailable(attempts: 200, reason: "the misbehaving test server did not start on port \(port)")
    }

    /// How many requests reached paths with `segment`.
    func requests(to segment: String, httpClient: HTTPClient) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/count/\(segment)")
        request.method = .GET
        let response = try await httpClient.execute(request, timeout: .seconds(2))
        return Int(String(buffer: try await response.body.collect(upTo: 100))) ?? -1
    }

    func store(httpClient: HTTPClient, prefix: String, retryPolicy: S3RetryPolicy) throws -> S3ContentStore {
        try S3ContentStore(endpoint: URL(string: "http://127.0.0.1:\(port)")!, bucket: "docs", region: "us-east-1", accessKeyId: "id",
                           secretAccessKey: "secret", pathStyle: true, keyPrefix: prefix, httpClient: httpClient, retryPolicy: retryPolicy)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Retries: 5xx answers and timeouts are retried with backoff, a 4xx is reported at once.
@Suite struct S3RetryTests {
    /// Backoff of a millisecond or so: the tests count attempts, they do not wait out real delays.
    let quickRetries = S3RetryPolicy(maximumAttempts: 3, firstDelay: .milliseconds(1), maximumDelay: .milliseconds(5))

    private func withServer(_ body: (HTTPClient, MisbehavingS3Server) async throws -> Void) async throws {
        try await HTTPClient.withHTTPClient { client in
            let server = try await MisbehavingS3Server.start(httpClient: client)
            defer { server.stop() }
            try await body(client, server)
        }
    }

    @Test func serverErrorsAreRetriedThenReportedAsUnavailable() async throws {
        try await withServer { client, server in
            let segment = "slowdown-\(UUID().uuidString.prefix(8))"
            let store = try server.store(httpClient: client, prefix: segment, retryPolicy: quickRetries)
            let refused = await #expect(throws: ContentStoreError.self) { try await store.get(sha256: independentSHA256(Data("x".utf8))) }
            guard case .unavailable(let attempts, let reason)? = refused else {
                Issue.record("expected unavailable, got \(String(describing: refused))")
                return
            }
            #expect(attempts == 3)
            #expect(reason.contains("SlowDown"))
            #expect(try await server.requests(to: segment, httpClient: client) == 3)
        }
    }

    @Test func aClientErrorIsReportedAtOnceWithoutRetrying() async throws {
        try await withServer { client, server in
            let segment = "badrequest-\(UUID().uuidString.prefix(8))"
            let store = try server.store(httpClient: client, prefix: segment, retryPolicy: quickRetries)
            await #expect(throws: ContentStoreError.s3(status: 400, code: "InvalidArgument", message: "Nope.")) {
                try await store.get(sha256: independentSHA256(Data("x".utf8)))
            }
            #expect(try await server.requests(to: segment, httpClient: client) == 1)
        }
    }

    @Test func aTimedOutAttemptIsRetried() async throws {
        try await withServer { client, server in
            let segment = "slow-\(UUID().uuidString.prefix(8))"
            var policy = quickRetries
            policy.maximumAttempts = 2
            policy.attemptTimeout = .milliseconds(300)
            let store = try server.store(httpClient: client, prefix: segment, retryPolicy: policy)
            // The server answers only after 20 s, far past the 300 ms allowed, so the attempts time
            // out even when a busy test run delays the client's deadline by seconds.
            let refused = await #expect(throws: ContentStoreError.self) { try await store.get(sha256: independentSHA256(Data("x".utf8))) }
            guard case .unavailable(let attempts, let reason)? = refused else {
                Issue.record("expected unavailable, got \(String(describing: refused))")
                return
            }
            #expect(attempts == 2)
            #expect(reason.contains("timed out"))
            // The client gave up on the second attempt after 300 ms; on a loaded machine the
            // server's thread may count it only later, so the count is awaited, not sampled.
            var counted = try await server.requests(to: segment, httpClient: client)
            for _ in 0..<100 where counted < 2 {
                try await Task.sleep(for: .milliseconds(50))
                counted = try await server.requests(to: segment, httpClient: client)
            }
            #expect(counted == 2)
        }
    }

    @Test func anAttemptAfterTwoServerErrorsServesTheObject() async throws {
        try await withServer { client, server in
            let segment = "flaky-\(UUID().uuidString.prefix(8))"
            let store = try server.store(httpClient: client, prefix: segment, retryPolicy: quickRetries)
            #expect(try await store.get(sha256: independentSHA256(MisbehavingS3Server.flakyBody)) == MisbehavingS3Server.flakyBody)
            #expect(try await server.requests(to: segment, httpClient: client) == 3)
        }
    }
}
