import Foundation

/// One worksheet's cells as rows of text, placed by their references: A1 then C1 gives
/// ["a", "", "c"], and a row 3 after row 1 leaves row 2 empty, so columns and rows stay where
/// the seller put them.
struct XLSXWorksheet {
    var rows: [[String]] = []

    /// Everything the cells' values depend on.
    struct Context {
        var sharedStrings: XLSXSharedStrings
        var styles: XLSXStyles
        var usesDate1904: Bool
        var sheetName: String
    }

    /// Largest column Excel allows (XFD): a reference past it is damage, not data.
    static let maxColumns = 16_384
    static let maxRows = 1_048_576

    /// - Parameter cellBudget: Cells (padding included) still allowed across the workbook;
    ///   decreased by what this sheet uses.
    init(xml: Data, context: Context, cellBudget: inout Int, maxCells: Int) throws(DocumentRejection) {
        var rows: [[String]] = []
        var currentRow: [String] = []
        var nextColumn = 0
        var cell = CellUnderConstruction()
        var capture: CaptureTarget = .none
        var inlineDepth = 0
        var phoneticDepth = 0
        var problem: DocumentRejection?
        var budget = cellBudget

        func spend(_ cells: Int) {
            budget -= cells
            if budget < 0 && problem == nil {
                problem = DocumentRejection(.tooLarge, "The workbook has more than \(maxCells) cells (counting empty cells between filled ones); the limit is \(maxCells). Please delete empty rows and columns or split the workbook.")
            }
        }

        try XMLEventReader.read(xml, part: "sheet \"\(context.sheetName)\"", onStart: { name, attributes in
            guard problem == nil else { return }
            switch name {
            case "row":
                let index = attributes["r"].flatMap(Int.init) ?? (rows.count + 1)
                guard index > rows.count, index <= Self.maxRows else {
                    problem = Self.damaged(context.sheetName, "row numbers out of order")
                    return
                }
                // Rows skipped in the XML are empty rows on the sheet.
                let skipped = index - 1 - rows.count
                spend(skipped)
                rows.append(contentsOf: repeatElement([], count: skipped))
                currentRow = []
                nextColumn = 0
            case "c":
                cell = CellUnderConstruction(type: attributes["t"] ?? "n", styleIndex: attributes["s"].flatMap(Int.init))
                let column = attributes["r"].flatMap(Self.columnIndex(ofReference:)) ?? nextColumn
                guard column >= currentRow.count, column < Self.maxColumns else {
                    problem = Self.damaged(context.sheetName, "cells out of order")
                    return
                }
                cell.column = column
            case "v":
                capture = .value
            case "is":
                inlineDepth += 1
            case "rPh":
                phoneticDepth += 1
            case "t" where inlineDepth > 0 && phoneticDepth == 0:
                capture = .inlineText
            default:
                break
            }
        }, onEnd: { name in
            guard problem == nil else { return }
            switch name {
            case "v", "t":
                capture = .none
            case "is":
                inlineDepth -= 1
            case "rPh":
                phoneticDepth -= 1
            case "c":
                let text = cell.text(context: context)
                nextColumn = cell.column + 1
                guard !text.isEmpty else { return }
                spend(cell.column - currentRow.count + 1)
                currentRow.append(contentsOf: repeatElement("", count: cell.column - currentRow.count))
                currentRow.append(text)
            case "row":
                rows.append(currentRow)
            default:
                break
            }
        }, onCharacters: { text in
            switch capture {
            case .value: cell.value += text
            case .inlineText: cell.inlineText += text
            case .none: break
            }
        })
        if let problem { throw problem }
        // Formatted but empty rows at the bottom are not part of the table.
        while let last = rows.last, last.isEmpty { rows.removeLast() }
        self.rows = rows
        cellBudget = budget
    }

    private enum CaptureTarget {
        case none
        case value
        case inlineText
    }

    /// A cell while its element is being read.
    private struct CellUnderConstruction {
        var type = "n"
        var styleIndex: Int?
        var column = 0
        var value = ""
        var inlineText = ""

        func text(context: Context) -> String {
            switch type {
            case "s":
                guard let index = Int(value.trimmingCharacters(in: .whitespaces)),
                      context.sharedStrings.strings.indices.contains(index) else { return "" }
                return context.sharedStrings.strings[index]
            case "inlineStr":
                return ExcelNumberFormat.unescapingXString(inlineText)
            case "str", "e", "d":
                return ExcelNumberFormat.unescapingXString(value)
            case "b":
                return value == "1" ? "TRUE" : "FALSE"
            default:
                let raw = value.trimmingCharacters(in: .whitespaces)
                guard !raw.isEmpty else { return "" }
                if let styleIndex, context.styles.dateStyleIndexes.contains(styleIndex), let serial = Double(raw),
                   let date = ExcelNumberFormat.dateText(serial: serial, usesDate1904: context.usesDate1904) {
                    return date
                }
                return ExcelNumberFormat.numberText(raw)
            }
        }
    }

    /// "C7" → 2, "AA1" → 26, or nil when the reference has no column letters.
    static func columnIndex(ofReference reference: String) -> Int? {
        let letters = reference.unicodeScalars.prefix { letterValue($0) != nil }
        // Three letters reach XFD, Excel's last column; more is not a reference.
        guard (1...3).contains(letters.count) else { return nil }
        return letters.reduce(0) { $0 * 26 + (letterValue($1) ?? 0) } - 1
    }

    private static func letterValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "A"..."Z": Int(scalar.value - 64)
        case "a"..."z": Int(scalar.value - 96)
        default: nil
        }
    }

    private static func damaged(_ sheet: String, _ what: String) -> DocumentRejection {
        DocumentRejection(.malformed, "The workbook is damaged: sheet \"\(sheet)\" has \(what). Please save it again in Excel and upload the new file.")
    }
}
