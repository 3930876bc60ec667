import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// Turns a UTF-16 stream (after its byte-order mark) into UTF-8, chunk by chunk: a code unit or
/// a surrogate pair cut between chunks waits for the next one; an unpaired surrogate becomes
/// U+FFFD.
struct UTF16Transcoder {
    let bigEndian: Bool
    private var carry: [UInt8] = []
    private var highSurrogate: UInt16?

    /// Reads and drops the byte-order mark at the start of `chunk`; nil when there is none.
    init?(startingWith chunk: inout ByteBuffer) {
        guard let mark = chunk.getBytes(at: chunk.readerIndex, length: 2) else { return nil }
        switch (mark[0], mark[1]) {
        case (0xFF, 0xFE): bigEndian = false
        case (0xFE, 0xFF): bigEndian = true
        default: return nil
        }
        chunk.moveReaderIndex(forwardBy: 2)
    }

    mutating func transcode(_ chunk: ByteBuffer) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: chunk.readableBytes * 3 / 2 + 4)
        var bytes = carry
        bytes.append(contentsOf: chunk.readableBytesView)
        let usable = bytes.count & ~1
        var index = 0
        while index < usable {
            let unit = bigEndian ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            index += 2
            if let high = highSurrogate {
                highSurrogate = nil
                if (0xDC00...0xDFFF).contains(unit) {
                    let scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                    Self.write(Unicode.Scalar(scalar) ?? "\u{FFFD}", into: &output)
                    continue
                }
                Self.write("\u{FFFD}", into: &output)
            }
            if (0xD800...0xDBFF).contains(unit) {
                highSurrogate = unit
            } else {
                Self.write(Unicode.Scalar(unit) ?? "\u{FFFD}", into: &output)
            }
        }
        carry = Array(bytes[usable...])
        return output
    }

    private static func write(_ scalar: Unicode.Scalar, into output: inout ByteBuffer) {
        for unit in UTF8.encode(scalar)! { output.writeInteger(unit) }
    }
}

/// Cuts a byte stream into lines without copying more than one partial line between chunks.
/// Lines are handed out as ranges of its buffer, read in place with `withBytes` (no copy per line).
struct LineSplitter {
    private var buffer: [UInt8] = []
    private var start = 0

    /// Adds a chunk; ranges handed out before are no longer valid.
    mutating func append(_ chunk: ByteBuffer) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: chunk.readableBytesView)
    }

    /// The next complete line (without its LF), if the buffer holds one.
    mutating func nextLine() -> Range<Int>? {
        let count = buffer.count - start
        guard count > 0 else { return nil }
        let found: Int? = buffer.withUnsafeBufferPointer { pointer in
            guard let base = pointer.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0x0A, count) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        guard let newline = found else { return nil }
        defer { start = newline + 1 }
        return start..<newline
    }

    /// Bytes buffered after the last complete line: the line being read.
    var pendingBytes: Int { buffer.count - start }

    /// What is left after the last LF, at the end of the stream.
    mutating func remainder() -> Range<Int>? {
        guard start < buffer.count else { return nil }
        defer { start = buffer.count }
        return start..<buffer.count
    }

    func withBytes<Result>(_ line: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[line])) }
    }
}
