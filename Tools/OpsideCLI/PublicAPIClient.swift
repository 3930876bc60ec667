import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OpsideCore
import OpsideTransport

/// A signed-in conversation with main-api's public API, as a seller's own script has one: the
/// commands that act for a seller (`opside documents upload`) go through the same gateway, roles
/// and limits as the dashboard, never around them.
struct PublicAPIClient: Sendable {
    let baseURL: String
    private(set) var token: String
    let httpClient: HTTPClient

    /// A refusal by the API, told as the seller would read it.
    struct Refusal: Error, CustomStringConvertible {
        let status: Int
        let code: String
        let message: String
        var description: String { "main-api answered \(status) \(code): \(message)" }
    }

    /// The token to use: `OPSIDE_TOKEN` when set, else a sign-in as `email` with the password of
    /// `OPSIDE_PASSWORD` (never an argument, which other users of the machine can read).
    static func signIn(baseURL: String, email: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                       httpClient: HTTPClient = .shared) async throws -> PublicAPIClient {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        if let token = environment["OPSIDE_TOKEN"], !token.isEmpty {
            return PublicAPIClient(baseURL: base, token: token, httpClient: httpClient)
        }
        guard let email else {
            throw CLIFailure("sign in: pass --email (with the password in OPSIDE_PASSWORD) or set OPSIDE_TOKEN to a session token")
        }
        guard let password = environment["OPSIDE_PASSWORD"], !password.isEmpty else {
            throw CLIFailure("sign in: set OPSIDE_PASSWORD to \(email)'s password")
        }
        let anonymous = PublicAPIClient(baseURL: base, token: "", httpClient: httpClient)
        let body = try OpsideJSONEncoder().encodeToBytes(["email": email, "password": password])
        let session = try await anonymous.send(.POST, "/api/v1/auth/login", body: .bytes(ByteBuffer(bytes: body)),
                                               contentType: "application/json", as: SessionAnswer.self)
        return PublicAPIClient(baseURL: base, token: session.token, httpClient: httpClient)
    }

    struct SessionAnswer: Decodable {
        let token: String
        let tenantId: UUID
    }

    /// Acts for another tenant this person belongs to (an agency's client); the sign-in follows.
    mutating func switchTenant(to tenant: UUID) async throws {
        let body = try OpsideJSONEncoder().encodeToBytes(["tenantId": tenant.uuidString.lowercased()])
        let session = try await send(.POST, "/api/v1/auth/switch-tenant", body: .bytes(ByteBuffer(bytes: body)),
                                     contentType: "application/json", as: SessionAnswer.self)
        token = session.token
    }

    func get<Answer: Decodable>(_ path: String, as type: Answer.Type) async throws -> Answer {
        try await send(.GET, path, body: nil, contentType: nil, as: type)
    }

    /// Sends one request and decodes a 2xx answer; anything else becomes a `Refusal` carrying the
    /// API's own error envelope.
    func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: HTTPClientRequest.Body?, contentType: String?,
                                 as type: Answer.Type, timeout: TimeAmount = .seconds(60)) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "accept", value: "application/json")
        request.headers.add(name: "user-agent", value: "opside-cli")
        if !token.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        if let contentType { request.headers.add(name: "content-type", value: contentType) }
        if let body { request.body = body }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch let failure as CLIFailure {
            throw failure // the body's own (a file that changed while it was sent)
        } catch {
            throw CLIFailure("cannot reach main-api at \(baseURL): \(error)")
        }
        let bytes = try await response.body.collect(upTo: 16 << 20)
        guard (200..<300).contains(response.status.code) else { throw Self.refusal(status: Int(response.status.code), body: bytes) }
        do {
            return try OpsideJSON.decoder.decode(Answer.self, from: Data(buffer: bytes))
        } catch {
            throw CLIFailure("main-api's answer to \(method.rawValue) \(path) did not read: \(error)")
        }
    }

    /// The API's error envelope (`ErrorEnvelope`, as every service writes it), or the body's start.
    static func refusal(status: Int, body: ByteBuffer) -> Refusal {
        if let envelope = try? OpsideJSON.decoder.decode(ErrorEnvelope.self, from: Data(buffer: body)) {
            return Refusal(status: status, code: envelope.error.code, message: envelope.error.message)
        }
        return Refusal(status: status, code: "http_\(status)", message: String(buffer: body).prefix(300).description)
    }
}

/// A command that cannot go on, with the sentence to print.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
