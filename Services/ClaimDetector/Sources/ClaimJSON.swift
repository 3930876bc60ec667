import OpsideCore

/// The JSON the claim store writes into its `json` columns: the suite's style, keys sorted so
/// the same value is always the same text (a claim's content hash is taken over it).
///
/// A run writes a kilobyte of it for each of hundreds of thousands of claims, so the three values
/// are written member by member (`JSONByteWriter`), in sorted key order, instead of through the
/// generic encoder, which took a third of a large seller's detection. The bytes are the same as
/// `encoder`'s; the tests compare them.
enum ClaimJSON {
    static let encoder: OpsideJSONEncoder = {
        var encoder = OpsideJSONEncoder()
        encoder.sortedKeys = true
        return encoder
    }()

    static func write(_ valuation: ClaimValuation, to json: inout JSONByteWriter) {
        json.object { json in
            json.member("basis", valuation.basis.rawValue)
            json.member("isEstimate", valuation.isEstimate)
            json.member("source", valuation.source)
            if let unitValue = valuation.unitValue { json.member("unitValue") { $0.money(unitValue) } }
        }
    }

    /// Source ids by kind, keys sorted.
    static func write(_ sourceIds: [ClaimSourceKind: String], to json: inout JSONByteWriter) {
        json.object { json in
            for (kind, id) in sourceIds.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { json.member(kind.rawValue, id) }
        }
    }

    static func write(_ explanation: ClaimExplanation, to json: inout JSONByteWriter) {
        json.object { json in
            json.member("netting") { json in
                json.array { json in
                    for step in explanation.netting {
                        json.object { json in
                            json.member("label", step.label)
                            json.member("units", step.units)
                        }
                    }
                }
            }
            json.member("sourceRows") { json in
                json.array { json in
                    for row in explanation.sourceRows { write(row, to: &json) }
                }
            }
            json.member("summary", explanation.summary)
        }
    }

    static func write(_ row: ClaimSourceRow, to json: inout JSONByteWriter) {
        json.object { json in
            if let amount = row.amount { json.member("amount") { $0.money(amount) } }
            json.member("dataset", row.dataset)
            json.member("date", row.date?.description)
            json.member("description", row.description)
            json.member("quantity", row.quantity)
            json.member("rowId", row.rowId)
        }
    }
}
