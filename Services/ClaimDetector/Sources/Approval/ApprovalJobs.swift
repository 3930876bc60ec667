import Foundation
import OpsideEvents
import OpsideJobs

/// The approval model's jobs: every `case.status_changed` is recorded on its claim, and the model
/// is retrained daily on the decided cases (`approval.trainingSchedule`, by the injected clock).
/// A decision arriving while the newest model is stale (none yet, more than a day old, or trained
/// on a fifth fewer decided cases than there now are, as while an installation's first outcomes
/// arrive) trains one at once rather than at the next tick.
public struct ApprovalJobs: Sendable {
    /// The daily training.
    public static let trainingKind = "claim-detector.approval-training"

    let approval: ApprovalLearning
    let settings: ClaimDetectorSettings
    let jobQueue: JobQueue

    public init(approval: ApprovalLearning, settings: ClaimDetectorSettings, jobQueue: JobQueue) {
        self.approval = approval
        self.settings = settings
        self.jobQueue = jobQueue
    }

    static var trainingJob: NewJob {
        NewJob(queue: DetectionJobs.queue, kind: trainingKind, maxAttempts: 3, uniqueKey: trainingKind)
    }

    public func register(in jobs: inout JobRegistry) {
        jobs.consume(EventConsumers.learnFromCaseOutcomes) { change, envelope, context in
            guard let tenant = envelope.tenantId else {
                throw JobOutcome.cancel(reason: "case.status_changed \(envelope.id) names no tenant")
            }
            guard try await approval.record(change, tenant: tenant, occurredAt: envelope.occurredAt) else {
                context.logger.warning("a case names a claim claim-detector does not have", metadata: ["claim": "\(change.claimId)"])
                return
            }
            if ApprovalLearning.isDecision(change.toStatus), try await approval.modelIsStale() {
                _ = try await jobQueue.enqueue(Self.trainingJob)
            }
        }
        jobs.register(Self.trainingKind, retryPolicy: RetryPolicy(capSeconds: 600)) { _, context in
            let model = try await approval.train()
            context.logger.info("approval model trained", metadata: [
                "examples": "\(model.examples)", "brier": "\(model.calibration.map { String($0.brierScore) } ?? "none")",
                "calibration": "\(model.calibrationMethod)",
            ])
        }
    }

    public var cron: [CronEntry] {
        [CronEntry(name: Self.trainingKind, schedule: settings.approvalTrainingSchedule) { _ in Self.trainingJob }]
    }
}
