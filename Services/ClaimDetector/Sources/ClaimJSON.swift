import OpsideCore

/// The JSON the claim store writes into its `jsonb` columns: the suite's style, keys sorted so
/// the same value is always the same text.
enum ClaimJSON {
    static let encoder: OpsideJSONEncoder = {
        var encoder = OpsideJSONEncoder()
        encoder.sortedKeys = true
        return encoder
    }()
}
