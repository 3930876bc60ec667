import Synchronization

/// The work did not finish by its deadline.
public struct DeadlineExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public let after: Duration
    public init(after: Duration) { self.after = after }
    public var description: String { "did not finish within \(after)" }
}

/// Runs `operation`, and answers at the deadline of `clock` whatever it is doing.
///
/// Cancellation alone cannot end work stuck in a library that ignores it (a PostgreSQL COPY
/// waiting for backpressure on a broken connection never returns): at the deadline the caller
/// gets `DeadlineExceeded` and goes on, the operation is cancelled, and is left to end when it
/// can. The clock is injected so that tests move time instead of waiting for it.
/// - Throws: `DeadlineExceeded` at the deadline; what `operation` throws before it.
public func withDeadline<T: Sendable>(_ duration: Duration, clock: any Clock<Duration>,
                                      operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let state = DeadlineState<T>()
        @Sendable func finish(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = state.waiting.withLock({ waiting in defer { waiting = nil }; return waiting }) else { return false }
        continuation.resume(with: result)
        return true
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            state.waiting.withLock { $0 = continuation }
            let work = Task {
                do {
                    _ = finish(.success(try await operation()))
                } catch {
                    _ = finish(.failure(error))
                }
                state.tasks.withLock { tasks in
                    tasks.finished = true
                    return tasks.timer
                }?.cancel()
            }
            let timer = Task {
                do { try await clock.sleep(for: duration) } catch { return }
                if finish(.failure(DeadlineExceeded(after: duration))) { work.cancel() }
            }
            let (cancelled, finished) = state.tasks.withLock { tasks in
                tasks.work = work
                tasks.timer = timer
                return (tasks.cancelled, tasks.finished)
            }
            if cancelled { work.cancel() }
            if cancelled || finished { timer.cancel() }
        }
    } onCancel: {
        let (work, timer) = state.tasks.withLock { tasks in
            tasks.cancelled = true
            return (tasks.work, tasks.timer)
        }
        work?.cancel()
        timer?.cancel()
    }
}

/// What `withDeadline`'s two tasks share: the caller's continuation (resumed once, by whichever
/// ends first) and the tasks themselves.
private final class DeadlineState<T: Sendable>: Sendable {
    let waiting = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let tasks = Mutex<(work: Task<Void, Never>?, timer: Task<Void, Never>?, cancelled: Bool, finished: Bool)>((nil, nil, false, false))
}
