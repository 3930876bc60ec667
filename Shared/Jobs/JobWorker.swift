import Configuration
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import OpsideCore
import OpsideRedis
import ServiceLifecycle
import Tracing

/// How a process works its queues.
///
/// Keys: `jobs.concurrency` (jobs run at once per process, 20), `jobs.claimBatch` (most jobs
/// claimed per round trip, 50), `jobs.pollIntervalMilliseconds` (1000: the fallback when no
/// Redis wake-up comes), `jobs.shutdownGraceSeconds` (20: how long SIGTERM waits for running jobs
/// before handing them back to the queue), `jobs.rescueIntervalMilliseconds` (15000),
/// `jobs.leaderTTLSeconds` (15).
public struct JobWorkerSettings: Sendable {
    public var concurrency: Int
    public var claimBatch: Int
    public var pollInterval: Duration
    public var shutdownGrace: Duration
    public var rescueInterval: Duration
    public var leaderTTLSeconds: Int

    public init(concurrency: Int = 20, claimBatch: Int = 50, pollInterval: Duration = .seconds(1),
                shutdownGrace: Duration = .seconds(20), rescueInterval: Duration = .seconds(15), leaderTTLSeconds: Int = 15) {
        self.concurrency = concurrency
        self.claimBatch = claimBatch
        self.pollInterval = pollInterval
        self.shutdownGrace = shutdownGrace
        self.rescueInterval = rescueInterval
        self.leaderTTLSeconds = leaderTTLSeconds
    }

    public init(reader: ConfigReader) {
        self.init(
            concurrency: max(1, reader.int(forKey: "jobs.concurrency", default: 20)),
            claimBatch: max(1, reader.int(forKey: "jobs.claimBatch", default: 50)),
            pollInterval: .milliseconds(reader.int(forKey: "jobs.pollIntervalMilliseconds", default: 1000)),
            shutdownGrace: .seconds(reader.int(forKey: "jobs.shutdownGraceSeconds", default: 20)),
            rescueInterval: .milliseconds(reader.int(forKey: "jobs.rescueIntervalMilliseconds", default: 15_000)),
            leaderTTLSeconds: reader.int(forKey: "jobs.leaderTTLSeconds", default: 15))
    }
}

/// Works a set of queues in one process: claims in batches, runs handlers concurrently, renews
/// leases, records outcomes, and on SIGTERM finishes or hands back what it holds.
public final class JobWorker: Service, Sendable {
    private struct RunningJob {
        let attempt: Int
        let leaseSeconds: Int
        let task: Task<Void, Never>
    }
    private struct State {
        var running: [Int64: RunningJob] = [:]
        var cancelRequested: Set<Int64> = []
        var completions: [(id: Int64, attempt: Int)] = []
        var stopping = false
        var fairnessCursor: [String: String?] = [:]
    }

    public let workerID: String
    public let queues: [String]
    private let jobQueue: JobQueue
    private let registry: JobRegistry
    private let settings: JobWorkerSettings
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let wakeUp = WakeSignal()
    /// Where this worker's round-robin over tenants starts (and starts again after the queue ran
    /// dry): a random point of the tenant key space. Workers that all start at the first tenant
    /// sweep the same tenants together, each taking the next job of a tenant another has just
    /// served, while the last tenants wait (`Benchmarks/run fairness`, 10,000 tenants and 4
    /// workers: large sellers took 17 % of the jobs started while small sellers waited; from
    /// random points, 2 to 4 %).
    private let fairnessOrigin = UUID().uuidString.lowercased()
    private let completionsReady = WakeSignal()
    private let processed: Counter
    private let failures: Counter

    public init(queues: [String], jobQueue: JobQueue, registry: JobRegistry, settings: JobWorkerSettings,
                subscriber: RedisSubscriber?, logger: Logger, workerID: String? = nil) {
        self.queues = queues
        self.jobQueue = jobQueue
        self.registry = registry
        self.settings = settings
        self.logger = logger
        self.workerID = workerID ?? "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        self.processed = Counter(label: "opside_jobs_completed_total")
        self.failures = Counter(label: "opside_jobs_failed_total")
        let wakeChannels = Set(queues.map(JobQueue.wakeChannel))
        subscriber?.onMessage { [weak self] message in
            guard let self else { return }
            if wakeChannels.contains(message.channel) {
                self.wakeUp.signal()
            } else if message.channel == JobQueue.controlChannel, let id = Int64(message.payload) {
                self.requestCancel(id)
            }
        }
    }

    /// Channels a process's subscriber must listen on for these queues.
    public static func channels(for queues: [String]) -> [String] {
        queues.map(JobQueue.wakeChannel) + [JobQueue.controlChannel]
    }

    /// How many jobs this worker is running right now.
    public var runningCount: Int { state.withLockedValue { $0.running.count } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.renewLeasesLoop() }
                group.addTask { await self.completionLoop() }
                await self.claimLoop()
                await self.drain()
                group.cancelAll()
            }
            await self.flushCompletions()
        } onGracefulShutdown: {
            self.state.withLockedValue { $0.stopping = true }
            self.wakeUp.signal()
        }
    }

    /// Stopping on SIGTERM (graceful) or because the task running the worker was cancelled.
    private var isStopping: Bool { state.withLockedValue { $0.stopping } || Task.isCancelled }

    // MARK: Claiming

    private func claimLoop() async {
        var lastPromotion = ContinuousClock.now - .seconds(10)
        while !isStopping {
            do {
                if ContinuousClock.now - lastPromotion >= settings.pollInterval {
                    lastPromotion = .now
                    try await jobQueue.promoteDueJobs(queues: queues)
                }
                var claimedAny = false
                for queue in queues {
                    let free = settings.concurrency - runningCount
                    guard free > 0, !isStopping else { break }
                    let jobs = try await claim(queue: queue, limit: min(free, settings.claimBatch))
                    claimedAny = claimedAny || !jobs.isEmpty
                    for job in jobs { start(job) }
                }
                if !claimedAny || runningCount >= settings.concurrency {
                    await wakeUp.wait(timeout: settings.pollInterval)
                }
            } catch {
                logger.warning("job claim failed; retrying", metadata: ["error": "\(error)"])
                await wakeUp.wait(timeout: settings.pollInterval)
            }
        }
    }

    /// Claims round-robin across tenants, continuing after the last tenant served and wrapping.
    private func claim(queue: String, limit: Int) async throws -> [ClaimedJob] {
        let cursor: String = state.withLockedValue { $0.fairnessCursor[queue] ?? nil } ?? fairnessOrigin
        var jobs = try await jobQueue.claim(queue: queue, limit: limit, workerID: workerID, afterFairnessKey: cursor)
        if jobs.count < limit {
            jobs += try await jobQueue.claim(queue: queue, limit: limit - jobs.count, workerID: workerID, afterFairnessKey: nil)
        }
        // Continue after the last tenant served; the fairness key of a system job is "".
        let lastKey = jobs.map { $0.tenantID?.uuidString.lowercased() ?? "" }.max()
        state.withLockedValue { $0.fairnessCursor[queue] = lastKey }
        return jobs
    }

    // MARK: Running

    private func start(_ job: ClaimedJob) {
        state.withLockedValue { state in
            let task = Task { await self.execute(job) }
            state.running[job.id] = RunningJob(attempt: job.attempt, leaseSeconds: job.leaseSeconds, task: task)
        }
    }

    private func execute(_ job: ClaimedJob) async {
        var jobLogger = logger
        jobLogger[metadataKey: "job"] = "\(job.id)"
        jobLogger[metadataKey: "kind"] = "\(job.kind)"
        if let requestID = job.requestID { jobLogger[metadataKey: "requestId"] = "\(requestID)" }
        let context = JobContext(job: job, logger: jobLogger)
        let outcome: Result<Void, any Error>
        if let entry = registry.entry(for: job.kind) {
            do {
                // One span per run, a child of the span that enqueued the job.
                try await withSpan("job \(job.kind)", context: TraceContextCarrier.context(traceParent: job.traceParent),
                                   ofKind: .consumer) { span in
                    span.attributes["job.id"] = Int(job.id)
                    span.attributes["job.queue"] = job.queue
                    span.attributes["job.attempt"] = job.attempt
                    try await RequestScope.$requestID.withValue(job.requestID ?? "job-\(job.id)") {
                        try await entry.handler(job, context)
                    }
                }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(JobOutcome.cancel(reason: "no handler for job kind \(job.kind) in \(queues)"))
        }
        // A cancelled job's task is itself cancelled, which would fail the database write that
        // records the outcome; record it from a fresh task that does not inherit cancellation.
        let outcomeToRecord = outcome
        await Task { await self.record(job, outcome: outcomeToRecord, logger: jobLogger) }.value
        state.withLockedValue { _ = $0.running.removeValue(forKey: job.id); $0.cancelRequested.remove(job.id) }
        wakeUp.signal()
    }

    private func record(_ job: ClaimedJob, outcome: Result<Void, any Error>, logger: Logger) async {
        let (cancelRequested, stopping) = state.withLockedValue { ($0.cancelRequested.contains(job.id), $0.stopping) }
        do {
            switch outcome {
            case .success:
                state.withLockedValue { $0.completions.append((job.id, job.attempt)) }
                completionsReady.signal()
                processed.increment()
            case .failure(let error) where cancelRequested:
                try await jobQueue.finishCancelled(id: job.id, attempt: job.attempt, workerID: workerID,
                                                   reason: "cancelled by request (\(error))")
            case .failure(JobOutcome.cancel(let reason)):
                logger.warning("job cancelled by its handler", metadata: ["reason": "\(reason)"])
                try await jobQueue.finishCancelled(id: job.id, attempt: job.attempt, workerID: workerID, reason: reason)
            case .failure(JobOutcome.snooze(let seconds)):
                try await jobQueue.release(id: job.id, attempt: job.attempt, workerID: workerID, delaySeconds: seconds)
            case .failure(let error) where stopping && error is CancellationError:
                // Shutdown outlasted the grace period: hand the job back without spending an attempt.
                try await jobQueue.release(id: job.id, attempt: job.attempt, workerID: workerID, delaySeconds: 0)
            case .failure(let error):
                failures.increment()
                let delay = registry.entry(for: job.kind)?.retryPolicy.delay(afterAttempt: job.attempt)
                    ?? RetryPolicy.standard.delay(afterAttempt: job.attempt)
                logger.warning("job failed", metadata: ["attempt": "\(job.attempt)", "error": "\(error)"])
                try await jobQueue.fail(id: job.id, attempt: job.attempt, workerID: workerID,
                                        error: String(describing: error), retryDelay: delay)
            }
        } catch {
            // The lease will expire and the rescuer will retry the job: at-least-once, never lost.
            logger.error("could not record job outcome", metadata: ["error": "\(error)"])
        }
    }

    private func requestCancel(_ id: Int64) {
        let task: Task<Void, Never>? = state.withLockedValue { state in
            guard let running = state.running[id] else { return nil }
            state.cancelRequested.insert(id)
            return running.task
        }
        task?.cancel()
    }

    // MARK: Background loops

    private func completionLoop() async {
        while !Task.isCancelled {
            await completionsReady.wait(timeout: .milliseconds(200))
            await flushCompletions()
        }
    }

    private func flushCompletions() async {
        let batch = state.withLockedValue { state in
            defer { state.completions.removeAll(keepingCapacity: true) }
            return state.completions
        }
        guard !batch.isEmpty else { return }
        do {
            try await jobQueue.complete(batch, workerID: workerID)
        } catch {
            logger.error("could not record completions; their leases will lapse and they will be retried",
                         metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }

    private func renewLeasesLoop() async {
        while !Task.isCancelled {
            let (ids, shortestLease) = state.withLockedValue { state in
                (Array(state.running.keys), state.running.values.map(\.leaseSeconds).min() ?? 30)
            }
            do {
                for id in try await jobQueue.renewLeases(ids: ids, workerID: workerID) { requestCancel(id) }
            } catch {
                logger.warning("lease renewal failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(max(200, shortestLease * 1000 / 3)))
        }
    }

    /// Waits for running jobs up to the grace period, then cancels the rest so they hand back.
    private func drain() async {
        state.withLockedValue { $0.stopping = true }
        let deadline = ContinuousClock.now + settings.shutdownGrace
        while runningCount > 0, ContinuousClock.now < deadline {
            await wakeUp.wait(timeout: .milliseconds(100))
        }
        let leftovers = state.withLockedValue { Array($0.running.values) }
        for job in leftovers { job.task.cancel() }
        for job in leftovers { await job.task.value }
    }
}
