import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OpsideCore
import ServiceLifecycle
import Testing

/// One service booted through its real `buildApplication`, serving on a real port, with its
/// workers and relay running, until `stop()` sends it the graceful shutdown SIGTERM would.
public final class RunningService: Sendable {
    public let service: OpsideService
    public let port: Int
    public let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    /// Why the service's run ended, once it has (a port it could not bind, a failed start).
    private let ended: NIOLockedValueBox<String?>

    private init(service: OpsideService, port: Int, group: ServiceGroup, task: Task<Void, any Error>, ended: NIOLockedValueBox<String?>) {
        self.service = service
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.group = group
        self.task = task
        self.ended = ended
    }

    /// Makes a service's application from its configuration: its `buildApplication(reader:)`.
    public typealias ApplicationBuilder = @Sendable (ConfigReader) async throws -> any ApplicationProtocol

    /// Boots `service` against `database` through `build` and waits until it answers
    /// `/health/ready` (or `/health/live`). Each test target passes the services it links (see
    /// its `ServicesUnderTest.swift`), so the harness depends on no service.
    /// - Parameter port: where to serve (a reserved free port when nil), for a service others must
    ///   know the address of before it starts: reserve it with `TestEnvironment.reservePort()` and
    ///   release the reservation once this returns.
    public static func start(_ service: OpsideService, database: TestDatabase, redisPort: Int? = nil,
                      overrides: [String: String] = [:], waitForReady: Bool = true, port: Int? = nil,
                      build: ApplicationBuilder) async throws -> RunningService {
        let reservation = try port == nil ? TestEnvironment.reservePort() : nil
        defer { reservation?.release() }
        let port = port ?? reservation!.port
        let reader = try await testConfiguration(service: service, database: database, port: port, redisPort: redisPort, overrides: overrides)
        let app = try await build(reader)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestEnvironment.logger)
        let ended = NIOLockedValueBox<String?>(nil)
        let task = Task {
            do {
                try await group.run()
                ended.withLockedValue { $0 = "it stopped" }
            } catch {
                ended.withLockedValue { $0 = String(describing: error) }
                throw error
            }
        }
        let running = RunningService(service: service, port: port, group: group, task: task, ended: ended)
        try await running.waitUntilServing(path: waitForReady ? "/health/ready" : "/health/live")
        return running
    }

    /// Waits until the service answers `path` with 200 and says it is this service, and fails
    /// at once, with the reason, when the service stopped instead (a port it could not bind).
    /// `timeout` is a bound, not a speed: the parallel test pass starts dozens of services at once on two cores.
    public func waitUntilServing(path: String, timeout: Duration = .seconds(120)) async throws {
        let url = baseURL + path
        let name = service.name
        let stopped = task
        let ended = self.ended
        let serving = try await eventually(timeout: timeout) {
            if let reason = ended.withLockedValue({ $0 }) {
                throw UnwrapError(what: "\(name) to keep running on port \(self.port); it ended: \(reason)")
            }
            guard let reply = try? await TestHTTP.request(.GET, url, timeout: .seconds(2)), reply.status == 200 else { return false }
            let answering = (try? reply.json())?["service"] as? String
            if let answering, answering != name {
                throw UnwrapError(what: "\(name) on port \(self.port), but \(answering) answered there")
            }
            return true
        }
        if serving { return }
        Issue.record("\(service.name) did not answer \(path) with 200 within \(timeout)")
        throw CancellationError()
    }

    /// Graceful shutdown, as SIGTERM triggers it, and waits for the group to finish.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A tiny HTTP client for tests over the process-wide AsyncHTTPClient.
public enum TestHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: Data

        public func json() throws -> [String: Any] {
            try (JSONSerialization.jsonObject(with: body) as? [String: Any]).unwrap("a JSON object")
        }
        public func envelope() throws -> ErrorEnvelopeShape { try JSONDecoder().decode(ErrorEnvelopeShape.self, from: body) }
        public func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct ErrorEnvelopeShape: Decodable {
        public struct Body: Decodable {
            public let code: String
            public let message: String
            public let details: [String: String]
            public let requestId: String
        }
        public let error: Body
    }

    public static func request(_ method: HTTPMethod, _ url: String, json: String? = nil, body: Data? = nil,
                        headers: [String: String] = [:], timeout: Duration = .seconds(15)) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
        let bytes = try await response.body.collect(upTo: 32 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(buffer: bytes))
    }
}

extension Optional {
    public func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw UnwrapError(what: what) }
        return self
    }
}

public struct UnwrapError: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "expected \(what)" }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(100),
                _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Reads a Server-Sent Events stream until `marker` appears (or a minute passes).
public enum TestSSE {
    /// Reads the event stream at `url` until every one of `markers` has arrived (in any order).
    /// The waits are bounds, not speeds: in the parallel pass on two cores the stream's first
    /// answer has taken over ten seconds.
    public static func read(_ url: String, token: String, until markers: String...) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        // The body of an event stream never ends by itself and its iterator does not answer task
        // cancellation, so the reader runs on its own and the wait gives up on it after a minute.
        let found = NIOLockedValueBox<String?>(nil)
        let reader = Task {
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if markers.allSatisfy({ text.contains($0) }) {
                    found.withLockedValue { $0 = text }
                    return
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = found.withLockedValue({ $0 }) { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        reader.cancel()
        throw UnwrapError(what: "the markers \(markers) in the stream within 60 s")
    }
}

/// A task whose completion can be polled.
public final class TrackedTask<Success: Sendable>: Sendable {
    private let task: Task<Success, any Error>
    private let done = Flag(false)

    public init(_ operation: @escaping @Sendable () async throws -> Success) {
        let done = self.done
        task = Task {
            defer { done.set(true) }
            return try await operation()
        }
    }

    public var isFinished: Bool { done.isOn }
    public var value: Success { get async throws { try await task.value } }
}
