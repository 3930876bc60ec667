import CHiredis
import Foundation

/// Where the Redis server is and how to log in.
///
/// Keys: `redis.host` (default 127.0.0.1), `redis.port` (6379), `redis.password` (secret, optional),
/// `redis.database` (0), `redis.timeoutMilliseconds` (2000), `redis.poolSize` (8).
public struct RedisSettings: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    public var timeoutMilliseconds: Int
    public var poolSize: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0,
                timeoutMilliseconds: Int = 2000, poolSize: Int = 8) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.timeoutMilliseconds = timeoutMilliseconds
        self.poolSize = poolSize
    }
}

/// One blocking hiredis connection. Not thread-safe: a pool hands it to one caller at a time and
/// only ever calls it from the client's own threads, never from Swift's cooperative pool.
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?

    init(settings: RedisSettings) throws {
        let timeout = timeval(tv_sec: settings.timeoutMilliseconds / 1000,
                              tv_usec: __suseconds_t((settings.timeoutMilliseconds % 1000) * 1000))
        guard let context = redisConnectWithTimeout(settings.host, Int32(settings.port), timeout) else {
            throw RedisError.connectionFailed("cannot allocate a context")
        }
        self.context = context
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            redisFree(context)
            self.context = nil
            throw RedisError.connectionFailed("\(settings.host):\(settings.port): \(message)")
        }
        redisSetTimeout(context, timeout)
        if let password = settings.password, !password.isEmpty {
            _ = try command(["AUTH", password])
        }
        if settings.database != 0 {
            _ = try command(["SELECT", String(settings.database)])
        }
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Sends one command as an argument vector (never a format string) and reads its reply.
    /// - Throws: `RedisError.server` for an error reply (the connection stays usable),
    ///   `RedisError.io` when the connection broke (it must be discarded).
    func command(_ arguments: [String]) throws -> RedisValue {
        try append(arguments)
        return try readReply()
    }

    /// Sends several commands in one round trip and reads their replies in order.
    func pipeline(_ commands: [[String]]) throws -> [Result<RedisValue, RedisError>] {
        for arguments in commands { try append(arguments) }
        var results: [Result<RedisValue, RedisError>] = []
        for _ in commands {
            do { results.append(.success(try readReply())) }
            catch let error as RedisError {
                if case .server = error { results.append(.failure(error)) } else { throw error }
            }
        }
        return results
    }

    func append(_ arguments: [String]) throws {
        guard let context else { throw RedisError.io("connection closed") }
        let byteArguments = arguments.map { Array($0.utf8) }
        let status: Int32 = withPointers(byteArguments) { pointers, lengths in
            redisAppendCommandArgv(context, Int32(byteArguments.count), pointers, lengths)
        }
        if status != REDIS_OK { throw RedisError.io(Self.errorString(context)) }
    }

    /// Reads the next reply; `nil`-free: a timeout is an `io` error.
    func readReply() throws -> RedisValue {
        guard let context else { throw RedisError.io("connection closed") }
        var raw: UnsafeMutableRawPointer?
        if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
            throw RedisError.io(Self.errorString(context))
        }
        let reply = raw!.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        if reply.pointee.type == REDIS_REPLY_ERROR {
            throw RedisError.server(String(cString: reply.pointee.str))
        }
        return Self.copy(reply)
    }

    /// Writes whatever `append` queued; a blocking `readReply` does this itself, `pollReply` does not.
    func flush() throws {
        guard let context else { throw RedisError.io("connection closed") }
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != REDIS_OK { throw RedisError.io(Self.errorString(context)) }
        }
    }

    /// Waits up to `milliseconds` for a reply without marking the context failed on timeout
    /// (hiredis poisons a context whose socket read times out, so we poll the socket first).
    /// - Returns: the reply, or `nil` when none arrived in time.
    func pollReply(milliseconds: Int32) throws -> RedisValue? {
        guard let context else { throw RedisError.io("connection closed") }
        var raw: UnsafeMutableRawPointer?
        if redisGetReplyFromReader(context, &raw) != REDIS_OK { throw RedisError.io(Self.errorString(context)) }
        if raw == nil {
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
            if ready < 0 { throw RedisError.io(String(cString: strerror(errno))) }
            if redisBufferRead(context) != REDIS_OK { throw RedisError.io(Self.errorString(context)) }
            if redisGetReplyFromReader(context, &raw) != REDIS_OK { throw RedisError.io(Self.errorString(context)) }
            guard raw != nil else { return nil }
        }
        defer { freeReplyObject(raw) }
        let reply = raw!.assumingMemoryBound(to: redisReply.self)
        if reply.pointee.type == REDIS_REPLY_ERROR { throw RedisError.server(String(cString: reply.pointee.str)) }
        return Self.copy(reply)
    }

    private static func copy(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        switch reply.pointee.type {
        case REDIS_REPLY_STRING:
            let buffer = UnsafeRawBufferPointer(start: reply.pointee.str, count: Int(reply.pointee.len))
            return .bulk(Array(buffer))
        case REDIS_REPLY_STATUS, REDIS_REPLY_ERROR:
            return .status(String(cString: reply.pointee.str))
        case REDIS_REPLY_INTEGER:
            return .integer(reply.pointee.integer)
        case REDIS_REPLY_ARRAY:
            var values: [RedisValue] = []
            values.reserveCapacity(Int(reply.pointee.elements))
            for index in 0..<Int(reply.pointee.elements) {
                if let element = reply.pointee.element[index] { values.append(copy(element)) } else { values.append(.null) }
            }
            return .array(values)
        default:
            return .null
        }
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { buffer in
            String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

/// Calls `body` with C pointers to each argument's bytes and their lengths, valid for the call.
private func withPointers<R>(_ arguments: [[UInt8]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
    let lengths = arguments.map { $0.count }
    let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(arguments.count, 1))
    defer { pointers.deallocate() }
    var storages: [UnsafeMutablePointer<CChar>] = []
    defer { storages.forEach { $0.deallocate() } }
    for (index, argument) in arguments.enumerated() {
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
        for (offset, byte) in argument.enumerated() { storage[offset] = CChar(bitPattern: byte) }
        storages.append(storage)
        pointers[index] = UnsafePointer(storage)
    }
    return lengths.withUnsafeBufferPointer { body(pointers, $0.baseAddress!) }
}
