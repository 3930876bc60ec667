import Foundation
import OpsideCore

/// Every service is live and ready: `/health/live` answers 200, `/health/ready` answers 200 with
/// every check `ok`; a failing one is named with what it says (`postgres: down`).
public struct HealthSuite: ScenarioSuite {
    public static let name = "health"
    public static let summary = "Every service answers /health/live and is ready on /health/ready, its checks (PostgreSQL, Redis, …) named when one fails."

    public func run(_ probe: Probe, recorder: CaseRecorder) async {
        await withTaskGroup(of: Void.self) { group in
            for service in OpsideService.allCases where probe.targets[service] != nil {
                group.addTask {
                    await recorder.check("\(service.name) is ready", service: service) {
                        let live = try await probe.send(.GET, service, "/health/live")
                        try probe.expect(live, [200], "GET /health/live")
                        let ready = try await probe.send(.GET, service, "/health/ready")
                        guard ready.status == 200 else {
                            let checks = (ready.json()?["checks"] as? [String: String] ?? [:]).filter { $0.value != "ok" }
                            let named = checks.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                            throw CaseFailure("not ready (\(ready.status))\(named.isEmpty ? ": \(ready.excerpt)" : ": \(named)")")
                        }
                    }
                }
            }
        }
    }
}
