import Foundation

/// Where in its period a tenant's recurring work falls, so that 10,000 sellers' hourly syncs are
/// spread over the hour and their daily work over the day, instead of all falling due in the
/// same minute (every seller connected by one import, or every schedule on the same cron line).
///
/// Each key (a connection and what recurs for it) gets a fixed phase in [0, 1) from a hash of
/// its text: the same key always lands on the same minute of the period, on every replica and
/// after every restart, and a tick that runs late does not drift the seller's slot. The hash is
/// FNV-1a (64 bits): keys here are UUIDs, whose random bits it spreads evenly, and unlike
/// Swift's `Hasher` it is the same in every process.
public enum ScheduleSpread {
    /// The key's fixed place in any period, in [0, 1).
    public static func phase(of key: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        // The top 53 bits: a Double holds them exactly, so the phase is never rounded up to 1.
        return Double(hash >> 11) / Double(UInt64(1) << 53)
    }

    /// How far into a window of `window` seconds the key's work starts.
    public static func offset(for key: String, within window: TimeInterval) -> TimeInterval {
        max(0, window) * phase(of: key)
    }

    /// The key's first slot strictly after `instant`, for work that recurs every `period`
    /// seconds: slots are `period` apart, each at the key's phase of the period (counted from the
    /// Unix epoch, so every process agrees). A non-positive period gives `instant` itself.
    public static func nextSlot(after instant: Date, period: TimeInterval, key: String) -> Date {
        guard period > 0 else { return instant }
        let offset = self.offset(for: key, within: period)
        let elapsed = instant.timeIntervalSince1970 - offset
        let slot = offset + (floor(elapsed / period) + 1) * period
        return Date(timeIntervalSince1970: slot)
    }

    /// The key's occurrence of a fixed-time schedule spread over `window`: the first
    /// `calendar time + offset` strictly after `instant`, for work that may only start once the
    /// calendar time has passed (a report Amazon completes at 08:00) but need not start then.
    public static func next(after instant: Date, calendar: CronSchedule, window: TimeInterval, key: String) -> Date {
        let offset = self.offset(for: key, within: window)
        return calendar.next(after: instant.addingTimeInterval(-offset)).addingTimeInterval(offset)
    }
}
