import AsyncHTTPClient
import Foundation
import OpsideCore
import OpsideTransport

/// Where the dashboard's pages get their data: the owning services' internal routes, called
/// through the gateway for the signed-in tenant, exactly as the public API forwards them (the
/// same answers a script calling `/api/v1/...` gets). Only the fields the pages show are decoded.
struct DashboardSources: Sendable {
    let gateway: ServiceGateway

    // MARK: What the pages read

    struct Claim: Decodable, Sendable {
        struct Valuation: Decodable, Sendable {
            let basis: String
            let unitValue: Money?
            let isEstimate: Bool
            let source: String
        }

        struct Explanation: Decodable, Sendable {
            struct SourceRow: Decodable, Sendable {
                let dataset: String
                let rowId: String
                let date: String?
                let quantity: Int?
                let amount: Money?
                let description: String
            }

            struct Netting: Decodable, Sendable {
                let label: String
                let units: Int
            }

            let sourceRows: [SourceRow]
            let netting: [Netting]
            let summary: String
        }

        let id: UUID
        let type: String
        let status: String
        let connectionId: UUID
        let marketplaceId: String
        let fnsku: String?
        let sku: String?
        let asin: String?
        let units: Int
        let amount: Money
        let clockStartedAt: String
        let opensOn: String
        let deadline: String
        let sourceIds: [String: String]
        let resolutionReason: String?
        let dismissedReason: String?
        let dismissedAt: Date?
        let firstDetectedAt: Date
        let valuation: Valuation?
        let explanation: Explanation?
        let approval: Approval?
    }

    /// claim-detector's approval model's estimate for a claim, with what moved it.
    struct Approval: Decodable, Sendable {
        struct Factor: Decodable, Sendable {
            let feature: String
            let value: String
            let effect: Double
        }

        let probability: Double
        let modelTrainedAt: Date?
        let modelExamples: Int
        let factors: [Factor]
    }

    struct ClaimPage: Decodable, Sendable {
        let claims: [Claim]
        let nextCursor: String?
    }

    struct Summary: Decodable, Sendable {
        struct Group: Decodable, Sendable {
            let status: String
            let type: String
            let claims: Int
            let amount: Money
        }

        struct Due: Decodable, Sendable {
            let claims: Int
            let amount: Money
        }

        struct Month: Decodable, Sendable {
            let month: String
            let claims: Int
            let amount: Money
        }

        let byStatusTypeAndCurrency: [Group]
        let deadlinesWithin7Days: [Due]
        let byMonth: [Month]
    }

    struct Connection: Decodable, Sendable {
        let id: UUID
        let sellingPartnerId: String
        let region: String
        let marketplaceIds: [String]
        let status: String
        let authorizationMethod: String
        let reauthorizationReason: String?
        let disconnectedAt: Date?
        let createdAt: Date
    }

    struct SyncRun: Decodable, Sendable {
        let runId: UUID
        let connectionId: UUID
        let dataset: String
        let trigger: String
        let state: String
        let queuedAt: Date
        let startedAt: Date?
        let finishedAt: Date?
        let windowsTotal: Int
        let windowsDone: Int
        let rowsDone: Int
        let rowsInserted: Int
        let rowsUpdated: Int
        let rowsQuarantined: Int
        let estimatedFinishAt: Date?
        let errorMessage: String?
    }

    struct Schedule: Decodable, Sendable {
        let dataset: String
        let intervalSeconds: Int
        let enabled: Bool
        let nextRunAt: Date
        let pausedAt: Date?
        /// Set for the datasets that run at Amazon's fixed times, in words.
        let runsAt: String?
    }

    /// Which claims the datasets synced so far cover (inventory-sync's `ClaimCoverage`).
    struct ClaimCoverage: Decodable, Sendable {
        let family: String
        let label: String
        let covered: Bool
        let coveredAt: Date?
        let waitingFor: [String]
    }

    struct QuarantinedLine: Decodable, Sendable {
        let lineNumber: Int
        let reason: String
        let rawLine: String
    }

    struct Case: Decodable, Sendable {
        struct HistoryEntry: Decodable, Sendable {
            let at: Date
            let fromStatus: String?
            let toStatus: String
            let actor: String
            let reason: String
        }
        let id: UUID
        let connectionId: UUID
        let marketplaceId: String
        let claimId: UUID
        let claimType: String
        let channel: String
        let status: String
        let fnsku: String?
        let sku: String?
        let asin: String?
        let units: Int
        let amountClaimed: Money
        let opensOn: String
        let deadline: String
        let references: [String: String]
        let subject: String
        let body: String
        let attachments: [String]
        let documentsReady: Bool
        let approvalProbability: Double
        let amazonCaseId: String?
        let filedAt: Date?
        let attempts: Int
        let nextAttemptAt: Date?
        let lastError: String?
        let decisionReason: String?
        let decidedAt: Date?
        let approvedAmount: Money?
        let appealed: Bool
        let recovered: Money
        let outstanding: Money
        let history: [HistoryEntry]?
    }

    struct CasePage: Decodable, Sendable {
        let cases: [Case]
        let nextCursor: String?
    }

    struct CaseMetrics: Decodable, Sendable {
        struct Count: Decodable, Sendable {
            let status: String
            let cases: Int
        }
        let byStatus: [Count]
        let filed: Int
        let approved: Int
        let denied: Int
        let pending: Int
        let missedDeadlines: Int
        let claimed: [Money]
        let recovered: [Money]
        let recoveredAutomatically: [Money]
        let medianDaysToDecision: Double?
    }

    struct FilingSettings: Decodable, Sendable {
        let continuous: Bool
        let channel: String
        let dailyLimit: Int
    }

    struct RecoverySummary: Decodable, Sendable {
        struct Month: Decodable, Sendable {
            let month: String
            let attribution: String
            let amount: Money
        }
        struct ByType: Decodable, Sendable {
            let claimType: String
            let entries: Int
            let amount: Money
        }
        let totals: [Money]
        let byCase: [Money]
        let automatic: [Money]
        let byMonth: [Month]
        let byType: [ByType]
    }

    struct Recovery: Decodable, Sendable {
        let reimbursementId: String
        /// `report` or `finances` (seen in Finances, not yet in the reimbursements report).
        let source: String
        let sku: String
        let approvalDate: Date?
        let reason: String?
        let amazonCaseId: String?
        let kind: String
        let attribution: String
        let caseId: UUID?
        let amount: Money
        let confirmedByFinance: Bool
    }

    // MARK: Calls

    func cases(tenant: UUID, query: String) async throws -> CasePage {
        try await get(CasePage.self, from: .refundEngine, "/internal/cases" + (query.isEmpty ? "" : "?" + query), tenant: tenant)
    }

    func reimbursementCase(_ id: UUID, tenant: UUID) async throws -> Case {
        struct Body: Decodable { let `case`: Case }
        return try await get(Body.self, from: .refundEngine, "/internal/cases/\(id.uuidString.lowercased())", tenant: tenant).case
    }

    func caseMetrics(tenant: UUID) async throws -> CaseMetrics {
        struct Body: Decodable { let metrics: CaseMetrics }
        return try await get(Body.self, from: .refundEngine, "/internal/cases/metrics", tenant: tenant).metrics
    }

    /// The approval model's calibration, as claim-detector measured it at its last training.
    struct ApprovalModel: Decodable, Sendable {
        struct Calibration: Decodable, Sendable {
            struct Bin: Decodable, Sendable {
                let from: Double
                let to: Double
                let cases: Int
                let meanPredicted: Double?
                let observedRate: Double?
            }

            let cases: Int
            let brierScore: Double
            let baseRateBrierScore: Double
            let reliability: [Bin]
        }

        let trainedAt: Date?
        let examples: Int
        let calibration: Calibration?
        let calibrationMethod: String
    }

    func approvalModel(tenant: UUID) async throws -> ApprovalModel {
        struct Body: Decodable { let model: ApprovalModel }
        return try await get(Body.self, from: .claimDetector, "/internal/claims/approval-model", tenant: tenant).model
    }

    func filingSettings(tenant: UUID) async throws -> FilingSettings {
        struct Body: Decodable { let filing: FilingSettings }
        return try await get(Body.self, from: .refundEngine, "/internal/filing", tenant: tenant).filing
    }

    func recoverySummary(tenant: UUID) async throws -> RecoverySummary {
        struct Body: Decodable { let summary: RecoverySummary }
        return try await get(Body.self, from: .refundEngine, "/internal/recoveries/summary", tenant: tenant).summary
    }

    func recoveries(tenant: UUID, query: String) async throws -> [Recovery] {
        struct Body: Decodable { let recoveries: [Recovery] }
        return try await get(Body.self, from: .refundEngine, "/internal/recoveries?" + query, tenant: tenant).recoveries
    }

    func summary(tenant: UUID) async throws -> Summary {
        struct Body: Decodable { let summary: Summary }
        return try await get(Body.self, from: .claimDetector, "/internal/claims/summary", tenant: tenant).summary
    }

    /// `query` is the list's query string (already encoded), as the public list takes it.
    func claims(tenant: UUID, query: String) async throws -> ClaimPage {
        try await get(ClaimPage.self, from: .claimDetector, "/internal/claims" + (query.isEmpty ? "" : "?" + query), tenant: tenant)
    }

    func claim(_ id: UUID, tenant: UUID) async throws -> Claim {
        struct Body: Decodable { let claim: Claim }
        return try await get(Body.self, from: .claimDetector, "/internal/claims/\(id.uuidString.lowercased())", tenant: tenant).claim
    }

    func connections(tenant: UUID) async throws -> [Connection] {
        struct Body: Decodable { let connections: [Connection] }
        return try await get(Body.self, from: .integrations, "/internal/amazon/connections", tenant: tenant).connections
    }

    func connection(_ id: UUID, tenant: UUID) async throws -> Connection {
        try await get(Connection.self, from: .integrations, "/internal/amazon/connections/\(id.uuidString.lowercased())", tenant: tenant)
    }

    func syncRuns(connection: UUID, tenant: UUID, limit: Int) async throws -> [SyncRun] {
        struct Body: Decodable { let runs: [SyncRun] }
        return try await get(Body.self, from: .inventorySync,
                             "/internal/amazon/connections/\(connection.uuidString.lowercased())/syncs?limit=\(limit)", tenant: tenant).runs
    }

    func syncRun(_ run: UUID, tenant: UUID) async throws -> SyncRun {
        try await get(SyncRun.self, from: .inventorySync, "/internal/amazon/syncs/\(run.uuidString.lowercased())", tenant: tenant)
    }

    func schedules(connection: UUID, tenant: UUID) async throws -> [Schedule] {
        try await schedulesAndCoverage(connection: connection, tenant: tenant).schedules
    }

    struct SchedulesAndCoverage: Decodable, Sendable {
        let schedules: [Schedule]
        let claimCoverage: [ClaimCoverage]
    }

    func schedulesAndCoverage(connection: UUID, tenant: UUID) async throws -> SchedulesAndCoverage {
        try await get(SchedulesAndCoverage.self, from: .inventorySync,
                      "/internal/amazon/connections/\(connection.uuidString.lowercased())/schedules", tenant: tenant)
    }

    /// What Amazon's notifications told a connection lately (integrations).
    struct AmazonNotifications: Decodable {
        struct Notification: Decodable {
            let notificationId: String
            let type: String
            let summary: String
            let eventTime: Date
            let receivedAt: Date
        }
        let subscribedTypes: [String]
        let notifications: [Notification]
    }

    func amazonNotifications(connection: UUID, tenant: UUID, limit: Int) async throws -> AmazonNotifications {
        try await get(AmazonNotifications.self, from: .integrations,
                      "/internal/amazon/connections/\(connection.uuidString.lowercased())/notifications?limit=\(limit)", tenant: tenant)
    }

    func quarantine(run: UUID, tenant: UUID) async throws -> [QuarantinedLine] {
        struct Body: Decodable { let lines: [QuarantinedLine] }
        return try await get(Body.self, from: .inventorySync, "/internal/amazon/syncs/\(run.uuidString.lowercased())/quarantine", tenant: tenant).lines
    }

    /// The owner's answer decoded; its error envelope (or its absence) as an `APIError` with
    /// the owner's status and message.
    /// `tenant` is nil for what belongs to no tenant (test-runner's runs).
    func get<Body: Decodable>(_ type: Body.Type, from service: OpsideService, _ target: String, tenant: UUID?) async throws -> Body {
        // claim-detector's reads are kept like its cached public routes (the same answers, the same key).
        if service == .claimDetector, let tenant, let kept = try await gateway.cachedBody(service, target: target, tenant: tenant) {
            return try JSONDecoder.opside.decode(Body.self, from: Data(buffer: kept))
        }
        let reply = try await gateway.exchange(.get, to: service, target: target, tenant: tenant)
        let bytes = try await reply.body.collect(upTo: 16 << 20)
        guard reply.status == .ok else {
            let message = (try? JSONDecoder.opside.decode(ErrorEnvelope.self, from: Data(buffer: bytes)))?.error.message
                ?? "\(service.name) answered \(reply.status.code)"
            throw DashboardSourceError(status: Int(reply.status.code), message: message)
        }
        return try JSONDecoder.opside.decode(Body.self, from: Data(buffer: bytes))
    }
}

/// The suite's error envelope, as far as a page reads it.
private struct ErrorEnvelope: Decodable {
    struct Detail: Decodable { let message: String }
    let error: Detail
}

/// An owner's refusal or failure, as a page shows it.
struct DashboardSourceError: Error, CustomStringConvertible {
    let status: Int
    let message: String
    var description: String { message }
}
