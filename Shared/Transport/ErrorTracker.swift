import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
import ServiceLifecycle

/// Sends a service's `error` and `critical` log events to an error tracker, as Sentry envelopes
/// (`POST /api/<project_id>/envelope/`), with the trace and span ids the log line carried.
///
/// Built so the tracker can never hurt the request that logged: `capture` only puts the event in
/// a bounded in-memory buffer (no I/O, no waiting) and, when the buffer is full, drops it and
/// counts the drop (`opside_error_reports_dropped_total`). A background loop, run as a `Service`
/// in the process's service group, sends one envelope at a time with AsyncHTTPClient, each within
/// `errorTracking.timeoutSeconds`. A tracker that is down or slow only makes the buffer fill.
/// The log line itself always goes to standard output first (`ErrorTrackingLogHandler`).
public final class ErrorTracker: Service, Sendable {
    /// One log event waiting to be sent.
    public struct Report: Sendable {
        public var level: Logger.Level
        public var logger: String
        public var message: String
        public var metadata: [String: String]
        /// The error attached to the log call, if any: its type and description.
        public var errorType: String?
        public var errorDescription: String?
        public var timestamp: Date

        public init(level: Logger.Level, logger: String, message: String, metadata: [String: String] = [:],
                    errorType: String? = nil, errorDescription: String? = nil, timestamp: Date = Date()) {
            self.level = level
            self.logger = logger
            self.message = message
            self.metadata = metadata
            self.errorType = errorType
            self.errorDescription = errorDescription
            self.timestamp = timestamp
        }
    }

    /// What happened to the reports so far (also exported as metrics).
    public struct Counts: Sendable, Equatable {
        /// Buffered for sending.
        public var accepted = 0
        /// Not buffered: the buffer was full, or the tracker was shutting down.
        public var dropped = 0
        /// Answered 2xx by the tracker.
        public var sent = 0
        /// Refused, unanswered or unreachable; not retried (an error event is not worth a queue).
        public var failed = 0
    }

    public let settings: ErrorTrackingSettings
    public let dsn: ErrorTrackerDSN
    private let service: String
    private let logger: Logger
    private let reports: AsyncStream<Report>
    private let continuation: AsyncStream<Report>.Continuation
    private let tally = NIOLockedValueBox(Counts())
    /// Whether the last send failed: its warning is logged on the change only, not per event.
    private let failing = NIOLockedValueBox(false)
    /// Once shutdown began: the time after which what is still buffered is dropped, so a dead
    /// tracker cannot hold a stopping service for `bufferSize` timeouts.
    private let drainDeadline = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    private let sentCounter = Counter(label: "opside_error_reports_sent_total")
    private let failedCounter = Counter(label: "opside_error_reports_failed_total")
    private let droppedCounter = Counter(label: "opside_error_reports_dropped_total")

    /// - Parameters:
    ///   - service: the service's name, the `service` tag of every event.
    ///   - logger: for the tracker's own trouble, at `warning` at most: never an `error` that
    ///     would be reported to the tracker it is about.
    /// - Returns: nil when `settings` names no tracker (the default).
    public init?(settings: ErrorTrackingSettings, service: String, logger: Logger) {
        guard let dsn = settings.dsn else { return nil }
        self.settings = settings
        self.dsn = dsn
        self.service = service
        self.logger = logger
        (reports, continuation) = AsyncStream.makeStream(of: Report.self, bufferingPolicy: .bufferingOldest(settings.bufferSize))
    }

    public var counts: Counts { tally.withLockedValue { $0 } }

    /// Buffers `report` for sending, or drops it when the buffer is full. Never waits.
    public func capture(_ report: Report) {
        switch continuation.yield(report) {
        case .enqueued:
            tally.withLockedValue { $0.accepted += 1 }
        case .dropped, .terminated:
            tally.withLockedValue { $0.dropped += 1 }
            droppedCounter.increment()
        @unknown default:
            tally.withLockedValue { $0.dropped += 1 }
            droppedCounter.increment()
        }
    }

    public func run() async throws {
        // Made here, not in init: a tracker that never runs (`<service> migrate`) holds no client.
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton,
                                    configuration: .init(timeout: .init(connect: .seconds(2)), decompression: .disabled))
        await withGracefulShutdownHandler {
            for await report in reports {
                if let deadline = drainDeadline.withLockedValue({ $0 }), ContinuousClock.now >= deadline {
                    tally.withLockedValue { $0.dropped += 1 }
                    droppedCounter.increment()
                    continue
                }
                await send(report, with: httpClient)
            }
        } onGracefulShutdown: { [continuation, drainDeadline, settings] in
            // What is buffered still goes out, within one send timeout in all.
            drainDeadline.withLockedValue { $0 = .now + settings.timeout }
            continuation.finish()
        }
        continuation.finish()
        try? await httpClient.shutdown()
    }

    private func send(_ report: Report, with httpClient: HTTPClient) async {
        let envelope = Self.envelope(for: report, eventID: Self.newEventID(), dsn: dsn, service: service,
                                     environment: settings.environment, release: settings.release, sentAt: Date())
        var request = HTTPClientRequest(url: dsn.envelopeURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
        request.headers.add(name: "X-Sentry-Auth", value: Self.authHeader(dsn: dsn))
        request.body = .bytes(ByteBuffer(bytes: envelope))
        let outcome: String?
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(settings.timeout.components.seconds))
            _ = try await response.body.collect(upTo: 64 * 1024)
            outcome = (200..<300).contains(response.status.code) ? nil : "answered \(response.status.code)"
        } catch {
            outcome = String(describing: error)
        }
        if let outcome {
            tally.withLockedValue { $0.failed += 1 }
            failedCounter.increment()
            if !failing.withLockedValue({ state in defer { state = true }; return state }) {
                logger.warning("the error tracker is not taking events; they are dropped until it does",
                               metadata: ["tracker": "\(dsn.envelopeURL)", "reason": "\(outcome)"])
            }
        } else {
            tally.withLockedValue { $0.sent += 1 }
            sentCounter.increment()
            if failing.withLockedValue({ state in defer { state = false }; return state }) {
                logger.notice("the error tracker takes events again", metadata: ["tracker": "\(dsn.envelopeURL)"])
            }
        }
    }

    // MARK: The envelope

    /// `Sentry sentry_version=7, sentry_key=<public key>, sentry_client=opside/1`.
    public static func authHeader(dsn: ErrorTrackerDSN) -> String {
        "Sentry sentry_version=7, sentry_key=\(dsn.publicKey), sentry_client=opside/1"
    }

    /// 32 lower-case hex digits, a UUID without its dashes: the form Sentry's event ids take.
    static func newEventID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// Metadata keys that become event fields rather than `extra` entries.
    static let traceKeys: Set<String> = [OpsideTracing.traceIDKey, OpsideTracing.spanIDKey, OpsideTracing.traceFlagsKey]

    /// One event as an envelope: the envelope header line (`event_id`, `dsn`, `sent_at`), the item
    /// header line (`type` event and the payload's `length`), then the event, each ending in `\n`.
    public static func envelope(for report: Report, eventID: String, dsn: ErrorTrackerDSN, service: String,
                                environment: String?, release: String?, sentAt: Date) -> [UInt8] {
        var trace: SentryEvent.TraceContext?
        if let traceID = report.metadata[OpsideTracing.traceIDKey] {
            trace = .init(traceID: traceID, spanID: report.metadata[OpsideTracing.spanIDKey])
        }
        var tags = ["service": service]
        if let requestID = report.metadata["requestId"] { tags["request_id"] = requestID }
        let extra = report.metadata.filter { !traceKeys.contains($0.key) }
        let exception = report.errorDescription.map {
            SentryEvent.Exceptions(values: [.init(type: report.errorType ?? "Error", value: String($0.prefix(8192)))])
        }
        let event = SentryEvent(
            eventID: eventID, timestamp: report.timestamp.timeIntervalSince1970,
            level: report.level == .critical ? "fatal" : "error", logger: report.logger,
            message: String(report.message.prefix(8192)), environment: environment, release: release,
            tags: tags, extra: extra, contexts: trace.map { .init(trace: $0) }, exception: exception)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Encoding these plain structs of strings and numbers cannot fail.
        let payload = (try? encoder.encode(event)) ?? Data("{}".utf8)
        let header = (try? encoder.encode(EnvelopeHeader(eventID: eventID, dsn: dsn.description,
                                                          sentAt: sentAt.formatted(.iso8601)))) ?? Data("{}".utf8)
        let item = (try? encoder.encode(ItemHeader(type: "event", length: payload.count))) ?? Data("{}".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(header.count + item.count + payload.count + 3)
        bytes += header
        bytes.append(0x0A)
        bytes += item
        bytes.append(0x0A)
        bytes += payload
        bytes.append(0x0A)
        return bytes
    }

    struct EnvelopeHeader: Encodable {
        let eventID: String
        let dsn: String
        let sentAt: String
        enum CodingKeys: String, CodingKey { case eventID = "event_id", dsn, sentAt = "sent_at" }
    }

    struct ItemHeader: Encodable {
        let type: String
        let length: Int
    }

    /// The part of Sentry's event payload we fill.
    struct SentryEvent: Encodable {
        struct TraceContext: Encodable {
            let traceID: String
            let spanID: String?
            let type = "trace"
            enum CodingKeys: String, CodingKey { case traceID = "trace_id", spanID = "span_id", type }
        }
        struct Contexts: Encodable { let trace: TraceContext }
        struct Exception: Encodable {
            let type: String
            let value: String
        }
        struct Exceptions: Encodable { let values: [Exception] }

        let eventID: String
        let timestamp: Double
        let platform = "other"
        let level: String
        let logger: String
        let message: String
        let environment: String?
        let release: String?
        let tags: [String: String]
        let extra: [String: String]
        let contexts: Contexts?
        let exception: Exceptions?

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id", timestamp, platform, level, logger, message, environment, release, tags, extra, contexts, exception
        }
    }
}

/// Passes every log event to the handler it wraps (the JSON lines on standard output), then hands
/// `error` and `critical` ones to the `ErrorTracker`, with the merged metadata: the handler's, the
/// task's (the current trace and span ids, when tracing is on) and the call's.
public struct ErrorTrackingLogHandler: LogHandler {
    public var wrapped: any LogHandler
    public let tracker: ErrorTracker
    public let label: String
    public var metadataProvider: Logger.MetadataProvider?

    public init(wrapping wrapped: any LogHandler, tracker: ErrorTracker, label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.wrapped = wrapped
        self.tracker = tracker
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        wrapped.log(event: event)
        guard event.level >= .error else { return }
        var merged = wrapped.metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        tracker.capture(ErrorTracker.Report(
            level: event.level, logger: label, message: "\(event.message)",
            metadata: merged.mapValues { "\($0)" },
            errorType: event.error.map { String(reflecting: type(of: $0)) },
            errorDescription: event.error.map { String(describing: $0) }))
    }
}
