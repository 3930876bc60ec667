import Foundation
import NIOHTTP1
import OpsideCore
import OpsideSchemaValidation

/// The doors are shut: every `/internal/…` operation refuses a call without a service token, with
/// a token addressed to another service and with a forged one; every `/api/…` operation that
/// needs a sign-in refuses a call without one; a malformed JSON body is refused with the error
/// envelope, never accepted and never a 5xx; the path spellings that try to slip past the guard
/// (`//internal`, `/%69nternal`) get nowhere; every answer says `nosniff`.
public struct SecuritySuite: ScenarioSuite {
    public static let name = "security"
    public static let summary = "Internal routes need a valid service token, seller routes a sign-in; bad JSON gets the error envelope; path tricks get nowhere; nosniff on every answer."

    public func run(_ probe: Probe, recorder: CaseRecorder) async {
        let seller = try? await probe.sellers.session(.a, probe: probe)
        await withTaskGroup(of: Void.self) { group in
            for service in OpsideService.allCases where probe.targets[service] != nil {
                group.addTask { await check(service, probe: probe, seller: seller, recorder: recorder) }
            }
        }
    }

    struct Operation {
        let method: HTTPMethod
        let path: String
        let target: String
        let needsSession: Bool
        let takesJSON: Bool
    }

    func check(_ service: OpsideService, probe: Probe, seller: ProbeSellers.Session?, recorder: CaseRecorder) async {
        var operations: [Operation] = []
        await recorder.check("\(service.name): its operations are listed", service: service) {
            let reply = try await probe.send(.GET, service, "/openapi.json")
            try probe.expect(reply, [200], "GET /openapi.json")
            operations = try Self.operations(OpenAPIDocument(data: reply.body))
        }
        let internalOnes = operations.filter { $0.path.hasPrefix("/internal/") }
        if !internalOnes.isEmpty {
            await recorder.check("\(service.name): internal routes refuse a call without a service token", service: service) {
                try await refuseAll(internalOnes, probe: probe, service: service, headers: [])
            }
            await recorder.check("\(service.name): internal routes refuse a token addressed to another service", service: service) {
                let other: OpsideService = service == .mainAPI ? .payments : .mainAPI
                let token = try await probe.serviceToken(for: other, tenant: seller?.tenantId)
                try await refuseAll(internalOnes, probe: probe, service: service, headers: [("Authorization", "Bearer \(token)")])
            }
            await recorder.check("\(service.name): internal routes refuse a forged service token", service: service) {
                let forged = try await ServiceTokenAuthority(secret: "not-the-suite-secret-" + UUID().uuidString, service: .testRunner)
                    .token(for: service, tenantID: seller?.tenantId)
                try await refuseAll(internalOnes, probe: probe, service: service, headers: [("Authorization", "Bearer \(forged)")])
            }
        }
        let sessionOnly = operations.filter { $0.needsSession }
        if !sessionOnly.isEmpty {
            await recorder.check("\(service.name): seller routes refuse a call without a sign-in", service: service) {
                try await refuseAll(sessionOnly, probe: probe, service: service, headers: [])
            }
        }
        // Stripe's webhooks are judged by their signature before anything is read (payments' own
        // tests refuse forged ones); an endpoint without a signing secret refuses them all (503).
        let takingJSON = operations.filter { $0.takesJSON && !$0.path.hasPrefix("/webhooks/") }
        if !takingJSON.isEmpty {
            await recorder.check("\(service.name): malformed JSON gets the error envelope", service: service) {
                guard let seller else { throw CaseSkipped("the probe seller could not sign in") }
                var problems: [String] = []
                for operation in takingJSON {
                    let token = operation.path.hasPrefix("/internal/")
                        ? try await probe.serviceToken(for: service, tenant: seller.tenantId) : seller.token
                    let reply = try await probe.send(operation.method, service, operation.target,
                                                     headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                                     body: Data(#"{"amount": "#.utf8))
                    if !(400..<500).contains(reply.status) || reply.envelopeCode == nil {
                        problems.append("\(operation.method.rawValue) \(operation.target) answered \(reply.status) \(reply.excerpt)")
                    }
                }
                if !problems.isEmpty { throw CaseFailure(Self.list(problems)) }
            }
        }
        await recorder.check("\(service.name): path spellings that dodge the guard get nowhere", service: service) {
            var problems: [String] = []
            for target in ["//internal/jobs", "/%69nternal/jobs", "/internal/./jobs", "/INTERNAL/jobs"] {
                let reply = try await probe.send(.GET, service, target)
                if (200..<300).contains(reply.status) { problems.append("GET \(target) answered \(reply.status) without a token") }
            }
            if !problems.isEmpty { throw CaseFailure(Self.list(problems)) }
        }
        await recorder.check("\(service.name): answers say nosniff", service: service) {
            let reply = try await probe.send(.GET, service, "/health/live")
            guard reply.headers.first(name: "x-content-type-options")?.lowercased() == "nosniff" else {
                throw CaseFailure("GET /health/live has no X-Content-Type-Options: nosniff")
            }
        }
    }

    /// Every operation answers 401 with the envelope to a call with `headers`.
    func refuseAll(_ operations: [Operation], probe: Probe, service: OpsideService, headers: [(String, String)]) async throws {
        var problems: [String] = []
        for operation in operations {
            let reply = try await probe.send(operation.method, service, operation.target, headers: headers)
            if reply.status != 401 || reply.envelopeCode == nil {
                problems.append("\(operation.method.rawValue) \(operation.target) answered \(reply.status) \(reply.excerpt)")
            }
        }
        if !problems.isEmpty { throw CaseFailure(Self.list(problems)) }
    }

    static func list(_ problems: [String]) -> String {
        problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? " (and \(problems.count - 5) more)" : "")
    }

    /// The document's operations with their guard: a session (`security: [{session: []}]`) or a
    /// service token (every `/internal/…`), and whether they take a JSON body.
    static func operations(_ document: OpenAPIDocument) throws -> [Operation] {
        guard case .object(let paths)? = document.document["paths"] else { throw CaseFailure("the document has no paths") }
        var operations: [Operation] = []
        for path in paths.keys.sorted() {
            guard case .object(let item)? = paths[path] else { continue }
            for method in item.keys.sorted() {
                guard let httpMethod = ["get": HTTPMethod.GET, "post": .POST, "put": .PUT, "patch": .PATCH, "delete": .DELETE][method],
                      let operation = item[method] else { continue }
                var needsSession = false
                if case .array(let requirements)? = operation["security"] {
                    needsSession = requirements.contains { $0["session"] != nil }
                }
                let takesJSON = operation["requestBody"]?["content"]?["application/json"] != nil
                operations.append(Operation(method: httpMethod, path: path, target: ContractSuite.target(path, operation: operation),
                                            needsSession: needsSession && path.hasPrefix("/api/"), takesJSON: takesJSON))
            }
        }
        return operations
    }
}
