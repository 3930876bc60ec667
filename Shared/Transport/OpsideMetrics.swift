import Foundation
import Metrics
import Prometheus

/// The process's Prometheus registry. swift-metrics can be bootstrapped once per process, and
/// tests build many applications in one process, so the bootstrap happens here, once.
public enum OpsideMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // The conventional name (every Prometheus client library exports it), so
        // `changes(process_start_time_seconds[...])` counts restarts of a replica the way
        // dashboards and alerts written for other software already do. Set when the registry is
        // made, which `OpsidePlatform` does first thing at start.
        registry.makeGauge(name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds.")
            .set(Date().timeIntervalSince1970)
        return registry
    }()

    /// The registry's metrics in Prometheus text exposition format.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
