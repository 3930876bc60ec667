import Metrics
import Prometheus

/// The process's Prometheus registry. swift-metrics can be bootstrapped once per process, and
/// tests build many applications in one process, so the bootstrap happens here, once.
public enum OpsideMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The registry's metrics in Prometheus text exposition format.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
