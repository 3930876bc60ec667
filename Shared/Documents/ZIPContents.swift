import Foundation
import ZIPFoundation

/// The file names in a ZIP's central directory: what tells an .xlsx from a .docx or a plain zip.
struct ZIPContents {
    let paths: Set<String>

    init(fileAt url: URL) throws(DocumentRejection) {
        do {
            paths = Self.paths(of: try Archive(url: url, accessMode: .read))
        } catch {
            throw Self.damaged
        }
    }

    init(bytes: Data) throws(DocumentRejection) {
        do {
            paths = Self.paths(of: try Archive(data: bytes, accessMode: .read))
        } catch {
            throw Self.damaged
        }
    }

    func contains(_ path: String) -> Bool { paths.contains(path) }

    /// What a ZIP that is not a workbook most likely is, for the rejection message.
    var lookalikeDescription: String {
        if contains("word/document.xml") { return "a Word document (.docx)" }
        if contains("ppt/presentation.xml") { return "a PowerPoint presentation (.pptx)" }
        if contains("mimetype") && contains("content.xml") { return "an OpenDocument file (.ods or .odt)" }
        if contains("xl/workbook.bin") { return "an Excel binary workbook (.xlsb)" }
        return "a ZIP archive"
    }

    private static func paths(of archive: Archive) -> Set<String> {
        Set(archive.map(\.path))
    }

    private static let damaged = DocumentRejection(.malformed, "The file starts like a ZIP archive (an .xlsx is one) but its table of contents is damaged. Please save the workbook again and upload the new file.")
}
