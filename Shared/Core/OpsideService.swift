/// The ten services of the suite: the one place that names them, their ports, schemas and roles.
///
/// Deploy files (docker-compose, Fly), the health check and the tests all read their facts from
/// here or are checked against it, so a rename or a port change cannot drift between them.
public enum OpsideService: String, CaseIterable, Sendable, Codable {
    case mainAPI = "main-api"
    case integrations = "integrations"
    case payments = "payments"
    case costDocs = "cost-docs"
    case refundEngine = "refund-engine"
    case mcde = "mcde"
    case claimDetector = "claim-detector"
    case evidenceEngine = "evidence-engine"
    case inventorySync = "inventory-sync"
    case testRunner = "test-runner"

    /// The executable's name, which is also the name used in service tokens and logs.
    public var name: String { rawValue }

    /// The port the service listens on by default (DESIGN.md, "Shape").
    public var defaultPort: Int {
        switch self {
        case .mainAPI: 8000
        case .integrations: 3001
        case .refundEngine: 3002
        case .costDocs: 3003
        case .inventorySync: 3004
        case .payments: 4000
        case .claimDetector: 8001
        case .evidenceEngine: 8002
        case .testRunner: 8003
        case .mcde: 8004
        }
    }

    /// The Postgres schema the service owns and is the only writer of.
    public var schema: String {
        switch self {
        case .mainAPI: "app"
        case .integrations: "integrations"
        case .refundEngine: "cases"
        case .costDocs: "documents"
        case .inventorySync: "amazon"
        case .payments: "payments"
        case .claimDetector: "claims"
        case .evidenceEngine: "evidence"
        case .testRunner: "testruns"
        case .mcde: "costs"
        }
    }

    /// The database role the service connects as. It owns the service's schema, and every tenant
    /// table in it has FORCE ROW LEVEL SECURITY, so RLS applies to this role too.
    public var databaseRole: String { "opside_" + String(rawValue.map { $0 == "-" ? "_" : $0 }) }

    /// The environment-variable prefix of this service's URL setting, e.g. `SERVICES_MAIN_API_URL`.
    public var configKeyName: String {
        // camelCase so swift-configuration's environment provider maps it to SNAKE_CASE.
        let parts = rawValue.split(separator: "-")
        return parts.enumerated().map { index, part in
            index == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst()
        }.joined()
    }
}

/// The role that owns the shared `platform` schema (jobs, outbox, migrations bookkeeping).
/// Every service role is a member of it, so each can enqueue, claim and relay.
public let platformDatabaseRole = "opside_platform"
