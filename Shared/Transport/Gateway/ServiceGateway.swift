import AsyncAlgorithms
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import OpsideCore

/// main-api's one way of serving another service's public routes: it checks the session (and
/// role), the path parameters and the body's size, then sends the request to the owner's
/// internal twin with a service token naming the session's tenant, and answers with the owner's
/// status, the headers that matter and the body, error envelope included, byte for byte.
///
/// Routes are data (`GatewayRoute`, declared by each owner); a handler that must do more than
/// forward (a cookie bound to the browser, say) builds on `exchange` and `response(for:)`.
public struct ServiceGateway: Sendable {
    let serviceClient: ServiceClient
    let uploads: TenantUploads
    /// Where cacheable answers are kept; nil keeps none.
    let cache: GatewayResponseCache?
    /// Told when a state-changing request of a tenant succeeded at a service (after the local
    /// cache forgot the tenant's answers there), to tell the other instances.
    let changed: (@Sendable (OpsideService, UUID) async -> Void)?

    /// Response headers passed back to the client; anything else the owner sets stays inside.
    static let responseHeaders: [HTTPField.Name] = [
        .contentType, .contentDisposition, .location, .retryAfter, .cacheControl, HTTPField.Name("x-request-id")!,
    ]

    public init(serviceClient: ServiceClient, cache: GatewayResponseCache? = nil,
                changed: (@Sendable (OpsideService, UUID) async -> Void)? = nil) {
        self.serviceClient = serviceClient
        self.uploads = TenantUploads()
        self.cache = cache
        self.changed = changed
    }

    /// Registers every route of `tables` on `router`.
    public func addRoutes(_ tables: [GatewayRouteTable], to router: Router<OpsideRequestContext>) {
        for route in tables.flatMap(\.routes) {
            router.on(RouterPath(route.publicPath), method: route.method) { request, context in
                try await forward(request, context: context, route: route)
            }
        }
    }

    /// Forwards one request along `route`: from the cache when the route is cached and an answer
    /// is kept; a successful change forgets the tenant's kept answers at the owner.
    public func forward(_ request: Request, context: OpsideRequestContext, route: GatewayRoute) async throws -> Response {
        let tenant = try Self.tenant(for: route.access, context: context)
        let response = try await send(request, context: context, route: route, tenant: tenant)
        if route.method != .get, route.method != .head, (200..<300).contains(response.status.code), let tenant, let cache {
            cache.invalidate(service: route.service, tenant: tenant)
            await changed?(route.service, tenant)
        }
        return response
    }

    func send(_ request: Request, context: OpsideRequestContext, route: GatewayRoute, tenant: UUID?) async throws -> Response {
        var target = route.internalPath
        for name in GatewayRoute.parameterNames(in: route.publicPath) {
            let value = try GatewayPathParameter.check(name: name, value: try context.parameters.require(name))
            target = target.replacingOccurrences(of: "{\(name)}", with: value)
        }
        if let query = request.uri.query, !query.isEmpty { target += "?" + query }

        var headers: [(String, String)] = []
        if let accept = request.headers[.accept] { headers.append(("accept", accept)) }
        if route.cached, route.method == .get, let cache, let tenant {
            return try await cachedAnswer(route: route, target: target, tenant: tenant, headers: headers, cache: cache)
        }
        switch route.body {
        case .collected:
            guard Self.mayHaveBody(route.method) else {
                return try await response(for: exchange(route.method, to: route.service, target: target, tenant: tenant, headers: headers,
                                                        timeout: route.timeout))
            }
            let bytes = try await request.body.collect(upTo: context.maxUploadSize)
            if bytes.readableBytes > 0 || request.headers[.contentType] != nil {
                headers.append(("content-type", request.headers[.contentType] ?? "application/json"))
            }
            return try await response(for: exchange(route.method, to: route.service, target: target, tenant: tenant,
                                                    headers: headers, body: .bytes(bytes), timeout: route.timeout))
        case .collectedWithSessionUser:
            let bytes = try await request.body.collect(upTo: context.maxUploadSize)
            let body = try Self.addingSessionUser(to: bytes, context: context)
            headers.append(("content-type", "application/json"))
            return try await response(for: exchange(route.method, to: route.service, target: target, tenant: tenant,
                                                    headers: headers, body: .bytes(body), timeout: route.timeout))
        case .upload(let limit):
            // The owner records who uploaded (a file is not JSON to add `userId` to): the header
            // is set here from the session, never passed on from the client.
            if let user = context.session?.userID { headers.append((Self.uploaderHeader, user.uuidString.lowercased())) }
            return try await upload(request, route: route, target: target, tenant: tenant, headers: headers, limit: limit)
        }
    }

    func cachedAnswer(route: GatewayRoute, target: String, tenant: UUID, headers: [(String, String)],
                      cache: GatewayResponseCache) async throws -> Response {
        let key = GatewayResponseCache.key(route.service, tenant, target: target, accept: headers.first?.1)
        // A refusal (not a 200) is not shared: whoever asked gets the owner's own answer.
        if let answer = try await cache.answer(route.service, tenant, key: key, fetch: {
            try await fetchForCache(route.service, target: target, tenant: tenant, headers: headers)
        }) {
            return Self.response(answer)
        }
        return try await response(for: exchange(route.method, to: route.service, target: target, tenant: tenant, headers: headers))
    }

    /// The owner's 200 answer, ready to keep; nil for anything else.
    func fetchForCache(_ service: OpsideService, target: String, tenant: UUID, headers: [(String, String)]) async throws
        -> GatewayResponseCache.Answer? {
        let reply = try await exchange(.get, to: service, target: target, tenant: tenant, headers: headers)
        guard reply.status == .ok else { return nil }
        let body = try await reply.body.collect(upTo: 64 << 20)
        var kept: [(String, String)] = []
        // The request id names the request that fetched it, not the ones it will answer.
        for name in Self.responseHeaders where name.canonicalName != "x-request-id" {
            for value in reply.headers[name.canonicalName] { kept.append((name.canonicalName, value)) }
        }
        return GatewayResponseCache.Answer(headers: kept, body: body)
    }

    /// The body of `service`'s 200 answer to GET `target` for `tenant`, kept like a cached route's
    /// (the same key, so the dashboard's pages and the API share what is kept); nil when the owner
    /// answered anything else, which `exchange` then gives as it is.
    public func cachedBody(_ service: OpsideService, target: String, tenant: UUID) async throws -> ByteBuffer? {
        guard let cache else { return nil }
        let key = GatewayResponseCache.key(service, tenant, target: target, accept: nil)
        return try await cache.answer(service, tenant, key: key) {
            try await fetchForCache(service, target: target, tenant: tenant, headers: [])
        }?.body
    }

    static func response(_ answer: GatewayResponseCache.Answer) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: answer.body))
    }

    /// Streams a file through to its owner: never held here whatever its size, refused at once
    /// when it says it is too big, cut off when it turns out to be, and at most
    /// `limit.perTenant` of one tenant's uploads in flight through this process.
    func upload(_ request: Request, route: GatewayRoute, target: String, tenant: UUID?, headers: [(String, String)],
                limit: UploadLimit) async throws -> Response {
        let tooLarge = UploadTooLarge(limit: limit.maxBytes, advice: limit.tooLargeAdvice)
        let length = request.headers[.contentLength].flatMap { Int($0) }
        if let length, length > limit.maxBytes { throw tooLarge.apiError }
        guard let tenant else { throw APIError.unauthorized("this session names no tenant; log in again") }
        guard uploads.enter(tenant, limit: limit.perTenant) else {
            throw APIError(status: .tooManyRequests, code: "too_many_requests",
                           message: "this account already has \(limit.perTenant) uploads in progress; wait for one to finish")
        }
        defer { uploads.leave(tenant) }
        var headers = headers
        headers.append(("content-type", request.headers[.contentType] ?? "application/octet-stream"))
        // The body reaches the HTTP client through a relay fed by a task of our own, stopped and
        // awaited before this returns. The owner may answer before the client has sent it all (a
        // refusal part-way through), and Hummingbird then reads what is left of the request
        // itself: had the HTTP client still been waiting on the request's body at that moment, two
        // readers would wait on one body, which NIO stops the process for.
        let relay = AsyncThrowingChannel<ByteBuffer, any Error>()
        let source = LimitedUpload(base: request.body, error: tooLarge)
        let pump = Task {
            do {
                for try await chunk in source {
                    await relay.send(chunk)
                    try Task.checkCancellation()
                }
                relay.finish()
            } catch {
                relay.fail(error)
            }
        }
        let outcome: Result<Response, any Error>
        do {
            let reply = try await exchange(route.method, to: route.service, target: target, tenant: tenant, headers: headers,
                                           body: .stream(relay, length: length), timeout: limit.timeout)
            // The answer is read whole before the tenant's place is given back.
            let body = try await reply.body.collect(upTo: 16 << 20)
            outcome = .success(Self.response(status: reply.status, headers: reply.headers, body: .init(byteBuffer: body)))
        } catch {
            outcome = .failure(error)
        }
        pump.cancel()
        await pump.value
        switch outcome {
        case .success(let response): return response
        case .failure(let error as UploadTooLarge): throw error.apiError
        case .failure(let error): throw error
        }
    }

    /// Sends a request to `service` for `tenant`; an owner that cannot be reached is a 503 with
    /// the envelope, anything it answers is returned as it is.
    public func exchange(_ method: HTTPRequest.Method, to service: OpsideService, target: String, tenant: UUID?,
                         headers: [(String, String)] = [], body: ServiceClient.ForwardedBody = .none,
                         timeout: Duration? = nil) async throws -> HTTPClientResponse {
        do {
            return try await serviceClient.forward(HTTPMethod(rawValue: method.rawValue), to: service, target: target, tenantID: tenant,
                                                   headers: headers, body: body, timeout: timeout)
        } catch let error as ServiceCallError {
            throw APIError.unavailable("\(service.name) is unavailable right now; try again shortly", details: ["reason": error.description])
        }
    }

    /// The client's answer: the owner's status, the headers that matter, and its body streamed
    /// through unchanged.
    public func response(for reply: HTTPClientResponse) -> Response {
        let length = reply.headers.first(name: "content-length").flatMap { Int($0) }
        let body = reply.body
        return Self.response(status: reply.status, headers: reply.headers, body: ResponseBody(contentLength: length) { writer in
            for try await chunk in body { try await writer.write(chunk) }
            try await writer.finish(nil)
        })
    }

    public static func response(status: HTTPResponseStatus, headers: HTTPHeaders, body: ResponseBody) -> Response {
        var fields = HTTPFields()
        for name in responseHeaders {
            for value in headers[name.canonicalName] { fields.append(HTTPField(name: name, value: value)) }
        }
        return Response(status: .init(code: Int(status.code)), headers: fields, body: body)
    }

    // MARK: Checks

    /// The tenant the call acts for, once the session and its role pass `access`.
    static func tenant(for access: GatewayRoute.Access, context: OpsideRequestContext) throws -> UUID? {
        if access == .optionalSession { return context.session?.tenantID }
        let session = try context.requireSession()
        guard let tenant = session.tenantID else { throw APIError.unauthorized("this session names no tenant; log in again") }
        if case .roles(let roles) = access, !roles.contains(session.role) {
            throw APIError.forbidden("this takes the \(roles.sorted().joined(separator: " or ")) role")
        }
        return tenant
    }

    static func mayHaveBody(_ method: HTTPRequest.Method) -> Bool {
        [.post, .put, .patch].contains(method)
    }

    /// The client's JSON object with `userId` set to the session's user.
    /// The header an upload's owner reads the signed-in user from.
    public static let uploaderHeader = "x-opside-uploaded-by"

    static func addingSessionUser(to bytes: ByteBuffer, context: OpsideRequestContext) throws -> ByteBuffer {
        let session = try context.requireSession()
        guard let user = session.userID else { throw APIError.unauthorized("this session names no user; log in again") }
        let text = bytes.readableBytes == 0 ? Array("{}".utf8) : Array(bytes.readableBytesView)
        if let problem = StrictJSON.problem(in: text) {
            throw APIError(status: .badRequest, code: "malformed_json", message: "the body is not valid JSON: \(problem)")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(text))) as? [String: Any] else {
            throw APIError(status: .badRequest, code: "malformed_json", message: "the body must be a JSON object")
        }
        guard object["userId"] == nil else {
            throw APIError.validation("field `userId` is set from your session; leave it out", details: ["userId": "not allowed"])
        }
        object["userId"] = user.uuidString.lowercased()
        return ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes]))
    }
}
