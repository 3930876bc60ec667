import Tracing

/// Carries the current trace across a row in Postgres: a job or an outbox event stores the W3C
/// `traceparent` of the span that made it, and whoever runs the job continues that trace.
///
/// With tracing off the process's instrument is a no-op: nothing is stored and jobs start
/// traces of their own (which are not exported either).
public enum TraceContextCarrier {
    /// The `traceparent` of the current span, or `nil` when there is none to continue.
    public static func currentTraceParent() -> String? {
        guard let context = InstrumentationContext.current else { return nil }
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier["traceparent"]
    }

    /// The context a stored `traceparent` names, to start a span under.
    public static func context(traceParent: String?) -> InstrumentationContext {
        var context = InstrumentationContext.topLevel
        if let traceParent {
            InstrumentationSystem.instrument.extract(["traceparent": traceParent], into: &context, using: DictionaryExtractor())
        }
        return context
    }

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }
}
