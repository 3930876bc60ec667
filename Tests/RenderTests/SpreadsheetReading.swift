import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An RFC 4180 CSV reader, independent of the writer under test.
enum CSVReading {
    static func rows(_ text: String, delimiter: Character) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)
        characters.append("\n")
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == delimiter {
                row.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" || character == "\r" {
                row.append(field)
                field = ""
                rows.append(row)
                row = []
            } else {
                field.append(character)
            }
            index += 1
        }
        // The appended newline closes the last record; a trailing CRLF leaves one empty record.
        if let last = rows.last, last == [""] { rows.removeLast() }
        return rows
    }
}

/// A cell of an XLSX sheet as read back: the type attribute, raw value, formula, and the shared
/// string it points to.
struct XLSXReadCell: Equatable {
    var reference: String
    var type: String?
    var value: String?
    var formula: String?
    var text: String?
}

/// Reads `sheet1.xml` and `sharedStrings.xml` (extracted with the system's `unzip`) with
/// Foundation's XML parser.
final class XLSXReading: NSObject, XMLParserDelegate {
    private(set) var rows: [[XLSXReadCell]] = []
    private var strings: [String] = []
    private var current: XLSXReadCell?
    private var text = ""
    private var inSharedString = false

    static func read(_ xlsx: URL) throws -> [[XLSXReadCell]] {
        let sharedXML = try ExternalTool.runData("unzip", ["-p", xlsx.path, "xl/sharedStrings.xml"])
        let sheetXML = try ExternalTool.runData("unzip", ["-p", xlsx.path, "xl/worksheets/sheet1.xml"])
        let reader = XLSXReading()
        let shared = XMLParser(data: sharedXML)
        shared.delegate = reader
        guard shared.parse() else { throw shared.parserError ?? CocoaError(.fileReadCorruptFile) }
        let sheet = XMLParser(data: sheetXML)
        sheet.delegate = reader
        guard sheet.parse() else { throw sheet.parserError ?? CocoaError(.fileReadCorruptFile) }
        return reader.rows
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        text = ""
        switch name {
        case "si": inSharedString = true
        case "row": rows.append([])
        case "c": current = XLSXReadCell(reference: attributes["r"] ?? "", type: attributes["t"])
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "t" where inSharedString: strings.append(text)
        case "si": inSharedString = false
        case "v": current?.value = text
        case "f": current?.formula = text
        case "c":
            if var cell = current {
                if cell.type == "s", let index = cell.value.flatMap(Int.init), index < strings.count { cell.text = strings[index] }
                rows[rows.count - 1].append(cell)
            }
            current = nil
        default: break
        }
    }
}
