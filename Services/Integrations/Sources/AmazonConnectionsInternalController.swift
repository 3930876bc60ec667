import Foundation
import Hummingbird
import OpsideCore
import OpsideTransport

/// integrations' internal Amazon endpoints. main-api's public routes call the connection ones
/// for the signed-in user (tenant in the service token, user in the body); any service may ask
/// the vault for an access token for a connection of the tenant its token names.
struct AmazonConnectionsInternalController {
    let connector: AmazonConnector

    struct ConsentRequest: Decodable {
        let userId: UUID
        let region: String?
        let marketplaceId: String?
        /// The random value the gateway sets in the starting browser's cookie.
        let browserBinding: String
    }

    struct CallbackRequest: Decodable {
        let state: String
        let spapiOAuthCode: String
        /// What the redirect's query said; only compared with what Amazon reports.
        let sellingPartnerId: String?
        /// The signed-in user whose browser carried the redirect, if it carried a session.
        let userId: UUID?
        /// The consent cookie's value, if the browser carried it.
        let browserBinding: String?
    }

    struct RefreshTokenRequest: Decodable {
        let userId: UUID?
        let refreshToken: String
        let sellingPartnerId: String
        let region: String
    }

    struct AccessTokenRequest: Decodable {
        /// An access token Amazon rejected (401/403): the vault drops it and refreshes.
        let rejectedAccessToken: String?
    }

    struct ConnectionList: ResponseEncodable {
        let connections: [AmazonConnection]
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let amazon = router.group("/internal/amazon")
        amazon.post("/connections/consent-url") { request, context in try await consentURL(request, context) }
        amazon.post("/oauth/callback") { request, context in try await callback(request, context) }
        amazon.post("/connections/refresh-token") { request, context in try await connectRefreshToken(request, context) }
        amazon.get("/connections") { _, context in try await list(context) }
        amazon.get("/connections/{connectionId}") { _, context in try await show(context) }
        amazon.delete("/connections/{connectionId}") { _, context in try await disconnect(context) }
        amazon.post("/connections/{connectionId}/access-token") { request, context in try await accessToken(request, context) }
    }

    /// Runs `body`, turning the connector's typed errors into the envelope.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AmazonConnectionError {
            throw error.apiError
        }
    }

    /// Connecting and disconnecting sellers act for a person, so only the gateway may ask.
    func requireGateway(_ context: OpsideRequestContext) throws {
        guard let caller = context.serviceCaller else { throw APIError.unauthorized("a service token is required") }
        guard caller.issuer == OpsideService.mainAPI.name else {
            throw APIError.forbidden("only main-api may connect or disconnect Amazon accounts")
        }
    }

    func connectionID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("connectionId")) else {
            throw AmazonConnectionError.notFound.apiError
        }
        return id
    }

    func consentURL(_ request: Request, _ context: OpsideRequestContext) async throws -> ConsentLink {
        try requireGateway(context)
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ConsentRequest.self, context: context)
        return try await mapped {
            try await connector.startConsent(tenantID: tenant, userID: body.userId, region: body.region, marketplaceID: body.marketplaceId,
                                             browserBinding: body.browserBinding)
        }
    }

    /// The tenant is unknown until the state is read; a tenant in the service token means the
    /// browser carried a session, which must then be the one that started the flow.
    func callback(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<AmazonConnection> {
        try requireGateway(context)
        let body = try await request.decode(as: CallbackRequest.self, context: context)
        let (connection, created) = try await mapped {
            try await connector.completeConsent(
                state: body.state, code: body.spapiOAuthCode, claimedSellingPartnerID: body.sellingPartnerId,
                browserBinding: body.browserBinding, presenter: OAuthStatePresenter(tenantID: context.serviceCaller?.tenantID, userID: body.userId))
        }
        return EditedResponse(status: created ? .created : .ok, response: connection)
    }

    func connectRefreshToken(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<AmazonConnection> {
        try requireGateway(context)
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: RefreshTokenRequest.self, context: context)
        let (connection, created) = try await mapped {
            try await connector.connectSelfAuthorized(tenantID: tenant, userID: body.userId, refreshToken: body.refreshToken,
                                                      sellingPartnerID: body.sellingPartnerId, region: body.region)
        }
        return EditedResponse(status: created ? .created : .ok, response: connection)
    }

    func list(_ context: OpsideRequestContext) async throws -> ConnectionList {
        let tenant = try context.requireCallerTenant()
        return ConnectionList(connections: try await mapped { try await connector.connections(tenantID: tenant) })
    }

    func show(_ context: OpsideRequestContext) async throws -> AmazonConnection {
        let tenant = try context.requireCallerTenant()
        let id = try connectionID(context)
        return try await mapped { try await connector.connection(id: id, tenantID: tenant) }
    }

    func disconnect(_ context: OpsideRequestContext) async throws -> AmazonConnection {
        try requireGateway(context)
        let tenant = try context.requireCallerTenant()
        let id = try connectionID(context)
        return try await mapped { try await connector.disconnect(id: id, tenantID: tenant) }
    }

    /// Another tenant's connection answers 404, exactly like a connection that does not exist.
    func accessToken(_ request: Request, _ context: OpsideRequestContext) async throws -> VaultAccessToken {
        let tenant = try context.requireCallerTenant()
        let id = try connectionID(context)
        let buffer = try await request.body.collect(upTo: 16 * 1024)
        var rejected: String?
        if buffer.readableBytes > 0 {
            rejected = try JSONDecoder().decode(AccessTokenRequest.self, from: Data(buffer.readableBytesView)).rejectedAccessToken
        }
        return try await mapped {
            try await connector.accessToken(connectionID: id, tenantID: tenant, rejectedAccessToken: rejected)
        }
    }
}
