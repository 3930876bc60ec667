import AsyncAlgorithms

/// A read started before its rows are wanted. The rows come over a channel in batches, at most
/// one batch waiting, so PostgreSQL works on this read while the pass before it is still being
/// netted, and memory stays one batch whatever the size of the read.
final class PrefetchedRows<Row: Sendable>: Sendable {
    private let channel: AsyncThrowingChannel<[Row], any Error>
    private let task: Task<Void, Never>

    /// Starts `read`, which hands its rows one by one to the closure it is given.
    init(batchSize: Int = 512, read: @escaping @Sendable (_ row: (Row) async throws -> Void) async throws -> Void) {
        let channel = AsyncThrowingChannel<[Row], any Error>()
        self.channel = channel
        task = Task {
            do {
                var batch: [Row] = []
                batch.reserveCapacity(batchSize)
                try await read { row in
                    // A cancelled read (its pass will not run) stops at the next row, ending its query.
                    try Task.checkCancellation()
                    batch.append(row)
                    if batch.count >= batchSize {
                        await channel.send(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { await channel.send(batch) }
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
    }

    /// Hands each row to `body` in the read's order; throws the read's error where it happened.
    func forEach(_ body: (Row) async throws -> Void) async throws {
        for try await batch in channel {
            for row in batch { try await body(row) }
        }
    }

    /// Stops the read: its pass will not run.
    func cancel() {
        task.cancel()
    }
}
