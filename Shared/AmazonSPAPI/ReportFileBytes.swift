import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// A local file's bytes in chunks (Seller Central downloads, test fixtures).
public struct ReportFileBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let path: String
    let chunkSize: Int

    public init(path: String, chunkSize: Int = 256 << 10) {
        self.path = path
        self.chunkSize = chunkSize
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        let chunkSize: Int
        var handle: FileHandle?
        var done = false

        public mutating func next() async throws -> ByteBuffer? {
            if done { return nil }
            if handle == nil {
                guard let opened = FileHandle(forReadingAtPath: path) else {
                    throw ReportError.downloadFailed(reportDocumentID: path, status: nil, reason: "cannot open file")
                }
                handle = opened
            }
            guard let data = try handle?.read(upToCount: chunkSize), !data.isEmpty else {
                try handle?.close()
                done = true
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(path: path, chunkSize: chunkSize)
    }
}
