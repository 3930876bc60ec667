import Configuration
import Foundation
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore
import OpsidePostgres
import PostgresNIO

/// Imports a report file a seller downloaded from Seller Central: the type comes from the
/// header, the file may be gzipped or plain, UTF-8 (with or without BOM), UTF-16 (with its BOM)
/// or Windows-1252, with LF or CRLF line ends. Same parsers, same tables and same all-or-nothing
/// load as the API path.
public struct ReportImporter: Sendable {
    let database: Database
    let logger: Logger
    let limits: ImportLimits
    /// How long an import may take; past it the caller gets an answer and the run is failed
    /// (`import.deadlineSeconds`, 1800). Measured on `clock`, which tests move.
    let deadline: Duration
    let clock: any Clock<Duration>

    public init(database: Database, logger: Logger, limits: ImportLimits = ImportLimits(), deadline: Duration = .seconds(1800),
                clock: any Clock<Duration> = ContinuousClock()) {
        self.database = database
        self.logger = logger
        self.limits = limits
        self.deadline = deadline
        self.clock = clock
    }

    /// An import from start to end, in the caller's task (`opside import`, tests).
    /// - Parameters:
    ///   - path: the file on disk.
    ///   - marketplaceID: the marketplace the file belongs to (its currency, its rows' key).
    /// - Throws: see `accept` and `load`.
    public func importFile(path: String, tenantID: UUID, connectionID: UUID, marketplaceID: String?,
                           sourceName: String? = nil) async throws -> ImportResult {
        try await load(try await accept(path: path, tenantID: tenantID, connectionID: connectionID, marketplaceID: marketplaceID,
                                        sourceName: sourceName))
    }

    /// Reads the file's header and, when it is a report this importer knows, records the run (and
    /// the connection, for a tenant importing before connecting the API). Quick whatever the
    /// file's size: the upload endpoint answers with this run (202) and loads it in the background.
    /// - Throws: `LoadError` (empty file, unknown type, missing required column), `ReportError`
    ///   (corrupt gzip), `ReportLimitError` (a header past its limits), `ImportError` (another
    ///   tenant's connection, too many imports of this tenant in flight). Nothing is recorded then.
    public func accept(path: String, tenantID: UUID, connectionID: UUID, marketplaceID: String?,
                       sourceName: String? = nil) async throws -> AcceptedImport {
        let gzipped = try Self.isGzip(path: path)
        let mapping = try await inspect(path: path, gzipped: gzipped, marketplace: marketplaceID ?? "ATVPDKIKX0DER")
        let runID = UUID()
        let (run, marketplace, created) = try await prepare(tenantID: tenantID, connectionID: connectionID, runID: runID,
                                                            marketplaceID: marketplaceID, mapping: mapping,
                                                            sourceName: sourceName ?? URL(fileURLWithPath: path).lastPathComponent)
        return AcceptedImport(run: run, path: path, tenantID: tenantID, connectionID: connectionID, marketplace: marketplace,
                              mapping: mapping, gzipped: gzipped, createdConnection: created)
    }

    /// The report type of the file, from its header alone.
    private func inspect(path: String, gzipped: Bool, marketplace: String) async throws -> ReportMapping {
        let bytes = ReportFileBytes(path: path)
        let header = gzipped
            ? try await ReportLoader.header(source: GunzipSequence(bytes, maxOutputBytes: limits.maxDecompressedBytes), marketplace: marketplace,
                                            limits: limits.report)
            : try await ReportLoader.header(source: bytes, marketplace: marketplace, limits: limits.report)
        guard let header else { throw LoadError.emptyFile }
        return try ReportLoader.mapping(for: header, given: nil)
    }

    /// Loads an accepted import in one transaction, within the deadline, writing its progress
    /// (`rows_done`) as it goes; the run ends `succeeded` or `failed`.
    /// - Throws: `ReportLimitError` (past a limit), `ReportError` (corrupt or truncated gzip),
    ///   `DeadlineExceeded`. A refused file leaves a failed run, and no connection when the
    ///   import had created it.
    public func load(_ accepted: AcceptedImport) async throws -> ImportResult {
        let logger = self.logger, limits = self.limits, database = self.database
        let runID = accepted.run.runId, tenantID = accepted.tenantID, connectionID = accepted.connectionID
        let path = accepted.path, marketplace = accepted.marketplace, mapping = accepted.mapping
        let progress: @Sendable (Int) async -> Void = { rows in
            do {
                try await database.withTransaction(tenant: tenantID) { db in
                    try await SyncRunRepository.recordImportProgress(runID: runID, rows: rows, on: db, logger: logger)
                }
            } catch {
                logger.warning("cannot record an import's progress", metadata: ["run": "\(runID)", "error": "\(error)"])
            }
        }
        do {
            let (counts, lines, warnings) = try await withDeadline(deadline, clock: clock) {
              try await database.withTransaction(tenant: tenantID) { db in
                let session = StagingSession(connection: db, logger: logger, tenantID: tenantID, connectionID: connectionID,
                                             runID: runID, dataset: "import")
                let bytes = ReportFileBytes(path: path)
                if accepted.gzipped {
                    try await ReportLoader.load(source: GunzipSequence(bytes, maxOutputBytes: limits.maxDecompressedBytes), mapping: mapping,
                                                marketplace: marketplace, session: session, limits: limits.report, progress: progress)
                } else {
                    try await ReportLoader.load(source: bytes, mapping: mapping, marketplace: marketplace, session: session,
                                                limits: limits.report, progress: progress)
                }
                let lines = session.quarantine.prefix(1000).map(\.lineNumber)
                let counts = try await session.merge()
                try await db.query("""
                    UPDATE amazon.sync_quarantine SET dataset = \(mapping.dataset.rawValue) WHERE run_id = \(runID)
                    """, logger: logger)
                try await SyncRunRepository.succeedImport(runID: runID, mapping: mapping, counts: counts,
                                                          warningsJSON: session.warningsJSON, on: db, logger: logger)
                // Past the deadline the caller has its answer and the run is failed: the work,
                // cancelled then, must not commit after all.
                try Task.checkCancellation()
                return (counts, Array(lines), session.warnings)
              }
            }
            return ImportResult(runId: runID, detectedReportType: mapping.reportType, dataset: mapping.dataset.rawValue,
                                rowsLoaded: counts.staged, rowsInserted: counts.inserted, rowsUpdated: counts.updated,
                                rowsQuarantined: counts.quarantined, quarantinedLines: lines,
                                rowsWithWarnings: counts.warned, warnings: warnings)
        } catch {
            let message = String(describing: error)
            // A deadline passed is no fault of the file: the same file may load later.
            let kind = error is DeadlineExceeded ? "transient" : "permanent"
            try await database.withTransaction(tenant: tenantID) { db in
                try await SyncRunRepository.failImport(runID: runID, errorKind: kind, message: message, on: db, logger: logger)
                // A refused file is no reason to know a connection: the one this import created
                // goes, unless another run of it (an import beside this one) is live or loaded.
                if accepted.createdConnection,
                   !(try await SyncRunRepository.hasOtherUnfailedRun(connectionID: connectionID, besides: runID, on: db, logger: logger)) {
                    try await db.query("""
                        DELETE FROM amazon.connections WHERE connection_id = \(connectionID) AND status = 'import_only'
                        """, logger: logger)
                }
            }
            throw error
        }
    }

    /// Records the run, and the connection when this tenant imports before connecting the API.
    /// - Returns: the run, the marketplace of the file, and whether this import created the connection.
    private func prepare(tenantID: UUID, connectionID: UUID, runID: UUID, marketplaceID: String?, mapping: ReportMapping,
                         sourceName: String) async throws -> (SyncRun, String, created: Bool) {
        let logger = self.logger, maxInFlight = limits.maxConcurrentPerTenant
        let deadlineSeconds = Double(deadline.components.seconds)
        return try await database.withTransaction(tenant: tenantID) { db in
            // One tenant's imports are counted one at a time: two uploads cannot both take the last place.
            try await db.query("SELECT pg_advisory_xact_lock(hashtextextended(\("import:" + tenantID.uuidString), 0))", logger: logger)
            if try await SyncRunRepository.importsInFlight(on: db, logger: logger) >= maxInFlight {
                throw ImportError.tooManyInFlight(limit: maxInFlight)
            }
            let inserted = try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, marketplace_ids, status)
                VALUES (\(connectionID), \(tenantID), \(marketplaceID.map { [$0] } ?? []), 'import_only')
                ON CONFLICT (connection_id) DO NOTHING
                RETURNING connection_id
                """, logger: logger)
            var created = false
            for try await _ in inserted.decode(UUID.self) { created = true }
            let existing = try await SyncPostgresRepository.connection(connectionID: connectionID, on: db, logger: logger)
            guard let existing else { throw ImportError.connectionOfAnotherTenant }
            let run = try await SyncRunRepository.startImport(runID: runID, tenantID: tenantID, connectionID: connectionID, mapping: mapping,
                                                              sourceName: sourceName, deadlineSeconds: deadlineSeconds, on: db, logger: logger)
            return (run, marketplaceID ?? existing.marketplaceIds.first ?? "ATVPDKIKX0DER", created)
        }
    }

    /// Whether the file starts with gzip's magic bytes.
    static func isGzip(path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReportError.downloadFailed(reportDocumentID: path, status: nil, reason: "cannot open file")
        }
        defer { try? handle.close() }
        let magic = try handle.read(upToCount: 2) ?? Data()
        return magic == Data([0x1F, 0x8B])
    }
}

public enum ImportError: Error, CustomStringConvertible {
    /// The connection id exists, but for another tenant (RLS hides it and the insert conflicts).
    case connectionOfAnotherTenant
    /// The tenant already has this many imports loading.
    case tooManyInFlight(limit: Int)

    public var description: String {
        switch self {
        case .connectionOfAnotherTenant: "no Amazon connection with this id in this account"
        case .tooManyInFlight(let limit): "this account already has \(limit) imports loading; wait for one to finish"
        }
    }
}

/// An import whose file has a known header and whose run is recorded; `ReportImporter.load`
/// does the rest (in the background, for uploads).
public struct AcceptedImport: Sendable {
    public let run: SyncRun
    let path: String
    let tenantID: UUID
    let connectionID: UUID
    let marketplace: String
    let mapping: ReportMapping
    let gzipped: Bool
    let createdConnection: Bool
}
