import Foundation
import OpsideTransport

/// What the routes under `/internal/amazon/connections/{connectionId}/…` share.
extension OpsideRequestContext {
    /// The route's `{connectionId}`; a malformed one is as absent as an unknown one.
    func amazonConnectionID() throws -> UUID {
        guard let id = UUID(uuidString: try parameters.require("connectionId")) else { throw AmazonConnectionError.notFound }
        return id
    }
}

/// Runs `body`, turning the connections', listings' and inbound workflows' typed errors into the
/// envelope.
func withIntegrationsErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as AmazonConnectionError {
        throw error.apiError
    } catch let error as ListingsError {
        throw error.apiError
    } catch let error as InboundWorkflowError {
        throw error.apiError
    } catch let error as AdsAuthorizationError {
        throw error.apiError
    }
}
