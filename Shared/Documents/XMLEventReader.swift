import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A streaming (SAX) read of one XML part of a workbook.
///
/// Chosen over XMLCoder: XMLCoder decodes a whole tree into memory first (a 50 MB sheet becomes
/// gigabytes of nodes) and merges the runs of rich text in shared strings out of order;
/// Foundation's XMLParser streams, keeps memory flat and sees every run in order.
final class XMLEventReader: NSObject, XMLParserDelegate {
    typealias StartElement = (_ name: String, _ attributes: [String: String]) -> Void
    typealias EndElement = (_ name: String) -> Void
    typealias Characters = (_ text: String) -> Void

    private let onStart: StartElement
    private let onEnd: EndElement
    private let onCharacters: Characters

    private init(onStart: @escaping StartElement, onEnd: @escaping EndElement, onCharacters: @escaping Characters) {
        self.onStart = onStart
        self.onEnd = onEnd
        self.onCharacters = onCharacters
    }

    /// Reads `data`, calling back for each element start, end and run of text.
    ///
    /// Element names arrive without their namespace prefix ("x:row" → "row"), as some writers
    /// prefix the SpreadsheetML namespace.
    /// - Throws: `malformed` for XML that does not parse or declares a DTD: no workbook part has
    ///   one, and a DTD is how entity-expansion bombs and external entities get in.
    static func read(_ data: Data, part: String,
                     onStart: @escaping StartElement, onEnd: @escaping EndElement = { _ in },
                     onCharacters: @escaping Characters = { _ in }) throws(DocumentRejection) {
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw DocumentRejection(.malformed, "The workbook's \(part) contains a document type declaration, which Excel never writes. Please save the workbook again in Excel and upload the new file.")
        }
        let reader = XMLEventReader(
            onStart: { name, attributes in onStart(localName(name), attributes) },
            onEnd: { name in onEnd(localName(name)) },
            onCharacters: onCharacters)
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = reader
        guard parser.parse() else {
            throw DocumentRejection(.malformed, "The workbook is damaged: its \(part) is not valid XML (line \(parser.lineNumber)). Please save it again in Excel and upload the new file.")
        }
    }

    private static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        onStart(elementName, attributes)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        onEnd(elementName)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        onCharacters(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        onCharacters(String(decoding: CDATABlock, as: UTF8.self))
    }
}

extension Dictionary where Key == String, Value == String {
    /// An attribute by its local name, whatever prefix the writer gave it ("r:id", "ns1:id").
    func attribute(_ localName: String) -> String? {
        if let value = self[localName] { return value }
        return first { $0.key.hasSuffix(":" + localName) }?.value
    }
}
