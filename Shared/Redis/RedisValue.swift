/// One Redis reply, copied out of hiredis' memory into Swift so the C reply can be freed at once.
public enum RedisValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case bulk([UInt8])
    case status(String)
    case array([RedisValue])

    /// The reply as text: bulk strings decoded as UTF-8, status lines, integers in decimal.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let status): status
        case .integer(let value): String(value)
        case .null, .array: nil
        }
    }

    /// The reply as an integer, also when Redis sent it as a bulk string (Lua numbers often are).
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int64($0) }
        case .null, .array: nil
        }
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

/// What can go wrong talking to Redis. `server` is an error reply; the others mean the
/// connection is unusable and has been thrown away.
public enum RedisError: Error, CustomStringConvertible, Equatable {
    case connectionFailed(String)
    case io(String)
    case server(String)
    case shutdown

    public var description: String {
        switch self {
        case .connectionFailed(let message): "redis: cannot connect: \(message)"
        case .io(let message): "redis: connection lost: \(message)"
        case .server(let message): "redis: \(message)"
        case .shutdown: "redis: client is shut down"
        }
    }
}
