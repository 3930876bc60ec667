import Foundation
import Hummingbird
import OpsideJobs

/// The operator's view of a service's queues (internal, service-token protected):
/// `GET /internal/jobs?state=discarded&limit=50`, `POST /internal/jobs/{id}/retry`,
/// `POST /internal/jobs/{id}/cancel`.
///
/// A caller whose token acts for a tenant sees and touches that tenant's jobs only; a system
/// token (no tenant: the operator's CLI, another service's maintenance) sees every queue's jobs.
struct JobsController {
    let jobQueue: JobQueue
    let queues: [String]

    struct JobList: ResponseEncodable {
        let jobs: [JobSummary]
    }

    struct JobAction: ResponseEncodable {
        let id: Int64
        let state: String
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/internal/jobs")
        group.get { request, context in
            let stateText = request.uri.queryParameters.get("state")
            var state: JobState?
            if let stateText {
                guard let parsed = JobState(rawValue: stateText) else {
                    throw APIError.validation("state must be one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            let limit = try QueryParameters.integer(request, "limit", in: 1...1000, default: 100)
            return JobList(jobs: try await jobQueue.list(queues: queues, state: state, tenantID: try callerTenant(context), limit: limit))
        }
        group.post("{id}/retry") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard try await jobQueue.retry(id: id, queues: queues, tenantID: try callerTenant(context)) else {
                throw APIError.conflict("job \(id) is not in a state that can be retried (discarded, cancelled, retryable or scheduled)")
            }
            return JobAction(id: id, state: JobState.available.rawValue)
        }
        group.post("{id}/cancel") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            guard let state = try await jobQueue.cancel(id: id, queues: queues, tenantID: try callerTenant(context)) else {
                throw APIError.conflict("job \(id) does not exist here or has already finished")
            }
            return JobAction(id: id, state: state == .running ? "cancelling" : state.rawValue)
        }
    }

    /// The tenant the verified caller acts for; nil for a system caller. Never trusts the path.
    private func callerTenant(_ context: OpsideRequestContext) throws -> UUID? {
        guard let caller = context.serviceCaller else { throw APIError.unauthorized("a service token is required") }
        return caller.tenantID
    }
}
