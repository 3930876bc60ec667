import Foundation

/// PDFs of text lines (Helvetica, 11 pt, A4), for the sandboxes' downloads: Stripe's hosted
/// invoice and Amazon's shipment labels open as real documents.
public enum SimplePDF {
    /// A one-page document.
    public static func document(lines: [String]) -> [UInt8] {
        document(pages: [lines])
    }

    /// One page per element of `pages`, each a list of lines from the top.
    public static func document(pages: [[String]]) -> [UInt8] {
        let pages = pages.isEmpty ? [[]] : pages
        // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
        let pageObject = { (index: Int) in 4 + index * 2 }
        var objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [\(pages.indices.map { "\(pageObject($0)) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        ]
        for (index, lines) in pages.enumerated() {
            let content = Self.content(lines)
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                           + "/Contents \(pageObject(index) + 1) 0 R >>")
            objects.append("<< /Length \(content.unicodeScalars.count) >>\nstream\n\(content)\nendstream")
        }
        var output: [UInt8] = Array("%PDF-1.4\n".utf8)
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(output.count)
            output += latin1("\(index + 1) 0 obj\n\(object)\nendobj\n")
        }
        let xref = output.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        output += latin1(table)
        return output
    }

    private static func content(_ lines: [String]) -> String {
        var content = "BT /F1 11 Tf 56 780 Td 15 TL\n"
        for line in lines {
            // PDF string literals: backslash, parentheses escaped; non-Latin-1 left out.
            let latin = String(line.unicodeScalars.filter { $0.value < 256 }.map(Character.init))
            let escaped = latin.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
                .replacingOccurrences(of: ")", with: "\\)")
            content += "(\(escaped)) Tj T*\n"
        }
        content += "ET"
        return content
    }

    private static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }
}
