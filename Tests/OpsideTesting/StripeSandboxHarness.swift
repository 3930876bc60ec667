import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import StripeSandbox

/// The Stripe sandbox in-process on a free port, with an HTTP client for its API and its
/// `/_sandbox/` controls.
public struct StripeSandboxHarness: ShutsDown {
    public let baseURL: String
    public let state: StripeSandboxState
    public let settings: StripeSandboxSettings
    public let httpClient: HTTPClient
    private let serverTask: Task<Void, any Error>

    /// Starts a sandbox. By default it does not rate-limit (tests make requests as fast as they
    /// can; the limiter has a test of its own) and retries failed webhooks on Stripe's schedule.
    public static func start(_ settings: StripeSandboxSettings = StripeSandboxSettings(port: 0, requestsPerSecond: 0, tickMilliseconds: 50))
        async throws -> StripeSandboxHarness {
        var settings = settings
        settings.port = 0
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let (application, state) = buildStripeSandboxApplication(settings: settings, logger: Logger(label: "stripe-sandbox-under-test")) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let task = Task { try await application.runService() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw HarnessError("the Stripe sandbox did not start") }
        return StripeSandboxHarness(baseURL: "http://127.0.0.1:\(port)", state: state, settings: settings,
                                    httpClient: HTTPClient(eventLoopGroupProvider: .singleton), serverTask: task)
    }

    /// Runs `body` against a fresh sandbox and always shuts it down, also when `body` throws.
    public static func with<T>(_ settings: StripeSandboxSettings = StripeSandboxSettings(port: 0, requestsPerSecond: 0, tickMilliseconds: 50),
                               _ body: (StripeSandboxHarness) async throws -> T) async throws -> T {
        try await start(settings).use(body)
    }

    public func shutdown() async throws {
        try await httpClient.shutdown()
        serverTask.cancel()
        _ = await serverTask.result
    }

    /// A raw API call: form body for POST, query for GET and DELETE; returns the status, the
    /// headers and the parsed JSON.
    public func call(_ method: HTTPMethod, _ path: String, _ form: String = "", key: String? = nil,
                     headers extra: [(String, String)] = []) async throws -> (status: Int, headers: HTTPHeaders, json: [String: Any]) {
        let url = baseURL + path + (method == .POST || form.isEmpty ? "" : "?" + form)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key ?? settings.secretKey)")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await httpClient.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return (Int(response.status.code), response.headers, json)
    }

    /// A POST to the sandbox's own controls (`/_sandbox/<path>`) with a JSON body.
    @discardableResult
    public func control(_ path: String, _ body: [String: Any] = [:]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + "/_sandbox/" + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        let response = try await httpClient.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw HarnessError("/_sandbox/\(path) answered \(response.status): \(String(buffer: data))") }
        return (try JSONSerialization.jsonObject(with: Data(buffer: data))) as? [String: Any] ?? [:]
    }
}
