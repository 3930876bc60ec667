/// Recognizes a company name: a legal form ("Co., Ltd.", "GmbH", "LLC") or a trade word
/// ("Trading", "Manufacturing", "Factory") in a short line without an address's digits.
enum CompanyName {
    static let legalForms: Set<String> = [
        "ltd", "limited", "llc", "inc", "incorporated", "corp", "corporation", "gmbh", "ag", "kg", "sa", "sas", "sarl",
        "srl", "sl", "bv", "nv", "plc", "oy", "ab", "spa", "pty", "pvt", "kk", "co", "company", "lp", "llp", "ohg", "ug",
        "sro", "gesmbh", "sprl", "bvba", "kft", "zoo", "jsc", "ltda", "cia", "aps", "as", "asa", "ab", "oyj", "株式会社", "有限公司",
    ]
    static let tradeWords: Set<String> = [
        "trading", "manufacturing", "mfg", "factory", "industrial", "industries", "industry", "enterprise",
        "enterprises", "group", "imports", "exports", "import", "export", "supply", "supplies", "packaging",
        "electronics", "technology", "technologies", "products", "international", "holdings", "textiles", "garments",
        "plastics", "crafts", "apparel", "hardware", "commerce", "handels", "werke", "manufacturer", "works", "mills",
    ]

    /// `text` with a space put back where OCR read one as a full stop between two words
    /// ("Merchandise.Group"): a stop between a lower-case letter and a capitalised word.
    /// "S.A." and "Co.,Ltd." keep theirs.
    static func spacedAfterStops(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character == ".", index > 0, index + 2 < characters.count, characters[index - 1].isLowercase,
               characters[index + 1].isUppercase, characters[index + 2].isLowercase {
                result.append(" ")
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// The words of `text` as a company check sees them: lower case, punctuation gone.
    static func words(_ text: String) -> [String] {
        spacedAfterStops(text).lowercased().split(whereSeparator: { " ,()/".contains($0) }).map { word in
            String(word.filter { $0.isLetter || $0.isNumber || $0 == "&" })
        }.filter { !$0.isEmpty }
    }

    static func isCompany(_ text: String) -> Bool {
        let words = words(text)
        guard words.count >= 2, words.count <= 12 else { return false }
        guard text.filter(\.isNumber).count < 3, !text.contains("@"), !text.lowercased().contains("www.") else { return false }
        guard text.first?.isLetter ?? false else { return false }
        if words.dropFirst().contains(where: legalForms.contains) { return true }
        return words.contains(where: tradeWords.contains)
    }

    /// Whether `text` is only a legal form ("Ltd.", "Co., Ltd.", "GmbH"): the end of a wrapped name.
    static func isLegalFormOnly(_ text: String) -> Bool {
        let words = words(text)
        return !words.isEmpty && words.count <= 3 && words.allSatisfy(legalForms.contains)
    }
}
