import Foundation
import OpsideAmazonData
import OpsidePostgres

extension ClaimDetectorService {
    /// The detection rules the executable and `opside detect` run: `ClaimRulesEngine` reading the
    /// synced data through `database`, connected as claim-detector's role (read-only on the
    /// `amazon` schema, row-level security applied).
    public static func rules(database: Database) throws -> any ClaimDetecting {
        ClaimRulesEngine(reader: AmazonDataReader(database: database))
    }
}
