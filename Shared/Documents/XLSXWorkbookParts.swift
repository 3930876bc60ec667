import Foundation

/// The parts of a workbook that say what to read: the sheets in workbook (tab) order, where each
/// sheet's XML lives, and which cell styles are dates.
struct XLSXWorkbook {
    struct Sheet {
        var name: String
        var relationshipID: String
        var isHidden: Bool
    }

    var sheets: [Sheet] = []
    /// Mac Excel's old date system: serial 0 is 1904-01-01 instead of 1899-12-30.
    var usesDate1904 = false

    init(xml: Data) throws(DocumentRejection) {
        var sheets: [Sheet] = []
        var usesDate1904 = false
        try XMLEventReader.read(xml, part: "workbook.xml", onStart: { name, attributes in
            switch name {
            case "workbookPr":
                usesDate1904 = ["1", "true"].contains(attributes["date1904"] ?? "")
            case "sheet":
                if let sheetName = attributes["name"], let id = attributes.attribute("id") {
                    sheets.append(Sheet(name: sheetName, relationshipID: id, isHidden: (attributes["state"] ?? "visible") != "visible"))
                }
            default:
                break
            }
        })
        self.sheets = sheets
        self.usesDate1904 = usesDate1904
    }
}

/// `xl/_rels/workbook.xml.rels`: relationship id → part path inside the archive, and its type.
struct XLSXRelationships {
    struct Target {
        var path: String
        /// The type's last path component: "worksheet", "chartsheet", "sharedStrings", "styles".
        var kind: String
    }

    var targets: [String: Target] = [:]

    init(xml: Data, baseFolder: String) throws(DocumentRejection) {
        var targets: [String: Target] = [:]
        try XMLEventReader.read(xml, part: "workbook.xml.rels", onStart: { name, attributes in
            guard name == "Relationship", attributes["TargetMode"] != "External",
                  let id = attributes["Id"], let target = attributes["Target"] else { return }
            let kind = attributes["Type"].flatMap { $0.split(separator: "/").last.map(String.init) } ?? ""
            targets[id] = Target(path: Self.resolve(target, relativeTo: baseFolder), kind: kind)
        })
        self.targets = targets
    }

    /// The path of the first part of a kind ("sharedStrings"), if the workbook names one.
    func path(ofKind kind: String) -> String? {
        targets.values.filter { $0.kind == kind }.map(\.path).min()
    }

    /// "worksheets/sheet1.xml" → "xl/worksheets/sheet1.xml"; "/xl/…" is from the archive root;
    /// ".." climbs, but never above the root.
    static func resolve(_ target: String, relativeTo baseFolder: String) -> String {
        var components: [Substring] = target.hasPrefix("/") ? [] : baseFolder.split(separator: "/")
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return components.joined(separator: "/")
    }
}

/// `xl/styles.xml`, reduced to what matters for text: which cell styles show a number as a date.
struct XLSXStyles {
    /// By cell style index (a cell's `s` attribute): whether its number format is a date or time.
    var dateStyleIndexes: Set<Int> = []

    init() {}

    init(xml: Data) throws(DocumentRejection) {
        var customFormats: [Int: String] = [:]
        var styleFormats: [Int] = []
        var insideCellFormats = false
        try XMLEventReader.read(xml, part: "styles.xml", onStart: { name, attributes in
            switch name {
            case "numFmt":
                if let id = attributes["numFmtId"].flatMap(Int.init), let code = attributes["formatCode"] { customFormats[id] = code }
            case "cellXfs":
                insideCellFormats = true
            case "xf" where insideCellFormats:
                styleFormats.append(attributes["numFmtId"].flatMap(Int.init) ?? 0)
            default:
                break
            }
        }, onEnd: { name in
            if name == "cellXfs" { insideCellFormats = false }
        })
        for (index, formatID) in styleFormats.enumerated() {
            let isDate = customFormats[formatID].map(ExcelNumberFormat.isDateFormat) ?? ExcelNumberFormat.isBuiltInDateFormat(formatID)
            if isDate { dateStyleIndexes.insert(index) }
        }
    }
}

/// `xl/sharedStrings.xml`: the strings cells of type `s` point to by index. A rich-text string
/// is the concatenation of its runs; phonetic guides (`rPh`, Japanese furigana) are not part of it.
struct XLSXSharedStrings {
    var strings: [String] = []

    init() {}

    init(xml: Data) throws(DocumentRejection) {
        var strings: [String] = []
        var current = ""
        var insideString = false
        var insideText = false
        var phoneticDepth = 0
        try XMLEventReader.read(xml, part: "sharedStrings.xml", onStart: { name, _ in
            switch name {
            case "si": insideString = true; current = ""
            case "rPh": phoneticDepth += 1
            case "t": insideText = insideString && phoneticDepth == 0
            default: break
            }
        }, onEnd: { name in
            switch name {
            case "si":
                strings.append(ExcelNumberFormat.unescapingXString(current))
                insideString = false
            case "rPh": phoneticDepth -= 1
            case "t": insideText = false
            default: break
            }
        }, onCharacters: { text in
            if insideText { current += text }
        })
        self.strings = strings
    }
}
