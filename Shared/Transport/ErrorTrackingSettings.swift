import Configuration
import Foundation
import OpsideCore

/// Whether and where a service reports its `error` and `critical` log events as error-tracker
/// events (Sentry's envelope protocol, which Sentry, GlitchTip and Relay-compatible trackers speak).
///
/// Keys: `errorTracking.dsn` (secret; `https://<public_key>@<host>/<project_id>`; unset or empty:
/// off, the default), `errorTracking.environment` (e.g. `production`; none by default),
/// `errorTracking.release` (the deployed version; none by default), `errorTracking.bufferSize`
/// (events waiting to be sent before new ones are dropped, 100), `errorTracking.timeoutSeconds`
/// (one send's limit, 5).
///
/// Off, nothing is buffered and the log path is the plain `JSONLogHandler`, as with tracing.
public struct ErrorTrackingSettings: Sendable {
    public var dsn: ErrorTrackerDSN?
    public var environment: String?
    public var release: String?
    public var bufferSize: Int
    public var timeout: Duration

    public var enabled: Bool { dsn != nil }

    public init(dsn: ErrorTrackerDSN? = nil, environment: String? = nil, release: String? = nil, bufferSize: Int = 100,
                timeout: Duration = .seconds(5)) {
        self.dsn = dsn
        self.environment = environment
        self.release = release
        self.bufferSize = bufferSize
        self.timeout = timeout
    }

    public init(reader: ConfigReader) throws {
        let text = reader.string(forKey: "errorTracking.dsn", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        let dsn = try text.map { text in
            guard let dsn = ErrorTrackerDSN(text) else {
                throw ConfigurationError(key: "errorTracking.dsn",
                                         reason: "must look like https://<public_key>@<host>/<project_id>")
            }
            return dsn
        }
        let bufferSize = reader.int(forKey: "errorTracking.bufferSize", default: 100)
        guard (1...100_000).contains(bufferSize) else {
            throw ConfigurationError(key: "errorTracking.bufferSize", reason: "must be 1 to 100000 events")
        }
        let timeout = reader.int(forKey: "errorTracking.timeoutSeconds", default: 5)
        guard (1...120).contains(timeout) else {
            throw ConfigurationError(key: "errorTracking.timeoutSeconds", reason: "must be 1 to 120 seconds")
        }
        self.init(dsn: dsn,
                  environment: reader.string(forKey: "errorTracking.environment").flatMap { $0.isEmpty ? nil : $0 },
                  release: reader.string(forKey: "errorTracking.release").flatMap { $0.isEmpty ? nil : $0 },
                  bufferSize: bufferSize, timeout: .seconds(timeout))
    }
}

/// A Sentry DSN, `<scheme>://<public_key>[:<secret>]@<host>[:<port>][/<path>]/<project_id>`, and
/// what it says: where envelopes go and the key that authenticates them.
public struct ErrorTrackerDSN: Sendable, Equatable, CustomStringConvertible {
    /// The DSN as configured (the public key is not a secret in Sentry's model: browsers ship it).
    public let text: String
    public let publicKey: String
    public let projectID: String
    /// `<scheme>://<host>[:<port>][/<path>]/api/<project_id>/envelope/`.
    public let envelopeURL: String

    public init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http",
              let key = components.user, !key.isEmpty, let host = components.host, !host.isEmpty else { return nil }
        var segments = components.path.split(separator: "/").map(String.init)
        guard let project = segments.popLast(), !project.isEmpty,
              project.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        let prefix = segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
        let port = components.port.map { ":\($0)" } ?? ""
        self.text = text
        publicKey = key
        projectID = project
        envelopeURL = "\(scheme)://\(host)\(port)\(prefix)/api/\(project)/envelope/"
    }

    /// Without the secret part of a legacy DSN, for envelope headers and logs.
    public var description: String {
        guard var components = URLComponents(string: text) else { return text }
        components.password = nil
        return components.string ?? text
    }
}
