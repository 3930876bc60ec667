import Foundation

/// Minimal, valid PDFs assembled byte by byte (objects, a cross-reference table with exact
/// offsets, a trailer), so the tests never depend on a downloaded document.
enum TestPDF {
    /// A PDF whose pages hold the given lines in Helvetica, top-left, one under the other.
    static func text(pages: [[String]], fontSize: Int = 14) -> Data {
        var objects: [Data] = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [\((0..<pages.count).map { "\(4 + 2 * $0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>".utf8),
            Data("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".utf8),
        ]
        for (index, lines) in pages.enumerated() {
            let leading = fontSize * 3 / 2
            let body = "BT /F1 \(fontSize) Tf \(leading) TL 72 720 Td " + lines.map { "(\(escaped($0))) Tj T*" }.joined(separator: " ") + " ET"
            objects.append(Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents \(5 + 2 * index) 0 R >>".utf8))
            objects.append(stream(Data(body.utf8)))
        }
        return assemble(objects)
    }

    /// A one-page PDF that is only a picture: a grayscale image (from a binary PGM) filling a
    /// letter page, with no text layer, the way a scanner writes one.
    static func scanned(pgm: Data) throws -> Data {
        let (width, height, pixels) = try parsePGM(pgm)
        let objects: [Data] = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".utf8),
            stream(Data("q 612 0 0 792 0 0 cm /Im1 Do Q".utf8)),
            stream(pixels, dictionaryEntries: "/Type /XObject /Subtype /Image /Width \(width) /Height \(height) /ColorSpace /DeviceGray /BitsPerComponent 8"),
        ]
        return assemble(objects)
    }

    /// A text PDF locked with a user password (the standard security handler's 40-bit RC4
    /// dictionary). Its /U entry matches no password, so no reader can open it without one.
    static func passwordProtected() -> Data {
        var objects: [Data] = [
            Data("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Data("<< /Type /Pages /Kids [4 0 R] /Count 1 >>".utf8),
            Data("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".utf8),
            Data("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>".utf8),
            stream(Data("BT /F1 14 Tf 72 720 Td (Secret invoice) Tj ET".utf8)),
        ]
        let ownerHash = String(repeating: "5A", count: 32)
        let userHash = String(repeating: "C3", count: 32)
        objects.append(Data("<< /Filter /Standard /V 1 /R 2 /O <\(ownerHash)> /U <\(userHash)> /P -4 >>".utf8))
        return assemble(objects, trailerEntries: "/Encrypt 6 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>]")
    }

    // MARK: Assembly

    static func assemble(_ objects: [Data], trailerEntries: String = "") -> Data {
        var pdf = Data("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.count)
            pdf.append(Data("\(index + 1) 0 obj\n".utf8))
            pdf.append(object)
            pdf.append(Data("\nendobj\n".utf8))
        }
        let crossReferenceOffset = pdf.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R \(trailerEntries) >>\nstartxref\n\(crossReferenceOffset)\n%%EOF\n"
        pdf.append(Data(table.utf8))
        return pdf
    }

    private static func stream(_ content: Data, dictionaryEntries: String = "") -> Data {
        var object = Data("<< \(dictionaryEntries) /Length \(content.count) >>\nstream\n".utf8)
        object.append(content)
        object.append(Data("\nendstream".utf8))
        return object
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
    }

    /// Width, height and pixels of a binary ("P5") PGM with 8-bit samples, as pdftoppm writes it.
    static func parsePGM(_ pgm: Data) throws -> (Int, Int, Data) {
        var tokens: [String] = []
        var index = pgm.startIndex
        var current = ""
        while tokens.count < 4, index < pgm.endIndex {
            let byte = pgm[index]
            index += 1
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                current.append(Character(Unicode.Scalar(byte)))
            }
        }
        guard tokens.count == 4, tokens[0] == "P5", let width = Int(tokens[1]), let height = Int(tokens[2]), tokens[3] == "255" else {
            throw TestTool.Failure(description: "not an 8-bit binary PGM: \(tokens)")
        }
        return (width, height, pgm[index..<(index + width * height)])
    }
}
