import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideTransport

/// claim-detector's internal API, for the tenant named in the caller's service token (main-api's
/// public twins in `ClaimDetectorRoutes` forward here): detection, the claims list with its CSV
/// export, one claim, dismissal, the summary, and the seller's unit costs and expected fees.
struct ClaimsController: Sendable {
    let detection: ClaimDetection
    let store: ClaimStore
    let amounts: SKUAmountStore
    let listing: ClaimListing
    let approval: ApprovalLearning
    let clocks: ServiceClocks

    struct DetectRequest: Decodable {
        let connectionId: UUID?
        let asOf: CivilDate?
    }

    struct ClaimResponse: ResponseEncodable {
        let claim: ClaimView
    }

    struct DismissRequest: Decodable {
        let reason: String
        /// The signed-in user (main-api sets it from the session).
        let userId: UUID?
    }

    struct ApprovalModelResponse: ResponseEncodable {
        let model: ApprovalModel
    }

    struct SummaryResponse: ResponseEncodable {
        let summary: ClaimSummary
    }

    struct AmountsRequest: Decodable {
        let items: [SKUAmountInput]
    }

    struct SKUAmountInput: Decodable {
        let sku: String
        let marketplaceId: String?
        let connectionId: UUID?
        let amount: Money
    }

    struct AmountsResponse: ResponseEncodable {
        let items: [SKUAmount]
    }

    /// Largest CSV of unit costs or fees accepted (main-api collects public bodies up to 1 MiB).
    static let maximumUploadBytes = 1 << 20

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/claims") { request, context in try await list(request, context) }
        let group = router.group("/internal/claims")
        group.post("/detections") { request, context in try await detect(request, context) }
        group.get("/export") { request, context in try await export(request, context) }
        group.get("/summary") { _, context in try await summary(context) }
        group.get("/approval-model") { _, context in try await approvalModel(context) }
        group.post("/approval-model/training") { _, context in try await trainApprovalModel(context) }
        group.get("/{claimId}") { _, context in try await claim(context) }
        group.post("/{claimId}/dismiss") { request, context in try await dismiss(request, context) }
        for kind in SKUAmountKind.allCases {
            group.get("/\(kind.rawValue)") { _, context in try await amountList(kind, context) }
            group.put("/\(kind.rawValue)") { request, context in try await setAmounts(kind, request, context) }
            group.post("/\(kind.rawValue)/import") { request, context in try await importAmounts(kind, request, context) }
        }
    }

    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        return parameters
    }

    static func listQuery(_ request: Request) throws -> ClaimListQuery {
        do {
            return try ClaimListQuery(parameters: parameters(request))
        } catch let problem as ClaimQueryError {
            throw APIError.validation(problem.description, details: [problem.parameter: problem.reason])
        }
    }

    func detect(_ request: Request, _ context: OpsideRequestContext) async throws -> DetectionRunBody {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: DetectRequest.self, context: context)
        if let asOf = body.asOf, !ClaimListQuery.plausibleYears.contains(asOf.year) {
            throw APIError.validation("asOf must be a day from 1900 to 2200", details: ["asOf": "out of range"])
        }
        return DetectionRunBody(run: try await detection.detect(tenant: tenant, connection: body.connectionId, asOf: body.asOf, trigger: .api))
    }

    func list(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let page = try await listing.page(tenant: tenant, query: try Self.listQuery(request))
        return Self.response(bytes: try ClaimListing.json(page), contentType: "application/json; charset=utf-8")
    }

    func export(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let tenant = try context.requireCallerTenant()
        let csv = try await listing.csv(tenant: tenant, query: try Self.listQuery(request))
        var response = Self.response(bytes: Array(csv.utf8), contentType: "text/csv; charset=utf-8")
        response.headers[.contentDisposition] = "attachment; filename=\"claims.csv\""
        return response
    }

    static func response(bytes: [UInt8], contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func claimID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("claimId")) else { throw APIError.badRequest("claimId must be a UUID") }
        return id
    }

    func claim(_ context: OpsideRequestContext) async throws -> ClaimResponse {
        let tenant = try context.requireCallerTenant()
        guard let claim = try await store.claim(tenant: tenant, id: try claimID(context)) else { throw APIError.noSuch("claim") }
        return ClaimResponse(claim: try await listing.detailed(claim))
    }

    /// The approval model claims are scored with now: its weights and calibration. It is the
    /// suite's, not the tenant's, so any tenant may read it.
    func approvalModel(_ context: OpsideRequestContext) async throws -> ApprovalModelResponse {
        _ = try context.requireCallerTenant()
        return ApprovalModelResponse(model: try await approval.current())
    }

    /// Trains the model now, as the daily job does (operators, tests); not on the public API.
    func trainApprovalModel(_ context: OpsideRequestContext) async throws -> ApprovalModelResponse {
        guard context.serviceCaller != nil else { throw APIError.forbidden("only a service may train the approval model") }
        return ApprovalModelResponse(model: try await approval.train())
    }

    func dismiss(_ request: Request, _ context: OpsideRequestContext) async throws -> ClaimResponse {
        let tenant = try context.requireCallerTenant()
        let id = try claimID(context)
        let body = try await request.decode(as: DismissRequest.self, context: context)
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 1000 else {
            throw APIError.validation("reason must say why, in at most 1000 characters", details: ["reason": "empty or too long"])
        }
        let by = body.userId.map { "user:\($0.uuidString.lowercased())" } ?? "service:\(context.serviceCaller?.issuer ?? "unknown")"
        guard let claim = try await store.dismiss(tenant: tenant, id: id, reason: reason, by: by, at: clocks.wall.now) else {
            throw APIError.noSuch("claim")
        }
        return ClaimResponse(claim: try await listing.detailed(claim))
    }

    func summary(_ context: OpsideRequestContext) async throws -> SummaryResponse {
        let tenant = try context.requireCallerTenant()
        let detection = self.detection
        return SummaryResponse(summary: try await store.summary(tenant: tenant) { detection.today(marketplaceId: $0) })
    }

    func amountList(_ kind: SKUAmountKind, _ context: OpsideRequestContext) async throws -> AmountsResponse {
        AmountsResponse(items: try await amounts.list(kind, tenant: try context.requireCallerTenant()))
    }

    func setAmounts(_ kind: SKUAmountKind, _ request: Request, _ context: OpsideRequestContext) async throws -> AmountsResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: AmountsRequest.self, context: context)
        let items = try body.items.enumerated().map { index, item in
            guard !item.sku.isEmpty, !item.amount.isNegative else {
                throw APIError.validation("items[\(index)] needs a SKU and an amount of zero or more", details: ["items[\(index)]": "invalid"])
            }
            return SKUAmount(sku: item.sku, marketplaceId: item.marketplaceId, connectionId: item.connectionId, amount: item.amount)
        }
        try await amounts.set(kind, tenant: tenant, amounts: items, source: "seller", at: clocks.wall.now)
        return AmountsResponse(items: try await amounts.list(kind, tenant: tenant))
    }

    func importAmounts(_ kind: SKUAmountKind, _ request: Request, _ context: OpsideRequestContext) async throws -> AmountsResponse {
        let tenant = try context.requireCallerTenant()
        let buffer = try await request.body.collect(upTo: Self.maximumUploadBytes)
        let items: [SKUAmount]
        do {
            items = try SKUAmountCSV.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))
        } catch let problem as SKUAmountCSVError {
            throw APIError.validation("the CSV is refused: \(problem)", details: ["line": String(problem.line)])
        }
        try await amounts.set(kind, tenant: tenant, amounts: items, source: "import", at: clocks.wall.now)
        return AmountsResponse(items: try await amounts.list(kind, tenant: tenant))
    }
}
