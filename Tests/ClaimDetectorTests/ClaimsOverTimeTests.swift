import AmazonSandbox
import ClaimDetector
import Foundation
import InventorySyncTesting
import OpsideAmazonData
import OpsideCore
import OpsideEvents
import OpsideJobs
import OpsidePostgres
import OpsideTesting
import PostgresNIO
import Testing

/// The product's loop over time, end to end: a seller synced from the sandbox, claims detected
/// and stored; then the sandbox's clock moved on, the seller synced again (only what changed since
/// the watermarks) and detected again, as the daily run does. On each day the stored claims are
/// the sandbox's ground truth of that day; between the days claims moved from too early to
/// claimable (and on to expired), and claims whose money arrived were resolved with the reason,
/// never deleted.
@Suite(.serialized) struct ClaimsOverTimeTests {
    /// A stored claim as the ground truth keys it.
    struct Key: Hashable, CustomStringConvertible {
        let type: String
        let item: String
        let source: String
        var description: String { "\(type) \(item) \(source)" }
    }

    struct Stored {
        let units: Int
        let status: String
        let resolution: String?
        let reopened: Bool
    }

    @Test func storedClaimsFollowTheGroundTruthAsTheSandboxClockMoves() async throws {
        let database = try await ClaimStack.migrated()
        let stack = try await SandboxSync.start(database: database)
        defer { stack.stop() }
        let (sandbox, service, claims) = (stack.sandbox, stack.service, stack.claims)
        let tenant = UUID(), connection = UUID()
        let seller = try await stack.connectSeller(seed: 31, skus: 20, months: 8, tenant: tenant, connection: connection)
        // claim-detector's parts on the sandbox's clock: "today" is the sandbox's day.
        let parts = ClaimDetectorService.Parts(
            database: claims, outbox: EventOutbox(producer: .claimDetector, redis: nil, logger: TestEnvironment.logger),
            detector: ClaimRulesEngine(reader: AmazonDataReader(database: claims)), clocks: ServiceClocks(wall: sandbox.clock),
            settings: ClaimDetectorSettings(dailySchedule: try CronSchedule("0 6 * * *"), approvalTrainingSchedule: try CronSchedule("30 5 * * *")), logger: TestEnvironment.logger)

        var days: [(truth: [Key: GroundTruthClaim], stored: [Key: Stored])] = []
        for step in 0..<3 {
            if step > 0 { try await sandbox.admin(.POST, "/_sandbox/clock", ["advanceDays": 40]) }
            let runs = try await service.syncAndWait(tenant: tenant, connection: connection, timeout: .seconds(300))
            for run in runs { #expect(run.state == "succeeded", "day \(step) \(run.dataset): \(run.errorMessage ?? "")") }
            let truth = try await stack.groundTruth(seller)
            if step == 0 {
                let currency = try Currency(code: try truth.claims.first.unwrap("a planted claim").currency)
                try await parts.amounts.set(.unitCost, tenant: tenant, amounts: truth.unitCosts.map { SKUAmount(sku: $0.key, amount: Money(amountMinor: $0.value, currency: currency)) },
                                            source: "seller", at: Date())
            }
            let run = try await parts.detection.detect(tenant: tenant, connection: connection, asOf: nil, trigger: .schedule)
            #expect(run.state == .succeeded && run.asOf == nil)
            #expect(parts.detection.today(marketplaceId: truth.marketplaceId).description == truth.today, "detection's today is the sandbox's")

            let fnskuBySKU = Dictionary(truth.claims.map { ($0.sku, $0.fnsku) }, uniquingKeysWith: { first, _ in first })
            let expected = Dictionary(truth.claims.map { (Key(type: $0.type, item: $0.fnsku, source: $0.sourceId), $0) }, uniquingKeysWith: { first, _ in first })
            let stored = try await Self.storedClaims(database, connection: connection, fnskuBySKU: fnskuBySKU)
            let live = stored.filter { ["too_early", "claimable", "expired"].contains($0.value.status) }
            let matched = expected.filter { key, claim in live[key].map { $0.units == claim.units && $0.status == claim.status } ?? false }
            let precision = live.isEmpty ? 1 : Double(matched.count) / Double(live.count)
            let recall = expected.isEmpty ? 1 : Double(matched.count) / Double(expected.count)
            let missed = expected.filter { matched[$0.key] == nil }.map { "\($0.key) ×\($0.value.units) \($0.value.status) stored: \(stored[$0.key].map { "×\($0.units) \($0.status)" } ?? "none")" }
            let unexpected = live.filter { expected[$0.key] == nil }.map { "\($0.key) ×\($0.value.units) \($0.value.status)" }
            print("claims over time, day \(step) (\(truth.today)): \(expected.count) planted, \(live.count) stored open, precision \(precision), recall \(recall)")
            #expect(precision >= 0.98 && recall >= 0.95, "day \(step): missed \(missed.sorted()), unexpected \(unexpected.sorted())")
            days.append((expected, stored))
        }

        // Between the days: statuses moved with the clock, and money that arrived resolved claims.
        for (before, after) in zip(days.dropLast(), days.dropFirst()) {
            let moved = before.truth.filter { key, claim in after.truth[key].map { $0.status != claim.status } ?? false }
            #expect(!moved.isEmpty, "some claim's status moves between the days (a seed whose history shows it)")
            for (key, claim) in moved where after.stored[key]?.status != after.truth[key]?.status {
                let sameSource = after.stored.filter { $0.key.source == key.source }.map { "\($0.key) ×\($0.value.units) \($0.value.status)" }
                Issue.record("\(key) moved from \(claim.status) to \(after.truth[key]?.status ?? "?"), stored as \(after.stored[key]?.status ?? "nothing"); stored from its source: \(sameSource)")
            }
            // Paid in full (a reimbursement, a return) since the day before: resolved, with the reason, still there.
            let paid = before.truth.keys.filter { after.truth[$0] == nil }
            for key in paid {
                let stored = after.stored[key]
                #expect(stored?.status == "resolved" && stored?.resolution?.isEmpty == false, "\(key) was made good: stored as \(String(describing: stored))")
            }
            // A claim that comes back after being resolved (a reversal) is the same claim, reopened.
            for (key, stored) in after.stored where before.stored[key]?.status == "resolved" && after.truth[key] != nil {
                #expect(stored.reopened && stored.status != "resolved", "\(key) came back: stored as \(stored)")
            }
        }
        let resolvedOverall = days.last.map { $0.stored.values.filter { $0.status == "resolved" }.count } ?? 0
        #expect(resolvedOverall > 0, "some claim was made good over the 80 days")
    }

    /// Every claim stored for the connection, keyed as the ground truth keys it.
    static func storedClaims(_ database: TestDatabase, connection: UUID, fnskuBySKU: [String: String]) async throws -> [Key: Stored] {
        try await database.withSuperuser { db in
            let rows = try await db.query("""
                SELECT claim_type, fnsku, sku, source_ids::text, units, status, resolution_reason, reopened_at IS NOT NULL
                FROM claims.claims WHERE connection_id = \(connection)
                """, logger: TestEnvironment.logger)
            var stored: [Key: Stored] = [:]
            for try await (type, fnsku, sku, sourceIds, units, status, resolution, reopened)
                in rows.decode((String, String?, String?, String, Int, String, String?, Bool).self) {
                let claimType = try ClaimType(rawValue: type).unwrap("a known claim type")
                let ids = try JSONDecoder().decode([String: String].self, from: Data(sourceIds.utf8))
                let item = fnsku ?? sku.flatMap { fnskuBySKU[$0] } ?? sku ?? ""
                stored[Key(type: type, item: item, source: ids[claimType.primarySource.rawValue] ?? "")] =
                    Stored(units: units, status: status, resolution: resolution, reopened: reopened)
            }
            return stored
        }
    }
}
