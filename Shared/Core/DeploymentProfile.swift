import Configuration
import Foundation

/// Which kind of deployment a process runs in, from `deployment.profile` [`DEPLOYMENT_PROFILE`].
///
/// `development` (the default) keeps every default pointing at the local sandboxes, so the suite
/// runs on one machine with no credentials. `production` turns those defaults into errors: a
/// setting that would fall back to a sandbox on 127.0.0.1 must be given explicitly, as a real
/// HTTPS endpoint, or the service refuses to start and names the key. fly/*.toml set
/// `production`; deploy/up and docker-compose.yml (which run the sandboxes) set `development`.
public enum DeploymentProfile: String, Sendable, CaseIterable {
    case development
    case production

    public static let key = "deployment.profile"

    /// Reads `deployment.profile`.
    /// - Throws: `ConfigurationError` for a value other than `development` or `production`.
    public init(reader: ConfigReader) throws {
        let text = reader.string(forKey: "deployment.profile", default: DeploymentProfile.development.rawValue)
        guard let profile = DeploymentProfile(rawValue: text.lowercased()) else {
            throw ConfigurationError(key: Self.key, reason: "must be development or production, not '\(text)'")
        }
        self = profile
    }

    /// An endpoint setting as this profile accepts it.
    ///
    /// In development the value or its default is used as is. In production the key must be set,
    /// and to an `https` URL whose host is not a loopback address: a deployed suite must never
    /// fall back to a local sandbox.
    /// - Parameters:
    ///   - key: the dotted key, for the error.
    ///   - configured: what the reader holds for it (nil when unset).
    /// - Throws: `ConfigurationError` naming the key.
    public func endpoint(_ key: String, configured: String?, default defaultValue: String) throws -> String {
        switch self {
        case .development:
            return configured ?? defaultValue
        case .production:
            guard let configured, !configured.isEmpty else {
                throw ConfigurationError(key: key, reason: "is required in the production profile (the default \(defaultValue) is the local sandbox)")
            }
            try Self.requireRealEndpoint(configured, key: key)
            return configured
        }
    }

    /// A setting that production requires explicitly (no sandbox default), without URL checks.
    /// - Throws: `ConfigurationError` naming the key.
    public func required(_ key: String, configured: String?, default defaultValue: String) throws -> String {
        if self == .production, configured?.isEmpty ?? true {
            throw ConfigurationError(key: key, reason: "is required in the production profile (the default \(defaultValue) is the local sandbox's)")
        }
        return configured ?? defaultValue
    }

    /// Refuses anything but an https URL off this machine (what production needs of a service it calls).
    /// - Throws: `ConfigurationError` naming the key.
    public static func requireRealEndpoint(_ value: String, key: String) throws {
        guard let url = URL(string: value), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty else {
            throw ConfigurationError(key: key, reason: "must be an https URL in the production profile, not '\(value)'")
        }
        let lowered = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if lowered == "localhost" || lowered.hasPrefix("127.") || lowered == "::1" || lowered == "0.0.0.0" {
            throw ConfigurationError(key: key, reason: "points at this machine (\(host)); the production profile needs the real service")
        }
    }
}
