import Foundation
import Hummingbird
import HTTPTypes
import OpsideClaimsAccess
import OpsideCore
import OpsideEvents
import OpsidePostgres
import OpsideTransport

/// refund-engine's internal routes (their public twins in `RefundEngineRoutes` forward here):
/// the cases with their CSV, one case with its history, filing now, the seller's actions on a
/// case, the filing settings, the metrics, and the recovered-money ledger.
struct CasesController: Sendable {
    let store: CaseStore
    let intake: CaseIntake
    let engine: FilingEngine
    let settings: FilingSettingsStore
    let ledger: RecoveryLedger
    let claims: any ClaimSource
    let evidence: CaseEvidence
    let database: Database
    let configuration: RefundEngineSettings
    let clocks: ServiceClocks
    let jobs: CaseJobs

    struct CasesPage: ResponseEncodable {
        var cases: [CaseView]
        var nextCursor: String?
    }

    struct CaseResponse: ResponseEncodable {
        var `case`: CaseView
        /// The files evidence-engine proved the claim with (one case's detail only).
        var evidence: [EvidenceAttachment]? = nil
    }

    struct FileRequest: Decodable {
        /// File this claim's case now; without it, the whole queue's due cases.
        var claimId: UUID?
        var userId: UUID?
    }

    struct FileResponse: ResponseEncodable {
        var pass: FilingEngine.Pass
        var `case`: CaseView?
    }

    struct MarkFiledRequest: Decodable {
        var amazonCaseId: String
        var userId: UUID?
    }

    struct OutcomeRequest: Decodable {
        var outcome: String
        var reason: String?
        var approvedAmount: Money?
        var userId: UUID?
    }

    struct ReplyRequest: Decodable {
        var body: String
        var userId: UUID?
    }

    struct ActorRequest: Decodable {
        var userId: UUID?
    }

    struct RefreshResponse: ResponseEncodable {
        var refresh: CaseJobs.Sweep
    }

    struct RetryResponse: ResponseEncodable {
        var retried: Int
    }

    struct SettingsRequest: Decodable {
        var continuous: Bool?
        var channel: CaseChannel?
        var dailyLimit: Int?
        var userId: UUID?
    }

    struct SettingsResponse: ResponseEncodable {
        var filing: FilingSettings
    }

    struct MetricsResponse: ResponseEncodable {
        var metrics: CaseMetrics
    }

    struct RecoveriesPage: ResponseEncodable {
        var recoveries: [Recovery]
        /// Pass as `offset` for the next page; absent on the last.
        var nextOffset: Int?
    }

    struct RecoverySummaryResponse: ResponseEncodable {
        var summary: RecoverySummary
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/internal/cases") { request, context in try await list(request, context) }
        let group = router.group("/internal/cases")
        group.get("/export") { request, context in try await export(request, context) }
        group.get("/metrics") { _, context in MetricsResponse(metrics: try await CaseMetrics.load(tenant: try context.requireCallerTenant(),
                                                                                                  database: database, logger: context.logger)) }
        group.post("/file") { request, context in try await file(request, context) }
        group.post("/retry-failed") { request, context in try await retryFailed(request, context) }
        group.post("/refresh") { _, context in try await refresh(context) }
        group.get("/{caseId}") { _, context in try await one(context) }
        group.post("/{caseId}/filed") { request, context in try await markFiled(request, context) }
        group.post("/{caseId}/outcome") { request, context in try await outcome(request, context) }
        group.post("/{caseId}/reply") { request, context in try await reply(request, context) }
        group.post("/{caseId}/documents-ready") { request, context in try await documentsReady(request, context) }
        router.get("/internal/filing") { _, context in SettingsResponse(filing: try await settings.settings(tenant: try context.requireCallerTenant())) }
        router.put("/internal/filing") { request, context in try await saveSettings(request, context) }
        router.get("/internal/recoveries") { request, context in try await recoveries(request, context) }
        router.get("/internal/recoveries/summary") { _, context in
            RecoverySummaryResponse(summary: try await ledger.summary(tenant: try context.requireCallerTenant()))
        }
    }

    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        return parameters
    }

    static func listQuery(_ request: Request) throws -> CaseListQuery {
        do {
            return try CaseListQuery(parameters: parameters(request))
        } catch {
            throw APIError.validation(error.description, details: [error.parameter: error.reason])
        }
    }

    static func actor(_ userId: UUID?, _ context: OpsideRequestContext) -> String {
        userId.map { "user:\($0.uuidString.lowercased())" } ?? "service:\(context.serviceCaller?.issuer ?? "unknown")"
    }

    func caseID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("caseId")) else { throw APIError.badRequest("caseId must be a UUID") }
        return id
    }

    /// The seller's action errors in the envelope's words.
    static func mapped(_ error: any Error) -> any Error {
        guard let error = error as? FilingEngine.ActionError else { return error }
        switch error {
        case .noSuchCase: return APIError.noSuch("case")
        case .wrongStatus: return APIError.conflict(error.description, details: ["status": "wrong_status"])
        case .invalid(let field, let reason): return APIError.validation(error.description, details: [field: reason])
        case .amazonCaseIdTaken: return APIError.conflict(error.description, details: ["amazonCaseId": "taken"])
        case .desk(let desk):
            switch desk {
            case .transient: return APIError.unavailable(error.description)
            case .refused, .noAccess: return APIError.conflict(error.description, details: ["desk": "refused"])
            }
        }
    }

    func list(_ request: Request, _ context: OpsideRequestContext) async throws -> CasesPage {
        let (cases, next) = try await store.list(tenant: try context.requireCallerTenant(), query: try Self.listQuery(request))
        return CasesPage(cases: cases.map { CaseView($0) }, nextCursor: next)
    }

    func export(_ request: Request, _ context: OpsideRequestContext) async throws -> Response {
        let text = try await CaseCSV.export(store: store, tenant: try context.requireCallerTenant(), query: try Self.listQuery(request))
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"cases.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func one(_ context: OpsideRequestContext) async throws -> CaseResponse {
        let tenant = try context.requireCallerTenant()
        let id = try caseID(context)
        guard let item = try await store.reimbursementCase(tenant: tenant, id: id) else { throw APIError.noSuch("case") }
        return CaseResponse(case: CaseView(item, history: try await store.history(tenant: tenant, id: id)),
                            evidence: try await evidence.attachments(tenant: tenant, claimId: item.claimId))
    }

    func file(_ request: Request, _ context: OpsideRequestContext) async throws -> FileResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: FileRequest.self, context: context)
        guard let claimId = body.claimId else {
            var total = FilingEngine.Pass()
            for connection in try await store.connections(tenant: tenant) {
                let pass = try await engine.file(tenant: tenant, connection: connection)
                total.filed += pass.filed
                total.retrying += pass.retrying
                total.failed += pass.failed
                total.deferred += pass.deferred
                total.wouldMiss += pass.wouldMiss
                total.heldForBilling += pass.heldForBilling
            }
            return FileResponse(pass: total, case: nil)
        }
        guard let claim = try await claims.claim(tenant: tenant, id: claimId) else { throw APIError.noSuch("claim") }
        guard claim.status == "claimable" else {
            throw APIError.conflict("only a claimable claim can be filed; this one is \(claim.status)", details: ["status": claim.status])
        }
        _ = try await intake.apply([claim], tenant: tenant, connection: claim.connectionId)
        guard let made = try await store.caseFor(claim: claimId, tenant: tenant) else { throw APIError.noSuch("claim") }
        let pass = made.channel == .sandbox && made.status == .ready
            ? try await engine.file(tenant: tenant, connection: made.connectionId, only: [made.id]) : FilingEngine.Pass()
        let now = try await store.reimbursementCase(tenant: tenant, id: made.id) ?? made
        return FileResponse(pass: pass, case: CaseView(now, history: try await store.history(tenant: tenant, id: made.id)))
    }

    func markFiled(_ request: Request, _ context: OpsideRequestContext) async throws -> CaseResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: MarkFiledRequest.self, context: context)
        do {
            let item = try await engine.markFiled(tenant: tenant, caseId: try caseID(context), amazonCaseId: body.amazonCaseId,
                                                  by: Self.actor(body.userId, context))
            return CaseResponse(case: CaseView(item))
        } catch { throw Self.mapped(error) }
    }

    func outcome(_ request: Request, _ context: OpsideRequestContext) async throws -> CaseResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: OutcomeRequest.self, context: context)
        guard let outcome = CaseDeskAnswer.Outcome(rawValue: body.outcome) else {
            throw APIError.validation("outcome must be approved, partially_approved, denied or more_information_needed",
                                      details: ["outcome": "unknown value '\(body.outcome)'"])
        }
        if let amount = body.approvedAmount, amount.isNegative {
            throw APIError.validation("approvedAmount must not be negative", details: ["approvedAmount": "negative"])
        }
        do {
            let item = try await engine.markOutcome(tenant: tenant, caseId: try caseID(context), outcome: outcome, reason: body.reason,
                                                    approvedAmount: body.approvedAmount, by: Self.actor(body.userId, context))
            return CaseResponse(case: CaseView(item))
        } catch { throw Self.mapped(error) }
    }

    func reply(_ request: Request, _ context: OpsideRequestContext) async throws -> CaseResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ReplyRequest.self, context: context)
        do {
            let item = try await engine.reply(tenant: tenant, caseId: try caseID(context), body: body.body, by: Self.actor(body.userId, context))
            return CaseResponse(case: CaseView(item))
        } catch { throw Self.mapped(error) }
    }

    func documentsReady(_ request: Request, _ context: OpsideRequestContext) async throws -> CaseResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ActorRequest.self, context: context)
        do {
            let item = try await engine.documentsReady(tenant: tenant, caseId: try caseID(context), by: Self.actor(body.userId, context))
            return CaseResponse(case: CaseView(item))
        } catch { throw Self.mapped(error) }
    }

    /// What the sweep does every few minutes, now, for the tenant's connections: Amazon's answers
    /// read, reminders and missed deadlines, due filings when continuous.
    func refresh(_ context: OpsideRequestContext) async throws -> RefreshResponse {
        let tenant = try context.requireCallerTenant()
        var total = CaseJobs.Sweep()
        for connection in try await store.connections(tenant: tenant) {
            let sweep = try await jobs.sweep(tenant: tenant, connection: connection, logger: context.logger)
            total.reminded += sweep.reminded
            total.missed += sweep.missed
            total.answered += sweep.answered
            total.filed += sweep.filed
        }
        return RefreshResponse(refresh: total)
    }

    func retryFailed(_ request: Request, _ context: OpsideRequestContext) async throws -> RetryResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: ActorRequest.self, context: context)
        return RetryResponse(retried: try await engine.retryFailed(tenant: tenant, by: Self.actor(body.userId, context)))
    }

    func saveSettings(_ request: Request, _ context: OpsideRequestContext) async throws -> SettingsResponse {
        let tenant = try context.requireCallerTenant()
        let body = try await request.decode(as: SettingsRequest.self, context: context)
        var current = try await settings.settings(tenant: tenant)
        if let continuous = body.continuous { current.continuous = continuous }
        if let channel = body.channel {
            guard channel == .assisted || configuration.caseDeskURL != nil else {
                throw APIError.validation("the sandbox channel is not offered here (no case desk is configured)", details: ["channel": "unavailable"])
            }
            current.channel = channel
        }
        if let limit = body.dailyLimit {
            guard (1...1000).contains(limit) else {
                throw APIError.validation("dailyLimit must be from 1 to 1000", details: ["dailyLimit": "out of range"])
            }
            current.dailyLimit = limit
        }
        let saved = try await settings.save(tenant: tenant, current, by: Self.actor(body.userId, context), at: clocks.wall.now)
        return SettingsResponse(filing: saved)
    }

    func recoveries(_ request: Request, _ context: OpsideRequestContext) async throws -> RecoveriesPage {
        let tenant = try context.requireCallerTenant()
        let parameters = Self.parameters(request)
        var limit = 100, offset = 0
        if let text = parameters["limit"] {
            guard let value = Int(text), (1...500).contains(value) else {
                throw APIError.validation("limit must be a whole number from 1 to 500", details: ["limit": "out of range"])
            }
            limit = value
        }
        if let text = parameters["offset"] {
            guard let value = Int(text), value >= 0 else { throw APIError.validation("offset must be a whole number", details: ["offset": "invalid"]) }
            offset = value
        }
        var caseId: UUID?
        if let text = parameters["caseId"] {
            guard let id = UUID(uuidString: text) else { throw APIError.validation("caseId must be a UUID", details: ["caseId": "invalid"]) }
            caseId = id
        }
        let attribution = parameters["attribution"]
        if let attribution, !["case", "automatic"].contains(attribution) {
            throw APIError.validation("attribution must be case or automatic", details: ["attribution": "unknown value"])
        }
        let page = try await ledger.list(tenant: tenant, caseId: caseId, attribution: attribution, limit: limit + 1, offset: offset)
        return RecoveriesPage(recoveries: Array(page.prefix(limit)), nextOffset: page.count > limit ? offset + limit : nil)
    }
}

/// The cases as CSV, for a spreadsheet.
public enum CaseCSV {
    public static let header = "id,status,channel,claimType,connectionId,marketplaceId,sku,fnsku,units,amountClaimed,currency,deadline,"
        + "amazonCaseId,filedAt,recovered,outstanding,decisionReason\r\n"

    /// Every case the query's filters match, from its cursor on, in pages of the largest size:
    /// the API's export and `opside cases --format csv` both.
    public static func export(store: CaseStore, tenant: UUID, query: CaseListQuery) async throws -> String {
        var query = query
        query.limit = CaseListQuery.maximumLimit
        var text = header
        while true {
            let (cases, next) = try await store.list(tenant: tenant, query: query)
            for item in cases { text += row(item) }
            guard let next, let cursor = CaseCursor(opaque: next) else { return text }
            query.cursor = cursor
        }
    }

    public static func row(_ item: ReimbursementCase) -> String {
        let view = CaseView(item)
        let fields: [String] = [
            item.id.uuidString.lowercased(), item.status.rawValue, item.channel.rawValue, item.claimType, item.connectionId.uuidString.lowercased(),
            item.marketplaceId, item.sku ?? "", item.fnsku ?? "", String(item.units), item.amountClaimed.decimalString,
            item.amountClaimed.currency.code, item.deadline.description, item.amazonCaseId ?? "",
            item.filedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "", item.recovered.decimalString, view.outstanding.decimalString,
            item.decisionReason ?? "",
        ]
        return fields.map(CSVField.escape).joined(separator: ",") + "\r\n"
    }
}
