import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpsideAWS
import OpsideTesting
import Testing

@testable import CostDocs

/// A real S3- and SQS-compatible server for the S3 and SQS tests: moto in server mode, started by the test run on a
/// free port of 127.0.0.1 and stopped when the suite that asked for it (`.motoServer`) ends.
///
/// Signature checking is switched on: moto checks SigV4 signatures only for access keys of IAM
/// users it knows, and only once its "no authentication" allowance is used up. So the fixture
/// creates an IAM user with an access key and an `s3:*` policy while authentication is off, then
/// sets the allowance to zero (`/moto-api/reset-auth`): from then on every request must be signed
/// with that key's secret, and a wrong secret gets `SignatureDoesNotMatch`, as from AWS.
///
/// Python: `OPSIDE_TEST_PYTHON` (the venv deploy/test makes from Tests/Clients/requirements.txt),
/// else `python3` on the PATH; either must have `moto[server]`.
final class MotoServer: @unchecked Sendable {
    @TaskLocal static var current: MotoServer?

    let port: Int
    let endpoint: URL
    let region = "us-east-1"
    /// The bucket the suite's stores use (made with `ensureBucket()` at start).
    let bucket = "opside-cost-docs-tests"
    let accessKeyId: String
    let secretAccessKey: String
    /// From spawning the process to its first answer.
    let secondsToStart: Double
    let logPath: String
    // Only `start` and `stop` touch it, one after the other: hence `@unchecked Sendable`.
    private let process: Process

    private init(port: Int, process: Process, logPath: String, accessKeyId: String, secretAccessKey: String, secondsToStart: Double) {
        self.port = port
        self.endpoint = URL(string: "http://127.0.0.1:\(port)")!
        self.process = process
        self.logPath = logPath
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.secondsToStart = secondsToStart
    }

    /// Starts moto and returns once it answers with signature checking on and the bucket made.
    static func start(httpClient: HTTPClient) async throws -> MotoServer {
        let python = ProcessInfo.processInfo.environment["OPSIDE_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
        let logPath = NSTemporaryDirectory() + "opside-moto-\(UUID().uuidString.prefix(8)).log"
        var lastProblem = ""
        // A port chosen free can be taken before moto binds it; then moto exits and a new port is tried.
        for _ in 1...3 {
            let port = try TestEnvironment.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = log
            process.standardError = log
            let started = ContinuousClock.now
            try process.run()
            do {
                try await waitUntilAnswering(port: port, process: process, httpClient: httpClient, logPath: logPath, python: python)
            } catch let problem as MotoServerProblem where problem.exited {
                lastProblem = problem.description
                continue
            } catch {
                stop(process)
                throw error
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            do {
                let (keyId, secret) = try await createSigningUser(port: port, httpClient: httpClient)
                let server = MotoServer(port: port, process: process, logPath: logPath, accessKeyId: keyId, secretAccessKey: secret,
                                        secondsToStart: seconds)
                try await server.store(httpClient: httpClient, prefix: "").ensureBucket()
                return server
            } catch {
                stop(process)
                throw error
            }
        }
        throw MotoServerProblem(description: "moto did not start on three ports in a row: \(lastProblem)", exited: true)
    }

    /// An `S3ContentStore` on this server's bucket with the fixture's key, under `prefix` (each test
    /// gets its own, so the same bytes stored by two tests at once never meet).
    func store(httpClient: HTTPClient, prefix: String, secretAccessKey: String? = nil, accessKeyId: String? = nil,
               bucket: String? = nil, retryPolicy: S3RetryPolicy = S3RetryPolicy()) throws -> S3ContentStore {
        try S3ContentStore(endpoint: endpoint, bucket: bucket ?? self.bucket, region: region, accessKeyId: accessKeyId ?? self.accessKeyId,
                           secretAccessKey: secretAccessKey ?? self.secretAccessKey, pathStyle: true, keyPrefix: prefix,
                           httpClient: httpClient, retryPolicy: retryPolicy)
    }

    /// Sends a request signed with the fixture's key, bypassing the store: how a test replaces an
    /// object's bytes behind the store's back.
    func rawRequest(_ method: HTTPMethod, path: String, query: [(name: String, value: String)] = [], body: Data = Data(),
                    httpClient: HTTPClient) async throws -> HTTPClientResponse {
        let signer = AWSRequestSigner(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, region: region)
        let queryText = query.isEmpty ? "" : "?" + AWSRequestSigner.encodeQuery(query)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(AWSRequestSigner.encodePath(path))\(queryText)")
        request.method = method
        for (name, value) in signer.sign(method: method.rawValue, path: path, query: query, headers: [("host", "127.0.0.1:\(port)")],
                                         payloadSHA256: ContentKey.of(body).hex, date: Date()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(body)
        return try await httpClient.execute(request, timeout: .seconds(30))
    }

    /// SIGKILL (moto keeps nothing worth a clean shutdown, and a SIGTERM could stay blocked by a
    /// signal mask inherited from the test process), then waits for it: nothing listens afterwards.
    func stop() {
        Self.stop(process)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    private static func stop(_ process: Process) {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    // MARK: Starting

    private struct MotoServerProblem: Error, CustomStringConvertible {
        let description: String
        /// moto exited by itself (a port already taken, or no moto for this python).
        let exited: Bool
    }

    /// Polls moto's own API (`/moto-api/data.json`, no signature needed) every 50 ms for up to 60 s.
    private static func waitUntilAnswering(port: Int, process: Process, httpClient: HTTPClient, logPath: String, python: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                if log.contains("No module named") {
                    throw MotoServerProblem(description: """
                        \(python) has no moto: install Tests/Clients/requirements.txt into a venv and point OPSIDE_TEST_PYTHON \
                        at its python (deploy/test does both). \(log.suffix(400))
                        """, exited: false)
                }
                throw MotoServerProblem(description: "moto exited on port \(port): \(log.suffix(600))", exited: true)
            }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/moto-api/data.json")
            request.method = .GET
            // Refused until moto listens: an error here only means "not yet".
            if let response = try? await httpClient.execute(request, timeout: .seconds(2)) {
                _ = try await response.body.collect(upTo: 16 << 20)
                if response.status == .ok { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MotoServerProblem(description: "moto on port \(port) did not answer within 60 s (log: \(logPath))", exited: false)
    }

    /// Creates an IAM user with an access key allowed `s3:*` and `sqs:*` (`SQSClientMotoTests`), then
    /// turns signature checking on.
    private static func createSigningUser(port: Int, httpClient: HTTPClient) async throws -> (String, String) {
        let user = "opside-cost-docs-tests"
        _ = try await iam(port: port, httpClient: httpClient, [("Action", "CreateUser"), ("UserName", user)])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*"],"Resource":"*"}]}"#
        _ = try await iam(port: port, httpClient: httpClient,
                          [("Action", "PutUserPolicy"), ("UserName", user), ("PolicyName", "s3-all"), ("PolicyDocument", policy)])
        let created = try await iam(port: port, httpClient: httpClient, [("Action", "CreateAccessKey"), ("UserName", user)])
        guard let keyId = S3ErrorResponse.element("AccessKeyId", in: created),
              let secret = S3ErrorResponse.element("SecretAccessKey", in: created) else {
            throw MotoServerProblem(description: "moto's CreateAccessKey answer has no key: \(created)", exited: false)
        }
        var enable = HTTPClientRequest(url: "http://127.0.0.1:\(port)/moto-api/reset-auth")
        enable.method = .POST
        enable.body = .bytes(ByteBuffer(string: "0"))
        let response = try await httpClient.execute(enable, timeout: .seconds(10))
        let answer = String(buffer: try await response.body.collect(upTo: 1 << 16))
        guard response.status == .ok else {
            throw MotoServerProblem(description: "moto refused to turn signature checking on: \(response.status) \(answer)", exited: false)
        }
        return (keyId, secret)
    }

    /// An IAM Query API call. moto routes it to IAM by the credential scope of its signature
    /// (authentication is still off, so any key signs it).
    private static func iam(port: Int, httpClient: HTTPClient, _ parameters: [(String, String)]) async throws -> String {
        let form = (parameters + [("Version", "2010-05-08")])
            .map { "\(AWSRequestSigner.uriEncode($0.0, keepingSlashes: false))=\(AWSRequestSigner.uriEncode($0.1, keepingSlashes: false))" }
            .joined(separator: "&")
        let body = Data(form.utf8)
        let signer = AWSRequestSigner(accessKeyId: "AKIAOPSIDETESTSETUP1", secretAccessKey: "setup", region: "us-east-1", service: "iam")
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
        request.method = .POST
        for (name, value) in signer.sign(method: "POST", path: "/", headers: [("host", "127.0.0.1:\(port)"),
                                                                              ("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
                                         payloadSHA256: ContentKey.of(body).hex, date: Date()) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(body)
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        let answer = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else {
            throw MotoServerProblem(description: "moto's IAM refused \(parameters[0].1): \(response.status) \(answer)", exited: false)
        }
        return answer
    }
}

/// Starts one moto for a whole suite (not one per test: it takes a while to start) and makes it
/// `MotoServer.current` for the suite's tests; stops it when the suite ends, pass or fail.
struct MotoServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await HTTPClient.withHTTPClient { try await MotoServer.start(httpClient: $0) }
        defer { server.stop() }
        print("moto answered \(String(format: "%.2f", server.secondsToStart)) s after it was started (port \(server.port))")
        try await MotoServer.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == MotoServerTrait {
    /// A moto S3 server for the suite (see `MotoServer`).
    static var motoServer: Self { Self() }
}
