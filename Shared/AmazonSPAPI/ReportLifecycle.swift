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

    public var description: String {
        switch self {
        case .fatal(let id, let document): "report \(id) ended FATAL: \(document ?? "no error document")"
        case .timedOut(let id, let status): "report \(id) still \(status) when the wait ran out"
        case .downloadFailed(let id, let status, let reason): "report document \(id) download failed (\(status.map(String.init) ?? "no response")): \(reason)"
        case .corruptCompression(let reason): "report document is not valid gzip: \(reason)"
        case .malformedRow(let line, let reason): "report line \(line) is malformed: \(reason)"
        case .missingHeader: "report document has no header line"
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

    /// Downloads a small document (an error document) whole, as text.
    func downloadSmallDocument(reportDocumentID: String) async throws -> String {
        var bytes: [UInt8] = []
        for try await chunk in reportDocumentBytes(reportDocumentID: reportDocumentID) {
            bytes += chunk.readableBytesView
            if bytes.count > 1 << 20 { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A report document's raw bytes from its pre-signed URL, with the compression Amazon declared.
public struct ReportDocumentBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let api: SellingPartnerAPI
    let reportDocumentID: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        let api: SellingPartnerAPI
        let reportDocumentID: String
        var body: HTTPClientResponse.Body.AsyncIterator?
        public private(set) var compressed = false

        public mutating func next() async throws -> ByteBuffer? {
            if body == nil { try await open() }
            do {
                return try await body?.next()
            } catch {
                throw ReportError.downloadFailed(reportDocumentID: reportDocumentID, status: 200, reason: "stream interrupted: \(error)")
            }
        }

        /// Fetches the document's URL and opens it; an expired URL (403 AccessDenied from the
        /// bucket) or a transient 5xx gets a fresh URL and another try.
        mutating func open() async throws {
            var lastStatus: Int?
            var lastReason = ""
            for attempt in 1...4 {
                let document = try await api.getReportDocument(reportDocumentID: reportDocumentID)
                var request = HTTPClientRequest(url: document.url)
                request.headers.add(name: "User-Agent", value: api.client.settings.userAgent)
                let response: HTTPClientResponse
                do {
                    response = try await api.client.httpClient.execute(request, timeout: .seconds(Int64(api.client.settings.reportTimeout.components.seconds)))
                } catch {
                    lastStatus = nil
                    lastReason = "\(error)"
                    try await api.client.clock.sleep(for: api.client.backoff(attempt: attempt))
                    continue
                }
                let status = Int(response.status.code)
                if status == 200 {
                    compressed = document.compressionAlgorithm?.uppercased() == "GZIP"
                    body = response.body.makeAsyncIterator()
                    return
                }
                let excerpt = SPAPIRedaction.excerpt(Array((try? await response.body.collect(upTo: 64 << 10))?.readableBytesView ?? []))
                lastStatus = status
                lastReason = excerpt
                if status == 403 || status >= 500 {
                    // 403: the pre-signed URL expired between getReportDocument and the download.
                    if status >= 500 { try await api.client.clock.sleep(for: api.client.backoff(attempt: attempt)) }
                    continue
                }
                break
            }
            throw ReportError.downloadFailed(reportDocumentID: reportDocumentID, status: lastStatus, reason: lastReason)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(api: api, reportDocumentID: reportDocumentID)
    }
}

/// Sources that learn whether their bytes are compressed only once opened.
public protocol CompressionAwareIterator: AsyncIteratorProtocol where Element == ByteBuffer {
    var compressed: Bool { get }
}

extension ReportDocumentBytes.AsyncIterator: CompressionAwareIterator {}

/// Gunzips the base sequence when it says it is compressed; passes it through otherwise.
public struct GunzipIfNeeded<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.AsyncIterator: CompressionAwareIterator {
    public typealias Element = ByteBuffer
    let base: Base
    /// Most bytes the decompressed document may have.
    let maxOutputBytes: Int

    public init(base: Base, maxOutputBytes: Int = .max) {
        self.base = base
        self.maxOutputBytes = maxOutputBytes
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let maxOutputBytes: Int
        var inflater: StreamingGunzip?
        var decided = false
        var finished = false

        public mutating func next() async throws -> ByteBuffer? {
            while true {
                if let inflater, let piece = try inflater.nextPiece() { return piece }
                guard let chunk = try await base.next() else {
                    if let inflater, !finished {
                        finished = true
                        try inflater.finish()
                    }
                    return nil
                }
                if !decided {
                    decided = true
                    if base.compressed { inflater = try StreamingGunzip(maxOutputBytes: maxOutputBytes) }
                }
                guard let inflater else { return chunk }
                inflater.feed(chunk)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxOutputBytes: maxOutputBytes)
    }
}

/// Gunzips any sequence of compressed chunks (a file on disk, say).
public struct GunzipSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    public typealias Element = ByteBuffer
    let base: Base
    /// Most bytes the decompressed stream may have (`ReportLimitError` past it).
    let maxOutputBytes: Int

    public init(_ base: Base, maxOutputBytes: Int = .max) {
        self.base = base
        self.maxOutputBytes = maxOutputBytes
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let maxOutputBytes: Int
        var inflater: StreamingGunzip?
        var done = false

        public mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if inflater == nil { inflater = try StreamingGunzip(maxOutputBytes: maxOutputBytes) }
            while true {
                if let piece = try inflater!.nextPiece() { return piece }
                guard let chunk = try await base.next() else { break }
                inflater!.feed(chunk)
            }
            try inflater!.finish()
            done = true
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maxOutputBytes: maxOutputBytes)
    }
}

/// zlib inflate over chunks, detecting a stream that stops before its end (truncated gzip).
///
/// Output comes in pieces of at most `pieceBytes`, however much a compressed chunk expands: a
/// 256 KiB chunk of a gzip bomb inflates to a quarter of a gigabyte, which must never be held
/// at once. Input not yet inflated waits in `pending` until the caller asks for more.
public final class StreamingGunzip {
    private let decompressor: ZlibDecompressor
    private var ended = false
    private var window: ByteBuffer
    private var pending: ByteBuffer?
    private let pieceBytes: Int
    /// Most bytes the whole stream may inflate to.
    public let maxOutputBytes: Int
    /// Bytes inflated so far.
    public private(set) var outputBytes = 0

    public init(maxOutputBytes: Int = .max, pieceBytes: Int = 256 << 10) throws {
        do {
            decompressor = try ZlibDecompressor(algorithm: .gzip)
        } catch {
            throw ReportError.corruptCompression(reason: "cannot start zlib: \(error)")
        }
        window = ByteBufferAllocator().buffer(capacity: 256 << 10)
        self.maxOutputBytes = maxOutputBytes
        self.pieceBytes = pieceBytes
    }

    /// Hands over a compressed chunk; `nextPiece()` inflates it.
    public func feed(_ chunk: ByteBuffer) {
        guard !ended, chunk.readableBytes > 0 else { return }
        if pending == nil { pending = chunk } else { pending!.writeImmutableBuffer(chunk) }
    }

    /// The next piece of output (at most `pieceBytes`), nil once the input handed over is used up.
    /// - Throws: `ReportError.corruptCompression`, `ReportLimitError` past `maxOutputBytes`.
    public func nextPiece() throws -> ByteBuffer? {
        while !ended, var input = pending, input.readableBytes > 0 {
            var output = ByteBufferAllocator().buffer(capacity: pieceBytes)
            var needsInput = false
            while !ended, output.writableBytes > 0 {
                let before = (input.readableBytes, output.writerIndex)
                do {
                    try decompressor.inflate(from: &input, to: &output)
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    break  // this piece is full: the rest of the input waits for the next call
                } catch let error as CompressNIOError where error == .inputBufferOverflow {
                    needsInput = true
                    break
                } catch {
                    throw ReportError.corruptCompression(reason: "\(error)")
                }
                let progressed = input.readableBytes != before.0 || output.writerIndex != before.1
                if input.readableBytes == 0 { needsInput = true; break }
                if !progressed { ended = true }  // Z_STREAM_END: trailing bytes are ignored
            }
            pending = needsInput || ended || input.readableBytes == 0 ? nil : input
            outputBytes += output.readableBytes
            guard outputBytes <= maxOutputBytes else { throw ReportLimitError(.decompressedTooLarge, limit: maxOutputBytes) }
            if output.readableBytes > 0 { return output }
        }
        pending = nil
        return nil
    }

    /// Inflates one compressed chunk whole; returns what it produced (possibly nothing). For
    /// small inputs only: a stream of unknown origin goes through `feed` and `nextPiece`.
    public func inflate(_ chunk: ByteBuffer) throws -> ByteBuffer {
        feed(chunk)
        var output = ByteBufferAllocator().buffer(capacity: 0)
        while var piece = try nextPiece() { output.writeBuffer(&piece) }
        return output
    }

    /// Confirms the stream reached its end; a truncated file fails here.
    public func finish() throws {
        if ended { return }
        var empty = ByteBufferAllocator().buffer(capacity: 16)
        window.clear()
        do {
            try decompressor.inflate(from: &empty, to: &window)
            // Z_STREAM_END with no more input: the stream is complete.
            ended = true
        } catch let error as CompressNIOError where error == .inputBufferOverflow {
            throw ReportError.corruptCompression(reason: "stream ended before the gzip trailer (truncated download)")
        } catch {
            throw ReportError.corruptCompression(reason: "\(error)")
        }
    }
}
