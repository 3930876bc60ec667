import Foundation

/// Blocking work (socket reads, a large file written row by row) on a thread of its own. Swift's
/// cooperative threads are two on two cores and also run every in-process service of the test
/// process: a few blocking reads, or a minute of CPU, on them starves the servers the tests wait
/// for. (NIO's blocking pool is no better: bcrypt runs there.)
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
