import ArgumentParser
import Foundation
import OpsideDocumentSamples

/// Writes a supplier invoice as a text PDF, with the lines asked for: deploy/up's demo seller
/// uploads what this makes, as a seller would upload the invoices their suppliers sent.
@main
struct SampleInvoiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opside-sample-invoice",
        abstract: "Write a supplier invoice PDF with the given lines (for the demo seller and by hand).")

    @Option(help: "The invoice number.")
    var number: String

    @Option(help: "The invoice's date, YYYY-MM-DD.")
    var date: String

    @Option(help: "The ISO currency code.")
    var currency = "USD"

    @Option(help: "The supplier's name.")
    var supplier = "Shenzhen Huaxin Trading Co., Ltd."

    @Option(name: .customLong("line"), help: "A line, 'description|seller SKU (may be empty)|quantity|unit price'; repeat for more.")
    var lines: [String]

    @Option(help: "A seed for the layout's other details (addresses, terms).")
    var seed: UInt64 = 1

    @Option(help: "Where to write the PDF.")
    var out: String

    func run() throws {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { throw ValidationError("--date must be YYYY-MM-DD, not '\(date)'") }
        let specs = try lines.map { text -> SampleInvoice.LineSpec in
            let fields = text.split(separator: "|", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, let quantity = Int(fields[2]), let price = Decimal(string: fields[3]) else {
                throw ValidationError("--line must be 'description|sku|quantity|unit price', not '\(text)'")
            }
            return SampleInvoice.LineSpec(description: fields[0], sellerSku: fields[1].isEmpty ? nil : fields[1], quantity: quantity, unitPrice: price)
        }
        guard !specs.isEmpty else { throw ValidationError("give at least one --line") }
        let invoice = SampleInvoice.with(lines: specs, number: number, issueDate: SampleDate(year: parts[0], month: parts[1], day: parts[2]),
                                         currency: currency, supplier: supplier, seed: seed)
        try SampleDocumentRenderer.textPDF(invoice, layout: .classic).write(to: URL(fileURLWithPath: out))
    }
}
