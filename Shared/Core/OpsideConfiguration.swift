import Configuration
import Foundation

/// Builds the configuration reader every executable uses.
///
/// Values come, highest priority first, from the environment and then from an optional JSON file
/// named by `OPSIDE_CONFIG_FILE`. Keys are dotted (`postgres.host`); the environment spells them
/// in SNAKE_CASE (`POSTGRES_HOST`). Every key is listed once, in `docs/configuration.md`.
public enum OpsideConfiguration {
    /// Environment variables whose values are secrets: never logged, never printed.
    public static let secretEnvironmentKeys: Set<String> = [
        "POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECURITY_SERVICE_TOKEN_SECRET",
        "SECURITY_SESSION_TOKEN_SECRET", "SECURITY_TOKEN_ENCRYPTION_KEYS",
        "AMAZON_LWA_CLIENT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRETS", "METRICS_TOKEN",
    ]

    /// Makes the reader from the process environment and the optional file.
    /// - Parameter environment: the variables to read; the process environment by default.
    public static func reader(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ConfigReader {
        let env = EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .specific(secretEnvironmentKeys)
        )
        if let path = environment["OPSIDE_CONFIG_FILE"], !path.isEmpty {
            let fileSettings = InMemoryProvider(values: ["filePath": ConfigValue(.string(path), isSecret: false)])
            let file = try await FileProvider<JSONSnapshot>(config: ConfigReader(provider: fileSettings))
            return ConfigReader(providers: [env, file])
        }
        return ConfigReader(providers: [env])
    }
}

extension OpsideConfiguration {
    /// The environment variable that sets a dotted key: `jobs.pollIntervalMilliseconds` is
    /// `JOBS_POLL_INTERVAL_MILLISECONDS`, the spelling swift-configuration's provider reads.
    public static func environmentName(for key: String) -> String {
        key.replacingOccurrences(of: ".", with: "_")
            .replacingOccurrences(of: "([a-z0-9])([A-Z])", with: "$1_$2", options: .regularExpression)
            .uppercased()
    }
}

/// A required setting was missing or malformed; the message names the key and its variable.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let key: String
    public let reason: String
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }
    public var description: String {
        let variable = OpsideConfiguration.environmentName(for: key)
        return "configuration \(key) (\(variable)): \(reason)"
    }
}

extension ConfigReader {
    /// Reads a secret that must be present, failing with a message that names the variable.
    public func requiredSecret(_ key: String, minimumLength: Int = 1) throws -> String {
        guard let value = string(forKey: ConfigKey(key), isSecret: true), !value.isEmpty else {
            throw ConfigurationError(key: key, reason: "is required and was not set")
        }
        guard value.utf8.count >= minimumLength else {
            throw ConfigurationError(key: key, reason: "must be at least \(minimumLength) bytes")
        }
        return value
    }
}
