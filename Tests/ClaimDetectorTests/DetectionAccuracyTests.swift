import AmazonSandbox
import ClaimDetector
import Foundation
import InventorySync
import InventorySyncTesting
import OpsideAmazonData
import OpsideCore
import OpsidePostgres
import OpsideTesting
import Testing

/// The detector measured against the sandbox's ground truth: generated sellers of several seeds
/// and sizes, synced through the SP-API path and again imported from the same reports as files,
/// scored on (type, FNSKU, primary source id, units, status), with values and traps checked.
@Suite(.serialized) struct DetectionAccuracyTests {
    struct Seller: Sendable, CustomTestStringConvertible {
        let seed: UInt64
        let skus: Int
        let months: Int
        /// Which money report the file path imports (the settlement report, or the Date Range
        /// transaction report): the same money either way.
        let moneyReport: String
        var testDescription: String { "seed \(seed), \(skus) SKUs, \(months) months, \(moneyReport)" }
    }

    static let sellers = [
        Seller(seed: 11, skus: 25, months: 12, moneyReport: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"),
        Seller(seed: 12, skus: 30, months: 8, moneyReport: "GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA"),
        Seller(seed: 13, skus: 15, months: 18, moneyReport: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"),
    ]

    /// The reports a seller downloads from Seller Central for detection.
    static let inventoryReports = [
        "GET_LEDGER_DETAIL_VIEW_DATA", "GET_FBA_REIMBURSEMENTS_DATA", "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
        "GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA", "GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA",
        "GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA", "GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA",
    ]

    @Test(arguments: sellers)
    func detectionFindsWhatTheSandboxPlantedThroughTheAPIAndThroughFiles(_ size: Seller) async throws {
        let database = try await TestDatabase.create()
        let stack = try await SandboxSync.start(database: database)
        defer { stack.stop() }
        let (sandbox, service, claims) = (stack.sandbox, stack.service, stack.claims)
        let tenant = UUID(), synced = UUID(), imported = UUID()
        let seller = try await stack.connectSeller(seed: size.seed, skus: size.skus, months: size.months, tenant: tenant, connection: synced)

        // The API path: every dataset synced as for a connected seller.
        let runs = try await service.syncAndWait(tenant: tenant, connection: synced, timeout: .seconds(300))
        for run in runs { #expect(run.state == "succeeded", "\(run.dataset): \(run.errorMessage ?? "")") }

        // The file path: the same reports downloaded and imported into an import-only connection.
        for type in Self.inventoryReports + [size.moneyReport] {
            let bytes = try await sandbox.reportText(seller, type: type)
            let (reply, run, result) = try await service.importAndWait(tenant: tenant, connection: imported, body: Data(bytes))
            #expect(reply.status == 202 && run?.state == "succeeded", "\(type): \(reply.status) \(run?.errorMessage ?? reply.text)")
            #expect(result?.rowsQuarantined == 0, "\(type) quarantined lines \(result?.quarantinedLines ?? [])")
        }

        let truth = try await stack.groundTruth(seller)
        let asOf = try CivilDate(iso: truth.today).unwrap("the sandbox's today")
        let currency = try Currency(code: try truth.claims.first.unwrap("a planted claim").currency)
        let costs = truth.unitCosts.mapValues { Money(amountMinor: $0, currency: currency) }
        let engine = ClaimRulesEngine(reader: AmazonDataReader(database: claims))
        let windows = ClaimWindowPolicy()

        for (path, connection) in [("API", synced), ("files", imported)] {
            var detected: [DetectedClaim] = []
            try await engine.detect(DetectionRequest(tenantId: tenant, connectionId: connection, marketplaceId: truth.marketplaceId, asOf: asOf,
                                                     unitCosts: costs)) { detected.append($0) }
            // Inbound shipments come from the Fulfillment Inbound API only: no file carries them.
            let expected = path == "files" ? truth.claims.filter { $0.type != ClaimType.inboundShortage.rawValue } : truth.claims
            let score = AccuracyScore(expected: expected, detected: detected.filter(\.isOwed), windows: windows, asOf: asOf)
            print("claim detection, \(size.testDescription), \(path) path:\n\(score.table)\n\(score.mismatches)")
            #expect(score.precision >= 0.98, "\(path): precision \(score.precision)\n\(score.mismatches)")
            #expect(score.recall >= 0.95, "\(path): recall \(score.recall)\n\(score.mismatches)")
            for (type, ratio) in score.valueRatios {
                #expect(abs(ratio - 1) <= 0.01, "\(path): \(type) detected value is \(ratio) of the planted value")
            }
            #expect(abs(score.totalValueRatio - 1) <= 0.01, "\(path): total detected value is \(score.totalValueRatio) of the planted value")
            for trap in truth.traps {
                let caught = detected.filter { $0.isOwed && $0.type.rawValue == trap.claimType && $0.sourceIds[$0.type.primarySource] == trap.sourceId }
                if let owed = trap.owedUnits {
                    #expect(caught.allSatisfy { $0.units == owed }, "\(path): trap \(trap.kind) \(trap.sourceId) claimed \(caught.map(\.units)), owed \(owed)")
                } else {
                    #expect(caught.isEmpty, "\(path): trap \(trap.kind) \(trap.sourceId) became a claim")
                }
            }
        }
    }
}

/// Precision and recall of detected claims against planted ones, overall and per type.
struct AccuracyScore {
    struct Key: Hashable, CustomStringConvertible {
        let type: String
        let item: String
        let source: String
        let units: Int
        let status: String
        var description: String { "\(type) \(item) \(source) ×\(units) \(status)" }
    }

    let expected: [Key: Int64]
    let detected: [Key: Int64]
    let matched: Set<Key>

    init(expected claims: [GroundTruthClaim], detected found: [DetectedClaim], windows: ClaimWindowPolicy, asOf: CivilDate) {
        var expected: [Key: Int64] = [:]
        for claim in claims {
            expected[Key(type: claim.type, item: claim.fnsku, source: claim.sourceId, units: claim.units, status: claim.status), default: 0] += claim.amountMinor
        }
        var detected: [Key: Int64] = [:]
        let fnskuBySKU = Dictionary(claims.map { ($0.sku, $0.fnsku) }, uniquingKeysWith: { first, _ in first })
        for claim in found {
            let status = windows.window(for: claim.type, marketplaceId: claim.marketplaceId).status(clockStarted: claim.clockStartedOn, asOf: asOf)
            let item = claim.fnsku ?? claim.sku.flatMap { fnskuBySKU[$0] } ?? claim.sku ?? ""
            let key = Key(type: claim.type.rawValue, item: item, source: claim.sourceIds[claim.type.primarySource] ?? "", units: claim.units,
                          status: status.rawValue)
            detected[key, default: 0] += claim.amount.amountMinor
        }
        self.expected = expected
        self.detected = detected
        matched = Set(expected.keys).intersection(detected.keys)
    }

    var precision: Double { detected.isEmpty ? 1 : Double(matched.count) / Double(detected.count) }
    var recall: Double { expected.isEmpty ? 1 : Double(matched.count) / Double(expected.count) }

    /// Detected value over planted value, per type.
    var valueRatios: [String: Double] {
        let types = Set(expected.keys.map(\.type))
        return Dictionary(uniqueKeysWithValues: types.map { type in
            let planted = expected.filter { $0.key.type == type }.values.reduce(0, +)
            let found = detected.filter { $0.key.type == type }.values.reduce(0, +)
            return (type, planted == 0 ? (found == 0 ? 1 : .infinity) : Double(found) / Double(planted))
        })
    }

    var totalValueRatio: Double {
        let planted = expected.values.reduce(0, +)
        return planted == 0 ? 1 : Double(detected.values.reduce(0, +)) / Double(planted)
    }

    /// One line per type: planted, detected, matched, precision, recall, value ratio.
    var table: String {
        let types = Set(expected.keys.map(\.type)).union(detected.keys.map(\.type)).sorted()
        var lines = ["    type                      planted detected matched precision recall value"]
        for type in types {
            let planted = expected.keys.filter { $0.type == type }.count
            let found = detected.keys.filter { $0.type == type }.count
            let hits = matched.filter { $0.type == type }.count
            let precision = found == 0 ? 1 : Double(hits) / Double(found)
            let recall = planted == 0 ? 1 : Double(hits) / Double(planted)
            lines.append("    " + [type.padding(toLength: 25, withPad: " ", startingAt: 0), String(planted).leftPadded(7), String(found).leftPadded(8),
                                     String(hits).leftPadded(7), String(format: "%9.3f", precision), String(format: "%6.3f", recall),
                                     String(format: "%6.3f", valueRatios[type] ?? 0)].joined(separator: " "))
        }
        lines.append("    all: precision \(String(format: "%.4f", precision)), recall \(String(format: "%.4f", recall)), value \(String(format: "%.4f", totalValueRatio))")
        return lines.joined(separator: "\n")
    }

    /// The first missed and unexpected keys, for a failure message.
    var mismatches: String {
        let missed = Set(expected.keys).subtracting(matched).map(\.description).sorted().prefix(15)
        let extra = Set(detected.keys).subtracting(matched).map(\.description).sorted().prefix(15)
        return "missed: \(missed.joined(separator: "; "))\nunexpected: \(extra.joined(separator: "; "))"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
