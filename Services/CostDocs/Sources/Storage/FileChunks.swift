import Foundation
import NIOCore

/// A file read as a sequence of buffers, for streaming an upload's body without holding the file
/// in memory; each read runs off the cooperative pool (`BlockingFile.run`). The file is opened on
/// the first read, so each attempt of a retried upload reads it afresh from the start.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let chunkSize: Int

    func makeAsyncIterator() -> Iterator {
        Iterator(path: path, chunkSize: chunkSize)
    }

    struct Iterator: AsyncIteratorProtocol {
        let path: String
        let chunkSize: Int
        private var file: BlockingFile?
        private var finished = false
        private let allocator = ByteBufferAllocator()

        init(path: String, chunkSize: Int) {
            self.path = path
            self.chunkSize = chunkSize
        }

        mutating func next() async throws -> ByteBuffer? {
            if finished { return nil }
            let path = path
            let file: BlockingFile
            if let opened = self.file {
                file = opened
            } else {
                file = try await BlockingFile.run {
                    guard let file = try BlockingFile.openForReading(path) else {
                        throw ContentStoreError.fileSystem(path: path, reason: "the file was removed while it was being uploaded")
                    }
                    return file
                }
                self.file = file
            }
            let chunkSize = chunkSize
            let allocator = allocator
            let chunk = try await BlockingFile.run { try file.readBuffer(upTo: chunkSize, allocator: allocator) }
            if chunk.readableBytes == 0 {
                finished = true
                file.close()
                return nil
            }
            return chunk
        }
    }
}
