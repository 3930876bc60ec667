import Foundation
import Hummingbird
import HummingbirdWebSocket
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpsideCore
import OpsideJobs
import OpsideRedis
import OpsideTransport
import ServiceLifecycle

/// Fans the realtime messages the event relay publishes on `opside:realtime:<tenant>` out to
/// the dashboard connections of that tenant only.
///
/// Each feed also carries a heartbeat comment every `heartbeat`: a client that went away without
/// a word is noticed at the next write, within one heartbeat, instead of lingering in CLOSE-WAIT
/// until its tenant's next event.
final class RealtimeHub: Sendable {
    static let pattern = "opside:realtime:*"
    static let maximumLifetime = Duration.seconds(15 * 60)
    /// What the stream carries between events: written as an SSE comment, which clients ignore.
    static let heartbeatMarker = ""
    let heartbeat: Duration
    private let connections = NIOLockedValueBox<[UUID: (tenant: String, continuation: AsyncStream<String>.Continuation)]>([:])

    init(subscriber: RedisSubscriber, heartbeat: Duration = .seconds(15)) {
        self.heartbeat = heartbeat
        subscriber.onMessage { [weak self] message in
            guard message.channel.hasPrefix("opside:realtime:") else { return }
            self?.deliver(tenant: String(message.channel.dropFirst("opside:realtime:".count)), payload: message.payload)
        }
    }

    func deliver(tenant: String, payload: String) {
        let targets = connections.withLockedValue { $0.values.filter { $0.tenant == tenant }.map(\.continuation) }
        for continuation in targets { continuation.yield(payload) }
    }

    /// A stream of this tenant's messages until the caller stops reading or calls `finish`.
    func stream(tenant: UUID) -> (messages: AsyncStream<String>, finish: @Sendable () -> Void) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        connections.withLockedValue { $0[id] = (tenant.uuidString.lowercased(), continuation) }
        // A feed ends after a while however quiet it is; EventSource reconnects by itself.
        let expiry = Task {
            try? await Task.sleep(for: Self.maximumLifetime)
            continuation.finish()
        }
        let heartbeat = self.heartbeat
        let beats = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: heartbeat)
                continuation.yield(Self.heartbeatMarker)
            }
        }
        continuation.onTermination = { [weak self] _ in
            expiry.cancel()
            beats.cancel()
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: id) }
        }
        return (stream, { continuation.finish() })
    }

    var connectionCount: Int { connections.withLockedValue { $0.count } }
}

/// `GET /api/v1/realtime`: a Server-Sent Events stream of the signed-in tenant's events.
struct RealtimeController {
    let hub: RealtimeHub

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/api/v1/realtime") { _, context in
            let session = try context.requireSession()
            guard let tenant = session.tenantID else { throw APIError.unauthorized("the session names no tenant") }
            let (stream, finish) = hub.stream(tenant: tenant)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                // An open feed must not hold up a graceful shutdown, which waits for every request.
                try await withGracefulShutdownHandler {
                    for await message in stream {
                        if message == RealtimeHub.heartbeatMarker {
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                            continue
                        }
                        let type = (try? JSONDecoder.opside.decode(EventEnvelope.self, from: Data(message.utf8)))?.type ?? "message"
                        try await writer.write(ByteBuffer(string: "event: \(type)\ndata: \(message)\n\n"))
                    }
                } onGracefulShutdown: {
                    finish()
                }
                try await writer.finish(nil)
            })
        }
    }
}

/// `GET /api/v1/realtime/ws`: the same feed as a WebSocket, one text message per event (the
/// event's envelope as JSON). Browsers do not count WebSockets against the few HTTP/1.1
/// connections they keep per site, so the dashboard's pages use this one.
///
/// The upgrade needs a live session (the `opside_access` cookie, or `?access_token=` for clients
/// without cookies) and, from a browser, an `Origin` of this site: a page elsewhere cannot open a
/// feed with the person's cookie. A request refused the upgrade reaches the route below, which
/// says why (401, 403) or that it must be an upgrade (426).
struct RealtimeWebSocket: Sendable {
    static let path = "/api/v1/realtime/ws"
    let hub: RealtimeHub
    let sessions: SessionTokenAuthority
    let liveness: SignInLiveness
    /// Origins allowed besides the request's own host (`dashboard.publicUrl`'s).
    let allowedOrigins: Set<String>

    /// The tenant whose feed `request` may have; nil when it may not become one.
    func admitted(path: String, authority: String?, headers: HTTPFields) async -> UUID? {
        guard URLComponents(string: path)?.path == Self.path, originAllowed(headers, authority: authority) else { return nil }
        let query = URLComponents(string: path)?.queryItems ?? []
        let token = query.first { $0.name == "access_token" }?.value
            ?? Self.cookie(SignInCookies.access, in: headers[values: .cookie])
        guard let token, let claims = try? await sessions.verify(token), let tenant = claims.tenantID else { return nil }
        if let family = claims.sessionID, let user = claims.userID, (try? await liveness.isLive(family: family, user: user)) != true {
            return nil
        }
        return tenant
    }

    /// No Origin (not a browser) or one of ours.
    func originAllowed(_ headers: HTTPFields, authority: String?) -> Bool {
        guard let origin = headers[HTTPField.Name("Origin")!] else { return true }
        if allowedOrigins.contains(origin) { return true }
        guard let host = authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    static func cookie(_ name: String, in fields: [String]) -> String? {
        for field in fields {
            for pair in field.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == name, !parts[1].isEmpty { return String(parts[1]) }
            }
        }
        return nil
    }

    func shouldUpgrade(_ request: HTTPRequest, _ channel: any Channel, _ logger: Logger) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let tenant = await admitted(path: request.path ?? "", authority: request.authority, headers: request.headerFields) else { return .dontUpgrade }
        let hub = self.hub
        return .upgrade([:]) { inbound, outbound, _ in
            let (stream, finish) = hub.stream(tenant: tenant)
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // What the client sends is not read for anything; its close ends the feed.
                    group.addTask {
                        for try await _ in inbound {}
                        finish()
                    }
                    group.addTask {
                        for await message in stream where message != RealtimeHub.heartbeatMarker {
                            try await outbound.write(.text(message))
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                finish()
            }
        }
    }

    /// What a request that was not upgraded gets.
    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context -> Response in
            _ = try context.requireSession()
            guard originAllowed(request.headers, authority: request.head.authority) else {
                throw APIError.forbidden("a feed may be opened only from this site's pages")
            }
            throw APIError(status: .upgradeRequired, code: "upgrade_required",
                           message: "open this endpoint as a WebSocket (Connection: Upgrade, Upgrade: websocket)")
        }
    }
}
