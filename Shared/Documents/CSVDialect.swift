/// Finds a CSV's delimiter: the one of comma, semicolon and tab that splits the first lines into
/// the same number of fields. Semicolons come from European Excel (where the comma is the
/// decimal mark), tabs from "text (tab-delimited)" exports.
enum CSVDialect {
    static let candidates: [Unicode.Scalar] = [",", ";", "\t"]
    /// Lines looked at; enough to see past a title line, few enough to stay fast.
    static let sampledRecords = 50
    /// Share of sampled lines that must have the usual field count (a title or a total line may differ).
    static let requiredAgreement = 0.8

    /// - Parameters:
    ///   - sample: The start of the file, BOM removed.
    ///   - sampleIsWholeFile: False when the sample was cut, so its last line may be partial.
    /// - Returns: The delimiter, or nil when no candidate is used consistently.
    static func sniffDelimiter(in sample: String, sampleIsWholeFile: Bool) -> Unicode.Scalar? {
        var best: (delimiter: Unicode.Scalar, agreement: Double, fields: Int)?
        for delimiter in candidates {
            var counts = fieldCounts(in: sample, delimiter: delimiter)
            if !sampleIsWholeFile && counts.count > 1 { counts.removeLast() }
            guard !counts.isEmpty else { continue }
            let frequencies = Dictionary(counts.map { ($0, 1) }, uniquingKeysWith: +)
            guard let (usual, occurrences) = frequencies.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }),
                  usual >= 2 else { continue }
            let agreement = Double(occurrences) / Double(counts.count)
            guard agreement >= requiredAgreement else { continue }
            if let current = best, (current.agreement, current.fields) >= (agreement, usual) { continue }
            best = (delimiter, agreement, usual)
        }
        return best?.delimiter
    }

    /// Fields per non-empty record of the first ``sampledRecords``, honouring quotes (a quoted
    /// delimiter or line break does not count).
    private static func fieldCounts(in sample: String, delimiter: Unicode.Scalar) -> [Int] {
        var counts: [Int] = []
        var fields = 1
        var recordHasContent = false
        var inQuotes = false
        var previousWasCarriageReturn = false
        for scalar in sample.unicodeScalars {
            defer { previousWasCarriageReturn = scalar == "\r" }
            if inQuotes {
                if scalar == "\"" { inQuotes = false }
                continue
            }
            switch scalar {
            case "\"":
                inQuotes = true
                recordHasContent = true
            case "\n" where previousWasCarriageReturn:
                continue
            case "\r", "\n":
                if recordHasContent { counts.append(fields) }
                if counts.count == sampledRecords { return counts }
                fields = 1
                recordHasContent = false
            case delimiter:
                fields += 1
                recordHasContent = true
            default:
                recordHasContent = true
            }
        }
        if recordHasContent { counts.append(fields) }
        return counts
    }
}
