import Foundation

/// A private folder for one test run's documents and the parser's work folders, removed when the
/// run is done with it, so repeated runs never fill the disk (a corpus holds a 200 MB sparse file
/// and a zip bomb).
final class PipelineFolder: Sendable {
    let url: URL

    init(_ purpose: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("opside-pipeline-\(purpose)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A subfolder, created if missing.
    func folder(_ name: String) throws -> URL {
        let folder = url.appendingPathComponent(name, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}

/// Runs blocking work (cairo rendering, scan effects, file writes) on a Dispatch thread rather
/// than Swift's cooperative pool, which the concurrent parses need.
func offCooperativePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try work() })
        }
    }
}
