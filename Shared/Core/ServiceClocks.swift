import Foundation

/// The time of day, as a seam. Instants that are stored or compared with stored ones (an OAuth
/// state's expiry, a token's lifetime, a cron tick, a report's reuse window) are read here, so a
/// test moves time forward instead of waiting for it.
public protocol WallClock: Sendable {
    var now: Date { get }
}

/// The machine's clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public var now: Date { Date() }
}

/// The two clocks a service decides by: `wall` for instants (what time it is), `monotonic` for
/// durations (how long to wait: deadlines, intervals). `buildApplication` takes them, the
/// executable passes `.system`, a test passes clocks it moves.
public struct ServiceClocks: Sendable {
    public var wall: any WallClock
    public var monotonic: any Clock<Duration>

    public init(wall: any WallClock = SystemWallClock(), monotonic: any Clock<Duration> = ContinuousClock()) {
        self.wall = wall
        self.monotonic = monotonic
    }

    /// The machine's clocks.
    public static var system: ServiceClocks { ServiceClocks() }

    /// `wall.now` as a function, for the types that take one (token authorities, sweeps).
    public var now: @Sendable () -> Date {
        let wall = self.wall
        return { wall.now }
    }
}
