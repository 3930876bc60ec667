import Foundation
import OpsideTesting
import OpsideCore
import OpsideSchemaValidation

/// Checks real answers against the OpenAPI document of the service that gave them, and keeps
/// which documented success answers were seen, so a test can insist every one was exercised.
final class ResponseAudit {
    let documents: [OpsideService: OpenAPIDocument]
    private(set) var violations: [String] = []
    /// `service METHOD /path status` of every answer checked.
    private(set) var seen: Set<String> = []
    private(set) var checked = 0

    init(documents: [OpsideService: OpenAPIDocument]) { self.documents = documents }

    /// Fetches each running service's own document.
    static func load(_ services: [RunningService]) async throws -> ResponseAudit {
        var documents: [OpsideService: OpenAPIDocument] = [:]
        for service in services {
            let reply = try await TestHTTP.request(.GET, service.baseURL + "/openapi.json")
            documents[service.service] = try OpenAPIDocument(data: reply.body)
        }
        return ResponseAudit(documents: documents)
    }

    /// Checks one answer to the operation `method path` (the document's template) of `service`.
    func record(_ service: OpsideService, _ method: String, _ path: String, _ reply: RawHTTP.Reply, label: String = "") {
        guard let document = documents[service] else { return }
        checked += 1
        seen.insert("\(service.name) \(method.uppercased()) \(path) \(reply.status)")
        let problems = document.check(method: method, path: path, status: reply.status, contentType: reply.header("content-type"),
                                      body: reply.payload)
        for problem in problems.prefix(3) {
            violations.append("\(service.name) [\(label)] \(problem) — body: \(reply.text.prefix(160))")
        }
    }

    /// The platform's operations, served by the same code on every service: one success on any
    /// service covers them.
    static let platformPaths: Set<String> = ["/health/live", "/health/ready", "/metrics", "/openapi.json", "/internal/jobs",
                                             "/internal/jobs/{id}/retry", "/internal/jobs/{id}/cancel"]

    /// Every documented 2xx answer (`service METHOD /path status`) not seen yet.
    func unexercisedSuccesses() -> [String] {
        let seenAnywhere = Set(seen.map { $0.split(separator: " ").dropFirst().joined(separator: " ") })
        var missing: [String] = []
        for (service, document) in documents {
            guard case .object(let paths)? = document.document["paths"] else { continue }
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for (method, operation) in operations {
                    guard case .object(let responses)? = operation["responses"] else { continue }
                    for status in responses.keys where status.hasPrefix("2") {
                        let key = "\(service.name) \(method.uppercased()) \(path) \(status)"
                        let shared = Self.platformPaths.contains(path) && seenAnywhere.contains("\(method.uppercased()) \(path) \(status)")
                        if !seen.contains(key), !shared { missing.append(key) }
                    }
                }
            }
        }
        return missing.sorted()
    }
}
