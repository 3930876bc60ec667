import Foundation
import NIOCore
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

    public init(encoding: ReportTextEncoding = .automatic(fallback: nil), skipMalformedRows: Bool = false,
                statistics: ReportParsingStatistics = ReportParsingStatistics(),
                onSkippedRow: (@Sendable (_ line: Int, _ reason: String, _ text: String) -> Void)? = nil) {
        self.encoding = encoding
        self.skipMalformedRows = skipMalformedRows
        self.statistics = statistics
        self.onSkippedRow = onSkippedRow
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
    let positions: [String: Int]

    init(names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[Self.normalize(name)] == nil {
            positions[Self.normalize(name)] = index
        }
        self.positions = positions
    }

    /// `Event Type`, `event-type`, `EventType` and `event_type` are one column: lower-cased,
    /// letters and digits only.
    public static func normalize(_ name: String) -> String {
        // ASCII fast path: it runs for every column lookup of every row (CharacterSet is slow on Linux).
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(name.utf8.count)
            for byte in name.utf8 {
                switch byte {
                case 0x30...0x39, 0x61...0x7A: bytes.append(byte)
                case 0x41...0x5A: bytes.append(byte + 0x20)
                default: continue
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0)
        }))
    }

    public func index(of column: String) -> Int? { positions[Self.normalize(column)] }
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
                let field = fields[index]
                // Most fields have no surrounding blanks: skip Foundation's (slow) trimming for them.
                guard let first = field.utf8.first, let last = field.utf8.last else { return nil }
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
        let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "+", with: "")
        guard let number = Int(cleaned) else { throw ReportRowError("\(columns.first ?? "?") is not a whole number: \(text)") }
        return number
    }

    /// A decimal amount (`12.34`, `-1,234.50`); nil when absent or empty.
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
        var header: ReportHeader?
        var lineNumber = 0
        var sourceDone = false

        public mutating func next() async throws -> Row? {
            guard source != nil else { return nil }
            while true {
                if let line = splitter.nextLine() {
                    if let row = try handle(line) { return row }
                    continue
                }
                if sourceDone {
                    guard let last = splitter.remainder() else { return nil }
                    if let row = try handle(last) { return row }
                    continue
                }
                if let chunk = try await source!.next() {
                    splitter.append(chunk)
                } else {
                    sourceDone = true
                }
            }
        }

        private mutating func handle(_ line: [UInt8]) throws -> Row? {
            lineNumber += 1
            var bytes = line[...]
            if lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            if bytes.isEmpty { return nil }
            let fields = Self.split(bytes, encoding: options.encoding)
            guard let header else {
                self.header = ReportHeader(names: fields)
                return nil
            }
            do throws(ReportRowError) {
                guard fields.count <= header.names.count else {
                    throw ReportRowError("\(fields.count) fields for \(header.names.count) columns")
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

        static func split(_ bytes: ArraySlice<UInt8>, encoding: ReportTextEncoding) -> [String] {
            var fields: [String] = []
            fields.reserveCapacity(32)
            bytes.withUnsafeBufferPointer { buffer in
                var start = 0
                let count = buffer.count
                guard let base = buffer.baseAddress else { return }
                while start <= count {
                    let remaining = count - start
                    let tab = remaining > 0 ? memchr(base + start, 0x09, remaining) : nil
                    let end = tab.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
                    fields.append(decode(UnsafeBufferPointer(rebasing: buffer[start..<end]), encoding: encoding))
                    start = end + 1
                }
            }
            return fields
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

/// Cuts a byte stream into lines without copying more than one partial line between chunks.
struct LineSplitter {
    private var buffer: [UInt8] = []
    private var start = 0

    mutating func append(_ chunk: ByteBuffer) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: chunk.readableBytesView)
    }

    /// The next complete line (without its LF), if the buffer holds one.
    mutating func nextLine() -> [UInt8]? {
        let count = buffer.count - start
        guard count > 0 else { return nil }
        let found: Int? = buffer.withUnsafeBufferPointer { pointer in
            guard let base = pointer.baseAddress else { return nil }
            guard let hit = memchr(base + start, 0x0A, count) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        guard let newline = found else { return nil }
        let line = Array(buffer[start..<newline])
        start = newline + 1
        return line
    }

    /// What is left after the last LF, at the end of the stream.
    mutating func remainder() -> [UInt8]? {
        guard start < buffer.count else { return nil }
        let line = Array(buffer[start...])
        start = buffer.count
        return line
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
