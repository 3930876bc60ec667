import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Lua script run with EVALSHA, falling back to EVAL once when the server has not seen it
/// (after a restart or a SCRIPT FLUSH).
public struct RedisScript: Sendable {
    public let source: String
    public let sha1: String
    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Data(source.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The suite's Redis client: a small pool of hiredis connections used from a dedicated thread
/// pool, so a slow or dead Redis never blocks Swift's cooperative threads.
///
/// A connection that fails is thrown away and the next call dials a fresh one, so a Redis restart
/// heals by itself.
public final class RedisClient: Sendable {
    public let settings: RedisSettings
    private let threadPool: NIOThreadPool
    private let idle = NIOLockedValueBox<[RedisConnection]>([])
    private let isShutdown = NIOLockedValueBox(false)

    public init(settings: RedisSettings) {
        self.settings = settings
        self.threadPool = NIOThreadPool(numberOfThreads: max(1, settings.poolSize))
        self.threadPool.start()
    }

    /// Runs one command.
    /// - Parameter arguments: the command and its arguments, each sent as a binary-safe argument.
    public func command(_ arguments: [String]) async throws -> RedisValue {
        try await withConnection { try $0.command(arguments) }
    }

    public func command(_ arguments: String...) async throws -> RedisValue {
        try await command(arguments)
    }

    /// Runs several commands in one round trip; error replies come back per command.
    public func pipeline(_ commands: [[String]]) async throws -> [Result<RedisValue, RedisError>] {
        try await withConnection { try $0.pipeline(commands) }
    }

    /// Runs a script by its SHA, loading it the first time a server lacks it.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisValue {
        let tail = [String(keys.count)] + keys + arguments
        do {
            return try await command(["EVALSHA", script.sha1] + tail)
        } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
            return try await command(["EVAL", script.source] + tail)
        }
    }

    /// Publishes a message on a channel; returns how many subscribers got it.
    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws -> Int64 {
        try await command(["PUBLISH", channel, message]).integer ?? 0
    }

    /// PING, for readiness checks.
    public func ping() async throws {
        let reply = try await command(["PING"])
        guard reply.string == "PONG" else { throw RedisError.io("unexpected PING reply") }
    }

    /// Closes every idle connection and stops the thread pool.
    public func shutdown() async throws {
        isShutdown.withLockedValue { $0 = true }
        idle.withLockedValue { $0.removeAll() }
        try await threadPool.shutdownGracefully()
    }

    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        if isShutdown.withLockedValue({ $0 }) { throw RedisError.shutdown }
        let settings = self.settings
        let idle = self.idle
        return try await threadPool.runIfActive {
            let connection = try idle.withLockedValue { $0.popLast() } ?? RedisConnection(settings: settings)
            do {
                let result = try body(connection)
                idle.withLockedValue { pool in
                    if pool.count < settings.poolSize { pool.append(connection) }
                }
                return result
            } catch let error as RedisError {
                // An error reply leaves the connection in a known state; anything else does not.
                if case .server = error {
                    idle.withLockedValue { pool in if pool.count < settings.poolSize { pool.append(connection) } }
                }
                throw error
            }
        }
    }
}

extension RedisConnection: @unchecked Sendable {}

/// Keeps the client's lifetime inside the service group, so it closes after the services that use it.
public struct RedisClientService: Service {
    public let client: RedisClient
    public init(client: RedisClient) { self.client = client }
    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
