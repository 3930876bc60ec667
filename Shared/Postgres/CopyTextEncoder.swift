import NIOCore

/// Rows in PostgreSQL's COPY text format (`COPY … FROM STDIN`, text), built straight into a
/// buffer (no per-field strings beyond the values themselves), so a 2-million-row file streams
/// at COPY speed. Every row ends with a sequence number, its last column.
public struct CopyTextEncoder: Sendable {
    /// The rows so far; the caller writes it to the COPY and clears it (or hands it on and
    /// sets a new one).
    public var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)

    public init() {}

    /// Appends values, each followed by a tab; `endRow` ends the row. The values are written in
    /// one reservation of the buffer (a write per field cost more than the fields).
    public mutating func append(_ fields: [String?]) {
        // Room for the worst case: every byte escaped into two, or `\N`, and a tab.
        var capacity = 0
        for field in fields { capacity += 2 * (field?.utf8.count ?? 1) + 1 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { output in
            var written = 0
            for field in fields { written += Self.write(field, into: UnsafeMutableRawBufferPointer(rebasing: output[written...])) }
            return written
        }
    }

    /// Appends one value followed by a tab.
    public mutating func append(_ field: String) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * field.utf8.count + 1) { Self.write(field, into: $0) }
    }

    /// Appends a value already in UTF-8 (`nil` as NULL) followed by a tab.
    public mutating func append(utf8 field: [UInt8]?) {
        guard let field else { return append([nil]) }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * field.count + 1) { output in
            let written = field.withUnsafeBufferPointer { Self.escape($0, into: output) }
            output[written] = UInt8(ascii: "\t")
            return written + 1
        }
    }

    /// Appends a non-negative integer followed by a tab.
    public mutating func append(_ value: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            let written = Self.writeDecimal(value, into: output)
            output[written] = UInt8(ascii: "\t")
            return written + 1
        }
    }

    /// Ends the row with its sequence number, the last column.
    public mutating func endRow(sequence: Int) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 24) { output in
            let written = Self.writeDecimal(sequence, into: output)
            output[written] = UInt8(ascii: "\n")
            return written + 1
        }
    }

    /// Writes a value (`\N` for NULL) and a tab; returns the bytes written.
    private static func write(_ field: String?, into output: UnsafeMutableRawBufferPointer) -> Int {
        var written = 2
        if var field {
            written = field.withUTF8 { escape($0, into: output) }
        } else {
            output[0] = UInt8(ascii: "\\")
            output[1] = UInt8(ascii: "N")
        }
        output[written] = UInt8(ascii: "\t")
        return written + 1
    }

    /// Writes `value` escaped for COPY text (backslash, tab, LF, CR); returns the bytes written.
    private static func escape(_ value: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Int {
        // Fast path: nothing to escape (almost every field), one scan and one copy.
        guard value.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            output.copyMemory(from: UnsafeRawBufferPointer(value))
            return value.count
        }
        var written = 0
        for byte in value {
            let escaped: UInt8? = switch byte {
            case 0x5C: UInt8(ascii: "\\")
            case 0x09: UInt8(ascii: "t")
            case 0x0A: UInt8(ascii: "n")
            case 0x0D: UInt8(ascii: "r")
            default: nil
            }
            if let escaped {
                output[written] = UInt8(ascii: "\\")
                output[written + 1] = escaped
                written += 2
            } else {
                output[written] = byte
                written += 1
            }
        }
        return written
    }

    /// Writes a non-negative integer in decimal; returns the bytes written.
    private static func writeDecimal(_ value: Int, into output: UnsafeMutableRawBufferPointer) -> Int {
        var digits = 1, rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var remaining = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            output[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return digits
    }
}
