import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A pub/sub subscriber on its own thread that reconnects after any failure.
///
/// Messages are hints (job wake-ups, realtime UI pushes): a message published while the
/// subscriber is reconnecting is lost, which is why every consumer also polls.
public final class RedisSubscriber: Service, Sendable {
    public struct Message: Sendable, Equatable {
        public let channel: String
        public let payload: String
    }

    private let settings: RedisSettings
    private let channels: [String]
    private let patterns: [String]
    private let clientName: String
    private let logger: Logger
    private let handlers = NIOLockedValueBox<[@Sendable (Message) -> Void]>([])
    private let stopped = NIOLockedValueBox(false)
    private let connectedState = NIOLockedValueBox(false)
    private let pongs = NIOLockedValueBox(0)
    /// Polls of a quarter second without a message after which the subscriber PINGs.
    private let keepAlivePolls: Int

    /// - Parameters:
    ///   - channels: exact channel names to SUBSCRIBE to.
    ///   - patterns: glob patterns to PSUBSCRIBE to.
    ///   - clientName: the connection's name in `CLIENT LIST`, so an operator can tell it apart.
    ///   - keepAlive: silence after which it PINGs (rounded to quarter seconds); twice that
    ///     without an answer and the connection is given up and made again.
    public init(settings: RedisSettings, channels: [String], patterns: [String] = [], clientName: String = "opside-subscriber",
                keepAlive: Duration = .seconds(3), logger: Logger) {
        self.keepAlivePolls = max(1, Int(keepAlive / .milliseconds(250)))
        self.settings = settings
        self.channels = channels
        self.patterns = patterns
        self.clientName = clientName
        self.logger = logger
    }

    /// Adds a handler, called on the subscriber's thread: keep it short (yield into a stream).
    public func onMessage(_ handler: @escaping @Sendable (Message) -> Void) {
        handlers.withLockedValue { $0.append(handler) }
    }

    /// Whether the subscriber currently holds a live subscription.
    public var isConnected: Bool { connectedState.withLockedValue { $0 } }

    /// Keep-alive PINGs the server has answered: each one a silence the subscription held through.
    public var keepAlivesAnswered: Int { pongs.withLockedValue { $0 } }

    public func run() async throws {
        let thread = Thread { [self] in self.loop() }
        thread.name = "redis-subscriber"
        thread.start()
        try? await gracefulShutdown()
        stopped.withLockedValue { $0 = true }
        // The loop notices within one read timeout and exits on its own.
    }

    /// Stops the subscriber when it is used outside a service group.
    public func stop() { stopped.withLockedValue { $0 = true } }

    private func loop() {
        var backoff = 0.1
        while !stopped.withLockedValue({ $0 }) {
            do {
                let connection = try RedisConnection(settings: settings)
                _ = try connection.command(["CLIENT", "SETNAME", clientName])
                if !channels.isEmpty { try connection.append(["SUBSCRIBE"] + channels) }
                if !patterns.isEmpty { try connection.append(["PSUBSCRIBE"] + patterns) }
                for _ in 0..<(channels.count + patterns.count) { _ = try connection.readReply() }
                connectedState.withLockedValue { $0 = true }
                backoff = 0.1
                try receive(on: connection)
            } catch {
                connectedState.withLockedValue { $0 = false }
                if stopped.withLockedValue({ $0 }) { break }
                logger.debug("redis subscriber reconnecting", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: backoff)
                backoff = min(backoff * 2, 2)
            }
        }
        connectedState.withLockedValue { $0 = false }
    }

    private func receive(on connection: RedisConnection) throws {
        // Wake every quarter second to notice shutdown; PING every few seconds of silence so a
        // dead server is noticed (a subscribed connection answers PING with a "pong" message).
        var silentPolls = 0
        while !stopped.withLockedValue({ $0 }) {
            guard let reply = try connection.pollReply(milliseconds: 250) else {
                silentPolls += 1
                if silentPolls == keepAlivePolls {
                    try connection.append(["PING"])
                    try connection.flush()
                }
                if silentPolls >= 2 * keepAlivePolls { throw RedisError.io("no answer to PING") }
                continue
            }
            silentPolls = 0
            guard let parts = reply.array else { continue }
            let kind = parts.first?.string
            let message: Message?
            switch kind {
            case "message" where parts.count == 3:
                message = Message(channel: parts[1].string ?? "", payload: parts[2].string ?? "")
            case "pmessage" where parts.count == 4:
                message = Message(channel: parts[2].string ?? "", payload: parts[3].string ?? "")
            case "pong":
                pongs.withLockedValue { $0 += 1 }
                message = nil
            default:
                message = nil
            }
            if let message {
                for handler in handlers.withLockedValue({ $0 }) { handler(message) }
            }
        }
    }
}
