/// A field whose extraction is scored on every document.
enum PipelineField: String, CaseIterable, Sendable {
    case supplier, number, date, currency, incoterm, total
    /// Every line's quantity, unit price, line total and supplier SKU equal, in order, and no
    /// line missing or extra.
    case lines
}
