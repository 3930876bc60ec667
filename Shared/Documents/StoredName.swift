import Foundation

/// The uploader's file name made safe to show: for display only, never for storage (storage goes
/// by ``ContentHash``).
///
/// Strips folders ("C:\\Users\\me\\inv.pdf" and "../../etc/passwd" both lose their path), control
/// and bidirectional-override characters (U+202E turns "invoice\u{202E}fdp.exe" into what looks
/// like "invoiceexe.pdf"), and "..", then shortens long names while keeping the extension so the
/// seller still recognises the file.
public struct StoredName: Codable, Sendable, Hashable, CustomStringConvertible {
    public let displayName: String

    /// Longest display name, in characters; file systems and tables handle 255, people read far less.
    public static let maxLength = 120
    /// Used when nothing printable is left of the uploaded name.
    public static let fallbackName = "document"

    public init(uploadedName: String) {
        displayName = Self.sanitize(uploadedName)
    }

    public var description: String { displayName }

    /// The extension shown to the seller ("pdf"), lowercased, or nil.
    public var displayExtension: String? {
        let parts = displayName.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count > 1, let last = parts.last, !last.isEmpty else { return nil }
        return last.lowercased()
    }

    static func sanitize(_ uploaded: String) -> String {
        // Windows uploads send backslash paths; both separators mark a folder.
        let lastComponent = uploaded.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let printable = String(String.UnicodeScalarView(lastComponent.precomposedStringWithCanonicalMapping.unicodeScalars.filter(isShown)))
        // ".." could climb out of a folder if the name were ever joined to a path; one dot is enough.
        var name = printable
        while name.contains("..") { name = name.replacingOccurrences(of: "..", with: ".") }
        // Runs of whitespace (tabs became spaces above) collapse so a name cannot pad itself out.
        name = name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // A leading dot hides a file on Unix; leading or trailing dots and spaces confuse Windows.
        name = String(name.trimmingCharacters(in: CharacterSet(charactersIn: ". ")))
        if name.isEmpty { return fallbackName }
        return shortened(name)
    }

    /// Characters a person can see in a file name: no controls (Cc), no format characters (Cf:
    /// bidirectional overrides, zero-width joiners), no line or paragraph separators.
    private static func isShown(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }

    /// Cuts the stem, not the extension, to fit ``maxLength`` characters.
    private static func shortened(_ name: String) -> String {
        guard name.count > maxLength else { return name }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = String(name[dot...])
            if ext.count <= 10 {
                let stem = name[..<dot].prefix(maxLength - ext.count).trimmingCharacters(in: .whitespaces)
                return stem + ext
            }
        }
        return String(name.prefix(maxLength))
    }
}
