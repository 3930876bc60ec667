/// One field of a CSV file the suite writes for a spreadsheet: RFC 4180 quoting, and a leading
/// `'` for text a spreadsheet would run as a formula (a seller's SKU that starts with `=`).
public enum CSVField {
    public static func escape(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first), Int(text) == nil { text = "'" + text }
        guard text.contains(where: { ",\"\r\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
