import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// Typed rows parsed from a stream of (decompressed) bytes, one line at a time.
///
/// Lines end with LF or CRLF; fields are separated by tabs; a UTF-8 BOM is dropped; the first
/// line is the header. A line with more fields than the header, or a row its type refuses, is
/// malformed: it fails the sequence or is skipped and counted, as the options say.
///
/// Seller Central's payment downloads (the Date Range transaction report) are comma-separated
/// instead, with quoted fields, and open with a few lines of explanation before the header: a
/// file whose first line has no tab and opens with a quote (or has two commas) is read as CSV
/// (RFC 4180 quoting, `""` for a quote), and its lines before the header, those of fewer than
/// three fields, are skipped. Line numbers still count every line of the file.
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
        /// Whether the file is comma-separated, decided on its first non-empty line.
        var csv = false
        var formatDecided = false

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
            if !formatDecided {
                guard let comma = splitter.withBytes(line, { Self.isCommaSeparated(firstLine: $0) }) else { return nil }
                csv = comma
                formatDecided = true
            }
            let csv = self.csv
            guard let split = splitter.withBytes(line, { Self.fields(of: $0, isFirstLine: isFirstLine, encoding: encoding, maxFields: maxFields,
                                                                      csv: csv) }) else {
                return nil
            }
            let fields = split.fields
            guard let header else {
                guard fields.count <= options.limits.maxColumns else {
                    throw ReportLimitError(.tooManyColumns, limit: options.limits.maxColumns, line: lineNumber)
                }
                // A CSV download's explanations before its header.
                if csv, fields.count < 3 { return nil }
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
                           maxFields: Int = .max, csv: Bool = false) -> (fields: [String], count: Int)? {
            var bytes = line[...]
            if isFirstLine, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            if bytes.isEmpty { return nil }
            if csv { return splitCSV(UnsafeBufferPointer(rebasing: bytes), encoding: encoding, maxFields: maxFields) }
            return split(UnsafeBufferPointer(rebasing: bytes), encoding: encoding, maxFields: maxFields)
        }

        /// Whether a file whose first non-empty line is `line` is comma-separated: no tab, and a
        /// quote first or at least two commas. Nil for an empty line (the next one decides).
        static func isCommaSeparated(firstLine line: UnsafeBufferPointer<UInt8>) -> Bool? {
            var bytes = line[...]
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
            guard let first = bytes.first else { return nil }
            guard !bytes.contains(0x09) else { return false }
            return first == 0x22 || bytes.lazy.filter { $0 == 0x2C }.count >= 2
        }

        /// The fields of a comma-separated line (RFC 4180: a field in quotes may hold commas,
        /// and `""` inside quotes is a quote; an unclosed quote runs to the end of the line).
        static func splitCSV(_ line: UnsafeBufferPointer<UInt8>, encoding: ReportTextEncoding, maxFields: Int) -> (fields: [String], count: Int) {
            let ascii = encoding != .shiftJIS && isASCII(line)
            var fields: [String] = []
            var field: [UInt8] = []
            var total = 0, index = 0, quoted = false, fieldStart = true
            func finish() {
                if total < maxFields {
                    fields.append(field.withUnsafeBufferPointer { ascii ? String(decoding: $0, as: UTF8.self) : decode($0, encoding: encoding) })
                }
                total += 1
                field.removeAll(keepingCapacity: true)
                fieldStart = true
            }
            while index < line.count {
                let byte = line[index]
                index += 1
                if quoted {
                    if byte == 0x22 {
                        if index < line.count, line[index] == 0x22 {
                            field.append(0x22)
                            index += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        field.append(byte)
                    }
                } else if byte == 0x2C {
                    finish()
                } else if byte == 0x22, fieldStart {
                    quoted = true
                    fieldStart = false
                } else {
                    field.append(byte)
                    fieldStart = false
                }
            }
            finish()
            return (fields, total)
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

extension ReportRows {
    /// Rows from a source of uncompressed bytes.
    public static func parse(_ source: Source, as row: Row.Type = Row.self, options: ReportParsingOptions = ReportParsingOptions()) -> ReportRows<Row, Source> {
        ReportRows(source: source, options: options)
    }
}
