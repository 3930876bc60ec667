import Foundation
import OpsideCostDocsAccess
import OpsideDocuments
import ZIPFoundation

/// The ZIP of a proof packet, built in memory so the same files give the same bytes: entries in
/// path order, each with the same modification date and permissions, deflated, and last a
/// `manifest.sha256` in `sha256sum`'s format, which `sha256sum -c manifest.sha256` checks after
/// unzipping.
public enum ProofPacketArchive {
    public static let manifestPath = "manifest.sha256"

    /// - Returns: the ZIP's bytes and the manifest of the files in it (the manifest itself aside).
    public static func make(files: [(path: String, bytes: Data)], modifiedAt: Date) throws -> (data: Data, manifest: [ProofSummaryContent.File]) {
        let sorted = files.sorted { $0.path < $1.path }
        let manifest = sorted.map { ProofSummaryContent.File(path: $0.path, sha256: ContentHash(of: $0.bytes).hex, sizeBytes: $0.bytes.count) }
        let manifestText = manifest.map { "\($0.sha256)  \($0.path)\n" }.joined()
        let archive = try Archive(data: Data(), accessMode: .create)
        // ZIP keeps local time to two seconds; a date on an even second reads back the same.
        let date = Date(timeIntervalSince1970: (modifiedAt.timeIntervalSince1970 / 2).rounded(.down) * 2)
        for (path, bytes) in sorted + [(manifestPath, Data(manifestText.utf8))] {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: date, permissions: 0o644,
                                 compressionMethod: .deflate) { position, size in
                bytes.subdata(in: Int(position)..<min(bytes.count, Int(position) + size))
            }
        }
        guard let data = archive.data else { throw ProofPacketError("the packet's ZIP could not be written") }
        return (data, manifest)
    }

    /// Checks a packet: every file the manifest lists is in the ZIP with that hash, and nothing else is.
    /// - Returns: the files' paths, checked.
    public static func verify(_ zip: Data) throws -> [String] {
        let archive = try Archive(data: zip, accessMode: .read)
        var contents: [String: Data] = [:]
        for entry in archive where entry.type == .file {
            var bytes = Data()
            _ = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
            contents[entry.path] = bytes
        }
        guard let manifest = contents[manifestPath].map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ProofPacketError("the packet has no \(manifestPath)")
        }
        var checked: [String] = []
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { throw ProofPacketError("the manifest line '\(line)' does not read") }
            let path = String(parts[1].drop { $0 == " " })
            guard let bytes = contents[path] else { throw ProofPacketError("the manifest lists \(path), which is not in the packet") }
            guard ContentHash(of: bytes).hex == parts[0] else { throw ProofPacketError("\(path) does not have the hash the manifest gives") }
            checked.append(path)
        }
        let unlisted = Set(contents.keys).subtracting(checked + [manifestPath])
        guard unlisted.isEmpty else { throw ProofPacketError("the packet holds files the manifest does not list: \(unlisted.sorted())") }
        return checked
    }
}

public struct ProofPacketError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
