import Foundation
import Hummingbird
import OpsideAmazonAds
import OpsideCore
import OpsideTransport

extension AdsAccess: ResponseEncodable {}

/// A connection's Amazon Ads authorization: connected by pasting an Ads refresh token (main-api
/// only, for an owner or admin), read by every member, and the Ads token vault any service may
/// ask for the tenant its token names (inventory-sync, for the spend).
struct AdsAuthorizationsController {
    let authorizations: AmazonAdsAuthorizations

    struct ConnectRequest: Decodable {
        let userId: UUID?
        let refreshToken: String
        /// Whose advertising profile to sync; default the connection's first marketplace.
        let marketplaceId: String?
    }

    struct AccessTokenRequest: Decodable {
        let rejectedAccessToken: String?
    }

    struct ConsentRequest: Decodable {
        let userId: UUID
        /// The random value main-api sets in the starting browser's cookie.
        let browserBinding: String
    }

    struct CallbackRequest: Decodable {
        let state: String
        let code: String
        /// The signed-in user whose browser carried the redirect, if it carried a session.
        let userId: UUID?
        /// The consent cookie's value, if the browser carried it.
        let browserBinding: String?
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let ads = router.group("/internal/amazon/connections/{connectionId}/ads")
        ads.post { request, context in try await connect(request, context) }
        ads.get { _, context in
            let tenant = try context.requireCallerTenant()
            return try await withIntegrationsErrors {
                try await authorizations.authorization(tenantID: tenant, connectionID: try context.amazonConnectionID())
            }
        }
        ads.delete { _, context in
            try requireGateway(context)
            let tenant = try context.requireCallerTenant()
            return try await withIntegrationsErrors {
                try await authorizations.disconnect(tenantID: tenant, connectionID: try context.amazonConnectionID())
            }
        }
        ads.post("/consent-url") { request, context in
            try requireGateway(context)
            let tenant = try context.requireCallerTenant()
            let body = try await request.decode(as: ConsentRequest.self, context: context)
            return try await withIntegrationsErrors {
                try await authorizations.startConsent(tenantID: tenant, userID: body.userId, connectionID: try context.amazonConnectionID(),
                                                      browserBinding: body.browserBinding)
            }
        }
        // Login with Amazon's redirect, through main-api: the tenant is known from the state.
        router.post("/internal/amazon/ads/oauth/callback") { request, context -> EditedResponse<AdsAuthorization> in
            try requireGateway(context)
            let body = try await request.decode(as: CallbackRequest.self, context: context)
            let (authorization, created) = try await withIntegrationsErrors {
                try await authorizations.completeConsent(
                    state: body.state, code: body.code, browserBinding: body.browserBinding,
                    presenter: OAuthStatePresenter(tenantID: context.serviceCaller?.tenantID, userID: body.userId))
            }
            return EditedResponse(status: created ? .created : .ok, response: authorization)
        }
        ads.post("/access-token") { request, context in
            let tenant = try context.requireCallerTenant()
            let buffer = try await request.body.collect(upTo: 16 * 1024)
            var rejected: String?
            if buffer.readableBytes > 0 {
                do {
                    rejected = try JSONDecoder().decode(AccessTokenRequest.self, from: Data(buffer.readableBytesView)).rejectedAccessToken
                } catch {
                    throw APIError.validation("the body must be {\"rejectedAccessToken\": string or null}")
                }
            }
            return try await withIntegrationsErrors {
                try await authorizations.access(tenantID: tenant, connectionID: try context.amazonConnectionID(), rejectedAccessToken: rejected)
            }
        }
    }

    /// Connecting and disconnecting act for a person, so only the gateway may ask.
    func requireGateway(_ context: OpsideRequestContext) throws {
        guard let caller = context.serviceCaller else { throw APIError.unauthorized("a service token is required") }
        guard caller.issuer == OpsideService.mainAPI.name else {
            throw APIError.forbidden("only main-api may connect or disconnect Amazon Ads")
        }
    }

    func connect(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<AdsAuthorization> {
        try requireGateway(context)
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ConnectRequest.self, context: context)
        let (authorization, created) = try await withIntegrationsErrors {
            try await authorizations.connect(tenantID: tenant, connectionID: try context.amazonConnectionID(), userID: body.userId,
                                             refreshToken: body.refreshToken, marketplaceID: body.marketplaceId)
        }
        return EditedResponse(status: created ? .created : .ok, response: authorization)
    }
}
