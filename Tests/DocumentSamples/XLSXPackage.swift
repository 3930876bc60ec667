import Foundation
import ZIPFoundation

/// One cell of a generated sheet.
enum XLSXCell {
    case empty
    case text(String, bold: Bool = false)
    case integer(Int)
    /// A two-decimal number, optionally the cached value of a formula.
    case amount(Decimal, formula: String?)
}

/// Builds `xl/worksheets/sheet1.xml` and its shared strings.
struct XLSXSheetBuilder {
    private(set) var rows: [String] = []
    private(set) var sharedStrings: [String] = []
    private var stringIndex: [String: Int] = [:]
    var rowCount: Int { rows.count }

    /// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ index: Int) -> String {
        var name = ""
        var value = index + 1
        while value > 0 {
            let remainder = (value - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            value = (value - 1) / 26
        }
        return name
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private mutating func shared(_ text: String) -> Int {
        if let index = stringIndex[text] { return index }
        sharedStrings.append(text)
        stringIndex[text] = sharedStrings.count - 1
        return sharedStrings.count - 1
    }

    /// Appends a row; style ids are those of `XLSXPackage.styles` (1 bold, 2 `#,##0.00`, 3 `#,##0`).
    mutating func addRow(_ cells: [XLSXCell]) {
        let row = rows.count + 1
        var xml = "<row r=\"\(row)\">"
        for (index, cell) in cells.enumerated() {
            let reference = "\(Self.columnName(index))\(row)"
            switch cell {
            case .empty:
                continue
            case let .text(text, bold):
                xml += "<c r=\"\(reference)\" t=\"s\"\(bold ? " s=\"1\"" : "")><v>\(shared(text))</v></c>"
            case let .integer(value):
                xml += "<c r=\"\(reference)\" s=\"3\"><v>\(value)</v></c>"
            case let .amount(value, formula):
                let number = SampleNumberStyle.us.plainAmount(value)
                xml += "<c r=\"\(reference)\" s=\"2\">\(formula.map { "<f>\($0)</f>" } ?? "")<v>\(number)</v></c>"
            }
        }
        rows.append(xml + "</row>")
    }

    var sheetXML: String {
        XLSXPackage.xmlHeader + "<worksheet xmlns=\"\(XLSXPackage.mainNamespace)\"><sheetData>" + rows.joined() + "</sheetData></worksheet>"
    }

    var sharedStringsXML: String {
        XLSXPackage.xmlHeader + "<sst xmlns=\"\(XLSXPackage.mainNamespace)\" count=\"\(sharedStrings.count)\" uniqueCount=\"\(sharedStrings.count)\">"
            + sharedStrings.map { "<si><t xml:space=\"preserve\">\(Self.escape($0))</t></si>" }.joined() + "</sst>"
    }
}

/// The parts of a minimal XLSX package (one sheet) and the ZIP that holds them.
enum XLSXPackage {
    static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static let contentTypes = xmlHeader + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>\
        </Types>
        """

    static let rootRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(relationshipNamespace)/officeDocument" Target="xl/workbook.xml"/>\
        </Relationships>
        """

    static func workbook(sheetName: String) -> String {
        xmlHeader + "<workbook xmlns=\"\(mainNamespace)\" xmlns:r=\"\(relationshipNamespace)\"><sheets>"
            + "<sheet name=\"\(XLSXSheetBuilder.escape(sheetName))\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    }

    static let workbookRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="\(relationshipNamespace)/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="\(relationshipNamespace)/styles" Target="styles.xml"/>\
        <Relationship Id="rId3" Type="\(relationshipNamespace)/sharedStrings" Target="sharedStrings.xml"/>\
        </Relationships>
        """

    /// Cell formats: 0 default, 1 bold, 2 `#,##0.00` (built-in 4), 3 `#,##0` (built-in 3).
    static let styles = xmlHeader + """
        <styleSheet xmlns="\(mainNamespace)">\
        <fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>\
        <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
        <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
        <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
        <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
        <xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
        <xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
        </styleSheet>
        """

    /// The package's fixed parts, in the order they are written; the sheet and shared strings are added by callers.
    static func fixedParts(sheetName: String) -> [(path: String, text: String)] {
        [("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRelationships), ("xl/workbook.xml", workbook(sheetName: sheetName)),
         ("xl/_rels/workbook.xml.rels", workbookRelationships), ("xl/styles.xml", styles)]
    }

    /// The XLSX bytes, built in memory. Every entry carries `modified` as its date, never the clock,
    /// so the same sheet always gives the same bytes.
    static func archive(sheet: XLSXSheetBuilder, sheetName: String, modified: Date) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        let parts = fixedParts(sheetName: sheetName)
            + [("xl/worksheets/sheet1.xml", sheet.sheetXML), ("xl/sharedStrings.xml", sheet.sharedStringsXML)]
        for (path, text) in parts {
            try addEntry(path, data: Data(text.utf8), to: archive, modified: modified)
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    static func addEntry(_ path: String, data: Data, to archive: Archive, modified: Date) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: modified,
                             permissions: 0o644, compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}
