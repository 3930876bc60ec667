import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// What the LWA token endpoint returns.
public struct LWAToken: Sendable, Equatable, Decodable {
    public let accessToken: String
    public let tokenType: String?
    public let expiresIn: Int
    /// Present for the authorization_code grant (and echoed on refresh).
    public let refreshToken: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
    }

    public init(accessToken: String, tokenType: String?, expiresIn: Int, refreshToken: String?) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
    }
}

/// Login with Amazon's token endpoint: the three grants the suite uses.
///
/// Exchanging the consent flow's `spapi_oauth_code` gives the refresh token the token vault
/// keeps; refresh tokens and client_credentials give one-hour access tokens.
public struct LoginWithAmazonClient: Sendable {
    let httpClient: HTTPClient
    let settings: AmazonSPAPISettings
    let logger: Logger

    public init(httpClient: HTTPClient, settings: AmazonSPAPISettings, logger: Logger) {
        self.httpClient = httpClient
        self.settings = settings
        self.logger = logger
    }

    /// `grant_type=refresh_token`.
    public func refresh(_ refreshToken: String) async throws(LWAError) -> LWAToken {
        try await exchange(["grant_type": "refresh_token", "refresh_token": refreshToken])
    }

    /// `grant_type=authorization_code`: the consent flow's code, within five minutes of issue.
    public func exchangeAuthorizationCode(_ code: String, redirectURI: String?) async throws(LWAError) -> LWAToken {
        var form = ["grant_type": "authorization_code", "code": code]
        if let redirectURI { form["redirect_uri"] = redirectURI }
        return try await exchange(form)
    }

    /// `grant_type=client_credentials` for grantless operations.
    public func clientCredentials(scopes: [String]) async throws(LWAError) -> LWAToken {
        try await exchange(["grant_type": "client_credentials", "scope": scopes.joined(separator: " ")])
    }

    /// The token for a connection's credential.
    public func token(for credential: SPAPICredential) async throws(LWAError) -> LWAToken {
        switch credential {
        case .refreshToken(let token): try await refresh(token)
        case .grantless(let scopes): try await clientCredentials(scopes: scopes)
        }
    }

    private func exchange(_ fields: [String: String]) async throws(LWAError) -> LWAToken {
        var form = fields
        form["client_id"] = settings.clientID
        form["client_secret"] = settings.clientSecret
        var request = HTTPClientRequest(url: settings.lwaEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded;charset=UTF-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: settings.userAgent)
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        let grant = fields["grant_type"] ?? "?"

        let status: Int
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(Int64(settings.requestTimeout.components.seconds)))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            logger.warning("LWA token endpoint unreachable", metadata: ["grant": "\(grant)", "error": "\(error)"])
            throw LWAError(code: "unreachable", message: SPAPIRedaction.scrub("\(error)"), status: nil)
        }
        let bytes = Array(body.readableBytesView)
        if (200..<300).contains(status) {
            do {
                return try JSONDecoder().decode(LWAToken.self, from: Data(bytes))
            } catch {
                throw LWAError(code: "unexpected_response", message: "token response did not decode: \(error)", status: status)
            }
        }
        struct LWAErrorBody: Decodable {
            let error: String
            let error_description: String?
        }
        if let decoded = try? JSONDecoder().decode(LWAErrorBody.self, from: Data(bytes)) {
            logger.notice("LWA refused a token", metadata: ["grant": "\(grant)", "error": "\(decoded.error)"])
            throw LWAError(code: decoded.error, message: decoded.error_description ?? decoded.error, status: status)
        }
        throw LWAError(code: "unexpected_response", message: SPAPIRedaction.excerpt(bytes), status: status)
    }
}

/// `application/x-www-form-urlencoded` and RFC 3986 query encoding.
enum FormEncoding {
    /// Unreserved characters only; everything else is percent-encoded (space as %20, which both
    /// LWA and SP-API accept).
    static func percentEncode(_ value: String) -> String {
        var output = ""
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    static func encode(_ fields: [String: String]) -> String {
        fields.sorted { $0.key < $1.key }.map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }.joined(separator: "&")
    }

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
