import Configuration
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
import OpsideTesting
import OpsideTransport
import Testing

/// The error tracker (`errorTracking.*`): off unless a DSN is configured; with one, an `error`
/// log line reaches a Sentry-compatible endpoint as an envelope with the trace it belongs to; a
/// tracker that does not answer costs the service neither its log lines nor its time.
@Suite struct ErrorTrackerTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let spanID = "00f067aa0ba902b7"

    @Test func isOffUnlessADSNIsConfigured() throws {
        let settings = try ErrorTrackingSettings(reader: ConfigReader(provider: InMemoryProvider(values: [:])))
        #expect(settings.dsn == nil)
        #expect(!settings.enabled)
        #expect(ErrorTracker(settings: settings, service: "payments", logger: Self.quietLogger) == nil)

        let empty = try ErrorTrackingSettings(reader: ConfigReader(provider: InMemoryProvider(values: [
            "errorTracking.dsn": ConfigValue(.string(""), isSecret: true)])))
        #expect(!empty.enabled)

        let malformed = ConfigReader(provider: InMemoryProvider(values: [
            "errorTracking.dsn": ConfigValue(.string("sentry.example.com/42"), isSecret: true)]))
        #expect(throws: ConfigurationError.self) { try ErrorTrackingSettings(reader: malformed) }

        let dsn = try #require(ErrorTrackerDSN("https://abc123:legacy@o1.ingest.example.com:9443/sentry/77"))
        #expect(dsn.publicKey == "abc123")
        #expect(dsn.projectID == "77")
        #expect(dsn.envelopeURL == "https://o1.ingest.example.com:9443/sentry/api/77/envelope/")
        #expect(!dsn.description.contains("legacy"), "the legacy secret stays out of envelopes: \(dsn.description)")
    }

    @Test(.timeLimit(.minutes(3)))
    func anErrorLogReachesTheTrackerAsAnEnvelopeWithItsTrace() async throws {
        let listener = try await EnvelopeListener.start(answer: .accept)
        defer { Task { await listener.stop() } }
        let settings = ErrorTrackingSettings(dsn: ErrorTrackerDSN("http://publickey123@127.0.0.1:\(listener.port)/42"),
                                             environment: "staging", release: "2026.12.1")
        let tracker = try #require(ErrorTracker(settings: settings, service: "payments", logger: Self.quietLogger))
        let sender = Task { try await tracker.run() }
        defer { sender.cancel() }
        let lines = CollectedLines()
        let logger = Self.logger(tracker: tracker, lines: lines)

        logger.info("a line the tracker never sees")
        logger.warning("nor this one")
        logger.error("charging the commission failed", metadata: ["requestId": "req-7", "invoice": "in_123"])

        let request = try await listener.next()
        #expect(request.method == "POST")
        #expect(request.path == "/api/42/envelope/")
        #expect(request.headers["x-sentry-auth"] == "Sentry sentry_version=7, sentry_key=publickey123, sentry_client=opside/1")
        #expect(request.headers["content-type"] == "application/x-sentry-envelope")

        let parts = request.body.split(separator: 0x0A, omittingEmptySubsequences: false)
        try #require(parts.count == 4 && parts[3].isEmpty, "header line, item header line, event line: \(String(decoding: request.body, as: UTF8.self))")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(parts[0])) as? [String: Any])
        let item = try #require(try JSONSerialization.jsonObject(with: Data(parts[1])) as? [String: Any])
        let event = try #require(try JSONSerialization.jsonObject(with: Data(parts[2])) as? [String: Any])
        let eventID = try #require(header["event_id"] as? String)
        #expect(eventID.wholeMatch(of: /[0-9a-f]{32}/) != nil, "\(eventID)")
        #expect(header["dsn"] as? String == "http://publickey123@127.0.0.1:\(listener.port)/42")
        let sentAt = try #require(header["sent_at"] as? String)
        #expect((try? Date(sentAt, strategy: .iso8601)) != nil, "sent_at \(sentAt)")
        #expect(item["type"] as? String == "event")
        #expect(item["length"] as? Int == parts[2].count)

        #expect(event["event_id"] as? String == eventID)
        #expect(event["level"] as? String == "error")
        #expect(event["logger"] as? String == "opside.payments.billing")
        #expect(event["message"] as? String == "charging the commission failed")
        #expect(event["environment"] as? String == "staging")
        #expect(event["release"] as? String == "2026.12.1")
        #expect((event["timestamp"] as? Double ?? 0) > 1_700_000_000)
        let tags = event["tags"] as? [String: String]
        #expect(tags?["service"] == "payments")
        #expect(tags?["request_id"] == "req-7")
        #expect((event["extra"] as? [String: String])?["invoice"] == "in_123")
        let trace = (event["contexts"] as? [String: Any])?["trace"] as? [String: Any]
        #expect(trace?["trace_id"] as? String == Self.traceID)
        #expect(trace?["span_id"] as? String == Self.spanID)

        // One event for three lines, all three written to the log as ever.
        #expect(tracker.counts.accepted == 1)
        #expect(lines.messages == ["a line the tracker never sees", "nor this one", "charging the commission failed"])
        #expect(try await eventually(timeout: .seconds(60)) { tracker.counts.sent == 1 }, "\(tracker.counts)")
        await listener.stop()
    }

    @Test(.timeLimit(.minutes(3)))
    func aTrackerThatNeverAnswersLosesNoLogLineAndBlocksNoCaller() async throws {
        // The endpoint takes each request and holds it until the test ends: the sender is stuck on
        // its first envelope for its whole (long) timeout.
        let listener = try await EnvelopeListener.start(answer: .holdUntilStopped)
        let settings = ErrorTrackingSettings(dsn: ErrorTrackerDSN("http://key@127.0.0.1:\(listener.port)/9"), bufferSize: 4,
                                             timeout: .seconds(120))
        let tracker = try #require(ErrorTracker(settings: settings, service: "inventory-sync", logger: Self.quietLogger))
        let sender = Task { try await tracker.run() }
        let lines = CollectedLines()
        let logger = Self.logger(tracker: tracker, lines: lines)

        // The sender is busy with the first envelope before the rest are logged.
        logger.error("first failure")
        _ = try await listener.next()
        for index in 1...40 {
            logger.error("failure \(index)", metadata: ["index": "\(index)"])
            logger.info("progress \(index)")
        }

        // Every call returned (the loop ended while the tracker holds its first request), and every
        // line reached the log; the tracker kept what its buffer holds and dropped the rest.
        #expect(lines.messages.count == 81)
        #expect(lines.messages.last == "progress 40")
        let counts = tracker.counts
        #expect(counts.accepted == 1 + settings.bufferSize, "\(counts)")
        #expect(counts.dropped == 40 - settings.bufferSize, "\(counts)")
        #expect(counts.sent == 0)

        sender.cancel()
        _ = await sender.result
        await listener.stop()
    }

    // MARK: Helpers

    static let quietLogger = Logger(label: "error-tracker-test") { _ in SwiftLogNoOpLogHandler() }

    /// A logger as `ServiceMain` makes them with a tracker: the tracking handler around the plain
    /// one, the trace ids coming from the task's metadata provider (what OpenTelemetry fills).
    static func logger(tracker: ErrorTracker, lines: CollectedLines) -> Logger {
        let provider = Logger.MetadataProvider {
            [OpsideTracing.traceIDKey: .string(traceID), OpsideTracing.spanIDKey: .string(spanID)]
        }
        var logger = Logger(label: "opside.payments.billing") { label in
            ErrorTrackingLogHandler(wrapping: CollectingLogHandler(lines: lines), tracker: tracker, label: label, metadataProvider: provider)
        }
        logger.logLevel = .info
        return logger
    }
}

/// The messages a `CollectingLogHandler` was given, in order.
final class CollectedLines: Sendable {
    private let box = NIOLockedValueBox<[String]>([])
    var messages: [String] { box.withLockedValue { $0 } }
    func append(_ message: String) { box.withLockedValue { $0.append(message) } }
}

/// Stands for the JSON lines on standard output: keeps every message it is given.
struct CollectingLogHandler: LogHandler {
    let lines: CollectedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.append("\(event.message)") }
}

/// A local HTTP server on an ephemeral port standing for the error tracker: it hands each request
/// it receives to the test, then answers it, or holds it until stopped.
final class EnvelopeListener: Sendable {
    struct Received: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: [UInt8]
    }

    enum Answer: Sendable {
        case accept
        case holdUntilStopped
    }

    let port: Int
    private let task: Task<Void, any Error>
    /// Read by one `next()` at a time.
    private let received: AsyncStream<Received>
    private let release: AsyncStream<Void>.Continuation

    private init(port: Int, task: Task<Void, any Error>, received: AsyncStream<Received>, release: AsyncStream<Void>.Continuation) {
        self.port = port
        self.task = task
        self.received = received
        self.release = release
    }

    static func start(answer: Answer) async throws -> EnvelopeListener {
        let (received, delivery) = AsyncStream<Received>.makeStream()
        let (released, release) = AsyncStream<Void>.makeStream()
        let router = Router()
        router.post("/api/{project}/envelope/") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let body = try await request.body.collect(upTo: 1 << 20)
            delivery.yield(Received(method: request.method.rawValue, path: request.uri.path, headers: headers,
                                    body: Array(buffer: body)))
            if case .holdUntilStopped = answer {
                for await _ in released {}
                return Response(status: .serviceUnavailable)
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"id":"accepted"}"#)))
        }
        let (ports, portDelivery) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  portDelivery.yield(channel.localAddress?.port ?? 0)
                                  portDelivery.finish()
                              }, logger: Logger(label: "envelope-listener") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next(), port > 0 else { throw UnwrapError(what: "the envelope listener to be serving") }
        return EnvelopeListener(port: port, task: task, received: received, release: release)
    }

    /// The next request the listener received, waiting for it at most a minute (a bound for a
    /// loaded machine, not a speed).
    func next() async throws -> Received {
        let received = self.received
        return try await withThrowingTaskGroup(of: Received?.self) { group in
            group.addTask {
                for await request in received { return request }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let request = first else {
                throw UnwrapError(what: "a request at the tracker within a minute")
            }
            return request
        }
    }

    func stop() async {
        release.finish()
        task.cancel()
        _ = await task.result
    }
}
