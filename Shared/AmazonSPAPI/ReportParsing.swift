import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// The text encoding of a flat-file report.
public enum ReportTextEncoding: Sendable, Equatable {
    case utf8
    case windowsCP1252
    case shiftJIS
    /// UTF-8 where a field is valid UTF-8, `fallback` (Windows-1252 unless told otherwise) where
    /// it is not. Amazon's EU files are often Windows-1252 and JP files Shift_JIS, undeclared.
    indirect case automatic(fallback: ReportTextEncoding?)

    var foundationEncoding: String.Encoding {
        switch self {
        case .utf8: .utf8
        case .windowsCP1252: .windowsCP1252
        case .shiftJIS: .shiftJIS
        case .automatic(let fallback): fallback?.foundationEncoding ?? .windowsCP1252
        }
    }
}

/// How rows are decoded.
public struct ReportParsingOptions: Sendable {
    public var encoding: ReportTextEncoding
    /// Skip rows that do not fit (counting them in `statistics`) instead of failing the report.
    public var skipMalformedRows: Bool
    /// Counts rows and skipped rows, readable while or after iterating.
    public var statistics: ReportParsingStatistics
    /// Told about every skipped row (line number, reason, the line's text), so a caller can keep
    /// it (inventory-sync's quarantine) instead of only counting it.
    public var onSkippedRow: (@Sendable (_ line: Int, _ reason: String, _ text: String) -> Void)?
    /// What one report may hold at most; past a limit the parse fails with `ReportLimitError`.
    public var limits: ReportLimits

    public init(encoding: ReportTextEncoding = .automatic(fallback: nil), skipMalformedRows: Bool = false,
                statistics: ReportParsingStatistics = ReportParsingStatistics(),
                onSkippedRow: (@Sendable (_ line: Int, _ reason: String, _ text: String) -> Void)? = nil,
                limits: ReportLimits = ReportLimits()) {
        self.encoding = encoding
        self.skipMalformedRows = skipMalformedRows
        self.statistics = statistics
        self.onSkippedRow = onSkippedRow
        self.limits = limits
    }
}

/// Bounds on one report, so that no input (a gzip bomb, a line without an end, a header of a
/// million columns) can make a parse hold more than a few lines in memory or run for long.
/// Amazon's widest flat file has under 100 columns and lines of a few hundred bytes.
public struct ReportLimits: Sendable, Equatable {
    /// Longest line, header included, in bytes (without its line end).
    public var maxLineBytes: Int
    /// Longest header line, in bytes.
    public var maxHeaderBytes: Int
    /// Most columns a header may name.
    public var maxColumns: Int
    /// Most data lines (rows, malformed ones included).
    public var maxRows: Int

    public init(maxLineBytes: Int = 1 << 20, maxHeaderBytes: Int = 64 << 10, maxColumns: Int = 1_000, maxRows: Int = .max) {
        self.maxLineBytes = maxLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxColumns = maxColumns
        self.maxRows = maxRows
    }
}

/// A report went past one of its limits: the whole report is refused, nothing of it is kept.
public struct ReportLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case lineTooLong = "line_too_long"
        case headerTooLong = "header_too_long"
        case tooManyColumns = "too_many_columns"
        case tooManyRows = "too_many_rows"
        case decompressedTooLarge = "decompressed_too_large"
    }
    public let kind: Kind
    public let limit: Int
    /// The line the parse stopped at (1 = header), when a line is to blame.
    public let line: Int?

    public init(_ kind: Kind, limit: Int, line: Int? = nil) {
        self.kind = kind
        self.limit = limit
        self.line = line
    }

    public var description: String {
        let at = line.map { "line \($0) " } ?? ""
        return switch kind {
        case .lineTooLong: "\(at)is longer than \(limit) bytes (is the file a tab-separated report with line ends?)"
        case .headerTooLong: "the header line is longer than \(limit) bytes"
        case .tooManyColumns: "the header names more than \(limit) columns"
        case .tooManyRows: "the report has more than \(limit) rows; split it into smaller date ranges"
        case .decompressedTooLarge: "the report is larger than \(limit) bytes once decompressed"
        }
    }
}

/// Row counters shared with whoever started the parse.
public final class ReportParsingStatistics: Sendable {
    private let counts = Mutex<(rows: Int, skipped: Int, firstSkipReason: String?)>((0, 0, nil))
    public init() {}
    public var rows: Int { counts.withLock { $0.rows } }
    public var skippedRows: Int { counts.withLock { $0.skipped } }
    public var firstSkipReason: String? { counts.withLock { $0.firstSkipReason } }
    func countRow() { counts.withLock { $0.rows += 1 } }
    func countSkip(_ reason: String) {
        counts.withLock {
            $0.skipped += 1
            if $0.firstSkipReason == nil { $0.firstSkipReason = reason }
        }
    }
}

/// Why one row could not become a typed row.
public struct ReportRowError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The header of a report: column positions by normalized name.
public struct ReportHeader: Sendable {
    public let names: [String]
    /// The first column of each normalized name.
    private let columns: [NormalizedColumn]
    /// For a wide header: indices into `columns` by fingerprint, and positions by normalized name.
    private let byFingerprint: [UInt64: [Int]]
    private let byName: [[UInt8]: Int]

    /// A column's normalized name, with a fingerprint to find it by.
    struct NormalizedColumn: Sendable {
        let name: [UInt8]
        let fingerprint: UInt64
        let position: Int
    }

    init(names: [String]) {
        self.names = names
        var columns: [NormalizedColumn] = []
        // Linear in the header: a set finds a repeated name (a scan per name made an 80,000-column
        // header cost seconds of CPU), a table finds a column of a wide header by its fingerprint.
        var seen = Set<[UInt8]>()
        var byFingerprint: [UInt64: [Int]] = [:]
        for (position, name) in names.enumerated() {
            let normalized = Array(Self.normalize(name).utf8)
            guard seen.insert(normalized).inserted else { continue }
            // Only a spelling with the same other bytes finds a name with bytes beyond ASCII, by
            // its normalized form: the fingerprint of such a name is never looked at.
            let fingerprint = normalized.withUnsafeBufferPointer { name in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count) { Self.fingerprint(name, normalizingInto: $0)?.0 }
            } ?? 0
            byFingerprint[fingerprint, default: []].append(columns.count)
            columns.append(NormalizedColumn(name: normalized, fingerprint: fingerprint, position: position))
        }
        self.columns = columns
        self.byFingerprint = columns.count > Self.scannedColumns ? byFingerprint : [:]
        self.byName = columns.count > Self.scannedColumns
            ? Dictionary(columns.map { ($0.name, $0.position) }, uniquingKeysWith: { first, _ in first }) : [:]
    }

    /// Up to this many columns a lookup scans them (faster than hashing for Amazon's headers);
    /// wider headers are looked up in tables.
    static let scannedColumns = 48

    /// `Event Type`, `event-type`, `EventType` and `event_type` are one column: lower-cased,
    /// letters and digits only.
    public static func normalize(_ name: String) -> String {
        // ASCII fast path (CharacterSet is slow on Linux).
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: name.utf8.compactMap(normalizedASCII), as: UTF8.self)
        }
        return String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0)
        }))
    }

    /// A byte of an ASCII name as it is in the normalized name: lower-cased, nil for anything
    /// but a letter or a digit.
    private static func normalizedASCII(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39, 0x61...0x7A: byte
        case 0x41...0x5A: byte + 0x20
        default: nil
        }
    }

    /// FNV-1a of the normalized form of an ASCII name, written into `normalized` (as long as
    /// `name`) on the way; nil when the name has other bytes.
    private static func fingerprint(_ name: UnsafeBufferPointer<UInt8>,
                                    normalizingInto normalized: UnsafeMutableBufferPointer<UInt8>) -> (UInt64, count: Int)? {
        var fingerprint: UInt64 = 0xCBF2_9CE4_8422_2325
        var count = 0
        for byte in name {
            guard byte < 0x80 else { return nil }
            guard let kept = normalizedASCII(byte) else { continue }
            fingerprint = (fingerprint ^ UInt64(kept)) &* 0x0100_0000_01B3
            normalized[count] = kept
            count += 1
        }
        return (fingerprint, count)
    }

    private static func same(_ some: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard some.count == other.count else { return false }
        guard let someBytes = some.baseAddress, let otherBytes = other.baseAddress else { return true }
        return memcmp(someBytes, otherBytes, some.count) == 0
    }

    /// The position of the column, in any spelling.
    ///
    /// Typed rows look up every column of every row by name, so an ASCII spelling (all of them
    /// in practice) is normalized on the stack in one pass that also fingerprints it: the
    /// fingerprint finds the candidate, a comparison of the bytes confirms it.
    public func index(of column: String) -> Int? {
        var spelling = column
        return spelling.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { normalized -> Int? in
                guard let (fingerprint, count) = Self.fingerprint(bytes, normalizingInto: normalized) else {
                    let normalized = Array(Self.normalize(column).utf8)
                    if columns.count > Self.scannedColumns { return byName[normalized] }
                    return columns.first { $0.name == normalized }?.position
                }
                let spelled = UnsafeBufferPointer(rebasing: normalized[..<count])
                func matches(_ column: NormalizedColumn) -> Bool {
                    column.fingerprint == fingerprint && column.name.withUnsafeBufferPointer { Self.same($0, spelled) }
                }
                if columns.count > Self.scannedColumns {
                    return byFingerprint[fingerprint]?.lazy.map { columns[$0] }.first(where: matches)?.position
                }
                return columns.first(where: matches)?.position
            }
        }
    }
}

/// One data line of a report, read by column name.
public struct ReportRecord: Sendable {
    public let header: ReportHeader
    public let fields: [String]
    /// 1-based line number in the file (the header is line 1).
    public let line: Int

    /// The field under the first of `columns` the header has; nil when absent or empty.
    public func string(_ columns: String...) -> String? { value(columns) }

    func value(_ columns: [String]) -> String? {
        for column in columns {
            if let index = header.index(of: column) {
                guard index < fields.count else { return nil }
                var field = fields[index]
                // Most fields have no surrounding blanks: skip Foundation's (slow) trimming for them.
                let ends = field.withUTF8 { bytes in bytes.first.map { ($0, bytes[bytes.count - 1]) } }
                guard let (first, last) = ends else { return nil }
                if first != 0x20, first != 0x09, last != 0x20, last != 0x09, first < 0x80, last < 0x80 { return field }
                let value = field.trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// A field that must be present.
    public func required(_ columns: String...) throws(ReportRowError) -> String {
        guard let value = value(columns) else { throw ReportRowError("missing \(columns.first ?? "?")") }
        return value
    }

    /// An integer field (`-3`, `+2`, `1,234`); nil when absent or empty.
    public func int(_ columns: String...) throws(ReportRowError) -> Int? {
        guard let text = value(columns) else { return nil }
        guard let number = Self.wholeNumber(text) else { throw ReportRowError("\(columns.first ?? "?") is not a whole number: \(text)") }
        return number
    }

    /// `Int(text)` once every `,` and `+` is dropped, read byte by byte: Foundation's
    /// `replacingOccurrences` twice per field was a large share of a ledger row's cost.
    static func wholeNumber(_ text: String) -> Int? {
        var value = 0
        var negative = false, sawDigit = false, sawSignificant = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "+"):
                continue
            case UInt8(ascii: "-") where !sawSignificant:
                negative = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(byte &- UInt8(ascii: "0"))
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                // Negative numbers accumulate downwards so that Int.min still fits.
                let (next, overflowB) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflowA || overflowB { return nil }
                value = next
                sawDigit = true
            default:
                return nil
            }
            sawSignificant = true
        }
        return sawDigit ? value : nil
    }

    /// An amount of money (`12.34`, `-1,234.50`), checked to be decimal text; nil when absent or
    /// empty. Its currency is the row's or the marketplace's, so it becomes `Money` there.
    public func amount(_ columns: String...) throws(ReportRowError) -> ReportAmount? {
        guard let text = value(columns) else { return nil }
        do throws(MoneyError) {
            return try ReportAmount(text)
        } catch {
            throw ReportRowError("\(columns.first ?? "?") is not an amount: \(text)")
        }
    }

    /// A decimal measure that is not money (a length, a weight); nil when absent or empty.
    public func decimal(_ columns: String...) throws(ReportRowError) -> Decimal? {
        guard let text = value(columns) else { return nil }
        let cleaned = text.replacingOccurrences(of: ",", with: "")
        guard let number = Decimal(string: cleaned, locale: Locale(identifier: "en_US_POSIX")) else {
            throw ReportRowError("\(columns.first ?? "?") is not an amount: \(text)")
        }
        return number
    }
}

/// A typed row of one report type.
public protocol ReportRow: Sendable {
    /// The report type this row belongs to, e.g. `GET_LEDGER_DETAIL_VIEW_DATA`.
    static var reportType: String { get }
    init(record: ReportRecord) throws(ReportRowError)
}

/// Any report, untyped: the record itself.
extension ReportRecord: ReportRow {
    public static var reportType: String { "" }
    public init(record: ReportRecord) { self = record }
}

/// Typed rows parsed from a stream of (decompressed) bytes, one line at a time.
///
/// Lines end with LF or CRLF; fields are separated by tabs; a UTF-8 BOM is dropped; the first
/// line is the header. A line with more fields than the header, or a row its type refuses, is
/// malformed: it fails the sequence or is skipped and counted, as the options say.
public struct ReportRows<Row: ReportRow, Source: AsyncSequence & Sendable>: AsyncSequence, Sendable where Source.Element == ByteBuffer {
    public typealias Element = Row
    let source: Source?
    let options: ReportParsingOptions

    public init(source: Source?, options: ReportParsingOptions = ReportParsingOptions()) {
        self.source = source
        self.options = options
    }

    /// The counters of this parse.
    public var statistics: ReportParsingStatistics { options.statistics }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var source: Source.AsyncIterator?
        let options: ReportParsingOptions
        var splitter = LineSplitter()
        /// The header, once its line is read (also when no data line follows).
        public internal(set) var header: ReportHeader?
        var lineNumber = 0
        var dataLines = 0
        var sourceDone = false
        /// Set when the first bytes are a UTF-16 byte-order mark (Excel's "Unicode text").
        var utf16: UTF16Transcoder?
        var sniffed = false

        /// Set while `readHeader` reads: the parse stops after the header line.
        var headerOnly = false

        /// Reads up to the end of the header line and no further; the next `next()` goes on from
        /// there. Nil when the source has no header.
        public mutating func readHeader() async throws -> ReportHeader? {
            if header == nil {
                headerOnly = true
                defer { headerOnly = false }
                _ = try await next()
            }
            return header
        }

        public mutating func next() async throws -> Row? {
            guard source != nil else { return nil }
            while true {
                if headerOnly, header != nil { return nil }
                if let line = splitter.nextLine() {
                    if let row = try handle(line) { return row }
                    continue
                }
                // No line end in what is buffered: a line longer than the limit stops here,
                // before it is read any further (memory stays at one line whatever the input).
                try checkLength(splitter.pendingBytes, line: lineNumber + 1)
                if sourceDone {
                    guard let last = splitter.remainder() else { return nil }
                    if let row = try handle(last) { return row }
                    continue
                }
                if var chunk = try await source!.next() {
                    if !sniffed {
                        sniffed = true
                        utf16 = UTF16Transcoder(startingWith: &chunk)
                    }
                    if utf16 != nil { chunk = utf16!.transcode(chunk) }
                    splitter.append(chunk)
                } else {
                    sourceDone = true
                }
            }
        }

        private func checkLength(_ bytes: Int, line: Int) throws(ReportLimitError) {
            let limits = options.limits
            if header == nil, bytes > limits.maxHeaderBytes { throw ReportLimitError(.headerTooLong, limit: limits.maxHeaderBytes, line: line) }
            if bytes > limits.maxLineBytes { throw ReportLimitError(.lineTooLong, limit: limits.maxLineBytes, line: line) }
        }

        private mutating func handle(_ line: Range<Int>) throws -> Row? {
            lineNumber += 1
            try checkLength(line.count, line: lineNumber)
            let isFirstLine = lineNumber == 1, encoding = options.encoding
            // A data line is split into at most one field more than the header has: enough to
            // know it is malformed, without a string for each of a million tabs.
            let maxFields = header.map { $0.names.count + 1 } ?? options.limits.maxColumns + 1
            guard let split = splitter.withBytes(line, { Self.fields(of: $0, isFirstLine: isFirstLine, encoding: encoding, maxFields: maxFields) }) else {
                return nil
            }
            let fields = split.fields
            guard let header else {
                guard fields.count <= options.limits.maxColumns else {
                    throw ReportLimitError(.tooManyColumns, limit: options.limits.maxColumns, line: lineNumber)
                }
                self.header = ReportHeader(names: fields)
                return nil
            }
            dataLines += 1
            guard dataLines <= options.limits.maxRows else { throw ReportLimitError(.tooManyRows, limit: options.limits.maxRows, line: lineNumber) }
            do throws(ReportRowError) {
                guard fields.count <= header.names.count else {
                    throw ReportRowError("\(split.count) fields for \(header.names.count) columns")
                }
                let row = try Row(record: ReportRecord(header: header, fields: fields, line: lineNumber))
                options.statistics.countRow()
                return row
            } catch {
                if options.skipMalformedRows {
                    options.statistics.countSkip("line \(lineNumber): \(error.reason)")
                    options.onSkippedRow?(lineNumber, error.reason, fields.joined(separator: "\t"))
                    return nil
                }
                throw ReportError.malformedRow(line: lineNumber, reason: error.reason)
            }
        }

        /// A line's fields (at most `maxFields` of them, and how many it has), without the UTF-8
        /// BOM of the first line and the CR of a CRLF; nil for an empty line.
        static func fields(of line: UnsafeBufferPointer<UInt8>, isFirstLine: Bool, encoding: ReportTextEncoding,
                           maxFields: Int = .max) -> (fields: [String], count: Int)? {
            var bytes = line[...]
            if isFirstLine, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            if bytes.isEmpty { return nil }
            return split(UnsafeBufferPointer(rebasing: bytes), encoding: encoding, maxFields: maxFields)
        }

        static func split(_ line: UnsafeBufferPointer<UInt8>, encoding: ReportTextEncoding) -> [String] {
            split(line, encoding: encoding, maxFields: .max).fields
        }

        /// The first `maxFields` fields, and the number of fields of the whole line.
        static func split(_ line: UnsafeBufferPointer<UInt8>, encoding: ReportTextEncoding, maxFields: Int) -> (fields: [String], count: Int) {
            // Almost every line is ASCII, which reads the same in every encoding but Shift_JIS (where
            // 0x5C may be a yen sign): one check for the whole line spares validating field by field.
            let ascii = encoding != .shiftJIS && isASCII(line)
            var fields: [String] = []
            fields.reserveCapacity(32)
            guard let base = line.baseAddress else { return ([], 0) }
            var start = 0, total = 0
            let count = line.count
            while start <= count {
                let remaining = count - start
                let tab = remaining > 0 ? memchr(base + start, 0x09, remaining) : nil
                let end = tab.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
                if total < maxFields {
                    let field = UnsafeBufferPointer(rebasing: line[start..<end])
                    fields.append(ascii ? String(decoding: field, as: UTF8.self) : decode(field, encoding: encoding))
                }
                total += 1
                start = end + 1
            }
            return (fields, total)
        }

        static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            var combined: UInt8 = 0
            for byte in bytes { combined |= byte }
            return combined < 0x80
        }

        static func decode(_ field: UnsafeBufferPointer<UInt8>, encoding: ReportTextEncoding) -> String {
            switch encoding {
            case .utf8:
                return String(decoding: field, as: UTF8.self)
            case .automatic:
                if let text = String(validating: field, as: UTF8.self) { return text }
                return String(data: Data(field), encoding: encoding.foundationEncoding) ?? String(decoding: field, as: UTF8.self)
            case .windowsCP1252, .shiftJIS:
                return String(data: Data(field), encoding: encoding.foundationEncoding) ?? String(decoding: field, as: UTF8.self)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source?.makeAsyncIterator(), options: options)
    }
}

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

extension ReportRows {
    /// Rows from a source of uncompressed bytes.
    public static func parse(_ source: Source, as row: Row.Type = Row.self, options: ReportParsingOptions = ReportParsingOptions()) -> ReportRows<Row, Source> {
        ReportRows(source: source, options: options)
    }
}

/// An amount as a report writes it, checked to be decimal text but not yet in a currency: a
/// row's currency may be a column of its own or the marketplace's.
public struct ReportAmount: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    /// - Throws: `MoneyError.notAnAmount` when `text` is not decimal text.
    public init(_ text: String) throws(MoneyError) {
        try Money.checkDecimalText(text)
        self.text = text
    }

    private init(unchecked text: String) { self.text = text }

    /// What a report's empty amount column means where the amount is not optional.
    public static let zero = ReportAmount(unchecked: "0")

    public var description: String { text }

    /// The amount in `currency`.
    /// - Throws: `MoneyError.tooManyFractionDigits` when it is finer than the currency's minor unit.
    public func money(in currency: Currency) throws(MoneyError) -> Money {
        try Money(parsing: text, currency: currency)
    }
}
