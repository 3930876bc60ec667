import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import OpsideJobs
import OpsideRedis
import OpsideTransport

/// Fans the realtime messages the event relay publishes on `opside:realtime:<tenant>` out to
/// the dashboard connections of that tenant only.
final class RealtimeHub: Sendable {
    static let pattern = "opside:realtime:*"
    private let connections = NIOLockedValueBox<[UUID: (tenant: String, continuation: AsyncStream<String>.Continuation)]>([:])

    init(subscriber: RedisSubscriber) {
        subscriber.onMessage { [weak self] message in
            guard message.channel.hasPrefix("opside:realtime:") else { return }
            self?.deliver(tenant: String(message.channel.dropFirst("opside:realtime:".count)), payload: message.payload)
        }
    }

    func deliver(tenant: String, payload: String) {
        let targets = connections.withLockedValue { $0.values.filter { $0.tenant == tenant }.map(\.continuation) }
        for continuation in targets { continuation.yield(payload) }
    }

    /// A stream of this tenant's messages until the caller stops reading.
    func stream(tenant: UUID) -> AsyncStream<String> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        connections.withLockedValue { $0[id] = (tenant.uuidString.lowercased(), continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.connections.withLockedValue { $0.removeValue(forKey: id) }
        }
        return stream
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
            let stream = hub.stream(tenant: tenant)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": connected\n\n"))
                for await message in stream {
                    let type = (try? JSONDecoder.opside.decode(EventEnvelope.self, from: Data(message.utf8)))?.type ?? "message"
                    try await writer.write(ByteBuffer(string: "event: \(type)\ndata: \(message)\n\n"))
                }
                try await writer.finish(nil)
            })
        }
    }
}
