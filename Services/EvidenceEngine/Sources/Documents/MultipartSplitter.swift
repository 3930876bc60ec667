#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOCore

/// Takes a `multipart/form-data` body apart as its chunks arrive (RFC 7578, RFC 2046 §5.1.1):
/// each part's headers, then its body in pieces, then its end. It keeps at most a boundary's
/// length between chunks and finds boundaries with `memmem`, so a 200 MB part streams through at
/// memory speed without being held; a byte-at-a-time parser spent minutes on one in a debug build.
struct MultipartSplitter {
    enum Event {
        /// A part began; its header fields, names in lower case.
        case part(headers: [String: String])
        /// Bytes of the current part's body.
        case body(ByteBuffer)
        /// The current part ended.
        case partEnd
    }

    enum Failure: Error, CustomStringConvertible {
        case malformed(String)
        var description: String {
            switch self {
            case .malformed(let reason): "the multipart body does not read: \(reason)"
            }
        }
    }

    private enum State {
        case preamble, headers, body, epilogue
    }

    /// "--boundary" at the start; "\r\n--boundary" between parts.
    private let firstDelimiter: [UInt8]
    private let delimiter: [UInt8]
    private var state = State.preamble
    private var pending = ByteBuffer()
    /// Header bytes larger than this are no form part a browser sends.
    private let maxHeaderBytes = 16 * 1024

    init(boundary: String) {
        firstDelimiter = Array("--\(boundary)".utf8)
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// Whether the closing delimiter was read.
    var finished: Bool { if case .epilogue = state { true } else { false } }

    /// Whether a part is open (its end not yet read).
    var inPart: Bool { if case .body = state { true } else if case .headers = state { true } else { false } }

    /// Feeds the next chunk; `handle` sees the events it completes, in order.
    mutating func feed(_ chunk: ByteBuffer, _ handle: (Event) throws -> Void) throws {
        pending.writeImmutableBuffer(chunk)
        while true {
            switch state {
            case .preamble:
                guard let at = find(firstDelimiter, from: 0) else {
                    // Keep only what could start the delimiter.
                    discard(upTo: max(0, pending.readableBytes - firstDelimiter.count))
                    return
                }
                guard pending.readableBytes >= at + firstDelimiter.count + 2 else { return }
                discard(upTo: at + firstDelimiter.count)
                if try afterDelimiter() { return }
            case .headers:
                guard let end = find(Array("\r\n\r\n".utf8), from: 0) else {
                    guard pending.readableBytes <= maxHeaderBytes else { throw Failure.malformed("a part's headers are longer than 16 KB") }
                    return
                }
                let text = pending.readString(length: end) ?? ""
                pending.moveReaderIndex(forwardBy: 4)
                var headers: [String: String] = [:]
                for line in text.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else { throw Failure.malformed("a part's header line has no colon") }
                    headers[line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: colon)...]
                        .trimmingCharacters(in: .whitespaces)
                }
                state = .body
                try handle(.part(headers: headers))
            case .body:
                if let at = find(delimiter, from: 0) {
                    if at > 0, let bytes = pending.readSlice(length: at) { try handle(.body(bytes)) }
                    guard pending.readableBytes >= delimiter.count + 2 else { return }
                    pending.moveReaderIndex(forwardBy: delimiter.count)
                    try handle(.partEnd)
                    if try afterDelimiter() { return }
                } else {
                    // All but the tail that could be the start of a delimiter is body.
                    let safe = pending.readableBytes - (delimiter.count - 1)
                    if safe > 0, let bytes = pending.readSlice(length: safe) { try handle(.body(bytes)) }
                    pending.discardReadBytes()
                    return
                }
            case .epilogue:
                pending.clear()
                return
            }
        }
    }

    /// After a delimiter: "--" closes the body, CRLF opens the next part.
    /// - Returns: true when more bytes are needed to tell.
    private mutating func afterDelimiter() throws -> Bool {
        guard let two = pending.getBytes(at: pending.readerIndex, length: 2) else { return true }
        if two == Array("--".utf8) {
            state = .epilogue
            pending.clear()
        } else if two == Array("\r\n".utf8) {
            pending.moveReaderIndex(forwardBy: 2)
            state = .headers
        } else {
            throw Failure.malformed("a boundary is followed by neither a line break nor the closing dashes")
        }
        return false
    }

    private mutating func discard(upTo count: Int) {
        pending.moveReaderIndex(forwardBy: count)
        pending.discardReadBytes()
    }

    /// Where `needle` first occurs in the readable bytes at or after `offset`: `memchr` jumps to
    /// each candidate first byte, `memcmp` checks the rest (Glibc's `memmem` is not visible to Swift).
    private func find(_ needle: [UInt8], from offset: Int) -> Int? {
        pending.withUnsafeReadableBytes { haystack -> Int? in
            guard let base = haystack.baseAddress, let first = needle.first else { return nil }
            return needle.withUnsafeBytes { pattern -> Int? in
                var position = offset
                while haystack.count - position >= needle.count {
                    guard let hit = memchr(base + position, Int32(first), haystack.count - position - needle.count + 1) else { return nil }
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + at, pattern.baseAddress!, needle.count) == 0 { return at }
                    position = at + 1
                }
                return nil
            }
        }
    }
}
