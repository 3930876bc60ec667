import Foundation
import ZIPFoundation

/// .xlsx files written part by part with ZIPFoundation: the five parts Excel needs
/// ([Content_Types].xml, the workbook, its relationships, the sheets, shared strings) and,
/// when given, styles.
enum TestWorkbook {
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    /// - Parameters:
    ///   - sheets: Each sheet's name and the XML inside its `<sheetData>`.
    ///   - sharedStrings: Each `<si>`'s inner XML.
    static func xlsx(sheets: [(name: String, sheetData: String)], sharedStrings: [String] = [], styles: String? = nil) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, content) in parts(sheets: sheets, sharedStrings: sharedStrings, styles: styles) {
            try add(Data(content.utf8), at: path, to: archive)
        }
        return try written(archive)
    }

    /// A workbook whose one sheet unpacks to `sheetBytes` of repeated cells while packing to a
    /// few hundred kilobytes: a zip bomb. The sheet is streamed into the compressor, never held
    /// in memory whole.
    static func zipBomb(sheetBytes: Int) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, content) in parts(sheets: [], sharedStrings: [], styles: nil) where !path.hasPrefix("xl/worksheets") {
            try add(Data(content.utf8), at: path, to: archive)
        }
        let opening = Data("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"\(mainNamespace)\"><sheetData>".utf8)
        let closing = Data("</sheetData></worksheet>".utf8)
        let cell = Data("<row><c t=\"inlineStr\"><is><t>BOOM</t></is></c></row>".utf8)
        // A block of whole cells, so any position in the body maps to an offset inside it.
        var block = Data()
        while block.count < 1_048_576 { block.append(cell) }
        let bodyBytes = (sheetBytes - opening.count - closing.count) / cell.count * cell.count
        let total = opening.count + bodyBytes + closing.count
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(total),
                             compressionMethod: .deflate, bufferSize: 1_048_576) { position, size in
            var chunk = Data(capacity: size)
            var position = Int(position)
            let end = position + size
            while position < end {
                if position < opening.count {
                    let piece = opening[position..<min(opening.count, end)]
                    chunk.append(piece)
                    position += piece.count
                } else if position < opening.count + bodyBytes {
                    let offset = (position - opening.count) % block.count
                    let length = min(block.count - offset, end - position, opening.count + bodyBytes - position)
                    chunk.append(block[offset..<offset + length])
                    position += length
                } else {
                    let start = position - opening.count - bodyBytes
                    let piece = closing[start..<min(closing.count, start + end - position)]
                    chunk.append(piece)
                    position += piece.count
                }
            }
            return chunk
        }
        return try written(archive)
    }

    /// Rewrites the uncompressed size an archive declares for `path` (in the local header and the
    /// central directory), as a zip bomb's author would, to slip past checks that trust it.
    static func declaringUncompressedSize(_ size: UInt32, for path: String, in archive: Data) -> Data {
        var bytes = [UInt8](archive)
        let name = Array(path.utf8)
        func matches(_ signature: [UInt8], nameOffset: Int, at index: Int) -> Bool {
            guard index + nameOffset + name.count <= bytes.count, Array(bytes[index..<index + 4]) == signature else { return false }
            return Array(bytes[(index + nameOffset)..<(index + nameOffset + name.count)]) == name
        }
        func put(_ value: UInt32, at offset: Int) {
            for byte in 0..<4 { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
        }
        for index in 0..<(bytes.count - 4) {
            if matches([0x50, 0x4B, 0x03, 0x04], nameOffset: 30, at: index) { put(size, at: index + 22) }
            if matches([0x50, 0x4B, 0x01, 0x02], nameOffset: 46, at: index) { put(size, at: index + 24) }
        }
        return Data(bytes)
    }

    /// A ZIP of the given text files (not a workbook unless the paths make it one).
    static func zip(_ files: [String: String]) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            try add(Data(content.utf8), at: path, to: archive)
        }
        return try written(archive)
    }

    // MARK: Parts

    private static func parts(sheets: [(name: String, sheetData: String)], sharedStrings: [String], styles: String?) -> [(String, String)] {
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        let sheetList = sheets.isEmpty ? [(name: "Sheet1", sheetData: "")] : sheets
        var contentTypes = declaration + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
            """
        for index in sheetList.indices {
            contentTypes += "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        contentTypes += "</Types>"
        let packageRelationships = declaration + """
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """
        let workbook = declaration + "<workbook xmlns=\"\(mainNamespace)\" xmlns:r=\"\(relationshipNamespace)\"><sheets>"
            + sheetList.indices.map { "<sheet name=\"\(sheetList[$0].name)\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
            + "</sheets></workbook>"
        let workbookRelationships = declaration + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + sheetList.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"\(relationshipNamespace)/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined()
            + "<Relationship Id=\"rId\(sheetList.count + 1)\" Type=\"\(relationshipNamespace)/sharedStrings\" Target=\"sharedStrings.xml\"/>"
            + "</Relationships>"
        let strings = declaration + "<sst xmlns=\"\(mainNamespace)\" count=\"\(sharedStrings.count)\" uniqueCount=\"\(sharedStrings.count)\">"
            + sharedStrings.map { "<si>\($0)</si>" }.joined() + "</sst>"
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", packageRelationships),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/sharedStrings.xml", strings),
        ]
        for (index, sheet) in sheetList.enumerated() {
            parts.append(("xl/worksheets/sheet\(index + 1).xml", declaration + "<worksheet xmlns=\"\(mainNamespace)\"><sheetData>\(sheet.sheetData)</sheetData></worksheet>"))
        }
        if let styles { parts.append(("xl/styles.xml", declaration + "<styleSheet xmlns=\"\(mainNamespace)\">\(styles)</styleSheet>")) }
        return parts
    }

    private static func written(_ archive: Archive) throws -> Data {
        guard let data = archive.data else { throw TestTool.Failure(description: "ZIPFoundation kept no in-memory archive") }
        return data
    }

    private static func add(_ content: Data, at path: String, to archive: Archive) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(content.count), compressionMethod: .deflate) { position, size in
            content.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}
