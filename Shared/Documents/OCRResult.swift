/// Tesseract's TSV output: every recognised word with its page, line, box and confidence.
package struct OCRResult: Sendable {
    package struct Word: Sendable, Hashable {
        package var page: Int
        /// Tesseract's own line (block, paragraph, line), before rows are rebuilt across blocks.
        package var line: [Int]
        package var left: Int
        package var top: Int
        package var width: Int
        package var height: Int
        /// 0–100.
        package var confidence: Double
        package var text: String
    }

    package var words: [Word]

    /// Reads the TSV (`level page_num block_num par_num line_num word_num left top width height
    /// conf text`); only level-5 rows are words.
    package init(tsv: String) {
        words = tsv.split(whereSeparator: \.isNewline).compactMap { line -> Word? in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count >= 12, columns[0] == "5",
                  let page = Int(columns[1]), let block = Int(columns[2]), let paragraph = Int(columns[3]), let lineNumber = Int(columns[4]),
                  let left = Int(columns[6]), let top = Int(columns[7]), let width = Int(columns[8]), let height = Int(columns[9]),
                  let confidence = Double(columns[10]), confidence >= 0 else { return nil }
            let text = columns[11...].joined(separator: "\t").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            return Word(page: page, line: [block, paragraph, lineNumber], left: left, top: top, width: width, height: height,
                        confidence: confidence, text: text)
        }
    }

    /// Mean word confidence from 0 to 1, or nil when nothing was read.
    package var meanConfidence: Double? {
        guard !words.isEmpty else { return nil }
        return words.map(\.confidence).reduce(0, +) / Double(words.count) / 100
    }

    package var confidenceSum: Double { words.map(\.confidence).reduce(0, +) }

    /// Whether any word is real text rather than noise: a letter or digit, read with some confidence.
    package var hasReadableWords: Bool {
        words.contains { word in
            word.confidence >= ImageOCR.readableWordConfidence && word.text.contains { $0.isLetter || $0.isNumber }
        }
    }

    /// Text of pages 1...pageCount laid out from the word boxes; a page without words is "".
    package func pageTexts(pageCount: Int) -> [String] {
        let byPage = Dictionary(grouping: words, by: \.page)
        let lastPage = max(pageCount, byPage.keys.max() ?? 0)
        guard lastPage > 0 else { return [] }
        return (1...lastPage).map { OCRPageLayout(words: byPage[$0] ?? []).text }
    }
}
