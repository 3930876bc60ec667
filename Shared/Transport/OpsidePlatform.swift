import AsyncHTTPClient
import Configuration
import Foundation
import Hummingbird
import HummingbirdWebSocket
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideRedis
import ServiceLifecycle
import Tracing

/// The long-lived parts every service is made of, built once in its composition root: the
/// database pool, Redis, the HTTP client, the service client, the job queue and the outbox.
public final class OpsidePlatform: Sendable {
    public let service: OpsideService
    public let settings: PlatformSettings
    public let reader: ConfigReader
    public let logger: Logger
    public let database: Database
    public let redis: RedisClient
    public let subscriber: RedisSubscriber
    public let httpClient: HTTPClient
    public let tokenAuthority: ServiceTokenAuthority
    public let serviceClient: ServiceClient
    public let jobQueue: JobQueue
    public let outbox: EventOutbox
    /// The queues this process works (named after the service, e.g. `payments`).
    public let queues: [String]
    /// The clocks the service decides time by (token lifetimes, cron ticks, expiries).
    public let clocks: ServiceClocks
    let migrationsDone = StartupGate()

    /// - Parameters:
    ///   - queues: the job queues this service works.
    ///   - subscribePatterns: extra Redis pub/sub patterns (main-api's realtime feed).
    ///   - clocks: the clocks of the service; `.system` but in tests that move time.
    public init(service: OpsideService, reader: ConfigReader, queues: [String], subscribePatterns: [String] = [],
                clocks: ServiceClocks = .system) async throws {
        self.service = service
        self.clocks = clocks
        self.reader = reader
        self.settings = try PlatformSettings(reader: reader, service: service)
        // Metrics recorded before the registry exists are lost; make sure it exists first.
        _ = OpsideMetrics.registry
        var logger = Logger(label: "opside.\(service.name)")
        logger.logLevel = settings.logLevel
        self.logger = logger
        self.queues = queues
        database = Database(settings: settings.postgres, logger: logger)
        redis = RedisClient(settings: settings.redis)
        subscriber = RedisSubscriber(
            settings: settings.redis,
            channels: JobWorker.channels(for: queues) + [EventOutbox.wakeChannel],
            patterns: subscribePatterns, logger: logger)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))
        tokenAuthority = await ServiceTokenAuthority(secret: settings.serviceTokenSecret, service: service, now: clocks.now)
        serviceClient = ServiceClient(httpClient: httpClient, authority: tokenAuthority, endpoints: settings.endpoints, logger: logger)
        jobQueue = JobQueue(database: database, redis: redis, logger: logger)
        outbox = EventOutbox(producer: service, redis: redis, logger: logger)
    }

    /// A router with the shared middleware and endpoints already in place.
    public func makeRouter(openAPIDocument: Data) -> Router<OpsideRequestContext> {
        documentedOperations.withLockedValue { $0 = Self.operations(in: openAPIDocument) }
        let router = Router(context: OpsideRequestContext.self)
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(SecurityHeadersMiddleware())
        // Before anything decides on the path: every later check sees the path the router serves.
        router.middlewares.add(RequestHygieneMiddleware())
        // A span per request, continuing the caller's `traceparent`. Only when spans go somewhere:
        // with tracing off the request path stays as short as it was.
        if settings.tracing.enabled {
            var attributes = SpanAttributes()
            attributes["opside.service"] = service.name
            router.middlewares.add(TracingMiddleware<OpsideRequestContext>(attributes: attributes))
        }
        // Outside the envelope, so it counts the status actually sent, not a thrown error's.
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(RequestLogMiddleware())
        router.middlewares.add(ErrorEnvelopeMiddleware())
        router.middlewares.add(ServiceAuthMiddleware(authority: tokenAuthority))
        PlatformController(serviceName: service.name, database: database, redis: redis,
                           openAPIDocument: ByteBuffer(bytes: openAPIDocument),
                           metricsAccess: MetricsAccess(token: settings.metricsToken)).addRoutes(to: router)
        JobsController(jobQueue: jobQueue, queues: queues).addRoutes(to: router)
        return router
    }

    /// The document this service serves, kept to compare against the routes it registers.
    private let documentedOperations = NIOLockedValueBox<Set<String>>([])

    /// `GET /path` strings of the routes the router serves but the OpenAPI document does not list.
    func routesMissingFromDocument(router: Router<OpsideRequestContext>) -> [String] {
        let documented = documentedOperations.withLockedValue { $0 }
        return router.routes.map { "\($0.method.rawValue) \($0.path.description)" }
            .filter { !documented.contains($0) }.sorted()
    }

    /// Applies the platform's and then the service's migrations.
    public func migrate(_ migrators: [Migrator]) async throws {
        try await PlatformMigrations.migrator().apply(on: database)
        for migrator in migrators { try await migrator.apply(on: database) }
    }

    /// Assembles the application: the long-lived parts run as services in dependency order
    /// (Postgres, Redis, HTTP client, migrations, relay, workers, extras), the HTTP server last,
    /// so SIGTERM stops taking requests first and closes the database last.
    /// Decides whether an HTTP/1.1 request becomes a WebSocket, and what then serves it.
    public typealias WebSocketUpgrade = @Sendable (HTTPRequest, any Channel, Logger) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    /// - Parameters:
    ///   - webSocket: for a service with a WebSocket endpoint (main-api's realtime feed): the server
    ///     then also upgrades the requests it accepts; every other request is served as usual.
    ///   - leaderGauges: fleet-wide gauges read from the service's tables, refreshed by the queue
    ///     leader alone (the queues' own gauges are always there).
    public func makeApplication(router: Router<OpsideRequestContext>, migrators: [Migrator], jobs: JobRegistry,
                                cron: [CronEntry] = [], extraServices: [any Service] = [],
                                webSocket: WebSocketUpgrade? = nil, leaderGauges: [any LeaderGauges] = []) -> some ApplicationProtocol {
        let gate = migrationsDone
        var services: [any Service] = [
            DatabaseService(database: database),
            RedisClientService(client: redis),
            HTTPClientService(client: httpClient),
            MigrationService(platform: self, migrators: migrators, gate: gate),
            subscriber,
            GatedService(gate: gate, wrapped: EventRelay(jobQueue: jobQueue, subscriptions: EventConsumers.subscriptions,
                                                         redis: redis, subscriber: subscriber,
                                                         pollInterval: settings.jobs.pollInterval, logger: logger)),
        ]
        if !queues.isEmpty {
            services.append(GatedService(gate: gate, wrapped: JobWorker(
                queues: queues, jobQueue: jobQueue, registry: jobs, settings: settings.jobs, subscriber: subscriber, logger: logger)))
            services.append(GatedService(gate: gate, wrapped: QueueMaintenance(
                leaderName: service.name, queues: queues, jobQueue: jobQueue, cron: cron, settings: settings.jobs, logger: logger, wallClock: clocks.wall,
                gauges: [JobQueueGauges(queues: queues)] + leaderGauges)))
        }
        services += extraServices
        if let metricsPort = settings.metricsPort {
            services.append(MetricsListener.application(host: settings.metricsHost, port: metricsPort, logger: logger))
        }
        var app = Application(
            router: router,
            server: webSocket.map { Self.webSocketServer(idleTimeout: settings.idleTimeout, shouldUpgrade: $0) }
                ?? Self.httpServer(idleTimeout: settings.idleTimeout),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: service.name),
            services: services,
            logger: logger)
        let undocumented = routesMissingFromDocument(router: router)
        let consumers = EventConsumers.mismatches(queues: queues, registry: jobs)
        let logger = self.logger
        app.beforeServerStarts {
            // A consumer declared for this service's queue without its handler would leave its
            // events' jobs unhandled; a handler declared nowhere would never get a job.
            if !consumers.unregistered.isEmpty || !consumers.undeclared.isEmpty {
                logger.critical("event consumers do not match their declarations", metadata: [
                    "unregistered": "\(consumers.unregistered)", "undeclared": "\(consumers.undeclared)"])
                throw EventConsumerMismatch(unregistered: consumers.unregistered, undeclared: consumers.undeclared)
            }
            // The OpenAPI document is kept in the repository; a route it does not describe is a
            // release mistake, so the service refuses to start rather than serve it undocumented.
            if !undocumented.isEmpty {
                logger.critical("routes missing from openapi.json", metadata: ["routes": "\(undocumented)"])
                throw OpenAPIMismatch(routes: undocumented)
            }
            await gate.wait()
        }
        return app
    }
}

extension OpsidePlatform {
    /// HTTP/1.1 with an idle timeout (a connection that sends nothing is closed; a response in
    /// progress, such as an event stream, is not idle) and the parser's refusals answered with
    /// the envelope.
    /// HTTP/1.1 as `httpServer`, with WebSocket upgrades (pinged every 20 s, so a vanished client
    /// is noticed).
    static func webSocketServer(idleTimeout: Duration, shouldUpgrade: @escaping WebSocketUpgrade) -> HTTPServerBuilder {
        let seconds = idleTimeout.components.seconds
        let timeout: TimeAmount? = seconds > 0 ? .seconds(seconds) : nil
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(additionalChannelHandlers: [ParserErrorResponder()], idleTimeout: timeout),
            ws: WebSocketServerConfiguration(autoPing: .enabled(timePeriod: .seconds(20))))
        return HTTPServerBuilder { responder in
            HardenedWebSocketChildChannel(base: HTTP1WebSocketUpgradeChannel(responder: responder, configuration: configuration,
                                                                             shouldUpgrade: shouldUpgrade),
                                          firstRequestTimeout: timeout)
        }
    }

    static func httpServer(idleTimeout: Duration) -> HTTPServerBuilder {
        let seconds = idleTimeout.components.seconds
        return .http1(configuration: .init(
            additionalChannelHandlers: [ParserErrorResponder()],
            idleTimeout: seconds > 0 ? .seconds(seconds) : nil))
    }
}

/// A route the service registers is not described by its OpenAPI document.
public struct OpenAPIMismatch: Error, CustomStringConvertible {
    public let routes: [String]
    public var description: String {
        "these routes are not in the service's openapi.json (run tools/generate-openapi.py after adding them there): "
            + routes.joined(separator: ", ")
    }
}

extension OpsidePlatform {
    /// `METHOD /path` for every operation of an OpenAPI document.
    static func operations(in document: Data) -> Set<String> {
        // Only the path items' keys matter; decoding them with JSONDecoder (not JSONSerialization)
        // keeps CoreFoundation's string machinery out of every service's start-up.
        struct Document: Decodable {
            /// Any JSON value, read and dropped.
            struct AnyValue: Decodable { init(from decoder: any Decoder) {} }
            let paths: [String: [String: AnyValue]]
        }
        guard let paths = try? JSONDecoder().decode(Document.self, from: document).paths else { return [] }
        var operations = Set<String>()
        for (path, item) in paths {
            for method in item.keys where ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }
}

/// A service whose event handlers differ from the consumers `EventConsumers` declares for its queues.
public struct EventConsumerMismatch: Error, CustomStringConvertible {
    public let unregistered: [EventSubscription]
    public let undeclared: [EventSubscription]
    public var description: String {
        "declared but not registered: \(unregistered); registered but not declared: \(undeclared)"
    }
}
