import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsidePostgres
import PostgresNIO

/// Fetches a window of a report dataset: one report per marketplace of the connection, its
/// document streamed into staging inside the window's transaction. Owns `amazon.report_requests`,
/// the memory of which reports were asked for, to reuse them and respect Amazon's regeneration limits.
struct ReportWindowFetcher: WindowFetcher {
    let reportType: String
    /// Whether the report takes a date range (a snapshot report covers "now").
    let ranged: Bool
    let database: Database
    let logger: Logger
    /// The wall clock report reuse windows (regeneration limits) are judged by.
    let now: @Sendable () -> Date

    func fetch(_ window: SyncWindow, context: WindowFetchContext) async throws -> FetchedWindow? {
        let arguments = context.arguments, api = context.api
        guard let mapping = ReportMapping.forDataset(arguments.dataset) else { return nil }
        var documents: [(String, String)] = []
        for marketplace in context.marketplaces {
            if let document = try await obtainReport(api: api, arguments: arguments, type: reportType, marketplace: marketplace,
                                                     start: ranged ? window.start : nil, end: ranged ? window.end : nil) {
                documents.append((marketplace, document))
            }
        }
        let found = documents
        return FetchedWindow(pages: found.count) { session in
            for (marketplace, document) in found {
                let source = api.reportDocumentBytes(reportDocumentID: document)
                _ = try await ReportLoader.load(source: source, mapping: mapping, marketplace: marketplace, session: session)
            }
        }
    }

    /// A document with the report's rows, reusing a recent report when one covers the range,
    /// and never asking Amazon for a report of a type more often than its regeneration limit.
    /// - Returns: the document id, or nil when Amazon had no data (report CANCELLED).
    /// - Parameter options: the report's `reportOptions`; a report is reused only for the same options.
    func obtainReport(api: SellingPartnerAPI, arguments: SyncJobArguments, type: String, marketplace: String,
                      start: Date?, end: Date?, options: [String: String]? = nil) async throws -> String? {
        let optionsKey = options.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&") }
        let logger = self.logger
        let tenant = arguments.tenantID, connection = arguments.connectionID
        let limit = arguments.dataset.regenerationLimit
        let now = self.now()
        let wantedEnd = end ?? now
        let reusable: (String, String, String?)? = try await database.withTransaction(tenant: tenant) { db in
            let rows = try await db.query("""
                SELECT report_id, status, document_id FROM amazon.report_requests
                WHERE connection_id = \(connection) AND report_type = \(type) AND marketplace_id = \(marketplace)
                  AND status IN ('requested', 'done', 'cancelled')
                  AND requested_at > \(now.addingTimeInterval(-limit))
                  AND (data_start IS NULL AND \(start)::timestamptz IS NULL OR data_start <= \(start))
                  AND (data_end IS NULL OR data_end >= \(wantedEnd.addingTimeInterval(-limit)))
                  AND options IS NOT DISTINCT FROM \(optionsKey)
                ORDER BY requested_at DESC LIMIT 1
                """, logger: logger)
            for try await row in rows.decode((String, String, String?).self) { return row }
            return nil
        }
        let reportID: String
        if let reusable {
            switch reusable.1 {
            case "done": if let document = reusable.2 { return document }
            case "cancelled": return nil
            default: break
            }
            reportID = reusable.0
        } else {
            let specification = CreateReportSpecification(reportType: type, marketplaceIDs: [marketplace],
                                                          dataStartTime: start?.formatted(.iso8601), dataEndTime: end?.formatted(.iso8601),
                                                          reportOptions: options)
            reportID = try await api.createReport(specification).reportId
            _ = try await database.withTransaction(tenant: tenant) { db in
                try await db.query("""
                    INSERT INTO amazon.report_requests
                        (report_id, tenant_id, connection_id, report_type, marketplace_id, data_start, data_end, requested_at, options)
                    VALUES (\(reportID), \(tenant), \(connection), \(type), \(marketplace), \(start), \(end ?? now), \(now), \(optionsKey))
                    ON CONFLICT (report_id) DO NOTHING
                    """, logger: logger)
            }
        }
        let completion: ReportCompletion
        do {
            completion = try await api.waitForReport(reportID: reportID) { reportID in
                try await finishedByNotification(reportID: reportID, tenant: tenant)
            }
        } catch let error as ReportError {
            if case .fatal = error { try await setReportStatus(tenant: tenant, reportID: reportID, status: "fatal", document: nil) }
            throw error
        }
        switch completion {
        case .done(_, let document):
            try await setReportStatus(tenant: tenant, reportID: reportID, status: "done", document: document)
            return document
        case .cancelled:
            try await setReportStatus(tenant: tenant, reportID: reportID, status: "cancelled", document: nil)
            return nil
        }
    }

    /// Waits until a REPORT_PROCESSING_FINISHED notification recorded how the report ended
    /// (`NotificationChanges`), raced against polling `getReport`: whichever knows first ends the
    /// wait. Checks the row every second; cancelled when polling wins.
    func finishedByNotification(reportID: String, tenant: UUID) async throws -> ReportProcessingFinished {
        let logger = self.logger
        while true {
            let recorded: (String, String?)? = try await database.withTransaction(tenant: tenant) { db in
                let rows = try await db.query("""
                    SELECT status, document_id FROM amazon.report_requests WHERE report_id = \(reportID) AND status <> 'requested'
                    """, logger: logger)
                for try await row in rows.decode((String, String?).self) { return row }
                return nil
            }
            if let (status, document) = recorded {
                logger.debug("report finished, as a notification said", metadata: ["report": "\(reportID)", "status": "\(status)"])
                return ReportProcessingFinished(reportID: reportID, processingStatus: status.uppercased(), reportDocumentID: document)
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    func setReportStatus(tenant: UUID, reportID: String, status: String, document: String?) async throws {
        let logger = self.logger
        _ = try await database.withTransaction(tenant: tenant) { db in
            try await db.query("UPDATE amazon.report_requests SET status = \(status), document_id = \(document) WHERE report_id = \(reportID)",
                               logger: logger)
        }
    }
}
