import Foundation
import NIOCore
import Synchronization

/// Uploads in flight per tenant, bounded, so one account cannot hold every connection of the
/// process with slow uploads.
final class TenantUploads: Sendable {
    private let counts = Mutex<[UUID: Int]>([:])

    /// Takes a place for `tenant`; false when it has `limit` uploads in flight already.
    func enter(_ tenant: UUID, limit: Int) -> Bool {
        counts.withLock { counts in
            guard counts[tenant, default: 0] < limit else { return false }
            counts[tenant, default: 0] += 1
            return true
        }
    }

    func leave(_ tenant: UUID) {
        counts.withLock { counts in
            let left = counts[tenant, default: 1] - 1
            counts[tenant] = left > 0 ? left : nil
        }
    }
}

/// An upload past its size limit, found while it streams.
struct UploadTooLarge: StreamedBodyError {
    let limit: Int
    let advice: String
    var apiError: APIError {
        APIError(status: .contentTooLarge, code: "payload_too_large", message: "the file is larger than \(limit) bytes; \(advice)")
    }
}

/// The request body, failing with `error` once more than its limit came through.
struct LimitedUpload<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let error: UploadTooLarge

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let error: UploadTooLarge
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            guard seen <= error.limit else { throw error }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), error: error) }
}
