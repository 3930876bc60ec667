import Configuration
import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport

/// main-api's composition root: the public gateway (sign-up, login, who am I, billing) and the
/// dashboard's realtime feed.
///
/// Keys beyond the platform's: `security.sessionTokenSecret` (secret, required, ≥ 32 bytes),
/// `security.sessionLifetimeSeconds` (900), `security.bcryptCost` (12),
/// `rateLimit.authPerMinute` (20 sign-up/login calls per client per minute), `rateLimit.scope`
/// ("auth": the counter's name in Redis; deployments sharing one Redis give each its own).
public enum MainAPIService {
    public static let service = OpsideService.mainAPI

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// The seller dashboard's page: sign in, account, billing and the live event feed.
    static func dashboardPage() throws -> Data {
        guard let url = Bundle.module.url(forResource: "dashboard", withExtension: "html") else {
            throw MigrationError.badFileName("main-api's dashboard.html is missing from the build")
        }
        return try Data(contentsOf: url)
    }

    public static func buildApplication(reader: ConfigReader) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [], subscribePatterns: [RealtimeHub.pattern])
        let sessions = await SessionTokenAuthority(
            secret: try reader.requiredSecret("security.sessionTokenSecret", minimumLength: 32),
            lifetime: TimeInterval(reader.int(forKey: "security.sessionLifetimeSeconds", default: 900)))
        let hasher = PasswordHasher(cost: UInt8(clamping: reader.int(forKey: "security.bcryptCost", default: 12)))
        let accounts = AccountsPostgresRepository(database: platform.database, outbox: platform.outbox, logger: platform.logger)
        let hub = RealtimeHub(subscriber: platform.subscriber)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        router.middlewares.add(RateLimitMiddleware(
            redis: platform.redis, limitPerMinute: reader.int(forKey: "rateLimit.authPerMinute", default: 20),
            scope: reader.string(forKey: "rateLimit.scope", default: "auth"),
            appliesTo: { $0.uri.path.hasPrefix("/api/v1/auth/") }))
        router.middlewares.add(SessionMiddleware(sessions: sessions))
        AuthController(accounts: accounts, hasher: hasher, sessions: sessions,
                       decoyHash: try await hasher.hash(UUID().uuidString)).addRoutes(to: router)
        AccountController(accounts: accounts, serviceClient: platform.serviceClient).addRoutes(to: router)
        AmazonConnectionsController(serviceClient: platform.serviceClient).addRoutes(to: router)
        SyncController(serviceClient: platform.serviceClient).addRoutes(to: router)
        RealtimeController(hub: hub).addRoutes(to: router)
        let dashboard = try dashboardPage()
        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: dashboard)))
        }
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: JobRegistry())
    }
}
