import Foundation
import OpsidePostgres

extension ClaimDetectorService {
    /// The detection rules the executable and `opside detect` run, reading the synced data
    /// through `database` (connected as claim-detector's role).
    ///
    /// The rules themselves (the `ClaimDetecting` type of docs/claim-detection.md) are built in
    /// their own branch of issue 11 and wired here when merged; until then there is nothing to run,
    /// and the service refuses to start rather than report that a seller is owed nothing.
    /// - Throws: `DetectionRulesMissing` until the rules are wired.
    public static func rules(database: Database) throws -> any ClaimDetecting {
        throw DetectionRulesMissing()
    }
}

/// This build has no detection rules wired in (`ClaimDetectorService.rules`).
public struct DetectionRulesMissing: Error, CustomStringConvertible {
    public var description: String { "claim-detector was built without its detection rules (ClaimDetectorService.rules)" }
}
