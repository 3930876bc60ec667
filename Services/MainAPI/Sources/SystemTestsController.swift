import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// The people who run the deployment (`operators.emails`): they see the System tests page and
/// may start test-runner's suites. An e-mail address is compared as people type it (case, spaces).
struct Operators: Sendable {
    let emails: Set<String>

    init(emails: String) {
        self.emails = Set(emails.split(separator: ",").map { AccountsPostgresRepository.normalize(String($0)) }.filter { !$0.isEmpty })
    }

    func includes(_ email: String) -> Bool { emails.contains(AccountsPostgresRepository.normalize(email)) }
}

/// `/api/v1/system/…`: test-runner's suites and runs for an operator's browser (the System tests
/// page's script), forwarded to test-runner's `/internal/test-…` routes. Anyone else signed in
/// is refused (403); the deployment under test is test-runner's configured one (a page cannot
/// point test-runner at other addresses).
struct SystemTestsController: Sendable {
    let gateway: ServiceGateway
    let accounts: any AccountsRepository
    let operators: Operators

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/api/v1/system")
        group.get("test-suites") { _, context in
            _ = try await requireOperator(context)
            return try await forward(.get, "/internal/test-suites")
        }
        group.get("test-runs") { request, context in
            _ = try await requireOperator(context)
            let limit = try QueryParameters.integer(request, "limit", in: 1...500, default: 50)
            return try await forward(.get, "/internal/test-runs?limit=\(limit)")
        }
        group.post("test-runs") { request, context in
            let email = try await requireOperator(context)
            let body = try await request.decode(as: RunRequest.self, context: context)
            let forwarded = ForwardedRun(suites: body.suites, requestedBy: email, requestKey: body.requestKey)
            return try await forward(.post, "/internal/test-runs", json: try OpsideJSON.encode(forwarded))
        }
        group.get("test-runs/:runId") { _, context in
            _ = try await requireOperator(context)
            return try await forward(.get, "/internal/test-runs/\(try Self.runId(context))")
        }
        group.get("test-runs/:runId/junit") { _, context in
            _ = try await requireOperator(context)
            return try await forward(.get, "/internal/test-runs/\(try Self.runId(context))/junit")
        }
    }

    struct RunRequest: Decodable {
        var suites: [String]?
        var requestKey: String?
    }

    struct ForwardedRun: Encodable {
        var suites: [String]?
        var requestedBy: String
        var requestKey: String?
    }

    /// The signed-in person's e-mail, if they are an operator.
    func requireOperator(_ context: OpsideRequestContext) async throws -> String {
        let session = try context.requireSession()
        guard let userID = session.userID, let user = try await accounts.user(id: userID) else { throw APIError.unauthorized("log in again") }
        guard operators.includes(user.email) else {
            throw APIError.forbidden("the system tests are for the people who run this deployment (operators.emails)")
        }
        return user.email
    }

    static func runId(_ context: OpsideRequestContext) throws -> String {
        guard let id = context.parameters.get("runId").flatMap(UUID.init(uuidString:)) else {
            throw APIError.validation("the run id must be a UUID", details: ["runId": "not a UUID"])
        }
        return id.uuidString.lowercased()
    }

    func forward(_ method: HTTPRequest.Method, _ target: String, json: Data? = nil) async throws -> Response {
        let reply = try await gateway.exchange(method, to: .testRunner, target: target, tenant: nil,
                                               headers: json == nil ? [] : [("content-type", "application/json")],
                                               body: json.map { .bytes(ByteBuffer(bytes: $0)) } ?? .none)
        return gateway.response(for: reply)
    }
}
