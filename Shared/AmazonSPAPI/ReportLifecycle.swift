import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1

/// What a finished report turned out to be.
public enum ReportError: Error, Sendable, CustomStringConvertible {
    /// Amazon gave up on the report; `errorDocument` is the text of the error document it attached.
    case fatal(reportID: String, errorDocument: String?)
    /// The report did not finish within the configured wait.
    case timedOut(reportID: String, lastStatus: String)
    /// The document could not be fetched (after refreshing an expired URL).
    case downloadFailed(reportDocumentID: String, status: Int?, reason: String)
    /// The compressed stream ended early or was corrupt.
    case corruptCompression(reason: String)
    /// A row did not fit the header (and the parser was told to fail on such rows).
    case malformedRow(line: Int, reason: String)
    /// The file has no header line.
    case missingHeader
    /// A document read whole was larger than the reader allows.
    case documentTooLarge(reportDocumentID: String, limit: Int)

    public var description: String {
        switch self {
        case .fatal(let id, let document): "report \(id) ended FATAL: \(document ?? "no error document")"
        case .timedOut(let id, let status): "report \(id) still \(status) when the wait ran out"
        case .downloadFailed(let id, let status, let reason): "report document \(id) download failed (\(status.map(String.init) ?? "no response")): \(reason)"
        case .corruptCompression(let reason): "report document is not valid gzip: \(reason)"
        case .malformedRow(let line, let reason): "report line \(line) is malformed: \(reason)"
        case .missingHeader: "report document has no header line"
        case .documentTooLarge(let id, let limit): "report document \(id) is larger than the \(limit) bytes it may be"
        }
    }
}

/// Amazon's `REPORT_PROCESSING_FINISHED` notification, reduced to what the lifecycle needs.
public struct ReportProcessingFinished: Sendable, Equatable {
    public let reportID: String
    public let processingStatus: String
    public let reportDocumentID: String?

    public init(reportID: String, processingStatus: String, reportDocumentID: String?) {
        self.reportID = reportID
        self.processingStatus = processingStatus
        self.reportDocumentID = reportDocumentID
    }
}

/// Waits for the notification of one report (e.g. from the SQS bridge); polling runs alongside
/// it, so a lost notification only makes the wait slower.
public typealias ReportFinishedHook = @Sendable (_ reportID: String) async throws -> ReportProcessingFinished

/// How a report run ended before any byte was downloaded.
public enum ReportCompletion: Sendable, Equatable {
    case done(reportID: String, reportDocumentID: String)
    /// Cancelled, which Amazon also does when there was no data: an empty result.
    case cancelled(reportID: String)
}

extension SellingPartnerAPI {
    /// Polls `getReport` until the report leaves IN_QUEUE / IN_PROGRESS, with growing pauses on
    /// `clock`; past `reportTimeout` of that clock it gives up.
    func pollReport(reportID: String, clock: some Clock<Duration>) async throws -> ReportProcessingFinished {
        let settings = client.settings
        let deadline = clock.now.advanced(by: settings.reportTimeout)
        var pause = settings.reportPollInitialInterval
        while true {
            let report = try await getReport(reportID: reportID)
            if !["IN_QUEUE", "IN_PROGRESS"].contains(report.processingStatus) {
                return ReportProcessingFinished(reportID: reportID, processingStatus: report.processingStatus,
                                                reportDocumentID: report.reportDocumentId)
            }
            if clock.now.advanced(by: pause) > deadline {
                throw ReportError.timedOut(reportID: reportID, lastStatus: report.processingStatus)
            }
            try await clock.sleep(for: pause)
            pause = min(pause * 2, settings.reportPollMaxInterval)
        }
    }

    /// Creates a report and waits until it is finished.
    /// - Returns: `.done` with the document id, or `.cancelled` (no data).
    /// - Throws: `ReportError.fatal` with the error document, `ReportError.timedOut`, or `SPAPIError`.
    public func createReportAndWait(_ specification: CreateReportSpecification,
                                    notification: ReportFinishedHook? = nil) async throws -> ReportCompletion {
        let reportID = try await createReport(specification).reportId
        return try await waitForReport(reportID: reportID, notification: notification)
    }

    /// Polls `getReport` with growing pauses (and listens to the hook, if any) until the report
    /// leaves IN_QUEUE / IN_PROGRESS.
    public func waitForReport(reportID: String, notification: ReportFinishedHook? = nil) async throws -> ReportCompletion {
        let clock = client.clock
        let finished: ReportProcessingFinished = try await withThrowingTaskGroup(of: ReportProcessingFinished.self) { group in
            group.addTask { try await pollReport(reportID: reportID, clock: clock) }
            if let notification {
                group.addTask { try await notification(reportID) }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw ReportError.timedOut(reportID: reportID, lastStatus: "unknown") }
            return first
        }
        switch finished.processingStatus {
        case "DONE":
            guard let documentID = finished.reportDocumentID else {
                throw ReportError.downloadFailed(reportDocumentID: "", status: nil, reason: "report \(reportID) is DONE without a document")
            }
            return .done(reportID: reportID, reportDocumentID: documentID)
        case "CANCELLED":
            return .cancelled(reportID: reportID)
        default:
            var errorText: String?
            if let documentID = finished.reportDocumentID {
                errorText = try? await downloadSmallDocument(reportDocumentID: documentID)
            }
            throw ReportError.fatal(reportID: reportID, errorDocument: errorText)
        }
    }

    /// The decompressed bytes of a document, streamed; an expired pre-signed URL is replaced by a
    /// fresh one from `getReportDocument`.
    public func reportDocumentBytes(reportDocumentID: String) -> GunzipIfNeeded<ReportDocumentBytes> {
        GunzipIfNeeded(base: ReportDocumentBytes(api: self, reportDocumentID: reportDocumentID))
    }

    /// The whole report lifecycle in one call: create, wait, fetch the document, download it as
    /// a stream, gunzip it and parse the tab-separated rows by header name.
    ///
    /// Nothing is held in memory beyond one chunk and one line: rows come out as the consumer
    /// iterates. A report Amazon cancelled for lack of data yields no rows.
    /// - Parameters:
    ///   - specification: the report to create.
    ///   - row: the typed row to decode (`LedgerDetailRow.self`…).
    ///   - options: encoding and malformed-row policy.
    ///   - notification: an optional REPORT_PROCESSING_FINISHED hook raced against polling.
    public func runReport<Row: ReportRow>(_ specification: CreateReportSpecification, as row: Row.Type,
                                          options: ReportParsingOptions = ReportParsingOptions(),
                                          notification: ReportFinishedHook? = nil) async throws -> ReportRows<Row, GunzipIfNeeded<ReportDocumentBytes>> {
        var options = options
        if case .automatic(nil) = options.encoding, let marketplace = specification.marketplaceIds.first {
            options.encoding = .automatic(fallback: marketplace == "A1VC38T7YXB528" ? .shiftJIS : .windowsCP1252)
        }
        switch try await createReportAndWait(specification, notification: notification) {
        case .cancelled:
            return ReportRows(source: nil, options: options)
        case .done(_, let documentID):
            return ReportRows(source: reportDocumentBytes(reportDocumentID: documentID), options: options)
        }
    }

    /// Downloads a small document (an error document) whole, as text; past 1 MiB it is cut.
    func downloadSmallDocument(reportDocumentID: String) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in reportDocumentBytes(reportDocumentID: reportDocumentID) {
            bytes += chunk.readableBytesView
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A whole decompressed document, for the JSON reports that must be read whole to be read at
    /// all (Brand Analytics).
    /// - Throws: `ReportError.documentTooLarge` past `limit` bytes, rather than holding more.
    public func reportDocumentData(reportDocumentID: String, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in reportDocumentBytes(reportDocumentID: reportDocumentID) {
            bytes += chunk.readableBytesView
            guard bytes.count <= limit else { throw ReportError.documentTooLarge(reportDocumentID: reportDocumentID, limit: limit) }
        }
        return bytes
    }
}
