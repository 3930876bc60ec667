import Configuration
import OpsideCore
import PostgresNIO

/// How a service reaches PostgreSQL.
///
/// Keys: `postgres.host` (127.0.0.1), `postgres.port` (5432), `postgres.database` (opside),
/// `postgres.user` (the service's own role, e.g. opside_main_api), `postgres.password` (secret,
/// optional), `postgres.tls` (`disable` | `prefer` | `require`; managed Postgres wants require),
/// `postgres.maxConnections` (20), `postgres.leaseTimeoutMilliseconds` (3000: how long a caller
/// waits for a connection before the request fails with 503 instead of hanging).
public struct PostgresSettings: Sendable {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    public var tls: TLSMode
    public var maxConnections: Int
    public var leaseTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int = 5432, database: String = "opside", user: String,
                password: String? = nil, tls: TLSMode = .disable, maxConnections: Int = 20,
                leaseTimeout: Duration = .seconds(3)) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.tls = tls
        self.maxConnections = maxConnections
        self.leaseTimeout = leaseTimeout
    }

    /// Reads the settings for `service`; its role is the default user.
    public init(reader: ConfigReader, service: OpsideService) throws {
        let tlsText = reader.string(forKey: "postgres.tls", default: "disable")
        guard let tls = TLSMode(rawValue: tlsText) else {
            throw ConfigurationError(key: "postgres.tls", reason: "must be disable, prefer or require, not \(tlsText)")
        }
        self.init(
            host: reader.string(forKey: "postgres.host", default: "127.0.0.1"),
            port: reader.int(forKey: "postgres.port", default: 5432),
            database: reader.string(forKey: "postgres.database", default: "opside"),
            user: reader.string(forKey: "postgres.user", default: service.databaseRole),
            password: reader.string(forKey: "postgres.password", isSecret: true),
            tls: tls,
            maxConnections: reader.int(forKey: "postgres.maxConnections", default: 20),
            leaseTimeout: .milliseconds(reader.int(forKey: "postgres.leaseTimeoutMilliseconds", default: 3000)))
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS = switch tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }
}
