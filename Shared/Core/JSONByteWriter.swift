/// Writes compact JSON straight into bytes, member by member, for the few hot paths where
/// `OpsideJSONEncoder`'s tree (a box per container, a sort per object) costs more than the work
/// around it: claim-detector writes a kilobyte of JSON for each of hundreds of thousands of
/// claims per run.
///
/// The caller states the structure (`object { … }`, `member`, `array { … }`); the writer places
/// the commas and escapes strings exactly as `OpsideJSONEncoder` does, so a type that writes its
/// members in sorted key order gives the same bytes as `OpsideJSONEncoder` with `sortedKeys`
/// (tests compare the two, so a field added to a type and not to its writer fails them).
public struct JSONByteWriter: Sendable {
    // Internal but inlinable: the writer is called per member from other modules, and a call and a
    // closure context per member cost more than the bytes written.
    @usableFromInline var storage: [UInt8] = []
    /// Whether the container being written already has an element (a comma goes before the next).
    @usableFromInline var hasElement = false

    /// The JSON written so far.
    public var bytes: [UInt8] { storage }

    public init(capacity: Int = 1024) {
        storage.reserveCapacity(capacity)
    }

    /// Empties the output and keeps its storage, for the next value.
    @inlinable public mutating func reset() {
        storage.removeAll(keepingCapacity: true)
        hasElement = false
    }

    // MARK: Containers

    /// Writes `{`, the members `body` writes, and `}`.
    @inlinable public mutating func object(_ body: (inout JSONByteWriter) throws -> Void) rethrows {
        try container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), body)
    }

    /// Writes `[`, the elements `body` writes, and `]`.
    @inlinable public mutating func array(_ body: (inout JSONByteWriter) throws -> Void) rethrows {
        try container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), body)
    }

    @inlinable mutating func container(open: UInt8, close: UInt8, _ body: (inout JSONByteWriter) throws -> Void) rethrows {
        separate()
        storage.append(open)
        hasElement = false
        try body(&self)
        storage.append(close)
        hasElement = true
    }

    /// Writes `"key":` inside an object; the value written next is the member's.
    @inlinable public mutating func key(_ key: String) {
        separate()
        Self.appendString(key, to: &storage)
        storage.append(UInt8(ascii: ":"))
        // The value follows the colon without a comma.
        hasElement = false
    }

    // MARK: Values

    @inlinable public mutating func string(_ value: String) {
        separate()
        Self.appendString(value, to: &storage)
        hasElement = true
    }

    @inlinable public mutating func integer(_ value: some BinaryInteger) {
        separate()
        // The decimal digits, written backwards into a small stack buffer: no String made.
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
        hasElement = true
    }

    @inlinable public mutating func bool(_ value: Bool) {
        separate()
        storage.append(contentsOf: (value ? "true" : "false").utf8)
        hasElement = true
    }

    @inlinable public mutating func null() {
        separate()
        storage.append(contentsOf: "null".utf8)
        hasElement = true
    }

    // MARK: Members, as synthesized `Codable` writes them (an optional's nil leaves the key out)

    @inlinable public mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    @inlinable public mutating func member(_ name: String, _ value: String?) {
        if let value { member(name, value) }
    }

    @inlinable public mutating func member(_ name: String, _ value: some BinaryInteger) {
        key(name)
        integer(value)
    }

    @inlinable public mutating func member<Integer: BinaryInteger>(_ name: String, _ value: Integer?) {
        if let value { member(name, value) }
    }

    @inlinable public mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// A member whose value `body` writes (an object, an array).
    @inlinable public mutating func member(_ name: String, _ body: (inout JSONByteWriter) throws -> Void) rethrows {
        key(name)
        try body(&self)
    }

    @inlinable mutating func separate() {
        if hasElement { storage.append(UInt8(ascii: ",")) }
    }

    /// A JSON string, escaped as `OpsideJSONEncoder` escapes it: quote, backslash and control
    /// characters only (never `/`, never non-ASCII).
    @inlinable static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Fast path: nothing to escape (almost every string), one copy.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                output.append(contentsOf: utf8)
            } else {
                appendEscaping(utf8, to: &output)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The rare string with something to escape, byte by byte.
    @usableFromInline static func appendEscaping(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        for byte in utf8 { JSONWriter.appendEscaped(byte, to: &output) }
    }
}

extension JSONByteWriter {
    /// An amount as `Money` encodes it: `{"amountMinor":1234,"currency":"USD"}`.
    @inlinable public mutating func money(_ value: Money) {
        object { json in
            json.member("amountMinor", value.amountMinor)
            json.member("currency", value.currency.code)
        }
    }
}
