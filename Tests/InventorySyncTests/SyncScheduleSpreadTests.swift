import Foundation
import InventorySync
import OpsideCore
import Testing

/// 10,000 sellers' sync schedules fall due over the day, not in the same minute: each
/// connection's datasets run at its own slots, and a connection's datasets at different ones.
@Suite struct SyncScheduleSpreadTests {
    static let connections: [UUID] = {
        var random = SplitMix64(seed: 10_000)
        return (0..<10_000).map { _ in
            let high = random.next(), low = random.next()
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: high >> ($0 * 8)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> ($0 * 8)) }
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }()

    @Test func tenThousandSellersConnectedAtOnceSyncOverTheDayNotAtOneMinute() throws {
        let connected = try Date("2026-12-07T12:00:00Z", strategy: .iso8601)
        // A day of the scheduler's ticks: every daily dataset's first scheduled run, per minute.
        var perMinute: [Int: Int] = [:]
        for connection in Self.connections {
            for dataset in [SyncDataset.listings, .financialEvents, .ledgerDetail] {
                let first = dataset.nextScheduledRun(after: connected, intervalSeconds: 86_400, connection: connection)
                #expect(first >= connected.addingTimeInterval(43_200) && first < connected.addingTimeInterval(129_600))
                perMinute[Int(first.timeIntervalSince1970 / 60), default: 0] += 1
            }
        }
        let runs = Self.connections.count * 3
        let busiest = perMinute.values.max() ?? 0
        // 30,000 runs over 1,440 minutes is about 21 a minute; all at once would be 30,000.
        #expect(busiest <= 50, "the busiest minute starts \(busiest) of \(runs) daily syncs")
        #expect(perMinute.count >= 1_400, "\(perMinute.count) of 1,440 minutes start a sync")
    }

    @Test func aConnectionsDatasetsDoNotAllFallDueTogether() throws {
        let now = try Date("2026-12-07T12:00:00Z", strategy: .iso8601)
        var together = 0
        for connection in Self.connections.prefix(1_000) {
            let minutes = Set([SyncDataset.listings, .financialEvents, .ledgerDetail, .reimbursements, .customerReturns].map {
                Int($0.nextScheduledRun(after: now, intervalSeconds: 86_400, connection: connection).timeIntervalSince1970 / 60)
            })
            if minutes.count < 5 { together += 1 }
        }
        // Five daily datasets over 1,440 minutes: two in one minute for about 0.7 % of connections.
        #expect(together < 30, "\(together) of 1,000 connections have two daily datasets due in the same minute")
    }
}
