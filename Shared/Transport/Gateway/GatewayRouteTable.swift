import OpsideCore

/// The public routes one service owns. Each service with public routes declares one in its
/// `Services/<Service>/Routes` target, which main-api depends on instead of the service itself.
public struct GatewayRouteTable: Sendable {
    public let service: OpsideService
    public let routes: [GatewayRoute]

    public init(service: OpsideService, _ routes: [GatewayRoute]) {
        self.service = service
        self.routes = routes.map { route in
            var route = route
            route.service = service
            return route
        }
    }
}
