import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1

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
