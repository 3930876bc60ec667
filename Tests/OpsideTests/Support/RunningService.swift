import AsyncHTTPClient
import ClaimDetector
import Configuration
import CostDocs
import EvidenceEngine
import Foundation
import Hummingbird
import Integrations
import InventorySync
import Logging
import MainAPI
import MCDE
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import OpsideCore
import Payments
import RefundEngine
import ServiceLifecycle
import TestRunner
import Testing

/// One service booted through its real `buildApplication`, serving on a real port, with its
/// workers and relay running, until `stop()` sends it the graceful shutdown SIGTERM would.
final class RunningService: Sendable {
    let service: OpsideService
    let port: Int
    let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(service: OpsideService, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.service = service
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.group = group
        self.task = task
    }

    /// Boots `service` against `database` and waits until it answers `/health/live`.
    /// - Parameter clocks: the service's clocks; main-api and integrations take clocks a test
    ///   moves (the services of one test share them, as their tokens are judged by them).
    static func start(_ service: OpsideService, database: TestDatabase, redisPort: Int? = nil,
                      overrides: [String: String] = [:], waitForReady: Bool = true,
                      clocks: ServiceClocks = .system) async throws -> RunningService {
        let port = try TestEnvironment.freePort()
        let reader = try await testConfiguration(service: service, database: database, port: port, redisPort: redisPort, overrides: overrides)
        let app = try await buildApplication(service, reader: reader, clocks: clocks)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: TestEnvironment.logger)
        let task = Task { try await group.run() }
        let running = RunningService(service: service, port: port, group: group, task: task)
        try await running.waitUntilServing(path: waitForReady ? "/health/ready" : "/health/live")
        return running
    }

    static func buildApplication(_ service: OpsideService, reader: ConfigReader,
                                 clocks: ServiceClocks = .system) async throws -> any ApplicationProtocol {
        switch service {
        case .mainAPI: try await MainAPIService.buildApplication(reader: reader, clocks: clocks)
        case .integrations: try await IntegrationsService.buildApplication(reader: reader, clocks: clocks)
        case .payments: try await PaymentsService.buildApplication(reader: reader)
        case .costDocs: try await CostDocsService.buildApplication(reader: reader)
        case .refundEngine: try await RefundEngineService.buildApplication(reader: reader)
        case .mcde: try await MCDEService.buildApplication(reader: reader)
        case .claimDetector: try await ClaimDetectorService.buildApplication(reader: reader)
        case .evidenceEngine: try await EvidenceEngineService.buildApplication(reader: reader)
        case .inventorySync: try await InventorySyncService.buildApplication(reader: reader)
        case .testRunner: try await TestRunnerService.buildApplication(reader: reader)
        }
    }

    func waitUntilServing(path: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await TestHTTP.request(.GET, baseURL + path, timeout: .seconds(2)), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(service.name) did not answer \(path) with 200 within \(timeout)")
        throw CancellationError()
    }

    /// Graceful shutdown, as SIGTERM triggers it, and waits for the group to finish.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A tiny HTTP client for tests over the process-wide AsyncHTTPClient.
enum TestHTTP {
    struct Reply: Sendable {
        let status: Int
        let headers: [(String, String)]
        let body: Data

        func json() throws -> [String: Any] {
            try (JSONSerialization.jsonObject(with: body) as? [String: Any]).unwrap("a JSON object")
        }
        func envelope() throws -> ErrorEnvelopeShape { try JSONDecoder().decode(ErrorEnvelopeShape.self, from: body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct ErrorEnvelopeShape: Decodable {
        struct Body: Decodable {
            let code: String
            let message: String
            let details: [String: String]
            let requestId: String
        }
        let error: Body
    }

    static func request(_ method: HTTPMethod, _ url: String, json: String? = nil, body: Data? = nil,
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
    func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw UnwrapError(what: what) }
        return self
    }
}

struct UnwrapError: Error, CustomStringConvertible {
    let what: String
    var description: String { "expected \(what)" }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(100),
                _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Reads a Server-Sent Events stream until `marker` appears (or ten seconds pass).
enum TestSSE {
    static func read(_ url: String, token: String, until marker: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        // The body of an event stream never ends by itself and its iterator does not answer task
        // cancellation, so the reader runs on its own and the wait gives up on it after 15 s.
        let found = NIOLockedValueBox<String?>(nil)
        let reader = Task {
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.contains(marker) {
                    found.withLockedValue { $0 = text }
                    return
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let text = found.withLockedValue({ $0 }) { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        reader.cancel()
        throw UnwrapError(what: "the marker '\(marker)' in the stream within 15 s")
    }
}

/// A task whose completion can be polled.
final class TrackedTask<Success: Sendable>: Sendable {
    private let task: Task<Success, any Error>
    private let done = Flag(false)

    init(_ operation: @escaping @Sendable () async throws -> Success) {
        let done = self.done
        task = Task {
            defer { done.set(true) }
            return try await operation()
        }
    }

    var isFinished: Bool { done.isOn }
    var value: Success { get async throws { try await task.value } }
}
