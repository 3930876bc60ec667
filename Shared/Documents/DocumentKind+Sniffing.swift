import Foundation
import ZIPFoundation

extension DocumentKind {
    /// How much of a file sniffing reads: enough for every magic number, Acrobat's 1024 bytes of
    /// leading junk before `%PDF-`, and the first lines of a CSV.
    public static let sniffedPrefixBytes = 64 * 1024

    /// Decides a file's kind from its first bytes (and, for a ZIP, its central directory).
    ///
    /// Reads at most ``sniffedPrefixBytes`` plus, for a ZIP, the table of contents at its end,
    /// never the whole file.
    /// - Throws: `unsupported_type` naming what the file looked like; `malformed` for an empty
    ///   file or a ZIP whose table of contents is damaged.
    public static func sniff(fileAt url: URL) throws(DocumentRejection) -> DocumentKind {
        let prefix: Data
        let fileSize: UInt64
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            prefix = try handle.read(upToCount: sniffedPrefixBytes) ?? Data()
            fileSize = try handle.seekToEnd()
        } catch {
            throw DocumentRejection(.malformed, "The uploaded file could not be read on our side; please upload it again.")
        }
        let sniffer = DocumentSniffer(prefix: [UInt8](prefix), isWholeFile: fileSize <= UInt64(prefix.count))
        return try sniffer.kind { () throws(DocumentRejection) in try ZIPContents(fileAt: url) }
    }

    /// Decides the kind of bytes already in memory.
    public static func sniff(_ bytes: Data) throws(DocumentRejection) -> DocumentKind {
        let sniffer = DocumentSniffer(prefix: [UInt8](bytes.prefix(sniffedPrefixBytes)), isWholeFile: bytes.count <= sniffedPrefixBytes)
        return try sniffer.kind { () throws(DocumentRejection) in try ZIPContents(bytes: bytes) }
    }
}

/// The magic-number checks behind ``DocumentKind/sniff(fileAt:)``.
struct DocumentSniffer {
    let prefix: [UInt8]
    /// False when `prefix` was cut from a longer file: its last line (or UTF-8 character) may be partial.
    let isWholeFile: Bool

    func kind(zipContents: () throws(DocumentRejection) -> ZIPContents) throws(DocumentRejection) -> DocumentKind {
        guard !prefix.isEmpty else {
            throw DocumentRejection(.malformed, "The file is empty (0 bytes); please upload the document again.")
        }
        // Acrobat accepts `%PDF-` anywhere in the first 1024 bytes (some generators prepend junk).
        if firstIndex(of: Array("%PDF-".utf8), within: 1024) != nil { return .pdf }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if let brands = isoMediaBrands() {
            if brands.major == "avif" || brands.major == "avis" { throw unsupported("an AVIF image") }
            if !Set(brands.all).isDisjoint(with: ["heic", "heix", "mif1", "msf1", "hevc"]) { return .heic }
            throw unsupported("a video or other media file (brand \"\(brands.major)\")")
        }
        if starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let contents = try zipContents()
            if contents.contains("[Content_Types].xml") && contents.contains("xl/workbook.xml") { return .xlsx }
            throw unsupported(contents.lookalikeDescription)
        }
        if let lookalike = knownUnsupportedFormat() { throw unsupported(lookalike) }
        return try textKind()
    }

    // MARK: Text

    /// A CSV: UTF-8 (a BOM is fine), no NUL bytes, one delimiter used consistently.
    private func textKind() throws(DocumentRejection) -> DocumentKind {
        if starts(with: [0xFF, 0xFE]) || starts(with: [0xFE, 0xFF]) {
            throw unsupported("UTF-16 text (Excel's \"Unicode text\")", advice: "Please save it as \"CSV UTF-8\" and upload that.")
        }
        if prefix.contains(0) { throw unsupported("a binary file of a kind we do not know") }
        var body = prefix[...]
        if starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = Self.decodeUTF8(body, allowingCutEnd: !isWholeFile) else {
            throw unsupported("text in an older encoding, not UTF-8", advice: "Please save it as \"CSV UTF-8\" and upload that.")
        }
        guard CSVDialect.sniffDelimiter(in: text, sampleIsWholeFile: isWholeFile) != nil else {
            throw unsupported("plain text without a consistent comma, semicolon or tab between columns")
        }
        return .csv
    }

    /// Decodes UTF-8, tolerating a character cut in half at the end of a sample.
    static func decodeUTF8(_ bytes: ArraySlice<UInt8>, allowingCutEnd: Bool) -> String? {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard allowingCutEnd else { return nil }
        // A UTF-8 character is at most 4 bytes, so at most 3 trailing bytes can be a cut one.
        for cut in 1...3 where bytes.count > cut {
            if let text = String(validating: bytes.dropLast(cut), as: UTF8.self) { return text }
        }
        return nil
    }

    // MARK: Magic numbers

    /// ISO base media (HEIC, AVIF, MP4): a leading `ftyp` box with a major and compatible brands.
    private func isoMediaBrands() -> (major: String, all: [String])? {
        guard prefix.count >= 16, Array(prefix[4..<8]) == Array("ftyp".utf8) else { return nil }
        let boxSize = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
        let end = min(max(boxSize, 16), prefix.count)
        let major = String(decoding: prefix[8..<12], as: UTF8.self)
        var brands = [major]
        var offset = 16
        while offset + 4 <= end {
            brands.append(String(decoding: prefix[offset..<offset + 4], as: UTF8.self))
            offset += 4
        }
        return (major, brands)
    }

    /// Names the formats sellers most often send by mistake, so the message says what the file is.
    private func knownUnsupportedFormat() -> String? {
        if starts(with: Array("MZ".utf8)) { return "a Windows program (.exe or .dll)" }
        if starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return "a Linux program" }
        if starts(with: Array("GIF87a".utf8)) || starts(with: Array("GIF89a".utf8)) { return "a GIF image" }
        if starts(with: Array("RIFF".utf8)), prefix.count >= 12, Array(prefix[8..<12]) == Array("WEBP".utf8) { return "a WebP image" }
        if starts(with: Array("BM".utf8)), prefix.count >= 26, prefix[6...9].allSatisfy({ $0 == 0 }) { return "a BMP image" }
        if starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return "an old-style Office file (.xls or .doc)" }
        if starts(with: [0x49, 0x49, 0x2B, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2B]) { return "a BigTIFF image" }
        if starts(with: [0x1F, 0x8B]) { return "a gzip archive" }
        if starts(with: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return "a 7-Zip archive" }
        if starts(with: Array("Rar!".utf8)) { return "a RAR archive" }
        if starts(with: Array("{\\rtf".utf8)) { return "an RTF document" }
        if starts(with: Array("%!PS".utf8)) { return "a PostScript file" }
        let opening = String(decoding: prefix.prefix(512), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if opening.hasPrefix("<!doctype html") || opening.hasPrefix("<html") { return "a web page (HTML)" }
        if opening.hasPrefix("<?xml") || opening.hasPrefix("<svg") { return "an XML or SVG file" }
        return nil
    }

    private func starts(with magic: [UInt8]) -> Bool {
        prefix.count >= magic.count && prefix[0..<magic.count].elementsEqual(magic)
    }

    private func firstIndex(of needle: [UInt8], within limit: Int) -> Int? {
        let lastStart = min(limit, prefix.count - needle.count)
        guard lastStart >= 0 else { return nil }
        return (0...lastStart).first { start in prefix[start..<start + needle.count].elementsEqual(needle) }
    }

    private func unsupported(_ lookalike: String, advice: String? = nil) -> DocumentRejection {
        DocumentRejection(.unsupportedType, "The file looks like \(lookalike). "
            + (advice ?? "We accept PDF, PNG, JPEG, TIFF and HEIC images, Excel workbooks (.xlsx) and CSV files."))
    }
}
