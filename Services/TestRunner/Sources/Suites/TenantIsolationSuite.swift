import Foundation
import NIOHTTP1
import OpsideCore
import OpsideSchemaValidation

/// A tenant never sees another's data. Probe seller A makes something of its own (a pending team
/// invitation); probe seller B, signed in to its own tenant, cannot list it, revoke it or move its
/// sign-in into A's tenant; and no answer B gets, from main-api's seller routes or from any
/// service's internal routes called for B's tenant, names A's tenant or A's invitation.
public struct TenantIsolationSuite: ScenarioSuite {
    public static let name = "tenant-isolation"
    public static let summary = "Probe seller B cannot see, change or enter what probe seller A has, through main-api or any service's internal routes."

    public func run(_ probe: Probe, recorder: CaseRecorder) async {
        var sellers: (a: ProbeSellers.Session, b: ProbeSellers.Session)?
        await recorder.check("two probe sellers sign in to tenants of their own", service: .mainAPI) {
            let a = try await probe.sellers.session(.a, probe: probe)
            let b = try await probe.sellers.session(.b, probe: probe)
            guard a.tenantId != b.tenantId else { throw CaseFailure("both probe sellers are in tenant \(a.tenantId)") }
            sellers = (a, b)
        }
        guard let (a, b) = sellers else { return }
        var invitation: String?
        await recorder.check("seller A has a pending invitation of its own", service: .mainAPI) {
            invitation = try await pendingInvitation(probe: probe, seller: a)
        }
        let secrets = [a.tenantId.uuidString.lowercased()] + (invitation.map { [$0] } ?? [])
        await recorder.check("seller B's team does not list A's invitation", service: .mainAPI) {
            let team = try await probe.sellerCall(.GET, "/api/v1/team", session: b)
            try probe.expect(team, [200], "B's GET /api/v1/team")
            if let leak = secrets.first(where: { team.text.lowercased().contains($0) }) { throw CaseFailure("B's team names \(leak)") }
        }
        if let invitation {
            await recorder.check("seller B cannot revoke A's invitation", service: .mainAPI) {
                let revoke = try await probe.sellerCall(.DELETE, "/api/v1/team/invitations/\(invitation)", session: b)
                try probe.expect(revoke, [404], "B's DELETE of A's invitation")
                let team = try await probe.sellerCall(.GET, "/api/v1/team", session: a)
                guard team.text.contains(invitation) else { throw CaseFailure("A's invitation is gone after B's attempt") }
            }
        }
        await recorder.check("seller B cannot move its sign-in into A's tenant", service: .mainAPI) {
            let body = #"{"tenantId":"\#(a.tenantId.uuidString.lowercased())"}"#
            let moved = try await probe.sellerCall(.POST, "/api/v1/auth/switch-tenant", session: b, json: body)
            try probe.expect(moved, [403, 404], "B's switch into A's tenant")
        }
        await recorder.check("no seller route answers B with A's data", service: .mainAPI) {
            var leaks: [String] = []
            for path in try await listPaths(probe: probe, service: .mainAPI, prefix: "/api/") {
                let reply = try await probe.sellerCall(.GET, path, session: b)
                if let leak = secrets.first(where: { reply.text.lowercased().contains($0) }) { leaks.append("GET \(path) names \(leak)") }
            }
            if !leaks.isEmpty { throw CaseFailure(SecuritySuite.list(leaks)) }
        }
        await withTaskGroup(of: Void.self) { group in
            for service in OpsideService.allCases where probe.targets[service] != nil && service != .testRunner {
                group.addTask {
                    await recorder.check("\(service.name): no internal route answers B's tenant with A's data", service: service) {
                        var leaks: [String] = []
                        for path in try await listPaths(probe: probe, service: service, prefix: "/internal/") {
                            let reply = try await probe.internalCall(.GET, service, path, tenant: b.tenantId)
                            if let leak = secrets.first(where: { reply.text.lowercased().contains($0) }) { leaks.append("GET \(path) names \(leak)") }
                        }
                        if !leaks.isEmpty { throw CaseFailure(SecuritySuite.list(leaks)) }
                    }
                }
            }
        }
    }

    /// The id of a pending invitation of A's (an address on the probes' domain), made when there is none.
    func pendingInvitation(probe: Probe, seller: ProbeSellers.Session) async throws -> String {
        let email = "isolation-check@" + (seller.email.split(separator: "@").last.map(String.init) ?? "test-runner.opside.test")
        func find() async throws -> String? {
            let team = try await probe.sellerCall(.GET, "/api/v1/team", session: seller)
            try probe.expect(team, [200], "A's GET /api/v1/team")
            let invitations = team.json()?["invitations"] as? [[String: Any]] ?? []
            return invitations.first { ($0["email"] as? String)?.lowercased() == email }?["id"] as? String
        }
        if let kept = try await find() { return kept }
        let made = try await probe.sellerCall(.POST, "/api/v1/team/invitations", session: seller, json: #"{"email":"\#(email)","role":"member"}"#)
        try probe.expect(made, [201, 409], "A's POST /api/v1/team/invitations")
        if let id = (made.json()?["invitation"] as? [String: Any])?["id"] as? String { return id }
        guard let found = try await find() else { throw CaseFailure("A's invitation was made but is not listed") }
        return found
    }

    /// The GET paths under `prefix` without parameters: the lists a tenant reads.
    func listPaths(probe: Probe, service: OpsideService, prefix: String) async throws -> [String] {
        let reply = try await probe.send(.GET, service, "/openapi.json")
        try probe.expect(reply, [200], "GET /openapi.json")
        let document = try OpenAPIDocument(data: reply.body)
        return ContractSuite.getOperations(document).map(\.0).filter { $0.hasPrefix(prefix) && !$0.contains("{") }
    }
}
