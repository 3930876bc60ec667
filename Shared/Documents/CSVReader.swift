import Foundation

/// Reads a whole CSV file into one table: RFC 4180 quoting ("" inside quotes is a quote, quoted
/// fields may hold delimiters and line breaks), the sniffed delimiter, a UTF-8 BOM, and CRLF, LF
/// or CR line ends.
package enum CSVReader {
    package static func read(fileAt url: URL, limits: DocumentLimits) throws(DocumentRejection) -> ParsedDocument {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw DocumentRejection(.malformed, "The CSV file could not be read.")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw DocumentRejection(.malformed, "Part of the CSV file is not UTF-8 text (\(firstInvalidLine(in: body))). Please save it as \"CSV UTF-8\" and upload that.")
        }
        guard let delimiter = CSVDialect.sniffDelimiter(in: text, sampleIsWholeFile: true) else {
            throw DocumentRejection(.unsupportedType, "The file looks like plain text without a consistent comma, semicolon or tab between columns.")
        }
        var warnings: [String] = []
        let rows = try records(in: text, delimiter: delimiter, maxCells: limits.maxTableCells, warnings: &warnings)
        guard rows.contains(where: { $0.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }) else {
            throw DocumentRejection(.noText, "The CSV file has no values in it.")
        }
        return ParsedDocument(kind: .csv, method: .csv, pageCount: 1, tables: [ParsedTable(name: nil, rows: rows)], warnings: warnings)
    }

    /// Splits text into records of fields. Blank lines are skipped; an unclosed quote at the end
    /// keeps what it holds and says so.
    package static func records(in text: String, delimiter: Unicode.Scalar, maxCells: Int,
                                warnings: inout [String]) throws(DocumentRejection) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var inQuotes = false
        var fieldWasQuoted = false
        var cellCount = 0
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func endField() throws(DocumentRejection) {
            row.append(String(field))
            field = String.UnicodeScalarView()
            fieldWasQuoted = false
            cellCount += 1
            if cellCount > maxCells {
                throw DocumentRejection(.tooLarge, "The CSV file has more than \(maxCells) cells; the limit is \(maxCells). Please split it into smaller files.")
            }
        }
        func endRecord() throws(DocumentRejection) {
            try endField()
            // A line with nothing on it is a blank line, not a record of one empty field.
            if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
            row = []
        }

        while let scalar = pending ?? scalars.next() {
            pending = nil
            if inQuotes {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        inQuotes = false
                        pending = next
                    }
                } else {
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case delimiter:
                try endField()
            case "\r":
                let next = scalars.next()
                if next != "\n" { pending = next }
                try endRecord()
            case "\n":
                try endRecord()
            default:
                // A quote inside an unquoted field (5" screws) is kept as written.
                field.append(scalar)
            }
        }
        if inQuotes {
            warnings.append("A quoted value in the CSV file is never closed; everything after its opening quote was read as that one value.")
        }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted { try endRecord() }
        return rows
    }

    private static func firstInvalidLine(in bytes: Data.SubSequence) -> String {
        var line = 1
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == 0x0A {
            if String(validating: bytes[lineStart..<index], as: UTF8.self) == nil { return "line \(line)" }
            line += 1
            lineStart = index + 1
        }
        return "line \(line)"
    }
}
