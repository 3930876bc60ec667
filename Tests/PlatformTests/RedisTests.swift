import Foundation
import NIOConcurrencyHelpers
import OpsideRedis
import OpsideTesting
import Testing

/// The hiredis wrapper against a real Redis: commands, scripts, and a subscriber that keeps its
/// subscription through quiet periods and comes back after the server drops it.
@Suite struct RedisTests {
    static func settings() throws -> RedisSettings {
        RedisSettings(host: TestEnvironment.redisHost, port: try TestEnvironment.redisPort())
    }

    @Test func commandsAndScriptsRoundTripBinarySafeValues() async throws {
        let redis = RedisClient(settings: try Self.settings())
        let key = "opside:test:\(UUID().uuidString)"
        let value = "tab\there, nul\u{0}byte, ünïcode"
        // A minute: the whole suite runs at once on two cores, and a short expiry could lapse mid-test.
        #expect(try await redis.command(["SET", key, value, "PX", "60000"]).string == "OK")
        #expect(try await redis.command(["GET", key]).string == value)
        let script = RedisScript("return {redis.call('STRLEN', KEYS[1]), ARGV[1]}")
        let reply = try await redis.evaluate(script, keys: [key], arguments: ["x"])
        #expect(reply.array?.first?.integer == Int64(value.utf8.count))
        #expect(reply.array?.last?.string == "x")
        await #expect(throws: RedisError.self) { _ = try await redis.command(["NOSUCHCOMMAND"]) }
        #expect(try await redis.command(["GET", key]).string == value, "an error reply leaves the pool usable")
        try await redis.shutdown()
    }

    @Test func subscriberReceivesChannelAndPatternMessagesAcrossQuietPeriodsAndDrops() async throws {
        let settings = try Self.settings()
        let tag = UUID().uuidString
        let subscriber = RedisSubscriber(settings: settings, channels: ["opside:test:\(tag):wake"], patterns: ["opside:test:\(tag):feed:*"],
                                         clientName: "test-\(tag.prefix(8))", keepAlive: .milliseconds(250), logger: TestEnvironment.logger)
        let received = NIOLockedValueBox<[RedisSubscriber.Message]>([])
        subscriber.onMessage { message in received.withLockedValue { $0.append(message) } }
        let running = Task { try await subscriber.run() }
        defer { subscriber.stop(); running.cancel() }
        let redis = RedisClient(settings: settings)
        // A bound, not a speed: the parallel test pass keeps both cores busy.
        #expect(try await eventually(timeout: .seconds(90)) { subscriber.isConnected })

        try await redis.publish("opside:test:\(tag):wake", "one")
        try await redis.publish("opside:test:\(tag):feed:tenant-a", "two")
        #expect(try await eventually { received.withLockedValue { $0.count } == 2 })
        #expect(received.withLockedValue { $0.map(\.channel) } == ["opside:test:\(tag):wake", "opside:test:\(tag):feed:tenant-a"])

        // Quiet through two keep-alive PINGs (answered: the subscription held), then a message.
        let answered = subscriber.keepAlivesAnswered
        #expect(try await eventually { subscriber.keepAlivesAnswered >= answered + 2 })
        #expect(subscriber.isConnected)
        try await redis.publish("opside:test:\(tag):wake", "three")
        #expect(try await eventually { received.withLockedValue { $0.count } == 3 })

        // The server drops the subscriber's connection; it reconnects and resubscribes.
        let clients = try await redis.command(["CLIENT", "LIST"]).string ?? ""
        let line = try clients.split(separator: "\n").first { $0.contains("name=test-\(tag.prefix(8)) ") }.unwrap("the subscriber's connection")
        let id = try line.split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }.unwrap("its id")
        _ = try await redis.command(["CLIENT", "KILL", "ID", id])
        let resubscribed = try await eventually(timeout: .seconds(10)) {
            try await redis.publish("opside:test:\(tag):wake", "again") > 0
        }
        #expect(resubscribed)
        #expect(try await eventually { received.withLockedValue { $0.contains { $0.payload == "again" } } })
        try await redis.shutdown()
    }
}
