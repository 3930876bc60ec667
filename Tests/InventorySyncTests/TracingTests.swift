import Foundation
import InventorySyncTesting
import OpsideTesting
import Hummingbird
import Logging
import NIOCore
import OpsideCore
@testable import OpsideTransport
import ServiceLifecycle
import Synchronization
import Testing
import Tracing

/// One trace across the suite: a seller's request to main-api, the call it forwards to
/// inventory-sync, the job that runs the sync, the token it asks integrations for, and the SP-API
/// calls it makes all land in one OpenTelemetry trace, exported over OTLP/HTTP to a collector.
///
/// Bootstrapping the tracer is process-wide, so this suite runs in deploy/test's isolated pass,
/// in a process of its own, like the outage and rate-limit suites.
@Suite(.serialized) struct TracingTests {
    @Test func aSellersSyncRequestIsOneTraceAcrossMainAPIInventorySyncItsJobIntegrationsAndSPAPI() async throws {
        let collector = try await TraceCollector.shared()
        let database = try await TestDatabase.create()
        let sandbox = try await InventorySyncSandbox.start()
        var amazon = ["amazon.lwaEndpoint": sandbox.baseURL + "/auth/o2/token", "amazon.maxAttempts": "3",
                      "amazon.retryBaseDelayMilliseconds": "20", "amazon.retryMaxDelayMilliseconds": "100"]
        for region in ["na", "eu", "fe"] {
            amazon["amazon.endpoint.\(region)"] = sandbox.baseURL
            amazon["amazon.sellerCentralUrl.\(region)"] = sandbox.baseURL
        }
        let tracing = ["tracing.otlpEndpoint": collector.endpoint, "tracing.protocol": "http/json"]
        let integrations = try await RunningService.start(.integrations, database: database, overrides: amazon.merging(tracing) { $1 })
        let inventory = try await RunningService.start(.inventorySync, database: database, overrides:
            RunningInventorySync.fastSettings(sandbox: sandbox).merging(tracing) { $1 }
                .merging(["services.integrations.url": integrations.baseURL]) { $1 })
        let mainAPI = try await RunningService.start(.mainAPI, database: database, overrides: tracing.merging([
            "services.integrations.url": integrations.baseURL, "services.inventorySync.url": inventory.baseURL]) { $1 })
        defer { Task { await mainAPI.stop(); await inventory.stop(); await integrations.stop(); await sandbox.stop() } }

        let seller = try await sandbox.createSeller(seed: 5101, skus: 2, months: 1)
        let (session, _) = try await TestSignUp.signUp(mainAPI, email: "tracing@acme.test")
        let auth = ["authorization": "Bearer \(session)"]
        let (connectTraceID, connect) = try await withSpan("a seller connects") { _ in
            let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/refresh-token", json: """
                {"refreshToken":"\(seller.refreshToken)","sellingPartnerId":"\(seller.sellingPartnerId)","region":"na"}
                """, headers: auth)
            return ("\(OpsideTracing.logMetadataProvider.get()["traceId"] ?? "")", reply)
        }
        #expect(connect.status == 201, "connect answered \(connect.status) \(connect.text)")
        let connection = try (try connect.json()["id"] as? String).unwrap("the connection id")

        // The caller starts the trace, as a seller's or an agency's instrumented client would:
        // the test's HTTP client sends the span's `traceparent`.
        let (traceID, callerSpanID, trigger) = try await withSpan("a seller's client", ofKind: .client) { _ in
            let ids = OpsideTracing.logMetadataProvider.get()
            let reply = try await TestHTTP.request(.POST, mainAPI.baseURL + "/api/v1/amazon/connections/\(connection)/syncs",
                                                   json: #"{"dataset":"inventory_summaries"}"#, headers: auth)
            return ("\(ids["traceId"] ?? "")", "\(ids["spanId"] ?? "")", reply)
        }
        #expect(trigger.status == 202, "\(trigger.text)")
        #expect(traceID.count == 32)

        let complete = try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            let spans = collector.spans(traceID: traceID)
            return spans.contains { $0.name.hasPrefix("job ") } && spans.contains { $0.name.hasPrefix("SP-API ") }
                && spans.contains { $0.service == "integrations" }
        }
        let spans = collector.spans(traceID: traceID)
        #expect(complete, "spans of the trace: \(spans.map(\.name)); all spans received: \(collector.summary())")

        // main-api's server span continues the caller's span; inventory-sync's hangs from
        // main-api's call to it; the job continues the request that enqueued it; the SP-API call
        // and the vault's access token hang from the job.
        let gateway = try #require(spans.first { $0.service == "main-api" && $0.name.hasSuffix("/syncs") })
        #expect(Self.ancestors(of: gateway, in: spans).contains(callerSpanID), "main-api continues the caller's trace")
        let forwardCall = try #require(spans.first { $0.name == "inventory-sync POST" }, "main-api's call to inventory-sync")
        #expect(Self.ancestors(of: forwardCall, in: spans).contains(gateway.spanID))
        let forwarded = try #require(spans.first { $0.service == "inventory-sync" && $0.name.hasPrefix("/internal/") })
        #expect(Self.ancestors(of: forwarded, in: spans).contains(forwardCall.spanID))
        let job = try #require(spans.first { $0.name.hasPrefix("job inventory-sync") })
        #expect(Self.ancestors(of: job, in: spans).contains(forwarded.spanID), "the job hangs under the request that queued it")
        let amazonCall = try #require(spans.first { $0.name.hasPrefix("SP-API ") })
        #expect(Self.ancestors(of: amazonCall, in: spans).contains(job.spanID), "the SP-API call hangs under the job")
        #expect(spans.contains { $0.service == "integrations" && Self.ancestors(of: $0, in: spans).contains(job.spanID) },
                "the job's access token request to integrations hangs under the job")
        // An event carries the trace too: integrations' `amazon.connected`, relayed into
        // inventory-sync's backfill job, continues the trace of the request that connected.
        #expect(try await eventually(timeout: .seconds(30)) {
            collector.spans(traceID: connectTraceID).contains { $0.name == "job inventory-sync.backfill" }
        }, "the backfill job joins the connect request's trace: \(collector.spans(traceID: connectTraceID).map(\.name))")
        // Nothing of this request leaked into another trace.
        #expect(spans.allSatisfy { $0.traceID == traceID })
    }

    @Test func logLinesCarryTheTraceAndSpanOfTheirTask() async throws {
        _ = try await TraceCollector.shared()
        let handler = JSONLogHandler(label: "test", service: "test", level: .info, metadataProvider: OpsideTracing.logMetadataProvider)
        #expect(handler.metadata(merging: nil)["traceId"] == nil, "no span, no trace id")
        try await withSpan("a unit of work") { span in
            let metadata = handler.metadata(merging: ["job": "7"])
            let line = String(decoding: JSONLogHandler.line(timestamp: "t", level: .info, service: "test", logger: "test",
                                                            message: "working", metadata: metadata), as: UTF8.self)
            let traceID = try #require(metadata["traceId"].map { "\($0)" })
            #expect(traceID.count == 32 && traceID != String(repeating: "0", count: 32))
            #expect(line.contains(#""traceId":"\#(traceID)""#), "\(line)")
            #expect(line.contains(#""spanId":"#), "\(line)")
            #expect(line.contains(#""job":"7""#), "\(line)")
            _ = span
        }
    }

    @Test func theTracersDiagnosticsNeverCarryARequestsHeaders() {
        let captured = CapturedLogs()
        var logger = Logger(label: "diagnostics") { _ in CarrierRedactingLogHandler(wrapped: captured) }
        logger.logLevel = .debug
        logger.warning("Failed to extract span context.", metadata: [
            "carrier": "[authorization: Bearer secret-token, traceparent: 00-aa, traceparent: 00-bb]", "component": "OTelTracer"])
        let lines = captured.lines.withLock { $0 }
        #expect(lines.count == 1)
        #expect(!lines.joined().contains("secret-token"), "\(lines)")
        #expect(lines.joined().contains("OTelTracer"), "the reason stays: \(lines)")
    }

    @Test func tracingSettingsRefuseWhatCannotWork() async throws {
        func settings(_ environment: [String: String]) async throws -> TracingSettings {
            try TracingSettings(reader: try await OpsideConfiguration.reader(environment: environment))
        }
        #expect(try await settings([:]).enabled == false, "off unless an endpoint is configured")
        #expect(try await settings(["TRACING_OTLP_ENDPOINT": ""]).enabled == false)
        #expect(try await settings(["TRACING_OTLP_ENDPOINT": "http://collector:4318/v1/traces"]).enabled)
        await #expect(throws: ConfigurationError.self) { try await settings(["TRACING_OTLP_ENDPOINT": "collector:4318"]) }
        await #expect(throws: ConfigurationError.self) {
            try await settings(["TRACING_OTLP_ENDPOINT": "http://c", "TRACING_PROTOCOL": "grpc"])
        }
        await #expect(throws: ConfigurationError.self) {
            try await settings(["TRACING_OTLP_ENDPOINT": "http://c", "TRACING_SAMPLE_RATIO": "1.5"])
        }
    }

    static func ancestors(of span: CollectedSpan, in spans: [CollectedSpan]) -> [String] {
        var chain: [String] = []
        var current = span
        while let parent = current.parentSpanID, let next = spans.first(where: { $0.spanID == parent }), !chain.contains(parent) {
            chain.append(parent)
            current = next
        }
        if let parent = current.parentSpanID { chain.append(parent) }
        return chain
    }
}

/// A span as the collector received it, ids in lower-case hex.
struct CollectedSpan: Sendable {
    let traceID: String
    let spanID: String
    let parentSpanID: String?
    let name: String
    /// The `opside.service` attribute of server spans.
    let service: String?
}

/// An OTLP/HTTP collector for the test process: receives JSON trace exports and keeps the spans.
/// The process's tracer is bootstrapped once, pointing here, with a short export delay.
final class TraceCollector: Sendable {
    let endpoint: String
    private let received = Mutex<[CollectedSpan]>([])

    private init(endpoint: String) { self.endpoint = endpoint }

    func spans(traceID: String) -> [CollectedSpan] { received.withLock { $0.filter { $0.traceID == traceID } } }

    /// The received spans by trace, for a failure's message.
    func summary() -> String {
        received.withLock { spans in
            Dictionary(grouping: spans, by: \.traceID).map { "\($0.key): \($0.value.map(\.name))" }.joined(separator: "\n")
        }
    }

    private static let instance = Mutex<Task<TraceCollector, any Error>?>(nil)

    static func shared() async throws -> TraceCollector {
        let task = instance.withLock { task in
            if let task { return task }
            let started = Task { try await start() }
            task = started
            return started
        }
        return try await task.value
    }

    private static func start() async throws -> TraceCollector {
        let port = try TestEnvironment.freePort()
        let collector = TraceCollector(endpoint: "http://127.0.0.1:\(port)/v1/traces")
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 32 << 20)
            collector.receive(Data(buffer: body))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: TestEnvironment.logger)
        Task { try await app.runService() }
        let exporter = try OpsideTracing.bootstrap(
            service: .mainAPI, settings: TracingSettings(otlpEndpoint: collector.endpoint, exportsJSON: true, exportDelay: .milliseconds(100)),
            logger: TestEnvironment.logger)
        if let exporter { Task { try await exporter.run() } }
        return collector
    }

    /// Reads `resourceSpans[].scopeSpans[].spans[]`. Ids arrive as hex (the OTLP JSON rule) or as
    /// protobuf's base64; both become hex.
    private func receive(_ data: Data) {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        var spans: [CollectedSpan] = []
        for resource in document["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    guard let trace = Self.hex(span["traceId"]), let id = Self.hex(span["spanId"]) else { continue }
                    var service: String?
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] where attribute["key"] as? String == "opside.service" {
                        service = (attribute["value"] as? [String: Any])?["stringValue"] as? String
                    }
                    spans.append(CollectedSpan(traceID: trace, spanID: id, parentSpanID: Self.hex(span["parentSpanId"]),
                                               name: span["name"] as? String ?? "", service: service))
                }
            }
        }
        received.withLock { $0 += spans }
    }

    static func hex(_ value: Any?) -> String? {
        guard let text = value as? String, !text.isEmpty else { return nil }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit), text.count == 16 || text.count == 32 { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return nil }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// A log handler that keeps what it is given, as text.
final class CapturedLogs: LogHandler, @unchecked Sendable {
    let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let text = "\(event.message) \(event.metadata ?? [:])"
        lines.withLock { $0.append(text) }
    }
}
