import Foundation
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsidePostgres
import PostgresNIO

/// What an import did.
public struct ImportResult: Codable, Sendable, Equatable {
    public let runId: UUID
    public let detectedReportType: String
    public let dataset: String
    /// Data lines that became rows (before de-duplication by natural key).
    public let rowsLoaded: Int
    public let rowsInserted: Int
    public let rowsUpdated: Int
    public let rowsQuarantined: Int
    /// Line numbers (1 = header) of the quarantined lines, first 1,000.
    public let quarantinedLines: [Int]
}

/// Imports a report file a seller downloaded from Seller Central: the type comes from the
/// header, the file may be gzipped or plain, UTF-8 (with or without BOM) or Windows-1252, with
/// LF or CRLF line ends. Same parsers, same tables and same all-or-nothing load as the API path.
public struct ReportImporter: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// - Parameters:
    ///   - path: the file on disk.
    ///   - marketplaceID: the marketplace the file belongs to (its currency, its rows' key).
    /// - Throws: `LoadError` (unknown type, missing required column), `ReportError` (corrupt gzip).
    public func importFile(path: String, tenantID: UUID, connectionID: UUID, marketplaceID: String?,
                           sourceName: String? = nil) async throws -> ImportResult {
        let logger = self.logger
        let runID = UUID()
        let gzipped = try Self.isGzip(path: path)
        let marketplace = try await prepare(tenantID: tenantID, connectionID: connectionID, runID: runID, marketplaceID: marketplaceID,
                                            sourceName: sourceName ?? URL(fileURLWithPath: path).lastPathComponent)
        do {
            let (mapping, counts, lines) = try await database.withTransaction(tenant: tenantID) { db in
                let session = StagingSession(connection: db, logger: logger, tenantID: tenantID, connectionID: connectionID,
                                             runID: runID, dataset: "import")
                let bytes = ReportFileBytes(path: path)
                let mapping: ReportMapping? = gzipped
                    ? try await ReportLoader.load(source: GunzipSequence(bytes), mapping: nil, marketplace: marketplace, session: session)
                    : try await ReportLoader.load(source: bytes, mapping: nil, marketplace: marketplace, session: session)
                guard let mapping else { throw LoadError.emptyFile }
                let lines = session.quarantine.prefix(1000).map(\.lineNumber)
                let counts = try await session.merge()
                try await db.query("""
                    UPDATE amazon.sync_quarantine SET dataset = \(mapping.dataset.rawValue) WHERE run_id = \(runID)
                    """, logger: logger)
                try await db.query("""
                    UPDATE amazon.sync_runs SET state = 'succeeded', dataset = \(mapping.dataset.rawValue), finished_at = now(),
                        windows_total = 1, windows_done = 1, pages_done = 1, rows_done = \(Int64(counts.staged)),
                        rows_inserted = \(Int64(counts.inserted)), rows_updated = \(Int64(counts.updated)),
                        rows_quarantined = \(Int64(counts.quarantined)), detected_report_type = \(mapping.reportType)
                    WHERE run_id = \(runID)
                    """, logger: logger)
                return (mapping, counts, Array(lines))
            }
            return ImportResult(runId: runID, detectedReportType: mapping.reportType, dataset: mapping.dataset.rawValue,
                                rowsLoaded: counts.staged, rowsInserted: counts.inserted, rowsUpdated: counts.updated,
                                rowsQuarantined: counts.quarantined, quarantinedLines: lines)
        } catch {
            let message = String(describing: error)
            _ = try await database.withTransaction(tenant: tenantID) { db in
                try await db.query("""
                    UPDATE amazon.sync_runs SET state = 'failed', finished_at = now(), error_kind = 'permanent', error_message = \(message)
                    WHERE run_id = \(runID)
                    """, logger: logger)
            }
            throw error
        }
    }

    /// Records the run, and the connection when this tenant imports before connecting the API.
    private func prepare(tenantID: UUID, connectionID: UUID, runID: UUID, marketplaceID: String?, sourceName: String) async throws -> String {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("""
                INSERT INTO amazon.connections (connection_id, tenant_id, marketplace_ids, status)
                VALUES (\(connectionID), \(tenantID), \(marketplaceID.map { [$0] } ?? []), 'import_only')
                ON CONFLICT (connection_id) DO NOTHING
                """, logger: logger)
            let existing = try await SyncPostgresRepository.connection(connectionID: connectionID, on: db, logger: logger)
            guard let existing else { throw ImportError.connectionOfAnotherTenant }
            try await db.query("""
                INSERT INTO amazon.sync_runs (run_id, tenant_id, connection_id, dataset, trigger, state, started_at, source_name)
                VALUES (\(runID), \(tenantID), \(connectionID), 'import', 'import', 'running', now(), \(sourceName))
                """, logger: logger)
            return marketplaceID ?? existing.marketplaceIds.first ?? "ATVPDKIKX0DER"
        }
    }

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

    public var description: String {
        switch self {
        case .connectionOfAnotherTenant: "this connection id belongs to another tenant"
        }
    }
}
