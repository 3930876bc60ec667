import Foundation

/// A one-page PDF of text lines (Helvetica, 11 pt): the hosted invoice's download, so a link to
/// `invoice_pdf` opens a real document as Stripe's does.
enum SimplePDF {
    static func document(lines: [String]) -> [UInt8] {
        var content = "BT /F1 11 Tf 56 780 Td 15 TL\n"
        for line in lines {
            // PDF string literals: backslash, parentheses escaped; non-Latin-1 left out.
            let latin = String(line.unicodeScalars.filter { $0.value < 256 }.map(Character.init))
            let escaped = latin.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
                .replacingOccurrences(of: ")", with: "\\)")
            content += "(\(escaped)) Tj T*\n"
        }
        content += "ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Length \(content.unicodeScalars.count) >>\nstream\n\(content)\nendstream",
        ]
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

    private static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }
}
