import Foundation

/// What the document says about its currency, and the decision.
struct CurrencyDecision: Sendable {
    var code: String?
    var source: FieldSource?
    var checks: [InvoiceCheck] = []
}

/// Decides a document's currency from what it prints: a "Currency:" label, ISO codes (on amounts
/// and headers count more), prefixed symbols (`US$`, `C$`, `€`), and for a bare `$` or `¥` the
/// clues around them.
enum CurrencyReader {
    /// Codes suppliers print; other ISO codes that are also English words ("ALL", "TOP") are
    /// left out so prose never names a currency.
    static let tradeCodes: Set<String> = [
        "USD", "EUR", "GBP", "CNY", "JPY", "CAD", "AUD", "NZD", "HKD", "SGD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
        "HUF", "INR", "MXN", "BRL", "KRW", "TWD", "THB", "VND", "IDR", "MYR", "TRY", "AED", "SAR", "ZAR", "EGP", "ILS",
        "RON", "BGN", "PKR", "BDT", "LKR",
    ]

    static let symbols: [(String, String)] = [
        ("USD$", "USD"), ("US$", "USD"), ("U$S", "USD"), ("CAD$", "CAD"), ("CA$", "CAD"), ("C$", "CAD"), ("AUD$", "AUD"),
        ("AU$", "AUD"), ("A$", "AUD"), ("NZ$", "NZD"), ("HK$", "HKD"), ("SG$", "SGD"), ("S$", "SGD"), ("MX$", "MXN"),
        ("R$", "BRL"), ("RMB¥", "CNY"), ("CN¥", "CNY"), ("JP¥", "JPY"), ("€", "EUR"), ("£", "GBP"), ("₹", "INR"), ("₩", "KRW"),
        ("₺", "TRY"), ("₱", "PHP"), ("zł", "PLN"), ("Kč", "CZK"), ("円", "JPY"), ("元", "CNY"), ("人民币", "CNY"),
    ]

    static let chinaClues: Set<String> = [
        "china", "prc", "p.r.c.", "p.r.china", "guangdong", "shenzhen", "guangzhou", "dongguan", "yiwu", "ningbo", "shanghai",
        "beijing", "xiamen", "hangzhou", "zhejiang", "jiangsu", "fujian", "foshan", "suzhou", "qingdao", "tianjin", "shantou",
        "wenzhou", "jinhua", "zhongshan", "huizhou", "shandong", "hebei", "rmb", "cny", "yuan", "中国",
    ]
    static let japanClues: Set<String> = [
        "japan", "tokyo", "osaka", "nagoya", "yokohama", "kyoto", "kobe", "fukuoka", "sapporo", "saitama", "chiba", "jpy",
        "yen", "k.k.", "kk", "日本", "株式会社", "東京", "大阪", "〒",
    ]

    /// The ISO code a value text names ("USD", "US Dollar", "RMB", "€").
    static func code(in text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: " :()[]"))
        let first = trimmed.split(separator: " ").first.map(String.init) ?? ""
        let upper = first.uppercased().trimmingCharacters(in: CharacterSet(charactersIn: ".,;:()"))
        if upper == "RMB" { return "CNY" }
        if upper.count == 3, CurrencyDigits.isKnown(upper) { return upper }
        for (symbol, code) in symbols where trimmed.hasPrefix(symbol) { return code }
        let lower = trimmed.lowercased()
        let names: [(String, String)] = [("us dollar", "USD"), ("u.s. dollar", "USD"), ("euro", "EUR"), ("pound sterling", "GBP"),
                                         ("british pound", "GBP"), ("renminbi", "CNY"), ("chinese yuan", "CNY"),
                                         ("japanese yen", "JPY"), ("canadian dollar", "CAD"), ("australian dollar", "AUD")]
        for (name, code) in names where lower.hasPrefix(name) { return code }
        return nil
    }

    /// Decides the currency of `lines`.
    /// - Parameters:
    ///   - labelled: a value found after a "Currency:" label.
    ///   - supplierLines: the supplier's name and address lines (clues there weigh double).
    ///   - amountMarkers: currency markers printed with amounts the extractor read.
    static func decide(lines: [LayoutLine], labelled: (code: String, line: LayoutLine)?, supplierLines: Set<LineKey>,
                       amountMarkers: [(marker: String, line: LayoutLine)]) -> CurrencyDecision {
        var decision = CurrencyDecision()
        if let labelled {
            decision.code = labelled.code
            decision.source = FieldSource(field: .currency, page: labelled.line.page, lineIndex: labelled.line.index,
                                          text: labelled.line.text.trimmed, how: "label 'Currency' on page \(labelled.line.page)",
                                          confidence: 0.95)
            return decision
        }
        // Codes, weighted: beside an amount or in a header "(USD)" counts three times.
        var codeWeight: [String: Int] = [:]
        var codeLine: [String: LayoutLine] = [:]
        var specificSymbols: [String: (count: Int, line: LayoutLine)] = [:]
        var dollar: LayoutLine?
        var yen: LayoutLine?
        var yenDecimals = false
        var chinaScore = 0, japanScore = 0
        for line in lines where !line.isBlank {
            for (wordIndex, word) in line.words.enumerated() {
                let raw = word.text
                let stripped = raw.trimmingCharacters(in: CharacterSet(charactersIn: "()[]:;,."))
                let letters = String(stripped.prefix { $0.isLetter })
                var code: String?
                if stripped == "RMB" || letters == "RMB" { code = "CNY" }
                if code == nil, letters.count == 3, tradeCodes.contains(letters), letters == letters.uppercased(),
                   stripped.count == 3 || stripped.dropFirst(3).first?.isNumber == true || stripped.dropFirst(3).first == "$" {
                    code = letters
                }
                if code == nil, stripped.count > 3 {
                    let suffix = String(stripped.suffix(3))
                    let figure = stripped.dropLast(3)
                    if tradeCodes.contains(suffix), figure.allSatisfy({ $0.isNumber || $0 == "." || $0 == "," }),
                       figure.contains(where: \.isNumber) { code = suffix }
                }
                if let code {
                    let besideAmount = raw.contains(where: \.isNumber) || raw.hasPrefix("(")
                        || (wordIndex + 1 < line.words.count && NumberReader.read(line.words[wordIndex + 1].text, format: .pointDecimal) != nil)
                        || (wordIndex > 0 && NumberReader.read(line.words[wordIndex - 1].text, format: .pointDecimal) != nil)
                    codeWeight[code, default: 0] += besideAmount ? 3 : 1
                    if codeLine[code] == nil { codeLine[code] = line }
                }
                var matchedSymbol = false
                // Every symbol has a "$" or a non-ASCII character: most words need no search.
                let mayHoldSymbol = raw.contains("$") || raw.unicodeScalars.contains { !$0.isASCII }
                for (symbol, symbolCode) in symbols where mayHoldSymbol && raw.contains(symbol) {
                    specificSymbols[symbolCode, default: (0, line)].count += 1
                    matchedSymbol = true
                    break
                }
                if !matchedSymbol, raw.contains("$"), dollar == nil { dollar = line }
                if raw.contains("¥") || raw.contains("￥") {
                    if yen == nil { yen = line }
                    if raw.contains(".") || (wordIndex + 1 < line.words.count && line.words[wordIndex + 1].text.contains(".")) {
                        let amountText = raw.count > 1 ? raw : (wordIndex + 1 < line.words.count ? line.words[wordIndex + 1].text : "")
                        if let reading = NumberReader.read(amountText, format: .pointDecimal), reading.fractionDigits > 0,
                           DecimalArithmetic.fractionDigits(of: reading.value) > 0 { yenDecimals = true }
                    }
                }
                let lower = stripped.lowercased()
                let weight = supplierLines.contains(line.key) ? 2 : 1
                if chinaClues.contains(lower) { chinaScore += weight }
                if japanClues.contains(lower) { japanScore += weight }
            }
        }
        for (marker, line) in amountMarkers {
            if let code = code(in: marker), tradeCodes.contains(code) || code == "CNY" {
                codeWeight[code, default: 0] += 2
                if codeLine[code] == nil { codeLine[code] = line }
            }
        }
        let rankedCodes = codeWeight.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if let (best, weight) = rankedCodes.first, let line = codeLine[best] {
            decision.code = best
            decision.source = FieldSource(field: .currency, page: line.page, lineIndex: line.index, text: line.text.trimmed,
                                          how: "code '\(best)' printed on page \(line.page), line \(line.index + 1)",
                                          confidence: rankedCodes.count == 1 ? 0.9 : 0.75)
            let others = rankedCodes.dropFirst().map(\.key) + specificSymbols.keys.filter { $0 != best && !codeWeight.keys.contains($0) }
            if !others.isEmpty {
                decision.checks.append(InvoiceCheck(code: .currencyConflict, severity: .warning,
                                                    message: "The document names \(([best] + others).joined(separator: ", ")); \(best) (weight \(weight)) was kept because it is printed with the amounts most often."))
            }
            return decision
        }
        if let (best, found) = specificSymbols.sorted(by: { $0.value.count > $1.value.count }).first {
            decision.code = best
            decision.source = FieldSource(field: .currency, page: found.line.page, lineIndex: found.line.index, text: found.line.text.trimmed,
                                          how: "symbol for \(best) on page \(found.line.page), line \(found.line.index + 1)", confidence: 0.85)
            return decision
        }
        if let yen {
            let cny = chinaScore + (yenDecimals ? 3 : 0)
            if cny - japanScore >= 2 || japanScore - cny >= 2 {
                let code = cny > japanScore ? "CNY" : "JPY"
                decision.code = code
                decision.source = FieldSource(field: .currency, page: yen.page, lineIndex: yen.index, text: yen.text.trimmed,
                                              how: "'¥' read as \(code): \(code == "CNY" ? "Chinese" : "Japanese") clues in the document (\(max(cny, japanScore)) against \(min(cny, japanScore)))",
                                              confidence: 0.75)
            } else {
                decision.checks.append(InvoiceCheck(code: .ambiguousCurrency, severity: .warning,
                                                    message: "'¥' may be Japanese yen (JPY) or Chinese yuan (CNY), and nothing in the document decides; the currency is left empty.",
                                                    page: yen.page, lineIndex: yen.index))
            }
            return decision
        }
        if let dollar {
            decision.code = "USD"
            decision.source = FieldSource(field: .currency, page: dollar.page, lineIndex: dollar.index, text: dollar.text.trimmed,
                                          how: "'$' alone on page \(dollar.page), read as USD", confidence: 0.7)
            decision.checks.append(InvoiceCheck(code: .currencyAssumed, severity: .info,
                                                message: "Only '$' is printed, with no 'CAD', 'AUD', 'C$' or 'A$' anywhere: read as US dollars.",
                                                page: dollar.page, lineIndex: dollar.index))
        }
        return decision
    }
}
