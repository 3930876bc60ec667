import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideAmazonSPAPI

/// The Seller Central case desk: where a seller files a reimbursement case, reads Amazon's answer
/// and replies. Amazon has no API for it; the sandbox serves one under `/cu/cases` (beside the
/// other Seller Central pages) so the product's `sandbox` filing channel runs a case end to end.
/// Calls authenticate like SP-API calls (`x-amz-access-token`, the seller's LWA token) and go
/// through the same edge: token check, faults (operation ids `sellerCentral.createCase`,
/// `getCase`, `listCases`, `replyToCase`) and `x-amzn-RequestId`, but no usage plan.
struct CaseDeskController: Sendable {
    let state: SandboxState
    let edge: SPAPIController
    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let pageSize = 50

    func register(on router: Router<BasicRequestContext>) {
        func route(_ method: HTTPRequest.Method, _ path: String, _ name: String, _ handler: @escaping SPAPIController.Handler) {
            let operation = SPAPIOperation(api: "sellerCentral", name: name)
            router.on(RouterPath(path), method: method) { request, context in
                try await edge.edge(request, context, operation: operation, grantlessScope: nil, rateLimited: false, handler: handler)
            }
        }
        route(.post, "/cu/cases", "createCase") { request, _, caller in try await create(request, caller) }
        route(.get, "/cu/cases", "listCases") { request, _, caller in try list(request, caller) }
        route(.get, "/cu/cases/{caseId}", "getCase") { _, context, caller in try get(try context.parameters.require("caseId"), caller) }
        route(.post, "/cu/cases/{caseId}/replies", "replyToCase") { request, context, caller in
            try await reply(to: try context.parameters.require("caseId"), request, caller)
        }
    }

    // MARK: Routes

    /// `POST /cu/cases`: 201 `{caseId, status, createdDate}`, replayed for the same key and body.
    func create(_ request: Request, _ caller: SPAPICaller) async throws -> Response {
        let (seller, history) = try Self.seller(caller)
        let key = try Self.idempotencyKey(request)
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let filing = try Self.decode(CaseFilingBody.self, from: bytes).validated(for: history)
        let fingerprint = "POST /cu/cases " + Self.canonical(bytes)
        let outcome = state.withDecidedCases { inner -> IdempotentOutcome in
            switch inner.caseDesk.check(seller: seller, key: key, fingerprint: fingerprint) {
            case .replay(let earlier): return .replayed(earlier)
            case .reused: return .keyReused
            case .fresh:
                let deskCase = inner.caseDesk.file(filing, seller: seller, at: inner.now)
                let body = Self.data(["caseId": deskCase.id, "status": deskCase.status.rawValue, "createdDate": deskCase.created.iso])
                let response = IdempotentResponse(fingerprint: fingerprint, status: 201, body: body)
                inner.caseDesk.remember(response, seller: seller, key: key)
                return .answered(response)
            }
        }
        return outcome.response(key: key)
    }

    /// `GET /cu/cases/{caseId}`: the caller's case, or 404 (another seller's case is not found).
    func get(_ id: String, _ caller: SPAPICaller) throws -> Response {
        let (seller, _) = try Self.seller(caller)
        guard let deskCase = state.withDecidedCases({ $0.caseDesk.cases[id] }), deskCase.sellingPartnerID == seller else {
            return Self.caseNotFound(id)
        }
        return SandboxResponse.json(deskCase.json())
    }

    /// `GET /cu/cases?createdAfter=&nextToken=`: the caller's cases, oldest first, 50 a page.
    /// `createdAfter` is inclusive, so a client that passes its newest case's `createdDate`
    /// misses nothing filed in the same second. A page token carries the query.
    func list(_ request: Request, _ caller: SPAPICaller) throws -> Response {
        let (seller, _) = try Self.seller(caller)
        let paged = try PagedQuery(request, operation: "listCases", seller: seller, tokenParameter: "nextToken", criteria: ["createdAfter"])
        var createdAfter = Date.distantPast
        if let text = paged["createdAfter"] {
            guard let date = Date(iso: text) else {
                throw SandboxInputError(message: "createdAfter must be an ISO 8601 date-time such as 2025-01-31T00:00:00Z", details: "createdAfter")
            }
            createdAfter = date
        }
        let matching = state.withDecidedCases { $0.caseDesk.cases(of: seller) }.filter { $0.created >= createdAfter }
        var body: [String: Any] = ["cases": matching.dropFirst(paged.offset).prefix(Self.pageSize).map { $0.json() }]
        if paged.offset + Self.pageSize < matching.count { body["nextToken"] = paged.token(at: paged.offset + Self.pageSize) }
        return SandboxResponse.json(body)
    }

    /// `POST /cu/cases/{caseId}/replies`: answers a request for information, or appeals a denial
    /// once; 200 with the case, open again. 409 `InvalidState` when the case takes no reply.
    func reply(to id: String, _ request: Request, _ caller: SPAPICaller) async throws -> Response {
        let (seller, _) = try Self.seller(caller)
        let key = try Self.idempotencyKey(request)
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let reply = try Self.decode(CaseReplyBody.self, from: bytes).validated()
        let fingerprint = "POST /cu/cases/\(id)/replies " + Self.canonical(bytes)
        let outcome = state.withDecidedCases { inner -> IdempotentOutcome in
            switch inner.caseDesk.check(seller: seller, key: key, fingerprint: fingerprint) {
            case .replay(let earlier): return .replayed(earlier)
            case .reused: return .keyReused
            case .fresh: break
            }
            guard let deskCase = inner.caseDesk.cases[id], deskCase.sellingPartnerID == seller else { return .refused(Self.caseNotFound(id)) }
            guard let replied = inner.caseDesk.reply(to: id, body: reply.body, attachments: reply.attachments, at: inner.now) else {
                return .refused(Self.invalidState(deskCase))
            }
            let response = IdempotentResponse(fingerprint: fingerprint, status: 200, body: Self.data(replied.json()))
            inner.caseDesk.remember(response, seller: seller, key: key)
            return .answered(response)
        }
        return outcome.response(key: key)
    }

    // MARK: Answers

    /// What a request under an idempotency key came to.
    enum IdempotentOutcome {
        case answered(IdempotentResponse)
        case replayed(IdempotentResponse)
        case keyReused
        case refused(Response)

        func response(key: String) -> Response {
            switch self {
            case .answered(let stored), .replayed(let stored):
                var headers: HTTPFields = [.contentType: "application/json"]
                if case .replayed = self { headers[CaseDeskController.replayedHeader] = "true" }
                return Response(status: HTTPResponse.Status(code: stored.status), headers: headers,
                                body: .init(byteBuffer: ByteBuffer(bytes: stored.body)))
            case .keyReused:
                return SandboxResponse.error(.conflict, code: "IdempotencyKeyReused",
                                             message: "The Idempotency-Key \(key) was already used for a different request. Send a new key with a new request.")
            case .refused(let response):
                return response
            }
        }
    }

    static func caseNotFound(_ id: String) -> Response {
        SandboxResponse.error(.notFound, code: "NotFound", message: "Case \(id) was not found.")
    }

    static func invalidState(_ deskCase: DeskCase) -> Response {
        let why = switch deskCase.decision?.outcome {
        case .none: "it is open and awaiting Amazon's decision"
        case .denied?: "its denial was already appealed, and a denial can be appealed once"
        case let outcome?: "it was \(outcome.rawValue.replacingOccurrences(of: "_", with: " "))"
        }
        return SandboxResponse.error(.conflict, code: "InvalidState", message: "Case \(deskCase.id) cannot take a reply: \(why).")
    }

    // MARK: Input

    /// The calling seller and its history: the desk acts for a selling partner.
    static func seller(_ caller: SPAPICaller) throws -> (String, SellerHistory) {
        guard let seller = caller.sellingPartnerID, let history = caller.history else {
            throw SandboxInputError(message: "The case desk acts for a selling partner: use the seller's access token.")
        }
        return (seller, history)
    }

    /// The `Idempotency-Key` header: 1 to 128 printable ASCII characters.
    static func idempotencyKey(_ request: Request) throws -> String {
        guard let key = request.headers[idempotencyKeyHeader] else {
            throw SandboxInputError(message: "The Idempotency-Key header is required: a new key for each new request.", details: "Idempotency-Key")
        }
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw SandboxInputError(message: "The Idempotency-Key header must be 1 to 128 printable ASCII characters.", details: "Idempotency-Key")
        }
        return key
    }

    /// Decodes a JSON body; a value of the wrong type becomes a 400 naming its field.
    static func decode<Body: Decodable>(_ type: Body.Type, from buffer: ByteBuffer) throws -> Body {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        func wrongType(_ field: String) -> SandboxInputError {
            let expected = switch field {
            case "quantity": "a whole number"
            case "amountClaimed.amount": "a decimal string such as \"12.34\""
            case "references", "amountClaimed": "an object"
            case "attachments": "a list of file names"
            default: "a string"
            }
            return SandboxInputError(message: "\(field) must be \(expected).", details: field)
        }
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty {
            throw wrongType(path(context.codingPath))
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            throw wrongType(path(context.codingPath))
        } catch DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty {
            throw wrongType(path(context.codingPath))
        } catch {
            throw SandboxInputError(message: "The request body must be a JSON object.")
        }
    }

    /// The body as JSON with sorted keys: the same request written in another key order is still
    /// the same request for its idempotency key.
    static func canonical(_ buffer: ByteBuffer) -> String {
        let data = Data(buffer.readableBytesView)
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: sorted, as: UTF8.self)
    }

    static func data(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
