import Foundation
import OpsideCore
import RefundEngine
import Testing

/// The plan that decides what files today under a daily limit per seller.
@Suite struct FilingPlanTests {
    let today = CivilDate(iso: "2026-12-05")!

    func candidate(_ deadlineInDays: Int, value: Double) -> FilingPlan.Candidate {
        FilingPlan.Candidate(id: UUID(), deadline: today.adding(days: deadlineInDays), expectedValue: value)
    }

    @Test func withRoomForTheWholeQueueEverythingFilesEarliestDeadlineFirst() {
        let late = candidate(30, value: 900), soon = candidate(2, value: 10), middle = candidate(10, value: 50)
        let plan = FilingPlan.make([late, soon, middle], today: today, capacityToday: 3, dailyLimit: 3)
        #expect(plan.today == [soon.id, middle.id, late.id])
        #expect(plan.later.isEmpty && plan.wouldMiss.isEmpty)
    }

    @Test func underTheLimitTheMostValuableFileWhileEveryDeadlineIsStillMade() {
        // One a day. Today's slot goes to the claim that cannot wait; the valuable ones with time
        // left wait for later days that still make their deadlines.
        let expiresToday = candidate(0, value: 5), valuable = candidate(5, value: 1000), alsoValuable = candidate(6, value: 800)
        let plan = FilingPlan.make([valuable, alsoValuable, expiresToday], today: today, capacityToday: 1, dailyLimit: 1)
        #expect(plan.today == [expiresToday.id])
        #expect(Set(plan.later) == [valuable.id, alsoValuable.id])
        #expect(plan.wouldMiss.isEmpty)
    }

    @Test func whenNotEveryClaimCanMakeItTheLeastValuableAreTheOnesMissed() {
        // Two claims due today, one slot: the more valuable one files.
        let cheap = candidate(0, value: 5), dear = candidate(0, value: 500)
        let plan = FilingPlan.make([cheap, dear], today: today, capacityToday: 1, dailyLimit: 1)
        #expect(plan.today == [dear.id])
        #expect(plan.wouldMiss == [cheap.id])
    }

    @Test func todaysRoomIsNeverLeftUnusedWhileCasesWaitForLaterDays() {
        // Room for two a day, three cases with weeks to go: the greedy alone would place each on
        // its last day and file none today.
        let cases = (0..<3).map { candidate(20 + $0, value: Double(100 * $0)) }
        let plan = FilingPlan.make(cases, today: today, capacityToday: 2, dailyLimit: 2)
        #expect(plan.today == [cases[0].id, cases[1].id], "the two earliest deadlines file today")
        #expect(plan.later == [cases[2].id])
    }

    @Test func aDayWithoutCapacityLeftFilesNothingTodayAndAPastDeadlineIsNeverPlanned() {
        let tomorrow = candidate(1, value: 50), overdue = candidate(-1, value: 9999)
        let plan = FilingPlan.make([tomorrow, overdue], today: today, capacityToday: 0, dailyLimit: 5)
        #expect(plan.today.isEmpty)
        #expect(plan.later == [tomorrow.id])
        #expect(plan.wouldMiss == [overdue.id])
    }
}
