import Foundation
import OpsideAmazonSPAPI
import OpsideCore
import OpsideSchemaValidation

/// Every service keeps the promises of its OpenAPI document: it serves the document, and every
/// GET operation it lists answers with a status the document declares and, for JSON, a body
/// that matches the declared schema. Operations are called as their callers would: `/internal/…`
/// with a service token for the probe seller A's tenant, `/api/…` with probe A's sign-in; path
/// parameters get an id nobody has (so a 404 with the envelope is the promise kept), required
/// query parameters a plausible value. The dashboard's pages (`/app/…`, a browser's cookie) and
/// the realtime streams are left to their own tests.
public struct ContractSuite: ScenarioSuite {
    public static let name = "contract"
    public static let summary = "Every service serves its OpenAPI document and every GET operation in it answers as the document declares (status, media type, JSON schema)."

    public func run(_ probe: Probe, recorder: CaseRecorder) async {
        let sellerA: ProbeSellers.Session?
        do {
            sellerA = try await probe.sellers.session(.a, probe: probe)
        } catch {
            sellerA = nil
            await recorder.check("the probe seller signs in", service: .mainAPI) { throw error }
        }
        await withTaskGroup(of: Void.self) { group in
            for service in OpsideService.allCases where probe.targets[service] != nil {
                group.addTask { await check(service, probe: probe, seller: sellerA, recorder: recorder) }
            }
        }
    }

    func check(_ service: OpsideService, probe: Probe, seller: ProbeSellers.Session?, recorder: CaseRecorder) async {
        var document: OpenAPIDocument?
        await recorder.check("\(service.name) serves its OpenAPI document", service: service) {
            let reply = try await probe.send(.GET, service, "/openapi.json")
            try probe.expect(reply, [200], "GET /openapi.json")
            do {
                let parsed = try OpenAPIDocument(data: reply.body)
                guard parsed.document["openapi"] != nil, case .object(let paths)? = parsed.document["paths"], !paths.isEmpty else {
                    throw CaseFailure("GET /openapi.json is JSON but not an OpenAPI document with paths")
                }
                document = parsed
            } catch let failure as CaseFailure {
                throw failure
            } catch {
                throw CaseFailure("GET /openapi.json is not JSON: \(error)")
            }
        }
        guard let document else { return }
        for (path, operation) in Self.getOperations(document) {
            await recorder.check("GET \(path)", service: service) {
                var headers: [(String, String)] = []
                if path.hasPrefix("/api/") || path.hasPrefix("/internal/") {
                    guard let seller else { throw CaseSkipped("the probe seller could not sign in") }
                    let token = path.hasPrefix("/internal/") ? try await probe.serviceToken(for: service, tenant: seller.tenantId) : seller.token
                    headers.append(("Authorization", "Bearer \(token)"))
                }
                let target = Self.target(path, operation: operation)
                let reply = try await probe.send(.GET, service, target, headers: headers)
                guard reply.status < 500 else {
                    throw CaseFailure("GET \(target) answered \(reply.status): \(reply.excerpt)")
                }
                // The credentials were good: a 401 is declared, but it would check nothing.
                if reply.status == 401, !headers.isEmpty {
                    await probe.sellers.forget(.a)
                    throw CaseFailure("GET \(target) refused the probe's credentials: \(reply.excerpt)")
                }
                let violations = document.check(method: "get", path: path, status: reply.status, contentType: reply.contentType, body: reply.body)
                guard violations.isEmpty else {
                    let shown = violations.prefix(3).map(\.description).joined(separator: "; ")
                    throw CaseFailure("GET \(target) (\(reply.status)) breaks the document: \(shown)\(violations.count > 3 ? " (and \(violations.count - 3) more)" : "")")
                }
            }
        }
    }

    /// The GET operations the suite calls, by path: all but the dashboard's pages and streams.
    static func getOperations(_ document: OpenAPIDocument) -> [(String, JSONValue)] {
        guard case .object(let paths)? = document.document["paths"] else { return [] }
        return paths.keys.sorted().compactMap { path in
            guard let operation = paths[path]?["get"], !path.hasPrefix("/app") else { return nil }
            guard case .object(let responses)? = operation["responses"] else { return nil }
            // A stream (Server-Sent Events) or an upgrade (WebSocket) never ends like an answer.
            let streams = responses.values.contains { response in
                if case .object(let content)? = response["content"] { return content.keys.contains("text/event-stream") }
                return false
            } || responses.keys.contains("101") || path.hasSuffix("/ws")
            return streams ? nil : (path, operation)
        }
    }

    /// `path` with its parameters filled: an unknown id in the path, a plausible value for each
    /// required query parameter.
    static func target(_ path: String, operation: JSONValue) -> String {
        var filled = path
        var query: [String] = []
        if case .array(let parameters)? = operation["parameters"] {
            for parameter in parameters {
                guard case .string(let name)? = parameter["name"], case .string(let location)? = parameter["in"] else { continue }
                let value = plausible(parameter["schema"])
                if location == "path" {
                    filled = filled.replacingOccurrences(of: "{\(name)}", with: value)
                } else if location == "query", parameter["required"] == .bool(true) {
                    query.append("\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? value)")
                }
            }
        }
        // A path parameter the operation does not describe still gets an unknown id.
        while let open = filled.firstIndex(of: "{"), let close = filled[open...].firstIndex(of: "}") {
            filled.replaceSubrange(open...close, with: "00000000-0000-4000-8000-00000000e2e0")
        }
        return query.isEmpty ? filled : filled + "?" + query.joined(separator: "&")
    }

    static func plausible(_ schema: JSONValue?) -> String {
        if case .array(let values)? = schema?["enum"], case .string(let first)? = values.first { return first }
        switch (schema?["type"], schema?["format"]) {
        case (.string("integer")?, _), (.string("number")?, _): return "999999999"
        case (_, .string("uuid")?): return "00000000-0000-4000-8000-00000000e2e0"
        case (_, .string("date")?): return "2026-01-01"
        case (_, .string("date-time")?): return "2026-01-01T00:00:00Z"
        default: return "test-runner-probe"
        }
    }
}
