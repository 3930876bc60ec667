import Foundation
import OpsideRender
import ZIPFoundation

/// Documents that must be refused or survived, never trusted: a PDF that is cut short or whose
/// cross-reference table lies, an XLSX whose sheet inflates past a gigabyte, a file too large to
/// read into memory, a scan of a blank page.
public enum BadDocuments {
    /// How a malformed PDF is broken.
    public enum PDFDamage: String, Sendable, Hashable, Codable, CaseIterable {
        /// The first 55% of a valid file: a valid header, a body cut mid-stream, no xref, no trailer.
        case truncated
        /// Complete, but `startxref` points into the header and every xref offset is wrong.
        case brokenXref
    }

    /// A malformed PDF made from a valid one.
    public static func malformedPDF(from valid: Data, damage: PDFDamage) -> Data {
        switch damage {
        case .truncated:
            return valid.prefix(valid.count * 55 / 100)
        case .brokenXref:
            var bytes = [UInt8](valid)
            // Every 10-digit offset of the xref table becomes 0000000009 (inside the header).
            if let xref = lastRange(of: "\nxref\n", in: bytes), let trailer = lastRange(of: "trailer", in: bytes), xref.upperBound < trailer.lowerBound {
                var index = xref.upperBound
                while index + 20 <= trailer.lowerBound {
                    let isEntry = bytes[index..<index + 10].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && bytes[index + 10] == 0x20
                    if isEntry {
                        for offset in 0..<10 { bytes[index + offset] = offset == 9 ? 0x39 : 0x30 }
                        index += 20
                    } else {
                        index += 1
                    }
                }
            }
            // startxref's number → 1, padded with spaces so no other byte moves.
            if let startxref = lastRange(of: "startxref\n", in: bytes) {
                var index = startxref.upperBound
                var first = true
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    bytes[index] = first ? 0x31 : 0x20
                    first = false
                    index += 1
                }
            }
            return Data(bytes)
        }
    }

    private static func lastRange(of text: String, in bytes: [UInt8]) -> Range<Int>? {
        let needle = Array(text.utf8)
        guard bytes.count >= needle.count else { return nil }
        for start in stride(from: bytes.count - needle.count, through: 0, by: -1) where bytes[start] == needle[0] {
            if bytes[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
        }
        return nil
    }

    /// Writes an XLSX zip bomb to `url`: a complete workbook whose sheet XML inflates to
    /// `uncompressedSize` bytes (default 1.1 GB) of valid, endlessly repeated rows, in a file of
    /// about 1/400 of that (2.7 MB). The sheet is streamed to disk a megabyte at a time (memory stays
    /// small) and its DEFLATE stream is built from the repetition (`RepeatingDeflate`), which takes
    /// a fraction of a second; ZIPFoundation's `Archive` with a streaming provider took 12 s in a
    /// debug build (zlib alone 3 s, its Swift CRC the rest).
    /// - Returns: The sheet's uncompressed size, as declared in the archive.
    /// - Throws: when the file cannot be written.
    @discardableResult
    public static func writeZipBombXLSX(to url: URL, uncompressedSize: Int64 = 1_100_000_000,
                                        modified: Date = Date(timeIntervalSince1970: 1_735_732_800)) throws -> Int64 {
        let prefix = XLSXPackage.xmlHeader + "<worksheet xmlns=\"\(XLSXPackage.mainNamespace)\"><sheetData>"
        // A row with one numeric cell, 26 bytes: 42 million rows in 1.1 GB.
        let unit = "<row><c><v>1</v></c></row>"
        let suffix = "</sheetData></worksheet>"
        let fixed = Int64(prefix.utf8.count + suffix.utf8.count)
        let repeats = Int((max(uncompressedSize, fixed) - fixed + Int64(unit.utf8.count) - 1) / Int64(unit.utf8.count))
        let content = RepeatingContent(prefix: prefix, unit: unit, repeats: repeats, suffix: suffix, chunkLimit: 1 << 16)

        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: url)
        do {
            var zip = ZipStreamWriter(handle: handle, modified: modified)
            for (path, text) in XLSXPackage.fixedParts(sheetName: "Sheet1") {
                try zip.addDeflated(path, data: Data(text.utf8))
            }
            try zip.addDeflated("xl/sharedStrings.xml",
                                data: Data((XLSXPackage.xmlHeader + "<sst xmlns=\"\(XLSXPackage.mainNamespace)\" count=\"0\" uniqueCount=\"0\"/>").utf8))
            try zip.addRepeating("xl/worksheets/sheet1.xml", content: content)
            try zip.finish()
        } catch {
            // The write error is the one to report; a failure to close after it adds nothing.
            try? handle.close()
            throw error
        }
        try handle.close()
        return content.count
    }

    /// How a large file is laid out on disk.
    public enum LargeFileStyle: String, Sendable, Hashable, Codable {
        /// The header, then a hole: instant, and takes no disk space.
        case sparse
        /// The header, then a repeating pattern written 1 MiB at a time: real bytes on disk.
        case filled
    }

    /// Writes a file of exactly `byteCount` bytes starting with `header` (a PDF header by default)
    /// without ever holding more than a megabyte of it in memory.
    /// - Throws: when the file cannot be created or written.
    public static func writeLargeFile(at url: URL, byteCount: Int64, header: Data = Data("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8),
                                      style: LargeFileStyle = .sparse) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: url)
        do {
            try fill(handle, header: header, byteCount: byteCount, style: style)
        } catch {
            // The write error is the one to report; a failure to close after it adds nothing.
            try? handle.close()
            throw error
        }
        try handle.close()
    }

    private static func fill(_ handle: FileHandle, header: Data, byteCount: Int64, style: LargeFileStyle) throws {
        let head = header.prefix(Int(min(Int64(header.count), byteCount)))
        try handle.write(contentsOf: head)
        switch style {
        case .sparse:
            try handle.truncate(atOffset: UInt64(byteCount))
        case .filled:
            let pattern = Data("1 0 obj << /Length 0 >> stream endstream endobj\n".utf8)
            var block = Data(capacity: 1 << 20)
            while block.count < 1 << 20 { block.append(pattern) }
            block = block.prefix(1 << 20)
            var written = Int64(head.count)
            while written < byteCount {
                let size = Int(min(Int64(block.count), byteCount - written))
                try handle.write(contentsOf: size == block.count ? block : block.prefix(size))
                written += Int64(size)
            }
        }
    }

    /// A scan of a blank page: paper, noise and specks, no text at all.
    public static func blankScanPNG(seed: UInt64, pageSize: PageSize = .a4, dpi: Double = 150) throws -> Data {
        var random = DeterministicRandom(seed: seed)
        let effects = ScanEffects.scan(using: &random)
        return try RasterRenderer.png(PageCanvas(size: pageSize), dpi: dpi, effects: effects, seed: random.next())
    }
}
