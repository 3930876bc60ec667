import NIOConcurrencyHelpers

/// A level-triggered signal with one waiter: any number of `signal()` calls between two waits
/// wake one wait. Workers wait on it with a poll timeout, so a lost signal costs one poll interval.
public final class WakeSignal: Sendable {
    private struct Waiter {
        let generation: UInt64
        let continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }
    private struct State {
        var pending = false
        var generation: UInt64 = 0
        var waiter: Waiter?
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    public func signal() {
        let waiter: Waiter? = state.withLockedValue { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.timer?.cancel()
        waiter?.continuation.resume()
    }

    /// Returns when signalled or after `timeout`, whichever is first.
    public func wait(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation: UInt64? = state.withLockedValue { state in
                if state.pending {
                    state.pending = false
                    return nil
                }
                state.generation &+= 1
                state.waiter = Waiter(generation: state.generation, continuation: continuation, timer: nil)
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            let timer = Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self.expire(generation)
            }
            let alreadyWoken = state.withLockedValue { state in
                guard state.waiter?.generation == generation else { return true }
                state.waiter?.timer = timer
                return false
            }
            if alreadyWoken { timer.cancel() }
        }
    }

    private func expire(_ generation: UInt64) {
        let waiter: Waiter? = state.withLockedValue { state in
            guard let waiter = state.waiter, waiter.generation == generation else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume()
    }
}
