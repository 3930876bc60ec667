import ClaimDetector
import OpsideCore
import Foundation
import Testing

/// A claim's status as of a day follows from its window alone: the ends are inclusive, and the
/// defaults are the October 2024 ones (fba-reimbursement.md §4).
@Suite struct ClaimWindowTests {
    let lostOn = CivilDate(year: 2026, month: 9, day: 1)

    @Test func warehouseLossWaitsForGraceThenClosesAfterSixtyDays() {
        let window = ClaimWindowPolicy().window(for: .warehouseLost, marketplaceId: "ATVPDKIKX0DER")
        #expect(window.status(clockStarted: lostOn, asOf: lostOn.adding(days: 13)) == .tooEarly)
        #expect(window.status(clockStarted: lostOn, asOf: lostOn.adding(days: 14)) == .claimable)
        #expect(window.status(clockStarted: lostOn, asOf: lostOn.adding(days: 60)) == .claimable)
        #expect(window.status(clockStarted: lostOn, asOf: lostOn.adding(days: 61)) == .expired)
        #expect(window.deadline(clockStarted: lostOn) == CivilDate(year: 2026, month: 10, day: 31))
    }

    @Test func europeanReturnWindowsAreShorterThanAmericanOnes() {
        let policy = ClaimWindowPolicy()
        #expect(policy.window(for: .refundWithoutReturn, marketplaceId: "ATVPDKIKX0DER") == ClaimWindow(opensAfterDays: 60, closesAfterDays: 120))
        #expect(policy.window(for: .refundWithoutReturn, marketplaceId: "A1PA6795UKMFR9") == ClaimWindow(opensAfterDays: 45, closesAfterDays: 105))
        // Only the return windows differ by marketplace by default.
        #expect(policy.window(for: .warehouseLost, marketplaceId: "A1PA6795UKMFR9") == policy.window(for: .warehouseLost, marketplaceId: "ATVPDKIKX0DER"))
    }

    @Test func daysReadAndWriteAsISO() throws {
        #expect(CivilDate(iso: "2026-02-29") == nil)
        #expect(CivilDate(iso: "2024-02-29")?.description == "2024-02-29")
        #expect(CivilDate(iso: "2026-1-05") == nil)
        #expect(CivilDate(instant: lostOn.utcMidnight.addingTimeInterval(3 * 3600), timeZone: "America/Los_Angeles") == lostOn.adding(days: -1))
    }
}

/// The `claims.windows` setting changes a type's window everywhere or in one marketplace, and
/// refuses what it cannot read.
@Suite struct ClaimWindowSettingTests {
    @Test func entriesOverrideTheDefaultsOrOneMarketplace() throws {
        let uk = "A1F83G8C2ARO7P", us = "ATVPDKIKX0DER"
        let policy = try ClaimWindowPolicy().overriding("removal_lost:15-90, warehouse_lost@\(uk):7-45")
        #expect(policy.window(for: .removalLost, marketplaceId: us) == ClaimWindow(opensAfterDays: 15, closesAfterDays: 90))
        #expect(policy.window(for: .warehouseLost, marketplaceId: uk) == ClaimWindow(opensAfterDays: 7, closesAfterDays: 45))
        #expect(policy.window(for: .warehouseLost, marketplaceId: us) == ClaimWindow(opensAfterDays: 14, closesAfterDays: 60))
        // A default for the returns replaces Europe's own return windows too.
        let returns = try ClaimWindowPolicy().overriding("refund_without_return:30-90")
        #expect(returns.window(for: .refundWithoutReturn, marketplaceId: uk) == ClaimWindow(opensAfterDays: 30, closesAfterDays: 90))
        #expect(try ClaimWindowPolicy().overriding("") == ClaimWindowPolicy())
        for bad in ["lost:1-2", "removal_lost", "removal_lost:9-3", "removal_lost:a-b", "removal_lost:-1-5"] {
            #expect(throws: ClaimWindowSettingError.self, "\(bad)") { try ClaimWindowPolicy().overriding(bad) }
        }
    }
}
