import Foundation
import Logging
import OpsideJobs

/// The partner programme's sweep on the injected clock: accrue and transfer what is due (what
/// an event missed), then make the scheduled payouts.
public struct PartnerSweep: Sendable {
    public static let jobKind = "payments.partner-sweep"

    let earnings: PartnerEarnings
    let payouts: PartnerPayouts
    let settings: PartnerSettings
    let queue: String

    public init(earnings: PartnerEarnings, payouts: PartnerPayouts, settings: PartnerSettings, queue: String) {
        self.earnings = earnings
        self.payouts = payouts
        self.settings = settings
        self.queue = queue
    }

    public func register(in jobs: inout JobRegistry) {
        earnings.register(in: &jobs)
        jobs.register(Self.jobKind, retryPolicy: RetryPolicy(capSeconds: 1800)) { _, context in
            let summary = try await earnings.run()
            let paidOut = try await payouts.runSchedule()
            context.logger.info("partner sweep", metadata: ["accrued": "\(summary.accrued)", "transfers": "\(summary.transfersSent)",
                                                            "scheduledPayouts": "\(paidOut)"])
        }
    }

    public var cron: [CronEntry] {
        [CronEntry(name: Self.jobKind, schedule: settings.schedule) { _ in
            NewJob(queue: queue, kind: Self.jobKind, maxAttempts: 3, uniqueKey: Self.jobKind)
        }]
    }
}

/// What the partner programme does with Stripe's events: Connect events (`event.account` names
/// the partner's account) for the account and its payouts, and the platform's `balance.available`
/// for transfers that waited for funds. Every handler reads the object from Stripe as it is now,
/// so a duplicated or reordered event changes nothing.
public struct PartnerWebhookHandlers: Sendable {
    let accounts: PartnerAccounts
    let earnings: PartnerEarnings
    let payouts: PartnerPayouts

    public init(accounts: PartnerAccounts, earnings: PartnerEarnings, payouts: PartnerPayouts) {
        self.accounts = accounts
        self.earnings = earnings
        self.payouts = payouts
    }

    public var handlers: [String: ProcessStripeEvent.Handler] {
        var handlers: [String: ProcessStripeEvent.Handler] = [
            "account.updated": { payload, _ in
                guard let account = Self.connectedAccount(payload) ?? Self.objectId(payload) else { return }
                try await accounts.accountChanged(accountId: account)
            },
            "capability.updated": { payload, _ in
                guard let account = Self.connectedAccount(payload) else { return }
                try await accounts.accountChanged(accountId: account)
            },
            "account.application.deauthorized": { payload, _ in
                guard let account = Self.connectedAccount(payload) else { return }
                try await accounts.disconnected(accountId: account)
            },
            "balance.available": { payload, _ in
                // The platform's funds arrived: transfers that waited for them go now. A
                // connected account's balance is read live by its page; nothing to do.
                guard Self.connectedAccount(payload) == nil else { return }
                let created = payload["created"] as? Int ?? 0
                try await earnings.enqueueRun(reason: "balance-available-\(created)")
            },
        ]
        for type in ["payout.created", "payout.updated", "payout.paid", "payout.failed", "payout.canceled"] {
            handlers[type] = { payload, _ in
                guard let account = Self.connectedAccount(payload), let payout = Self.objectId(payload) else { return }
                try await payouts.payoutChanged(payoutId: payout, accountId: account)
            }
        }
        return handlers
    }

    static func connectedAccount(_ payload: [String: Any]) -> String? {
        (payload["account"] as? String).flatMap { $0.hasPrefix("acct_") ? $0 : nil }
    }

    static func objectId(_ payload: [String: Any]) -> String? {
        ((payload["data"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String
    }
}
