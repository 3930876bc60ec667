import ArgumentParser
import Foundation
import Logging
import NIOConcurrencyHelpers
import OpsideBenchmarkSupport
import OpsideJobs
import OpsidePostgres
import ServiceLifecycle

/// `opside-bench fairness`: the job queue shared by 10,000 tenants, worked by several worker
/// processes at once, as an agency's fleet would be.
///
/// The load is the worst case for a first-come queue: a few large sellers' backlogs (a first sync
/// each, thousands of jobs) are enqueued first, then every other seller's few jobs. A queue that
/// served in order would make each small seller wait for all of the large sellers' work. The
/// round-robin claim (`JobQueue.claim`, one tenant's job after another's) should start every
/// small seller's work within a pass over the tenants, and leave the large sellers the capacity
/// nobody else wants. Printed: the time to each tenant's first job and to its last, by kind of
/// seller, and the large sellers' share of the work started while small sellers still waited.
struct FairnessBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fairness",
                                                    abstract: "Job-queue fairness across many tenants with several workers.")

    @OptionGroup var servers: ServerOptions
    @Option(help: "Tenants in all.") var tenants = 10_000
    @Option(help: "Of them, large sellers with a backlog.") var largeTenants = 10
    @Option(help: "Jobs per large seller.") var largeJobs = 2_000
    @Option(help: "Jobs per other seller.") var smallJobs = 2
    @Option(help: "Worker processes (each with its own connection pool, as on separate machines).") var workers = 4
    @Option(help: "Jobs run at once by each worker.") var concurrency = 20
    @Option(help: "Jobs claimed per round trip (production's default is 50).") var batch = 50
    @Option(help: "Milliseconds each job takes (an await, as a job's I/O is).") var jobMilliseconds = 2

    /// Per tenant: when its first job started and its last finished, and how many ran.
    struct TenantTimes {
        var firstStart: ContinuousClock.Instant?
        var starts: [ContinuousClock.Instant] = []
        var lastEnd: ContinuousClock.Instant?
        var done = 0
    }

    func run() async throws {
        var logger = Logger(label: "opside.bench")
        logger.logLevel = .error
        let redis = servers.redis()
        let large = Array((0..<largeTenants).map { _ in UUID() })
        let small = Array((0..<max(0, tenants - largeTenants)).map { _ in UUID() })
        let total = large.count * largeJobs + small.count * smallJobs
        print("Opside job-queue fairness: \(tenants) tenants (\(large.count) with \(largeJobs) jobs each, enqueued first; \(small.count) with \(smallJobs)),"
              + " \(total) jobs of \(jobMilliseconds) ms, \(workers) worker processes × concurrency \(concurrency), claim batch \(batch)")
        try await servers.withScratchDatabase(maxConnections: 8, logger: logger) { settings in
            let setup = Database(settings: settings, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await setup.client.run() }
                try await PlatformMigrations.migrator().apply(on: setup)
                let queue = JobQueue(database: setup, redis: nil, logger: logger)
                // The large sellers' backlogs first, then everyone else's: the order a first-come queue would serve.
                for tenant in large {
                    try await queue.enqueueBatch(queue: "fair", kind: "bench.work", arguments: Array(repeating: "{}", count: largeJobs), tenantIDs: Array(repeating: Optional(tenant), count: largeJobs))
                }
                var index = 0
                while index < small.count {
                    let slice = small[index..<min(small.count, index + 2_500)]
                    let ids = slice.flatMap { Array(repeating: Optional($0), count: smallJobs) }
                    try await queue.enqueueBatch(queue: "fair", kind: "bench.work", arguments: Array(repeating: "{}", count: ids.count), tenantIDs: ids)
                    index += slice.count
                }
                group.cancelAll()
            }
            let times = NIOLockedValueBox<[UUID: TenantTimes]>([:])
            let smallWaiting = NIOLockedValueBox(small.count)
            let largeSet = Set(large)
            // Starts of large sellers' jobs while some small seller had not yet started: their share of the work then.
            let startsWhileWaiting = NIOLockedValueBox((large: 0, all: 0))
            var registry = JobRegistry()
            let pause = Duration.milliseconds(jobMilliseconds)
            registry.register("bench.work") { job, _ in
                guard let tenant = job.tenantID else { return }
                let started = ContinuousClock.now
                let firstOfSmall = times.withLockedValue { all -> Bool in
                    let first = all[tenant]?.firstStart == nil
                    if first { all[tenant, default: TenantTimes()].firstStart = started }
                    all[tenant, default: TenantTimes()].starts.append(started)
                    return first && !largeSet.contains(tenant)
                }
                if smallWaiting.withLockedValue({ $0 }) > 0 {
                    startsWhileWaiting.withLockedValue { $0 = (large: $0.large + (largeSet.contains(tenant) ? 1 : 0), all: $0.all + 1) }
                }
                if firstOfSmall { smallWaiting.withLockedValue { $0 -= 1 } }
                if pause > .zero { try await Task.sleep(for: pause) }
                let ended = ContinuousClock.now
                times.withLockedValue { all in
                    all[tenant, default: TenantTimes()].lastEnd = ended
                    all[tenant, default: TenantTimes()].done += 1
                }
            }
            let pools = (0..<workers).map { _ in Database(settings: settings, logger: logger) }
            let workerSettings = JobWorkerSettings(concurrency: concurrency, claimBatch: batch, pollInterval: .milliseconds(50))
            var services: [any Service] = pools.map {
                JobWorker(queues: ["fair"], jobQueue: JobQueue(database: $0, redis: nil, logger: logger), registry: registry,
                          settings: workerSettings, subscriber: nil, logger: logger)
            }
            // The queue's leader, as every service runs one: it keeps the table's statistics current.
            services.append(QueueMaintenance(leaderName: "bench-fair", queues: ["fair"],
                                             jobQueue: JobQueue(database: pools[0], redis: nil, logger: logger), cron: [],
                                             settings: workerSettings, logger: logger))
            let start = ContinuousClock.now
            let elapsed: Duration = try await withThrowingTaskGroup(of: Duration?.self) { group in
                for pool in pools { group.addTask { await pool.client.run(); return nil } }
                let serviceGroup = ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
                group.addTask { try await serviceGroup.run(); return nil }
                while times.withLockedValue({ $0.values.reduce(0) { $0 + $1.done } }) < total {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let elapsed = ContinuousClock.now - start
                await serviceGroup.triggerGracefulShutdown()
                group.cancelAll()
                return elapsed
            }
            report(times: times.withLockedValue { $0 }, large: large, small: small, start: start, elapsed: elapsed, total: total,
                   startsWhileWaiting: startsWhileWaiting.withLockedValue { $0 })
        }
        try await redis.shutdown()
    }

    private func report(times: [UUID: TenantTimes], large: [UUID], small: [UUID], start: ContinuousClock.Instant, elapsed: Duration,
                        total: Int, startsWhileWaiting: (large: Int, all: Int)) {
        let throughput = Double(total) / seconds(elapsed)
        print(String(format: "all %d jobs done in %.1f s: %.0f jobs/s across the %d workers", total, seconds(elapsed), throughput, workers))
        func line(_ label: String, _ values: [Double]) {
            let sorted = values.sorted()
            print(String(format: "  %@: p50 %.2f s, p99 %.2f s, max %.2f s", label, percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last ?? 0))
        }
        let smallFirst = small.compactMap { times[$0]?.firstStart.map { seconds($0 - start) } }
        let smallLast = small.compactMap { times[$0]?.lastEnd.map { seconds($0 - start) } }
        let largeLast = large.compactMap { times[$0]?.lastEnd.map { seconds($0 - start) } }
        print("small sellers (\(small.count), \(smallJobs) jobs each, enqueued after \(large.count * largeJobs) large-seller jobs):")
        line("first job started after", smallFirst)
        line("all their jobs done after", smallLast)
        print("large sellers (\(large.count), \(largeJobs) jobs each):")
        line("all their jobs done after", largeLast)
        let firstCome = Double(large.count * largeJobs) / throughput
        print(String(format: "first-come order at the same rate would start the first small seller after %.1f s (behind every large seller's job)", firstCome))
        if startsWhileWaiting.all > 0 {
            let share = Double(startsWhileWaiting.large) / Double(startsWhileWaiting.all)
            let fair = Double(large.count) / Double(large.count + small.count)
            print(String(format: "while small sellers still waited, large sellers took %.2f %% of the jobs started (%d of %d; an equal share per tenant would be %.2f %%)",
                         share * 100, startsWhileWaiting.large, startsWhileWaiting.all, fair * 100))
        }
        // The run in tenths: jobs started, and small sellers' first jobs among them.
        let tenth = seconds(elapsed) / 10
        var started = [Int](repeating: 0, count: 10), firsts = [Int](repeating: 0, count: 10)
        for (tenant, time) in times {
            for at in time.starts { started[min(9, Int(seconds(at - start) / tenth))] += 1 }
            if !large.contains(tenant), let first = time.firstStart { firsts[min(9, Int(seconds(first - start) / tenth))] += 1 }
        }
        print("by tenth of the run (\(String(format: "%.1f", tenth)) s each): jobs started \(started), small sellers' first jobs \(firsts)")
        let starved = small.filter { times[$0]?.done != smallJobs }.count + large.filter { times[$0]?.done != largeJobs }.count
        print("tenants left with work undone: \(starved)")
        print("assumptions: one PostgreSQL for the queue; every job enqueued before the workers start (a backlog, the hardest case);"
              + " worker processes simulated as separate connection pools in one process; job time is an await, not CPU")
    }
}
