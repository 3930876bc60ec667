import ArgumentParser
import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import RefundEngine

/// What the case commands share: refund-engine's parts on a database connected as its role, with
/// a service client (claim-detector's claims, the token vault for the case desk) signed with the
/// suite's service-token secret, running for the length of `body`.
enum CaseCommandSupport {
    static func withParts<T: Sendable>(_ body: @escaping @Sendable (RefundEngineService.Parts) async throws -> T) async throws -> T {
        let reader = try await OpsideConfiguration.reader()
        var logger = Logger(label: "opside.cli")
        logger.logLevel = .warning
        let database = Database(settings: try PostgresSettings(reader: reader, service: .refundEngine), logger: logger)
        let platform = try PlatformSettings(reader: reader, service: .refundEngine)
        let configuration = try RefundEngineSettings(reader: reader)
        let authority = await ServiceTokenAuthority(secret: platform.serviceTokenSecret, service: .refundEngine)
        let serviceClient = ServiceClient(httpClient: .shared, authority: authority, endpoints: ServiceEndpoints(reader: reader), logger: logger)
        // No Redis: the relays find the cases' events by polling the outbox.
        let parts = RefundEngineService.Parts(database: database, outbox: EventOutbox(producer: .refundEngine, redis: nil, logger: logger),
                                              serviceClient: serviceClient, httpClient: .shared, tokens: nil, clocks: .system,
                                              configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await database.client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(parts)
        }
    }
}

/// `opside cases --tenant T [--status S] [--format json|csv]`: the cases as the API lists them
/// (`GET /api/v1/cases`) or exports them (`GET /api/v1/cases/export`).
struct CasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases", abstract: "List a tenant's cases as JSON (one page, as the API) or CSV (all of them).")

    enum Format: String, ExpressibleByArgument {
        case json, csv
    }

    @Option(help: "The tenant id (UUID).")
    var tenant: String

    @Option(help: "Only cases in these statuses, comma-separated (ready, filed, paid...).")
    var status: String?

    @Option(help: "json (a page of up to 500, with nextCursor) or csv (every case).")
    var format: Format = .json

    func run() async throws {
        let tenantID = try ClaimCommandSupport.tenant(tenant)
        var parameters = ["limit": "500"]
        if let status { parameters["status"] = status }
        let query: CaseListQuery
        do { query = try CaseListQuery(parameters: parameters) } catch { throw ValidationError(error.description) }
        let format = self.format
        let output = try await CaseCommandSupport.withParts { parts -> [UInt8] in
            switch format {
            case .json:
                let (cases, next) = try await parts.store.list(tenant: tenantID, query: query)
                return try OpsideJSONEncoder().encodeToBytes(CaseListOutput(cases: cases.map { CaseView($0) }, nextCursor: next))
            case .csv:
                return Array(try await CaseCSV.export(store: parts.store, tenant: tenantID, query: query).utf8)
            }
        }
        if format == .csv {
            FileHandle.standardOutput.write(Data(output))
        } else {
            ClaimCommandSupport.write(output)
        }
    }

    struct CaseListOutput: Encodable {
        var cases: [CaseView]
        var nextCursor: String?
    }
}

/// `opside file --tenant T [--claim ID]`: files one claim's case now, or every due case of the
/// tenant's sandbox-channel queue, as `POST /api/v1/cases/file` does; prints what it did.
struct FileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "file", abstract: "File a claim's case now, or the tenant's whole queue of due cases.")

    @Option(help: "The tenant id (UUID).")
    var tenant: String

    @Option(help: "The claim to file (UUID); every due case when absent.")
    var claim: String?

    func run() async throws {
        let tenantID = try ClaimCommandSupport.tenant(tenant)
        let claimID = try claim.map { text -> UUID in
            guard let id = UUID(uuidString: text) else { throw ValidationError("--claim must be a UUID") }
            return id
        }
        let output = try await CaseCommandSupport.withParts { parts -> [UInt8] in
            guard let claimID else {
                var passes: [String: FilingEngine.Pass] = [:]
                for connection in try await parts.store.connections(tenant: tenantID) {
                    _ = try await parts.intake.intake(tenant: tenantID, connection: connection)
                    passes[connection.uuidString.lowercased()] = try await parts.engine.file(tenant: tenantID, connection: connection)
                }
                return try OpsideJSONEncoder().encodeToBytes(["passes": passes])
            }
            guard let found = try await parts.claims.claim(tenant: tenantID, id: claimID) else {
                throw ValidationError("no claim \(claimID) for this tenant")
            }
            guard found.status == "claimable" else { throw ValidationError("the claim is \(found.status); only a claimable claim is filed") }
            _ = try await parts.intake.apply([found], tenant: tenantID, connection: found.connectionId)
            guard let made = try await parts.store.caseFor(claim: claimID, tenant: tenantID) else { throw ValidationError("no case was made") }
            let pass = made.channel == .sandbox
                ? try await parts.engine.file(tenant: tenantID, connection: made.connectionId, only: [made.id]) : FilingEngine.Pass()
            let now = try await parts.store.reimbursementCase(tenant: tenantID, id: made.id) ?? made
            return try OpsideJSONEncoder().encodeToBytes(FileOutput(pass: pass, case: CaseView(now)))
        }
        ClaimCommandSupport.write(output)
    }

    struct FileOutput: Encodable {
        var pass: FilingEngine.Pass
        var `case`: CaseView
    }
}
