import AsyncHTTPClient
import ClaimDetector
import ClaimDetectorRoutes
import Foundation
import OpsideTesting
import HTTPTypes
import Hummingbird
import Integrations
import IntegrationsRoutes
import InventorySync
import InventorySyncRoutes
import MainAPI
import HummingbirdTesting
import Logging
import NIOCore
import OpsideCore
import OpsideTransport
import Payments
import PaymentsRoutes
import Testing

/// The shared forwarding mechanism on its own: a gateway serving a route table in front of a
/// real HTTP service that shows what reached it. Whatever the owner answers reaches the client
/// as it was; only the checks that belong at the edge (session, role, path parameters, upload
/// size) answer from the gateway.
@Suite struct GatewayTests {
    static let serviceSecret = String(repeating: "s", count: 40)
    static let sessionSecret = String(repeating: "k", count: 40)
    /// The refusal the owner writes, spaced unusually so a re-encoding would show.
    static let ownerRefusal = #"{"error": {"code":"connection_disconnected","message":"reconnect first","details":{"connectionId":"x"},"requestId":"rid-7"}}"#

    static let table = GatewayRouteTable(service: .costDocs, [
        .get("/api/v1/things/{thingId}", to: "/internal/echo/{thingId}"),
        .post("/api/v1/things/{thingId}", to: "/internal/echo/{thingId}"),
        .get("/api/v1/refuse", to: "/internal/refuse"),
        .put("/api/v1/schedules/{dataset}", to: "/internal/echo/schedule/{dataset}", roles: ["owner", "admin"]),
        .post("/api/v1/acting", to: "/internal/echo/acting", body: .collectedWithSessionUser),
        .post("/api/v1/uploads", to: "/internal/upload",
              body: .upload(UploadLimit(maxBytes: 4096, perTenant: 1, timeout: .seconds(30), tooLargeAdvice: "split the file"))),
    ])

    /// What the owner saw of a forwarded request.
    struct Echo: Codable {
        let method: String
        let path: String
        let query: String?
        let tenant: String?
        let caller: String
        let requestId: String?
        let contentType: String?
        let body: String
    }

    /// The owner: echoes what reached it, with the headers the gateway must pass back and one it must not.
    static func owner() async -> some ApplicationProtocol {
        let authority = await ServiceTokenAuthority(secret: serviceSecret, service: .costDocs)
        let router = Router()
        let echo: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let token = String(request.headers[.authorization]?.dropFirst("Bearer ".count) ?? "")
            let claims = try await authority.verify(token)
            let body = try await request.body.collect(upTo: 1 << 20)
            let echo = Echo(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, tenant: claims.tenant,
                            caller: claims.issuer, requestId: request.headers[HTTPField.Name("x-request-id")!],
                            contentType: request.headers[.contentType], body: String(buffer: body))
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.contentDisposition] = "attachment; filename=\"report.csv\""
            headers[.location] = "/internal/echo/next"
            headers[.retryAfter] = "7"
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("x-internal-secret")!] = "stays inside"
            let status: HTTPResponse.Status = request.method == .post ? .created : .ok
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try OpsideJSON.encode(echo))))
        }
        router.get("/internal/echo/**", use: echo)
        router.post("/internal/echo/**", use: echo)
        router.put("/internal/echo/**", use: echo)
        router.get("/internal/refuse") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .conflict, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ownerRefusal)))
        }
        router.post("/internal/upload") { request, _ in
            var bytes = 0
            for try await chunk in request.body { bytes += chunk.readableBytes }
            return Response(status: .accepted, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"bytes":\#(bytes)}"#)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Signs people in the way main-api's session middleware does.
    struct TestSessionMiddleware: RouterMiddleware {
        let sessions: SessionTokenAuthority
        func handle(_ request: Request, context: OpsideRequestContext,
                    next: (Request, OpsideRequestContext) async throws -> Response) async throws -> Response {
            var context = context
            if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
                context.session = try await sessions.verify(String(header.dropFirst(7)))
            }
            return try await next(request, context)
        }
    }

    /// Runs `body` with a gateway in front of the owner, and sessions to call it with.
    func withGateway(_ body: @Sendable (any TestClientProtocol, _ owner: String, _ member: String, _ tenant: UUID) async throws -> Void) async throws {
        let owner = await Self.owner()
        try await owner.test(.live) { ownerClient in
            let port = try #require(ownerClient.port)
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            let authority = await ServiceTokenAuthority(secret: Self.serviceSecret, service: .mainAPI)
            let serviceClient = ServiceClient(httpClient: httpClient, authority: authority,
                                              endpoints: ServiceEndpoints(baseURLs: [.costDocs: "http://127.0.0.1:\(port)"]),
                                              logger: Logger(label: "gateway-test"))
            let sessions = await SessionTokenAuthority(secret: Self.sessionSecret)
            let router = Router(context: OpsideRequestContext.self)
            router.middlewares.add(RequestIDMiddleware())
            router.middlewares.add(ErrorEnvelopeMiddleware())
            router.middlewares.add(TestSessionMiddleware(sessions: sessions))
            ServiceGateway(serviceClient: serviceClient).addRoutes([Self.table], to: router)
            let gateway = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            let tenant = UUID()
            let ownerToken = try await sessions.issue(userID: UUID(), tenantID: tenant, role: "owner").token
            let memberToken = try await sessions.issue(userID: UUID(), tenantID: tenant, role: "member").token
            try await gateway.test(.live) { client in
                try await body(client, ownerToken, memberToken, tenant)
            }
            try await httpClient.shutdown()
        }
    }

    @Test func pathQueryTenantAndRequestIdReachTheOwner() async throws {
        try await withGateway { client, owner, _, tenant in
            let id = UUID()
            let reply = try await client.execute(uri: "/api/v1/things/\(id.uuidString)?limit=5&dataset=ledger_detail&fileName=a%20b.csv",
                                                 method: .get, headers: [.authorization: "Bearer \(owner)",
                                                                         HTTPField.Name("x-request-id")!: "rid-query"])
            #expect(reply.status == .ok)
            let echo = try JSONDecoder().decode(Echo.self, from: Data(buffer: reply.body))
            // The id is checked and sent lowercased; the query arrives as the client wrote it, `limit` included.
            #expect(echo.path == "/internal/echo/\(id.uuidString.lowercased())")
            #expect(echo.query == "limit=5&dataset=ledger_detail&fileName=a%20b.csv")
            #expect(echo.tenant == tenant.uuidString.lowercased())
            #expect(echo.caller == "main-api")
            #expect(echo.requestId == "rid-query")
            // The headers that matter come back; the owner's others stay inside.
            #expect(reply.headers[.contentDisposition] == "attachment; filename=\"report.csv\"")
            #expect(reply.headers[.location] == "/internal/echo/next")
            #expect(reply.headers[.retryAfter] == "7")
            #expect(reply.headers[.cacheControl] == "no-store")
            #expect(reply.headers[.contentType] == "application/json")
            #expect(reply.headers[HTTPField.Name("x-internal-secret")!] == nil)
        }
    }

    @Test func bodyAndStatusPassThrough() async throws {
        try await withGateway { client, owner, _, _ in
            let reply = try await client.execute(uri: "/api/v1/things/\(UUID())", method: .post,
                                                 headers: [.authorization: "Bearer \(owner)", .contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"dataset":"orders"}"#))
            #expect(reply.status == .created)
            let echo = try JSONDecoder().decode(Echo.self, from: Data(buffer: reply.body))
            #expect(echo.body == #"{"dataset":"orders"}"#)
            #expect(echo.contentType == "application/json")
        }
    }

    @Test func theOwnersErrorEnvelopePassesThroughByteForByte() async throws {
        try await withGateway { client, owner, _, _ in
            let reply = try await client.execute(uri: "/api/v1/refuse", method: .get, headers: [.authorization: "Bearer \(owner)"])
            #expect(reply.status == .conflict)
            #expect(String(buffer: reply.body) == Self.ownerRefusal)
            #expect(reply.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test func theEdgeChecksAnswerBeforeAnythingIsSent() async throws {
        try await withGateway { client, owner, member, _ in
            let anonymous = try await client.execute(uri: "/api/v1/things/\(UUID())", method: .get)
            #expect(anonymous.status == .unauthorized)
            let notAnID = try await client.execute(uri: "/api/v1/things/not-a-uuid", method: .get, headers: [.authorization: "Bearer \(owner)"])
            #expect(notAnID.status == .badRequest)
            #expect(String(buffer: notAnID.body).contains("`thingId` must be a UUID"))
            let memberEdit = try await client.execute(uri: "/api/v1/schedules/orders", method: .put,
                                                      headers: [.authorization: "Bearer \(member)"], body: ByteBuffer(string: "{}"))
            #expect(memberEdit.status == .forbidden)
            let badName = try await client.execute(uri: "/api/v1/schedules/..%2Fadmin", method: .put,
                                                   headers: [.authorization: "Bearer \(owner)"], body: ByteBuffer(string: "{}"))
            #expect(badName.status == .unprocessableContent)
            let ownerEdit = try await client.execute(uri: "/api/v1/schedules/orders", method: .put,
                                                     headers: [.authorization: "Bearer \(owner)"], body: ByteBuffer(string: "{}"))
            #expect(ownerEdit.status == .ok)
            #expect(try JSONDecoder().decode(Echo.self, from: Data(buffer: ownerEdit.body)).path == "/internal/echo/schedule/orders")
        }
    }

    /// A SKU may hold what Amazon lets it (dots, spaces, slashes, accents, up to 255 characters)
    /// and reaches its owner as one percent-encoded segment; a control character, a broken
    /// encoding or an empty one is refused; other names stay strict.
    @Test func aSKUParameterTakesWhatAmazonAllowsAndStaysOneSegment() throws {
        #expect(try GatewayPathParameter.check(name: "sku", value: "Blue%20Mug%2F12oz.v2") == "Blue%20Mug%2F12oz.v2")
        #expect(try GatewayPathParameter.check(name: "sku", value: "Blue Mug/12oz.v2") == "Blue%20Mug%2F12oz.v2")
        #expect(try GatewayPathParameter.check(name: "sellerSku", value: "caf%C3%A9-01") == "caf%C3%A9-01")
        #expect(try GatewayPathParameter.decoded("sku", "caf%C3%A9%20%2F%201") == "café / 1")
        for refused in ["", "%00abc", "%ZZ", "a%0Ab", String(repeating: "x", count: 256)] {
            #expect(throws: APIError.self, "\(refused.prefix(20))") { try GatewayPathParameter.check(name: "sku", value: refused) }
        }
        #expect(throws: APIError.self) { try GatewayPathParameter.check(name: "dataset", value: "a.b") }
    }

    @Test func theSessionsUserIsAddedAndCannotBeForged() async throws {
        try await withGateway { client, owner, _, _ in
            let acting = try await client.execute(uri: "/api/v1/acting", method: .post, headers: [.authorization: "Bearer \(owner)"],
                                                  body: ByteBuffer(string: #"{"region":"na/eu"}"#))
            #expect(acting.status == .created)
            let sent = try JSONSerialization.jsonObject(with: Data(try JSONDecoder().decode(Echo.self, from: Data(buffer: acting.body)).body.utf8))
                as? [String: String]
            #expect(sent?["region"] == "na/eu")
            #expect(sent?["userId"].flatMap(UUID.init(uuidString:)) != nil)
            let forged = try await client.execute(uri: "/api/v1/acting", method: .post, headers: [.authorization: "Bearer \(owner)"],
                                                  body: ByteBuffer(string: #"{"userId":"\#(UUID())"}"#))
            #expect(forged.status == .unprocessableContent)
        }
    }

    @Test func uploadsStreamWithinTheirLimit() async throws {
        try await withGateway { client, owner, _, _ in
            let small = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: [.authorization: "Bearer \(owner)"],
                                                 body: ByteBuffer(repeating: 7, count: 4000))
            #expect(small.status == .accepted)
            #expect(String(buffer: small.body) == #"{"bytes":4000}"#)
            let large = try await client.execute(uri: "/api/v1/uploads", method: .post, headers: [.authorization: "Bearer \(owner)"],
                                                 body: ByteBuffer(repeating: 7, count: 5000))
            #expect(large.status == .contentTooLarge)
            #expect(String(buffer: large.body).contains("split the file"))
        }
    }
}

/// The route tables main-api's gateway serves, checked against the documents on both sides.
@Suite struct GatewayRouteTableTests {
    static let tables = [IntegrationsRoutes.table, InventorySyncRoutes.table, PaymentsRoutes.table, ClaimDetectorRoutes.table]

    static func operations(_ document: Data) throws -> Set<String> {
        let json = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, item in item.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test func everyRouteIsDocumentedPubliclyAndByItsOwner() throws {
        let publicOperations = try Self.operations(try MainAPIService.openAPIDocument())
        let owners: [OpsideService: Set<String>] = [
            .integrations: try Self.operations(try IntegrationsService.openAPIDocument()),
            .inventorySync: try Self.operations(try InventorySyncService.openAPIDocument()),
            .payments: try Self.operations(try PaymentsService.openAPIDocument()),
            .claimDetector: try Self.operations(try ClaimDetectorService.openAPIDocument()),
        ]
        for route in Self.tables.flatMap(\.routes) {
            #expect(publicOperations.contains("\(route.method.rawValue) \(route.publicPath)"), "\(route) is not in main-api's document")
            #expect(owners[route.service]?.contains("\(route.method.rawValue) \(route.internalPath)") == true,
                    "\(route) is not in \(route.service.name)'s document")
            #expect(GatewayRoute.parameterNames(in: route.publicPath).sorted() == GatewayRoute.parameterNames(in: route.internalPath).sorted(),
                    "\(route) names different parameters on each side")
            #expect(route.internalPath.hasPrefix("/internal/"), "\(route) must reach an internal endpoint")
        }
    }

    @Test func tablesKeepTheBehaviourMainAPIHadBeforeTheGateway() {
        let routes = Self.tables.flatMap(\.routes)
        let schedule = routes.first { $0.method == .put && $0.publicPath.hasSuffix("/schedules/{dataset}") }
        #expect(schedule?.access == .roles(["owner", "admin"]))
        let imports = routes.first { $0.publicPath.hasSuffix("/imports") }
        #expect(imports?.body == .upload(UploadLimit(maxBytes: 64 << 20, perTenant: 2, timeout: .seconds(600),
                                                     tooLargeAdvice: "import bigger files with `opside import`")))
        #expect(routes.contains { $0.publicPath == "/api/v1/billing" && $0.service == .payments })
    }
}
