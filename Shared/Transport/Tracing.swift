import Configuration
import Logging
import OpsideCore
import OTel
import ServiceLifecycle
import Tracing

/// Whether and where a service exports its traces.
///
/// Keys: `tracing.otlpEndpoint` (the OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`;
/// unset or empty: tracing off, the default), `tracing.protocol` (`http/protobuf`, the default, or
/// `http/json`), `tracing.sampleRatio` (0 to 1, default 1: every trace a caller did not already
/// decide on), `tracing.exportDelayMilliseconds` (how long finished spans wait to go out in a
/// batch; 5000, OpenTelemetry's default).
///
/// Off, no span leaves the process and the request path carries no tracing middleware, so the
/// suite pays nothing for it.
public struct TracingSettings: Sendable {
    public var otlpEndpoint: String?
    public var exportsJSON: Bool
    public var sampleRatio: Double
    public var exportDelay: Duration

    public var enabled: Bool { otlpEndpoint != nil }

    public init(otlpEndpoint: String? = nil, exportsJSON: Bool = false, sampleRatio: Double = 1, exportDelay: Duration = .seconds(5)) {
        self.otlpEndpoint = otlpEndpoint
        self.exportsJSON = exportsJSON
        self.sampleRatio = sampleRatio
        self.exportDelay = exportDelay
    }

    public init(reader: ConfigReader) throws {
        let endpoint = reader.string(forKey: "tracing.otlpEndpoint").flatMap { $0.isEmpty ? nil : $0 }
        if let endpoint, !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw ConfigurationError(key: "tracing.otlpEndpoint", reason: "must be an http:// or https:// URL, not '\(endpoint)'")
        }
        let wire = reader.string(forKey: "tracing.protocol", default: "http/protobuf")
        guard wire == "http/protobuf" || wire == "http/json" else {
            throw ConfigurationError(key: "tracing.protocol", reason: "must be http/protobuf or http/json, not '\(wire)'")
        }
        let ratio = reader.double(forKey: "tracing.sampleRatio", default: 1)
        guard (0...1).contains(ratio) else {
            throw ConfigurationError(key: "tracing.sampleRatio", reason: "must be between 0 and 1")
        }
        let delay = reader.int(forKey: "tracing.exportDelayMilliseconds", default: 5000)
        guard (1...600_000).contains(delay) else {
            throw ConfigurationError(key: "tracing.exportDelayMilliseconds", reason: "must be 1 to 600000 milliseconds")
        }
        self.init(otlpEndpoint: endpoint, exportsJSON: wire == "http/json", sampleRatio: ratio, exportDelay: .milliseconds(delay))
    }
}

/// Installs OpenTelemetry as the process's tracer: spans of requests (`TracingMiddleware`),
/// service calls, job runs and SP-API calls share one trace through W3C `traceparent` headers
/// (AsyncHTTPClient writes them on every request it sends, under a span of its own), job rows
/// and outbox events, and go out over OTLP/HTTP in batches.
public enum OpsideTracing {
    /// Bootstraps the global tracer for `service` when `settings` enables tracing; call once per
    /// process, before the application is built.
    /// - Returns: the exporter's background service (run it in the service group, after the
    ///   application, so a shutdown flushes the last spans), or `nil` when tracing is off.
    public static func bootstrap(service: OpsideService, settings: TracingSettings, logger: Logger) throws -> (any Service)? {
        guard let endpoint = settings.otlpEndpoint else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = service.name
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = endpoint
        configuration.traces.otlpExporter.protocol = settings.exportsJSON ? .httpJSON : .httpProtobuf
        configuration.traces.sampler = settings.sampleRatio >= 1
            ? .parentBasedAlwaysOn
            : (.parentBasedTraceIDRatio(ratio: settings.sampleRatio) ?? .parentBasedAlwaysOn)
        configuration.traces.batchSpanProcessor.scheduleDelay = settings.exportDelay
        configuration.propagators = [.traceContext]
        configuration.diagnosticLogger = .custom(Logger(label: logger.label) { _ in CarrierRedactingLogHandler(wrapped: logger.handler) })
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }

    /// The log metadata keys of the current trace and span ids (and the trace's flags): what
    /// `logMetadataProvider` writes and the error tracker reads back.
    public static let traceIDKey = "traceId"
    public static let spanIDKey = "spanId"
    public static let traceFlagsKey = "traceFlags"

    /// Puts the current trace and span ids into every log line (`traceId`, `spanId`), so a log
    /// search finds the trace a request made, and the trace points back at its lines.
    public static let logMetadataProvider: Logger.MetadataProvider = {
        var keys = OTel.Configuration.LoggingMetadataProviderConfiguration.default
        keys.traceIDKey = traceIDKey
        keys.spanIDKey = spanIDKey
        keys.traceFlagsKey = traceFlagsKey
        return OTel.makeLoggingMetadataProvider(configuration: keys)
    }()
}


/// The OpenTelemetry library logs the whole header set of a request whose `traceparent` it cannot
/// read (a client that sends two, say), bearer tokens included. Its diagnostics go through this
/// handler, which keeps the reason and drops the headers.
struct CarrierRedactingLogHandler: LogHandler {
    var wrapped: any LogHandler

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if event.metadata?["carrier"] != nil { event.metadata?["carrier"] = "[headers withheld: they may hold credentials]" }
        wrapped.log(event: event)
    }
}
