import AsyncHTTPClient
import CompressNIO
import Foundation
import NIOCore
import NIOHTTP1

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
