import Foundation
import ZIPFoundation

/// Reads an .xlsx workbook: every sheet in workbook order as a table of text, with shared and
/// inline strings, numbers, booleans, errors and dates resolved.
///
/// An .xlsx is a ZIP, so it is unpacked under a budget: each part's declared size and packing
/// ratio are checked before it is read, and the bytes are counted while they are inflated, since
/// the declared sizes are the attacker's to write.
struct XLSXReader {
    var limits: DocumentLimits

    /// Parts smaller than this may have any packing ratio: a tiny, repetitive part is harmless.
    static let ratioCheckedAboveBytes = 1_048_576

    func read(fileAt url: URL) throws(DocumentRejection) -> ParsedDocument {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw DocumentRejection(.malformed, "The workbook is damaged: it is not a readable ZIP archive. Please save it again in Excel and upload the new file.")
        }
        var unpacking = BudgetedUnpacking(archive: archive, limits: limits)

        guard let workbookXML = try unpacking.data(of: "xl/workbook.xml") else {
            throw DocumentRejection(.malformed, "The workbook is damaged: it has no xl/workbook.xml. Please save it again in Excel and upload the new file.")
        }
        let workbook = try XLSXWorkbook(xml: workbookXML)
        guard let relationshipsXML = try unpacking.data(of: "xl/_rels/workbook.xml.rels") else {
            throw DocumentRejection(.malformed, "The workbook is damaged: it does not say where its sheets are (xl/_rels/workbook.xml.rels is missing). Please save it again in Excel and upload the new file.")
        }
        let relationships = try XLSXRelationships(xml: relationshipsXML, baseFolder: "xl")
        // Excel always writes these two paths; other writers name them in the relationships.
        let sharedStringsPath = relationships.path(ofKind: "sharedStrings") ?? "xl/sharedStrings.xml"
        let stylesPath = relationships.path(ofKind: "styles") ?? "xl/styles.xml"
        let sharedStrings = try unpacking.data(of: sharedStringsPath).map { xml throws(DocumentRejection) in try XLSXSharedStrings(xml: xml) } ?? XLSXSharedStrings()
        let styles = try unpacking.data(of: stylesPath).map { xml throws(DocumentRejection) in try XLSXStyles(xml: xml) } ?? XLSXStyles()

        var tables: [ParsedTable] = []
        var warnings: [String] = []
        var cellBudget = limits.maxTableCells
        for sheet in workbook.sheets {
            guard let target = relationships.targets[sheet.relationshipID], target.kind == "worksheet" else {
                // Chart sheets and dialog sheets hold no cells.
                warnings.append("Sheet \"\(sheet.name)\" is not a worksheet (a chart or dialog sheet) and was skipped.")
                continue
            }
            guard let sheetXML = try unpacking.data(of: target.path) else {
                throw DocumentRejection(.malformed, "The workbook is damaged: sheet \"\(sheet.name)\" is missing from the file. Please save it again in Excel and upload the new file.")
            }
            let context = XLSXWorksheet.Context(sharedStrings: sharedStrings, styles: styles,
                                                usesDate1904: workbook.usesDate1904, sheetName: sheet.name)
            let worksheet = try XLSXWorksheet(xml: sheetXML, context: context, cellBudget: &cellBudget, maxCells: limits.maxTableCells)
            if sheet.isHidden { warnings.append("Sheet \"\(sheet.name)\" is hidden in Excel; it was read too.") }
            tables.append(ParsedTable(name: sheet.name, rows: worksheet.rows))
        }
        guard tables.contains(where: { !$0.rows.isEmpty }) else {
            throw DocumentRejection(.noText, "The workbook has no filled cells. Please check that you uploaded the right file.")
        }
        return ParsedDocument(kind: .xlsx, method: .xlsx, pageCount: tables.count, tables: tables, warnings: warnings)
    }
}

/// Unpacks parts of a ZIP within ``DocumentLimits/maxUncompressedBytes`` for the whole workbook.
private struct BudgetedUnpacking {
    let archive: Archive
    let limits: DocumentLimits
    private(set) var unpackedBytes = 0

    init(archive: Archive, limits: DocumentLimits) {
        self.archive = archive
        self.limits = limits
    }

    /// The part's bytes, or nil when the archive has no such part.
    mutating func data(of path: String) throws(DocumentRejection) -> Data? {
        guard let entry = archive[path] else { return nil }
        let declared = Int(clamping: entry.uncompressedSize)
        let packed = Int(clamping: entry.compressedSize)
        let remaining = limits.maxUncompressedBytes - unpackedBytes
        // Checked before inflating anything: the declared sizes alone may already say "bomb".
        guard declared <= remaining else { throw bomb(path: path, packed: packed, unpacked: declared, declared: true) }
        if declared > XLSXReader.ratioCheckedAboveBytes && declared > packed * limits.maxCompressionRatio {
            throw ratioBomb(path: path, packed: packed, unpacked: declared)
        }
        var data = Data()
        data.reserveCapacity(declared)
        var overrun: DocumentRejection?
        do {
            _ = try archive.extract(entry, bufferSize: 64 * 1024, skipCRC32: false) { chunk in
                // Counted as inflated: a header may lie about the size.
                if data.count + chunk.count > remaining {
                    overrun = bomb(path: path, packed: packed, unpacked: data.count + chunk.count, declared: false)
                    throw CancellationError()
                }
                if data.count + chunk.count > max(declared, 0) && data.count + chunk.count > XLSXReader.ratioCheckedAboveBytes
                    && data.count + chunk.count > packed * limits.maxCompressionRatio {
                    overrun = ratioBomb(path: path, packed: packed, unpacked: data.count + chunk.count)
                    throw CancellationError()
                }
                data.append(chunk)
            }
        } catch {
            if let overrun { throw overrun }
            throw DocumentRejection(.malformed, "The workbook is damaged: its part \(path) cannot be unpacked. Please save it again in Excel and upload the new file.")
        }
        unpackedBytes += data.count
        return data
    }

    private func bomb(path: String, packed: Int, unpacked: Int, declared: Bool) -> DocumentRejection {
        let amount = declared ? "would unpack to" : "unpacks to more than"
        return DocumentRejection(.zipBomb, "The workbook \(amount) \(ByteCountText.describe(unpacked)) (\(path) alone is \(ByteCountText.describe(packed)) packed); the limit is \(ByteCountText.describe(limits.maxUncompressedBytes)) unpacked. Please delete unused rows and columns, or save the sheet as CSV, and upload that.")
    }

    private func ratioBomb(path: String, packed: Int, unpacked: Int) -> DocumentRejection {
        let ratio = packed > 0 ? unpacked / packed : unpacked
        return DocumentRejection(.zipBomb, "The workbook's \(path) packs \(ByteCountText.describe(unpacked)) into \(ByteCountText.describe(packed)) (\(ratio)× smaller), far more than a real spreadsheet; the limit is \(limits.maxCompressionRatio)×. Please save the workbook again in Excel or as CSV and upload that.")
    }
}
