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
