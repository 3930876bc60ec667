import Foundation
import OpsideCore
import OpsideTransport

/// The production source: `POST /internal/amazon/connections/{id}/access-token` on integrations,
/// with a service token naming the connection's tenant.
public struct IntegrationsAccessTokenSource: AmazonAccessTokenSource {
    let serviceClient: ServiceClient

    public init(serviceClient: ServiceClient) { self.serviceClient = serviceClient }

    struct AccessTokenRequest: Encodable {
        let rejectedAccessToken: String?
    }

    public func access(tenantID: UUID, connectionID: UUID, rejectedAccessToken: String?) async throws -> AmazonAccess {
        do {
            let body = try JSONEncoder().encode(AccessTokenRequest(rejectedAccessToken: rejectedAccessToken))
            let reply = try await serviceClient.send(
                .POST, to: .integrations, path: "/internal/amazon/connections/\(connectionID.uuidString.lowercased())/access-token",
                tenantID: tenantID, body: body)
            return try JSONDecoder.opside.decode(AmazonAccess.self, from: reply.body)
        } catch ServiceCallError.status(_, let code, let envelope) where code == 409 && envelope?.error.code == "needs_reauthorization" {
            throw AmazonAccessError.needsReauthorization(envelope?.error.message ?? "refresh token revoked")
        } catch ServiceCallError.status(_, let code, let envelope) where code == 409 && envelope?.error.code == "connection_disconnected" {
            throw AmazonAccessError.disconnected(envelope?.error.message ?? "the seller disconnected the Amazon account")
        } catch ServiceCallError.status(_, let code, _) where code == 404 {
            throw AmazonAccessError.connectionNotFound(connectionID)
        } catch let error as ServiceCallError {
            throw AmazonAccessError.unavailable(error.description)
        } catch let error as DecodingError {
            throw AmazonAccessError.unavailable("integrations answered an access token this service cannot read: \(error)")
        }
    }
}
