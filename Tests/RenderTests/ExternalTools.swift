import Foundation

/// Runs the command-line tools the tests read documents back with (poppler's pdftotext, pdfinfo,
/// pdffonts, pdfimages; tesseract; unzip): what a person or a parser would see.
enum ExternalTool {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let standardError: String
        var description: String { "\(command) exited \(status): \(standardError)" }
    }

    /// Runs `tool` (found on PATH) and returns its standard output.
    /// - Throws: `Failure` on a non-zero exit unless `allowFailure`.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        try String(decoding: runData(tool, arguments, allowFailure: allowFailure), as: UTF8.self)
    }

    static func runData(_ tool: String, _ arguments: [String], allowFailure: Bool = false, environment: [String: String]? = nil,
                        executable: URL? = nil) throws -> Data {
        let directory = try TemporaryDirectory()
        let outURL = directory.url.appendingPathComponent("stdout")
        let errURL = directory.url.appendingPathComponent("stderr")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        let process = Process()
        if let executable {
            process.executableURL = executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
        }
        if let environment { process.environment = environment }
        // Files rather than pipes: a tool that prints megabytes can never block on a full pipe.
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let output = try Data(contentsOf: outURL)
        if process.terminationStatus != 0 && !allowFailure {
            throw Failure(command: ([tool] + arguments).joined(separator: " "), status: process.terminationStatus,
                          standardError: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
        }
        return output
    }

    /// The text `pdftotext -layout` extracts, of pages `first...last` when given.
    static func pdfText(_ pdf: Data, first: Int? = nil, last: Int? = nil, layout: Bool = true) throws -> String {
        let directory = try TemporaryDirectory()
        let file = try directory.write(pdf, named: "document.pdf")
        var arguments = layout ? ["-layout"] : []
        if let first { arguments += ["-f", "\(first)"] }
        if let last { arguments += ["-l", "\(last)"] }
        return try run("pdftotext", arguments + [file.path, "-"])
    }

    /// `pdfinfo`'s fields by name ("Pages", "Title", …).
    static func pdfInfo(_ pdf: Data) throws -> [String: String] {
        let directory = try TemporaryDirectory()
        let file = try directory.write(pdf, named: "document.pdf")
        var fields: [String: String] = [:]
        for line in try run("pdfinfo", [file.path]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// What tesseract reads from an image file's bytes.
    static func ocr(_ image: Data, fileExtension: String = "png") throws -> String {
        let directory = try TemporaryDirectory()
        let file = try directory.write(image, named: "image.\(fileExtension)")
        return try run("tesseract", [file.path, "stdout", "--psm", "3"])
    }
}

/// A fresh directory under the system temporary directory, removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("opside-render-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ data: Data, named name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The width and height a PNG declares in its IHDR chunk, after checking its signature.
struct PNGHeader: Equatable {
    let width: Int
    let height: Int
    let bitDepth: Int
    /// 0 greyscale, 2 RGB, 6 RGBA.
    let colorType: Int

    init?(_ data: Data) {
        let bytes = [UInt8](data.prefix(33))
        guard bytes.count == 33, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
              bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
        func int(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = int(16)
        height = int(20)
        bitDepth = Int(bytes[24])
        colorType = Int(bytes[25])
    }
}
