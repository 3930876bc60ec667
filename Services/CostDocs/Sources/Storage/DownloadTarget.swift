import Foundation

/// The file a download writes: a temporary file beside the destination, renamed over it only once
/// the whole object was written, synced and its hash checked, so a corrupted or interrupted
/// download never leaves a file that looks complete.
final class DownloadTarget: @unchecked Sendable {
    let destination: URL
    let file: BlockingFile
    private let temporaryPath: String

    private init(destination: URL, file: BlockingFile, temporaryPath: String) {
        self.destination = destination
        self.file = file
        self.temporaryPath = temporaryPath
    }

    /// Creates the temporary file in the destination's folder (the same filesystem, so the final
    /// rename is atomic).
    static func create(for destination: URL) throws -> DownloadTarget {
        let folder = destination.deletingLastPathComponent().path
        let temporaryPath = "\(folder)/.\(destination.lastPathComponent).partial-\(UUID().uuidString.lowercased())"
        return DownloadTarget(destination: destination, file: try BlockingFile.create(temporaryPath), temporaryPath: temporaryPath)
    }

    /// Starts over (a retried download writes the object again from its first byte).
    func reset() throws {
        try file.truncateToStart()
    }

    /// Syncs the file and renames it over the destination.
    func commit() throws {
        try file.sync()
        file.close()
        guard rename(temporaryPath, destination.path) == 0 else { throw BlockingFile.failure(destination.path) }
    }

    /// Removes the temporary file (after a failure; harmless after `commit`).
    func discard() {
        file.close()
        unlink(temporaryPath)
    }

    /// Runs the blocking `body` against a new target, committing if it returns and discarding if it throws.
    static func write<T>(to destination: URL, _ body: (BlockingFile) throws -> T) throws -> T {
        let target = try create(for: destination)
        do {
            let result = try body(target.file)
            try target.commit()
            return result
        } catch {
            target.discard()
            throw error
        }
    }
}
