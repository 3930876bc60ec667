import Foundation
import Logging

/// Hands out access tokens for connections. The seam between API calls and whoever holds the
/// credentials: the LWA cache below in the integrations service, an HTTP client of the token
/// vault everywhere else.
public protocol SPAPIAccessTokenSource: Sendable {
    /// A currently valid access token for the connection.
    func accessToken(for connection: SPAPIConnection) async throws -> String
    /// Amazon rejected `accessToken` as expired or invalid: forget it so the next call refreshes.
    func invalidate(_ accessToken: String, for connection: SPAPIConnection) async
}

/// Caches LWA access tokens per connection and refreshes them a margin before they expire.
///
/// However many callers ask at once, one refresh per connection is in flight: the first caller
/// starts a task, the others await the same task. A failed refresh is not cached, so the next
/// caller tries again (and sees the typed `LWAError`, e.g. `invalid_grant` after a revocation).
public actor LWAAccessTokenCache: SPAPIAccessTokenSource {
    private struct CachedToken: Sendable {
        let value: String
        /// When this cache stops handing it out; also the deadline a vault lends it with.
        let refreshAt: Date
    }

    private enum Entry {
        case ready(CachedToken, credential: SPAPICredential)
        case refreshing(Task<CachedToken, any Error>, generation: UInt64, credential: SPAPICredential)
    }

    private let lwa: LoginWithAmazonClient
    private let refreshMargin: Duration
    /// The clock token lifetimes run on (injected: tests move it).
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var entries: [String: Entry] = [:]
    private var generation: UInt64 = 0
    /// Refreshes started since creation, for metrics and tests.
    public private(set) var refreshCount = 0

    /// - Parameter now: the wall clock token lifetimes are judged by.
    public init(lwa: LoginWithAmazonClient, refreshMargin: Duration = .seconds(60), logger: Logger,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.lwa = lwa
        self.now = now
        self.refreshMargin = refreshMargin
        self.logger = logger
    }

    public func accessToken(for connection: SPAPIConnection) async throws -> String {
        try await cachedToken(for: connection).value
    }

    /// A valid access token and the moment this cache stops handing it out (a margin before
    /// Amazon's `expires_in` runs out): what a vault tells the services it lends the token to.
    public func accessTokenWithDeadline(for connection: SPAPIConnection) async throws -> (token: String, usableUntil: Date) {
        let token = try await cachedToken(for: connection)
        return (token.value, token.refreshAt)
    }

    private func cachedToken(for connection: SPAPIConnection) async throws -> CachedToken {
        switch entries[connection.id] {
        case .ready(let token, let credential) where credential == connection.credential && now() < token.refreshAt:
            return token
        case .refreshing(let task, _, let credential) where credential == connection.credential:
            return try await task.value
        default:
            return try await startRefresh(for: connection)
        }
    }

    public func invalidate(_ accessToken: String, for connection: SPAPIConnection) {
        if case .ready(let token, _) = entries[connection.id], token.value == accessToken {
            entries[connection.id] = nil
            logger.info("access token invalidated after Amazon rejected it", metadata: ["connection": "\(connection.id)"])
        }
    }

    private func startRefresh(for connection: SPAPIConnection) async throws -> CachedToken {
        generation += 1
        let myGeneration = generation
        refreshCount += 1
        let lwa = self.lwa
        let margin = refreshMargin
        let now = self.now
        let credential = connection.credential
        let task = Task<CachedToken, any Error> {
            let token: LWAToken
            do {
                token = try await lwa.token(for: credential)
            } catch let error as LWAError {
                throw SPAPIError.authorization(error)
            }
            let lifetime = Duration.seconds(token.expiresIn)
            // Refresh a margin early, but never immediately for short-lived tokens.
            let usable = lifetime > margin * 2 ? lifetime - margin : lifetime / 2
            let seconds = Double(usable.components.seconds) + Double(usable.components.attoseconds) / 1e18
            return CachedToken(value: token.accessToken, refreshAt: now().addingTimeInterval(seconds))
        }
        entries[connection.id] = .refreshing(task, generation: myGeneration, credential: credential)
        do {
            let token = try await task.value
            if case .refreshing(_, let current, _) = entries[connection.id], current == myGeneration {
                entries[connection.id] = .ready(token, credential: credential)
            }
            logger.debug("access token refreshed", metadata: ["connection": "\(connection.id)"])
            return token
        } catch {
            if case .refreshing(_, let current, _) = entries[connection.id], current == myGeneration {
                entries[connection.id] = nil
            }
            throw error
        }
    }
}
