import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The three cookies a browser sign-in keeps.
///
/// `opside_refresh` carries the sign-in's refresh token: httpOnly (no script reads it),
/// SameSite=Strict, Secure over TLS, and sent only to `/api/v1/auth` (where it is exchanged or
/// ended). `opside_access` carries the current bearer token (same flags, every path, gone when the
/// token expires): the dashboard's pages are rendered with it, and its scripts call the API with
/// it. `opside_csrf` carries the sign-in's CSRF token for the page's script to send back in
/// `X-CSRF-Token`: a request that only rides on the cookies (a form or a fetch from another site)
/// cannot know it, and a state-changing request authenticated by the cookie needs it.
enum SignInCookies {
    static let refresh = "opside_refresh"
    static let access = "opside_access"
    static let csrf = "opside_csrf"
    static let refreshPath = "/api/v1/auth"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    static func set(on response: inout Response, token: String, csrfToken: String, maxAge: Int, secure: Bool) {
        response.setCookie(Cookie(name: refresh, value: token, maxAge: maxAge, path: refreshPath, secure: secure, httpOnly: true,
                                  sameSite: .strict))
        response.setCookie(Cookie(name: csrf, value: csrfToken, maxAge: maxAge, path: "/", secure: secure, httpOnly: false,
                                  sameSite: .strict))
    }

    /// The bearer token for the pages, living exactly as long as the token.
    static func setAccess(on response: inout Response, token: String, lifetime: TimeInterval, secure: Bool) {
        let maxAge = max(0, Int(lifetime.rounded(.down)))
        response.setCookie(Cookie(name: access, value: token, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }

    static func clear(on response: inout Response, secure: Bool) {
        set(on: &response, token: "", csrfToken: "", maxAge: 0, secure: secure)
        response.setCookie(Cookie(name: access, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }
}

/// A sign-in's CSRF token: an HMAC of its id under the session secret, so it needs no storage,
/// stays the same while the refresh token rotates, and is worthless for any other sign-in.
struct CSRFTokens: Sendable {
    private let key: SymmetricKey

    init(secret: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data(("opside csrf " + secret).utf8)))
    }

    func token(for family: UUID) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(family.uuidString.lowercased().utf8), using: key)
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares in constant time.
    func isValid(_ presented: String?, for family: UUID) -> Bool {
        guard let presented else { return false }
        let expected = Array(token(for: family).utf8), given = Array(presented.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Whether the sign-in behind a bearer token is still live, asked on every API request.
///
/// A live answer is remembered for a few seconds (one query per sign-in per few seconds, not per
/// request); an ended sign-in is remembered for good, and one ended through this process is
/// forgotten at once. Another instance learns of a sign-out within `freshFor`.
actor SignInLiveness {
    private let store: any SignInSessionStore
    private let now: @Sendable () -> Date
    private let freshFor: TimeInterval
    private var live: [UUID: (user: UUID, checkedAt: Date)] = [:]
    private var ended: Set<UUID> = []

    init(store: any SignInSessionStore, now: @escaping @Sendable () -> Date, freshFor: TimeInterval = 5) {
        self.store = store
        self.now = now
        self.freshFor = freshFor
    }

    func isLive(family: UUID, user: UUID) async throws -> Bool {
        if ended.contains(family) { return false }
        let now = self.now()
        if let known = live[family], now.timeIntervalSince(known.checkedAt) < freshFor { return true }
        let answer = try await store.isLive(family: family)
        if answer {
            // Bounded: a busy instance remembers at most this many sign-ins at once.
            if live.count > 50_000 { live.removeAll() }
            live[family] = (user, now)
        } else {
            if ended.count > 50_000 { ended.removeAll() }
            ended.insert(family)
            live[family] = nil
        }
        return answer
    }

    func forget(family: UUID) {
        live[family] = nil
        ended.insert(family)
    }

    func forget(user: UUID) {
        for (family, entry) in live where entry.user == user { forget(family: family) }
    }
}
