import ArgumentParser
import ClaimDetector
import Configuration
import Foundation
import Logging
import OpsideCore
import OpsideJobs
import OpsidePostgres

/// What the claim commands share: claim-detector's parts on a database connected as its role,
/// running for the length of `body`.
enum ClaimCommandSupport {
    static func withDatabase<T: Sendable>(
        _ body: @escaping @Sendable (Database, ClaimDetectorSettings, Logger) async throws -> T
    ) async throws -> T {
        let reader = try await OpsideConfiguration.reader()
        var logger = Logger(label: "opside.cli")
        logger.logLevel = .warning
        let database = Database(settings: try PostgresSettings(reader: reader, service: .claimDetector), logger: logger)
        let settings = try ClaimDetectorSettings(reader: reader)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await database.client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(database, settings, logger)
        }
    }

    static func tenant(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw ValidationError("--tenant must be a UUID") }
        return id
    }

    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// `opside detect --tenant T [--connection C] [--as-of YYYY-MM-DD]`: runs detection as the API's
/// `POST /api/v1/claims/detections` does and prints the same `{"run": ...}`.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Detect claims for a tenant's connection (or all its connections) as of a day.")

    @Option(help: "The tenant id (UUID).")
    var tenant: String

    @Option(help: "One Amazon connection id (UUID); every connection of the tenant when absent.")
    var connection: String?

    @Option(name: .customLong("as-of"), help: "The day to detect as of (YYYY-MM-DD); each marketplace's today when absent.")
    var asOf: String?

    func run() async throws {
        let tenantID = try ClaimCommandSupport.tenant(tenant)
        let connectionID = try connection.map { text -> UUID in
            guard let id = UUID(uuidString: text) else { throw ValidationError("--connection must be a UUID") }
            return id
        }
        let day = try asOf.map { text -> CivilDate in
            guard let day = CivilDate(iso: text) else { throw ValidationError("--as-of must be a day, YYYY-MM-DD") }
            return day
        }
        let body = try await ClaimCommandSupport.withDatabase { database, settings, logger in
            // No Redis: the relays find the run's `claims.detected` events by polling the outbox.
            let parts = ClaimDetectorService.Parts(
                database: database, outbox: EventOutbox(producer: .claimDetector, redis: nil, logger: logger),
                detector: try ClaimDetectorService.rules(database: database), clocks: .system, settings: settings, logger: logger)
            return DetectionRunBody(run: try await parts.detection.detect(tenant: tenantID, connection: connectionID, asOf: day, trigger: .cli))
        }
        ClaimCommandSupport.write(try OpsideJSONEncoder().encodeToBytes(body))
    }
}

/// `opside claims --tenant T [--connection C] [--format json|csv]`: the claims as the API lists
/// them (`GET /api/v1/claims` with the same parameters) or exports them (`GET /api/v1/claims/export`).
struct ClaimsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims", abstract: "List a tenant's claims as JSON (one page, as the API) or CSV (all of them).")

    enum Format: String, ExpressibleByArgument {
        case json, csv
    }

    @Option(help: "The tenant id (UUID).")
    var tenant: String

    @Option(help: "Only this Amazon connection's claims (UUID).")
    var connection: String?

    @Option(help: "json (a page, with nextCursor) or csv (every claim).")
    var format: Format = .json

    @Option(help: "The list's other parameters as the API takes them, e.g. --query 'status=claimable&sort=amount&limit=100'.")
    var query: String?

    func run() async throws {
        let tenantID = try ClaimCommandSupport.tenant(tenant)
        var parameters: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            parameters[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        if let connection { parameters["connectionId"] = connection }
        let listQuery: ClaimListQuery
        do { listQuery = try ClaimListQuery(parameters: parameters) } catch { throw ValidationError("\(error)") }
        let format = self.format
        let output = try await ClaimCommandSupport.withDatabase { database, settings, logger -> [UInt8] in
            let approval = ApprovalLearning(database: database, clocks: .system, priorProbability: settings.approvalPriorProbability, logger: logger)
            let listing = ClaimListing(store: ClaimStore(database: database, logger: logger), approval: approval)
            return switch format {
            case .json: try ClaimListing.json(try await listing.page(tenant: tenantID, query: listQuery))
            case .csv: Array(try await listing.csv(tenant: tenantID, query: listQuery).utf8)
            }
        }
        if format == .csv {
            FileHandle.standardOutput.write(Data(output))
        } else {
            ClaimCommandSupport.write(output)
        }
    }
}
