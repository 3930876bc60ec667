import ClaimDetectorRoutes
import Configuration
import EvidenceEngineRoutes
import Foundation
import Hummingbird
import IntegrationsRoutes
import InventorySyncRoutes
import MCDERoutes
import NIOCore
import OpsideCore
import OpsideJobs
import OpsideMail
import OpsidePostgres
import OpsideRedis
import OpsideTransport
import PaymentsRoutes
import RefundEngineRoutes

/// What main-api reads beyond the platform's keys.
///
/// Keys: `security.sessionTokenSecret` (secret, required, ≥ 32 bytes),
/// `security.sessionLifetimeSeconds` (900: a bearer token's life), `security.signInLifetimeSeconds`
/// (7776000: 90 days, how long a sign-in lasts at most), `security.signInIdleSeconds` (2592000:
/// 30 days unused ends it), `security.refreshReuseGraceSeconds` (10: how long a used refresh token
/// still works, for two tabs refreshing at once; after that its use revokes the sign-in),
/// `security.passwordResetLinkSeconds` (3600: how long a reset link works),
/// `security.invitationLinkSeconds` (604800: how long an invitation works), `security.bcryptCost` (12),
/// `mail.smtp.host` (127.0.0.1), `mail.smtp.port` (2525: deploy/up's mail sink),
/// `mail.smtp.security` (none | tls: implicit TLS, port 465 typically), `mail.smtp.username`,
/// `mail.smtp.password` (secret), `mail.from` (no-reply@opside.local), `mail.fromName` (Opside),
/// `dashboard.publicUrl` (http://127.0.0.1:8000: what links in e-mail start with),
/// `rateLimit.authPerMinute` (20 sign-up/login calls per client address per sliding minute),
/// `rateLimit.loginPerAccount` (10 sign-in attempts per account per window),
/// `rateLimit.loginPerAccountWindowSeconds` (900), `rateLimit.clientAddressHeader` (none: the
/// socket's peer; set to the header a trusted proxy writes, e.g. `Fly-Client-IP`),
/// `rateLimit.scope` ("auth": the counters' name in Redis; deployments sharing one Redis give
/// each its own), `realtime.heartbeatMilliseconds` (15000: how often an idle event stream is
/// written to, which is how a vanished client is noticed), `notifications.digestHourUtc` (8: the hour,
/// UTC, the daily notification digest goes out), `gateway.cacheSeconds` (30: how long a cached
/// answer, the claims list say, may be served at most; changes forget it sooner),
/// `operators.emails` (none: the e-mail addresses, comma-separated, of the people who run the
/// deployment: they see the System tests page and may start test-runner's suites from it).
struct MainAPISettings {
    var sessionTokenSecret: String
    var sessionLifetime: TimeInterval
    var signIns: SignInSessionPolicy
    var passwordResetLinkLifetime: TimeInterval
    var invitationLinkLifetime: TimeInterval
    var smtp: SMTPSettings
    var mail: MailSettings
    var bcryptCost: UInt8
    var authPerMinute: Int
    var loginPerAccount: Int
    var loginPerAccountWindow: TimeInterval
    var clientAddressHeader: String?
    var rateLimitScope: String
    var heartbeat: Duration
    var digestHour: Int
    var gatewayCacheLifetime: Duration
    var operators: Operators

    init(reader: ConfigReader) throws {
        sessionTokenSecret = try reader.requiredSecret("security.sessionTokenSecret", minimumLength: 32)
        sessionLifetime = TimeInterval(try Self.atLeastOne(
            reader.int(forKey: "security.sessionLifetimeSeconds", default: 900), key: "security.sessionLifetimeSeconds"))
        signIns = SignInSessionPolicy(
            lifetime: TimeInterval(try Self.atLeastOne(reader.int(forKey: "security.signInLifetimeSeconds", default: 90 * 86_400),
                                                       key: "security.signInLifetimeSeconds")),
            idleLifetime: TimeInterval(try Self.atLeastOne(reader.int(forKey: "security.signInIdleSeconds", default: 30 * 86_400),
                                                           key: "security.signInIdleSeconds")),
            reuseGrace: TimeInterval(max(0, reader.int(forKey: "security.refreshReuseGraceSeconds", default: 10))))
        passwordResetLinkLifetime = TimeInterval(try Self.atLeastOne(reader.int(forKey: "security.passwordResetLinkSeconds", default: 3600),
                                                                     key: "security.passwordResetLinkSeconds"))
        invitationLinkLifetime = TimeInterval(try Self.atLeastOne(reader.int(forKey: "security.invitationLinkSeconds", default: 7 * 86_400),
                                                                  key: "security.invitationLinkSeconds"))
        let securityName = reader.string(forKey: "mail.smtp.security", default: "none")
        guard let security = SMTPSettings.Security(rawValue: securityName) else {
            throw ConfigurationError(key: "mail.smtp.security", reason: "must be none or tls, not \(securityName)")
        }
        smtp = SMTPSettings(host: reader.string(forKey: "mail.smtp.host", default: "127.0.0.1"),
                            port: reader.int(forKey: "mail.smtp.port", default: 2525), security: security,
                            username: reader.string(forKey: "mail.smtp.username"),
                            password: reader.string(forKey: ConfigKey("mail.smtp.password"), isSecret: true))
        mail = MailSettings(fromAddress: reader.string(forKey: "mail.from", default: "no-reply@opside.local"),
                            fromName: reader.string(forKey: "mail.fromName", default: "Opside"),
                            publicURL: String(reader.string(forKey: "dashboard.publicUrl", default: "http://127.0.0.1:8000")
                                                .reversed().drop { $0 == "/" }.reversed()))
        bcryptCost = UInt8(clamping: reader.int(forKey: "security.bcryptCost", default: 12))
        authPerMinute = try Self.atLeastOne(reader.int(forKey: "rateLimit.authPerMinute", default: 20), key: "rateLimit.authPerMinute")
        loginPerAccount = try Self.atLeastOne(reader.int(forKey: "rateLimit.loginPerAccount", default: 10), key: "rateLimit.loginPerAccount")
        loginPerAccountWindow = TimeInterval(try Self.atLeastOne(
            reader.int(forKey: "rateLimit.loginPerAccountWindowSeconds", default: 900), key: "rateLimit.loginPerAccountWindowSeconds"))
        clientAddressHeader = reader.string(forKey: "rateLimit.clientAddressHeader")
        rateLimitScope = reader.string(forKey: "rateLimit.scope", default: "auth")
        heartbeat = .milliseconds(try Self.atLeastOne(
            reader.int(forKey: "realtime.heartbeatMilliseconds", default: 15_000), key: "realtime.heartbeatMilliseconds"))
        gatewayCacheLifetime = .seconds(max(0, reader.int(forKey: "gateway.cacheSeconds", default: 30)))
        operators = Operators(emails: reader.string(forKey: "operators.emails", default: ""))
        digestHour = reader.int(forKey: "notifications.digestHourUtc", default: 8)
        guard (0...23).contains(digestHour) else { throw ConfigurationError(key: "notifications.digestHourUtc", reason: "must be an hour, 0 to 23") }
    }

    /// A count or duration setting, which must be at least 1.
    static func atLeastOne(_ number: Int, key: String) throws -> Int {
        guard number >= 1 else { throw ConfigurationError(key: key, reason: "must be at least 1") }
        return number
    }
}

/// main-api's composition root: sign-up, login, who am I, the dashboard's realtime feed, and the
/// gateway that serves the other services' public routes from their route tables. Its settings are `MainAPISettings`.
public enum MainAPIService {
    public static let service = OpsideService.mainAPI

    public static func migrators() throws -> [Migrator] {
        try ServiceResources(bundle: .module, service: service).migrators()
    }

    public static func openAPIDocument() throws -> Data {
        try ServiceResources(bundle: .module, service: service).openAPIDocument()
    }

    /// Serves the static page `Templates/<name>.html` (where e-mail links lead: their token stays in
    /// the URL's query, so no referrer) at `path` with its Content-Security-Policy.
    static func servePage(_ name: String, at path: RouterPath, on router: Router<OpsideRequestContext>) throws {
        let (page, contentSecurityPolicy) = try DashboardRenderer.staticPage(name)
        router.get(path) { _, _ in
            var headers = DashboardRenderer.pageHeaders()
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[.referrerPolicy] = "no-referrer"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
    }

    /// - Parameter clocks: what sessions and service tokens live by.
    public static func buildApplication(reader: ConfigReader, clocks: ServiceClocks = .system) async throws -> some ApplicationProtocol {
        let platform = try await OpsidePlatform(service: service, reader: reader, queues: [MailJobs.queue], subscribePatterns: [RealtimeHub.pattern],
                                                clocks: clocks)
        let settings = try MainAPISettings(reader: reader)
        let sessions = await SessionTokenAuthority(secret: settings.sessionTokenSecret, lifetime: settings.sessionLifetime, now: clocks.now)
        let hasher = PasswordHasher(cost: settings.bcryptCost)
        let accounts = AccountsPostgresRepository(database: platform.database, outbox: platform.outbox, logger: platform.logger)
        let hub = RealtimeHub(subscriber: platform.subscriber, heartbeat: settings.heartbeat)

        let router = platform.makeRouter(openAPIDocument: try openAPIDocument())
        let perAddress = SlidingWindowLimiter(redis: platform.redis, limit: settings.authPerMinute, window: 60,
                                              prefix: "opside:ratelimit:\(settings.rateLimitScope):address")
        let perAccount = SlidingWindowLimiter(redis: platform.redis, limit: settings.loginPerAccount, window: settings.loginPerAccountWindow,
                                              prefix: "opside:ratelimit:\(settings.rateLimitScope):account")
        router.middlewares.add(RateLimitMiddleware(
            limiter: perAddress, clientAddress: ClientAddress(trustedHeader: settings.clientAddressHeader),
            appliesTo: { SessionMiddleware.publicPaths.contains($0) }))
        let signIns = SignInSessionsPostgres(database: platform.database, policy: settings.signIns, now: clocks.now, logger: platform.logger)
        let liveness = SignInLiveness(store: signIns, now: clocks.now)
        let csrf = CSRFTokens(secret: settings.sessionTokenSecret)
        router.middlewares.add(SessionMiddleware(sessions: sessions, liveness: liveness, csrf: csrf))
        AuthController(accounts: accounts, hasher: hasher, sessions: sessions, signIns: signIns, csrf: csrf,
                       signInLifetime: settings.signIns.lifetime, accountLimiter: perAccount,
                       decoyHash: try await hasher.hash(UUID().uuidString)).addRoutes(to: router)
        SignInController(accounts: accounts, sessions: sessions, signIns: signIns, liveness: liveness, csrf: csrf,
                         signInLifetime: settings.signIns.lifetime).addRoutes(to: router)
        AccountController(accounts: accounts).addRoutes(to: router)
        // Every other service's public routes: one table per owner, forwarded by one gateway.
        let answers = GatewayResponseCache(lifetime: settings.gatewayCacheLifetime)
        let redis = platform.redis, now = clocks.now
        let gateway = ServiceGateway(serviceClient: platform.serviceClient, cache: answers) { service, tenant in
            // Every instance forgets the tenant's answers there (this one already has).
            let message = EventEnvelope(id: UUID(), type: GatewayChange.type, tenantId: tenant, producer: OpsideService.mainAPI.name,
                                        occurredAt: now(), payload: #"{"service":"\#(service.name)"}"#)
            if let json = try? OpsideJSON.encode(message) {
                _ = try? await redis.publish(EventRelay.realtimeChannel(tenantID: tenant), String(decoding: json, as: UTF8.self))
            }
        }
        GatewayChange.forget(answers, on: platform.subscriber)
        gateway.addRoutes([IntegrationsRoutes.table, InventorySyncRoutes.table, PaymentsRoutes.table, ClaimDetectorRoutes.table,
                           RefundEngineRoutes.table, EvidenceEngineRoutes.table, MCDERoutes.table], to: router)
        AmazonConnectionsController(gateway: gateway).addRoutes(to: router)
        RealtimeController(hub: hub).addRoutes(to: router)
        let publicOrigin = URLComponents(string: settings.mail.publicURL).flatMap { url in
            url.scheme.map { "\($0)://\(url.host ?? "")" + (url.port.map { ":\($0)" } ?? "") }
        }
        let webSocket = RealtimeWebSocket(hub: hub, sessions: sessions, liveness: liveness, allowedOrigins: Set([publicOrigin].compactMap { $0 }))
        webSocket.addRoutes(to: router)
        try servePage("reset-password", at: "/reset-password", on: router)
        try servePage("accept-invitation", at: "/accept-invitation", on: router)
        TeamController(database: platform.database, liveness: liveness, mail: settings.mail, invitationLifetime: settings.invitationLinkLifetime,
                       now: clocks.now, logger: platform.logger).addRoutes(to: router)
        MembershipController(database: platform.database, accounts: accounts, hasher: hasher, sessions: sessions, signIns: signIns,
                             csrf: csrf, signInLifetime: settings.signIns.lifetime, now: clocks.now, logger: platform.logger)
            .addRoutes(to: router)
        PasswordResetController(database: platform.database, hasher: hasher, signIns: signIns, liveness: liveness, mail: settings.mail,
                                linkLifetime: settings.passwordResetLinkLifetime, now: clocks.now, logger: platform.logger)
            .addRoutes(to: router)
        let notifications = NotificationStore(database: platform.database, mail: settings.mail, digestHour: settings.digestHour,
                                              now: clocks.now, logger: platform.logger)
        NotificationsController(store: notifications).addRoutes(to: router)
        AccountSettingsController(database: platform.database, hasher: hasher, signIns: signIns, liveness: liveness, mail: settings.mail,
                                  logger: platform.logger).addRoutes(to: router)
        DashboardPages(renderer: try await DashboardRenderer(), sources: DashboardSources(gateway: gateway), accounts: accounts,
                       notifications: notifications, signIns: signIns, database: platform.database, operators: settings.operators,
                       now: clocks.now, logger: platform.logger)
            .addRoutes(to: router)
        SystemTestsController(gateway: gateway, accounts: accounts, operators: settings.operators).addRoutes(to: router)
        var jobs = JobRegistry()
        MailJobs(smtp: SMTPClient(settings: settings.smtp, now: clocks.now)).register(in: &jobs)
        NotificationJobs(store: notifications, redis: platform.redis, now: clocks.now).register(in: &jobs)
        return platform.makeApplication(router: router, migrators: try migrators(), jobs: jobs, webSocket: webSocket.shouldUpgrade)
    }
}

/// What makes main-api forget kept answers (`GatewayResponseCache`): a change made through any
/// instance's gateway (published as `gateway.changed`), and the owners' events about the data
/// behind them (claim-detector's `claims.*`), both arriving on the tenants' realtime channels.
enum GatewayChange {
    static let type = "gateway.changed"

    static func forget(_ answers: GatewayResponseCache, on subscriber: RedisSubscriber) {
        struct Change: Decodable { let service: String }
        subscriber.onMessage { message in
            guard message.channel.hasPrefix("opside:realtime:"),
                  let envelope = try? JSONDecoder.opside.decode(EventEnvelope.self, from: Data(message.payload.utf8)),
                  let tenant = envelope.tenantId else { return }
            if envelope.type == type, let change = try? JSONDecoder().decode(Change.self, from: Data(envelope.payload.utf8)),
               let service = OpsideService.allCases.first(where: { $0.name == change.service }) {
                answers.invalidate(service: service, tenant: tenant)
            } else if envelope.type.hasPrefix("claims.") {
                answers.invalidate(service: .claimDetector, tenant: tenant)
            }
        }
    }
}
