import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
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
