import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Loads accepted uploads in the background of the process that holds their file, so that the
/// upload is answered at once (202 and the run to watch) however long the load takes. On
/// shutdown it lets the loads in flight end (each is bounded by its deadline) before the
/// process goes; a process that dies instead leaves its runs to `RunSweeper`.
final class ImportRunner: Service, Sendable {
    private let tasks = Mutex<[UUID: Task<Void, Never>]>([:])
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Starts `work` for the run `id`.
    func start(_ id: UUID, _ work: @escaping @Sendable () async -> Void) {
        tasks.withLock { tasks in
            // Created under the lock: the task's own removal waits until it is recorded.
            tasks[id] = Task {
                await work()
                _ = self.tasks.withLock { $0.removeValue(forKey: id) }
            }
        }
    }

    /// How many loads are in flight.
    var inFlight: Int { tasks.withLock { $0.count } }

    func run() async throws {
        // Cancellation (the group ending without a graceful shutdown) ends the wait the same way.
        do { try await gracefulShutdown() } catch {}
        let running = tasks.withLock { Array($0.values) }
        if !running.isEmpty { logger.info("waiting for imports in flight", metadata: ["count": "\(running.count)"]) }
        for task in running { await task.value }
    }
}
