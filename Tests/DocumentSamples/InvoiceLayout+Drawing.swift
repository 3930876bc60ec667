import OpsideRender

extension InvoiceLayout {
    /// The pages of `invoice` drawn in this layout.
    public func pages(for invoice: SampleInvoice, measurer: TextMeasurer = TextMeasurer()) -> [PageCanvas] {
        let accent = Self.accents[Int(Self.stableHash(invoice.supplier.name) % UInt64(Self.accents.count))]
        return switch self {
        case .classic: ClassicInvoiceLayout(invoice: invoice, accent: accent, measurer: measurer).draw()
        case .modern: ModernInvoiceLayout(invoice: invoice, accent: accent, measurer: measurer).draw()
        case .commercial: CommercialInvoiceLayout(invoice: invoice, measurer: measurer).draw()
        case .europe: EuropeanInvoiceLayout(invoice: invoice, accent: accent, measurer: measurer).draw()
        case .purchaseOrder: PurchaseOrderLayout(invoice: invoice, accent: accent, measurer: measurer).draw()
        case .multiPage: MultiPageInvoiceLayout(invoice: invoice, accent: accent, measurer: measurer).draw()
        }
    }

    /// The page size a supplier in this country prints on.
    static func pageSize(for invoice: SampleInvoice) -> PageSize {
        invoice.supplier.countryCode == "US" ? .letter : .a4
    }

    static let accents: [RenderColor] = [RenderColor(hex: 0x1F4E79), RenderColor(hex: 0x2E7D32), RenderColor(hex: 0x8E2430),
                                         RenderColor(hex: 0x5B3A8C), RenderColor(hex: 0x00695C), RenderColor(hex: 0xB45309)]

    /// FNV-1a: a hash that is the same in every process (Swift's `hashValue` is seeded per run).
    static func stableHash(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
