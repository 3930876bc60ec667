import Foundation
import Hummingbird
import NIOCore
import OpsideAmazonSPAPI
import OpsideAmazonAccess
import OpsideCore
import OpsideTransport

/// inventory-sync's internal API. Every route acts for the tenant named in the caller's service
/// token (main-api's public routes forward here); row-level security keeps tenants apart.
struct InventorySyncController {
    let repository: any SyncRepository
    let importer: ReportImporter
    let runner: ImportRunner
    let tokens: any AmazonAccessTokenSource
    /// Largest upload accepted by the import endpoint.
    let maxImportBytes: Int
    /// Where uploads wait while they import (`RunSweeper` deletes what a dead process left).
    let importDirectory: String
    let searchQueries: SearchQueryPerformanceStore
    let adsSpendStore: AdsSpendStore
    /// Amazon's now: which periods are complete, how far back a backfill may reach.
    let now: @Sendable () -> Date

    struct TriggerRequest: Decodable {
        /// A dataset name, or `all`.
        let dataset: String
    }

    struct RunsResponse: ResponseEncodable {
        let runs: [SyncRun]
    }

    /// The schedules, and which claims the datasets synced so far cover: during a backfill, the
    /// seller sees which claims Opside already looks for.
    struct SchedulesResponse: ResponseEncodable {
        let schedules: [SyncSchedule]
        let claimCoverage: [ClaimCoverage.State]
    }

    struct ScheduleRequest: Decodable {
        let intervalSeconds: Int
        let enabled: Bool?
    }

    struct QuarantineResponse: ResponseEncodable {
        let lines: [QuarantinedLine]
    }

    struct DiscrepanciesResponse: ResponseEncodable {
        let discrepancies: [InventoryDiscrepancy]
    }

    /// A file past one of the import limits: too big once decompressed or too many rows is
    /// 413 (split the file), a line or header that cannot be a report is 422.
    static func refusal(_ error: ReportLimitError) -> APIError {
        var details = ["code": error.kind.rawValue, "limit": String(error.limit)]
        if let line = error.line { details["line"] = String(line) }
        switch error.kind {
        case .decompressedTooLarge, .tooManyRows:
            return APIError(status: .contentTooLarge, code: "payload_too_large", message: "the file is refused: \(error)", details: details)
        case .lineTooLong, .headerTooLong, .tooManyColumns:
            return APIError.validation("the file is refused: \(error)", details: details)
        }
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/internal/amazon")
        group.post("/connections/{connectionId}/syncs") { request, context in try await trigger(request, context) }
        group.get("/connections/{connectionId}/syncs") { request, context in try await history(request, context) }
        group.get("/syncs/{runId}") { _, context in try await run(context) }
        group.get("/syncs/{runId}/quarantine") { _, context in try await quarantine(context) }
        group.get("/connections/{connectionId}/schedules") { _, context in try await schedules(context) }
        group.put("/connections/{connectionId}/schedules/{dataset}") { request, context in try await setSchedule(request, context) }
        group.get("/connections/{connectionId}/discrepancies") { _, context in try await discrepancies(context) }
        group.post("/connections/{connectionId}/imports") { request, context in try await importFile(request, context) }
        group.get("/connections/{connectionId}/search-query-performance") { request, context in try await searchQueryTrends(request, context) }
        group.get("/connections/{connectionId}/ads-spend") { request, context in try await adsSpend(request, context) }
        group.post("/connections/{connectionId}/search-query-performance/backfill") { request, context in
            try await searchQueryBackfill(request, context)
        }
    }

    func connectionID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("connectionId")) else {
            throw APIError.badRequest("connectionId must be a UUID")
        }
        return id
    }

    /// The connection as inventory-sync knows it; one it has not heard of yet (the
    /// `amazon.connected` event still on its way) is looked up in the token vault, which also
    /// proves it belongs to this tenant.
    func knownConnection(tenant: UUID, id: UUID) async throws -> SyncConnection {
        if let known = try await repository.connection(tenantID: tenant, connectionID: id) { return known }
        do {
            let access = try await tokens.access(tenantID: tenant, connectionID: id)
            let connection = SyncConnection(connectionId: id, tenantId: tenant, sellingPartnerId: access.sellingPartnerId,
                                            region: access.region, marketplaceIds: access.marketplaceIds, status: "active", statusReason: nil)
            try await repository.upsertConnection(connection)
            return connection
        } catch AmazonAccessError.connectionNotFound {
            throw APIError.noSuch("Amazon connection")
        } catch AmazonAccessError.needsReauthorization(let reason) {
            throw APIError.conflict("the Amazon connection needs re-authorization: \(reason)", details: ["code": "needs_reauthorization"])
        } catch AmazonAccessError.disconnected {
            throw Self.disconnected
        } catch AmazonAccessError.unavailable(let reason) {
            throw APIError.unavailable("the token vault is unavailable", details: ["reason": reason])
        }
    }

    /// The answer to a sync asked of a disconnected connection: the same code as integrations'
    /// vault gives, and what the seller can do about it.
    static let disconnected = APIError(
        status: .conflict, code: "connection_disconnected",
        message: "this Amazon connection was disconnected, so it is no longer synced; reconnect the Amazon account to sync it again")

    func trigger(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<RunsResponse> {
        let tenant = try context.requireCallerTenant()
        let id = try connectionID(context)
        let body = try await request.decode(as: TriggerRequest.self, context: context)
        let datasets: [SyncDataset]
        if body.dataset == "all" {
            // Advertising spend only where the Ads account is connected (it then has a schedule).
            let adsConnected = try await repository.schedules(tenantID: tenant, connectionID: id)
                .contains { $0.dataset == SyncDataset.adsSpend.rawValue }
            datasets = SyncDataset.scheduledWithConnection + (adsConnected ? [.adsSpend] : [])
        } else if let one = SyncDataset(rawValue: body.dataset) {
            datasets = [one]
        } else {
            throw APIError.validation("unknown dataset '\(body.dataset)'",
                                      details: ["allowed": (["all"] + SyncDataset.allCases.map(\.rawValue)).joined(separator: ", ")])
        }
        let connection = try await knownConnection(tenant: tenant, id: id)
        guard connection.status != SyncConnectionStatus.importOnly.rawValue else {
            throw APIError.conflict("this connection only has imported files; connect the Amazon account to sync it")
        }
        guard connection.status != SyncConnectionStatus.disconnected.rawValue else { throw Self.disconnected }
        var runs: [SyncRun] = []
        do {
            for dataset in datasets {
                runs.append(try await repository.requestRun(tenantID: tenant, connectionID: id, dataset: dataset, trigger: .manual, priority: 1))
            }
        } catch is ConnectionDisconnectedError {
            throw Self.disconnected
        }
        return EditedResponse(status: .accepted, response: RunsResponse(runs: runs))
    }

    func history(_ request: Request, _ context: OpsideRequestContext) async throws -> RunsResponse {
        let tenant = try context.requireCallerTenant()
        let id = try await visibleConnection(tenant: tenant, context)
        let datasetName = request.uri.queryParameters.get("dataset")
        let dataset = try datasetName.map { name -> SyncDataset in
            guard let dataset = SyncDataset(rawValue: name) else { throw APIError.validation("unknown dataset '\(name)'") }
            return dataset
        }
        let limit = min(500, max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 50))
        return RunsResponse(runs: try await repository.runs(tenantID: tenant, connectionID: id, dataset: dataset, limit: limit))
    }

    func runID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("runId")) else { throw APIError.badRequest("runId must be a UUID") }
        return id
    }

    func run(_ context: OpsideRequestContext) async throws -> SyncRun {
        let tenant = try context.requireCallerTenant()
        guard let run = try await repository.run(tenantID: tenant, runID: try runID(context)) else {
            throw APIError.noSuch("sync run")
        }
        return run
    }

    func quarantine(_ context: OpsideRequestContext) async throws -> QuarantineResponse {
        let tenant = try context.requireCallerTenant()
        let id = try runID(context)
        guard try await repository.run(tenantID: tenant, runID: id) != nil else { throw APIError.noSuch("sync run") }
        return QuarantineResponse(lines: try await repository.quarantine(tenantID: tenant, runID: id, limit: 1000))
    }

    /// The connection this tenant may read about, or the same 404 whether the id is unknown or
    /// another tenant's: an empty list would say "yours, with nothing in it".
    func visibleConnection(tenant: UUID, _ context: OpsideRequestContext) async throws -> UUID {
        let id = try connectionID(context)
        guard try await repository.connection(tenantID: tenant, connectionID: id) != nil else {
            throw APIError.noSuch("Amazon connection")
        }
        return id
    }

    func schedules(_ context: OpsideRequestContext) async throws -> SchedulesResponse {
        let tenant = try context.requireCallerTenant()
        let id = try await visibleConnection(tenant: tenant, context)
        return SchedulesResponse(schedules: try await repository.schedules(tenantID: tenant, connectionID: id),
                                 claimCoverage: try await repository.claimCoverage(tenantID: tenant, connectionID: id))
    }

    /// An operator changes how often one dataset of one connection syncs.
    func setSchedule(_ request: Request, _ context: OpsideRequestContext) async throws -> SyncSchedule {
        let tenant = try context.requireCallerTenant()
        let name = try context.parameters.require("dataset")
        guard let dataset = SyncDataset(rawValue: name) else { throw APIError.validation("unknown dataset '\(name)'") }
        let body = try await request.decode(as: ScheduleRequest.self, context: context)
        let allowed = SyncSchedule.allowedIntervalSeconds
        guard allowed.contains(body.intervalSeconds) else {
            throw APIError.validation("intervalSeconds must be between \(allowed.lowerBound) (five minutes) and \(allowed.upperBound) (thirty days)",
                                      details: ["minimum": String(allowed.lowerBound), "maximum": String(allowed.upperBound)])
        }
        // What the request says is checked first; whose connection it names, after.
        let id = try await visibleConnection(tenant: tenant, context)
        let caller = context.serviceCaller?.issuer ?? "unknown"
        guard let schedule = try await repository.setSchedule(tenantID: tenant, connectionID: id, dataset: dataset,
                                                              intervalSeconds: body.intervalSeconds, enabled: body.enabled ?? true,
                                                              changedBy: caller) else {
            throw APIError.notFound("no schedule for \(name) on this connection")
        }
        return schedule
    }

    func discrepancies(_ context: OpsideRequestContext) async throws -> DiscrepanciesResponse {
        let tenant = try context.requireCallerTenant()
        let id = try await visibleConnection(tenant: tenant, context)
        return DiscrepanciesResponse(discrepancies: try await repository.discrepancies(tenantID: tenant, connectionID: id))
    }

    /// The uploaded file streams to a temporary file (memory stays flat); once its header names
    /// a report this service knows, the answer is 202 with the run, which loads in the
    /// background: a seller watches it as a sync, and a large file is never reported failed
    /// because the answer took longer than a gateway waits.
    func importFile(_ request: Request, _ context: OpsideRequestContext) async throws -> EditedResponse<RunsResponse> {
        let tenant = try context.requireCallerTenant()
        let id = try connectionID(context)
        let marketplace = request.uri.queryParameters.get("marketplaceId")
        // The marketplace decides the file's currency and day order: an unknown one is refused
        // before the upload is read, never loaded as US dollars.
        if let marketplace, AmazonMarketplace.withID(marketplace) == nil {
            throw APIError.validation("marketplaceId: \(UnknownMarketplace(id: marketplace))")
        }
        let name = request.uri.queryParameters.get("fileName") ?? "upload"
        let path = (importDirectory as NSString).appendingPathComponent(RunSweeper.uploadPrefix + UUID().uuidString)
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw APIError.unavailable("cannot store the upload")
        }
        var handedOver = false
        defer { if !handedOver { try? FileManager.default.removeItem(atPath: path) } }
        var size = 0
        do {
            for try await chunk in request.body {
                size += chunk.readableBytes
                guard size <= maxImportBytes else { throw APIError(status: .contentTooLarge, code: "payload_too_large",
                                                                    message: "the file is larger than \(maxImportBytes) bytes") }
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        guard size > 0 else { throw APIError.validation("the upload is empty") }
        do {
            let accepted = try await importer.accept(path: path, tenantID: tenant, connectionID: id, marketplaceID: marketplace, sourceName: name)
            let importer = self.importer, logger = context.logger
            runner.start(accepted.run.runId) {
                defer { try? FileManager.default.removeItem(atPath: path) }
                do {
                    _ = try await importer.load(accepted)
                } catch {
                    // The run says why; the log keeps it for operators.
                    logger.info("import failed", metadata: ["run": "\(accepted.run.runId)", "error": "\(error)"])
                }
            }
            handedOver = true
            return EditedResponse(status: .accepted, response: RunsResponse(runs: [accepted.run]))
        } catch let error as LoadError {
            throw APIError.validation(error.description)
        } catch ImportError.connectionOfAnotherTenant {
            throw APIError.noSuch("Amazon connection")
        } catch let error as ImportError {
            throw APIError(status: .tooManyRequests, code: "too_many_requests", message: error.description)
        } catch let error as ReportError {
            throw APIError.validation(error.description)
        } catch let error as ReportLimitError {
            throw Self.refusal(error)
        }
    }
}
