import Foundation
import Testing
@testable import OpsideInvoices

/// Field accuracy of the extractor over generated documents with planted truth: 200 per layout,
/// every field compared exactly (lines: all lines equal in description, codes, quantity, unit
/// price and total). The figures print per field; the floors are what the extractor reaches,
/// so a regression fails.
@Suite struct InvoiceExtractionAccuracyTests {
    static let documentsPerLayout = 200

    enum Field: String, CaseIterable {
        case documentType, supplier, number, date, currency, incoterm, lines, freight, duty, otherCharges, subtotal, tax, total
    }

    struct Measurement {
        var correct: [Field: Int] = [:]
        var total = 0
        var failures: [Field: [String]] = [:]
        var extracting: Duration = .zero

        func accuracy(_ field: Field) -> Double { total == 0 ? 0 : Double(correct[field] ?? 0) / Double(total) }
    }

    static func measure(_ layout: InvoiceLayout) -> Measurement {
        let seed: UInt64 = 0x0F5_1DE0 &+ UInt64(InvoiceLayout.allCases.firstIndex(of: layout)!) &* 7919
        var measurement = Measurement()
        let extractor = InvoiceExtractor()
        for document in PlantedInvoiceFactory.make(layout, count: documentsPerLayout, seed: seed) {
            let clock = ContinuousClock()
            let start = clock.now
            let fields = extractor.extract(InvoiceDocument(pages: document.pages))
            measurement.extracting += clock.now - start
            let truth = document.truth
            measurement.total += 1
            let lines = fields.lines.map(PlantedTruth.Line.init)
            let comparisons: [(Field, Bool, String)] = [
                (.documentType, fields.documentType == truth.documentType, "\(fields.documentType) ≠ \(truth.documentType)"),
                (.supplier, fields.supplier == truth.supplier, "\(fields.supplier ?? "nil") ≠ \(truth.supplier ?? "nil")"),
                (.number, fields.number == truth.number, "\(fields.number ?? "nil") ≠ \(truth.number ?? "nil")"),
                (.date, fields.date == truth.date, "\(fields.date.map(String.init(describing:)) ?? "nil") ≠ \(truth.date.map(String.init(describing:)) ?? "nil")"),
                (.currency, fields.currency == truth.currency, "\(fields.currency ?? "nil") ≠ \(truth.currency ?? "nil")"),
                (.incoterm, fields.incoterm == truth.incoterm, "\(String(describing: fields.incoterm)) ≠ \(String(describing: truth.incoterm))"),
                (.lines, lines == truth.lines, Self.lineDifference(lines, truth.lines)),
                (.freight, fields.freight == truth.freight, "\(String(describing: fields.freight)) ≠ \(String(describing: truth.freight))"),
                (.duty, fields.duty == truth.duty, "\(String(describing: fields.duty)) ≠ \(String(describing: truth.duty))"),
                (.otherCharges, fields.otherCharges == truth.otherCharges, "\(String(describing: fields.otherCharges)) ≠ \(String(describing: truth.otherCharges))"),
                (.subtotal, fields.subtotal == truth.subtotal, "\(String(describing: fields.subtotal)) ≠ \(String(describing: truth.subtotal))"),
                (.tax, fields.tax == truth.tax, "\(String(describing: fields.tax)) ≠ \(String(describing: truth.tax))"),
                (.total, fields.total == truth.total, "\(String(describing: fields.total)) ≠ \(String(describing: truth.total))"),
            ]
            if let folder = ProcessInfo.processInfo.environment["INVOICE_ACCURACY_DUMP"], comparisons.contains(where: { !$0.1 }) {
                // Failing documents with what differed, for a person to look at.
                let name = "\(folder)/\(layout.rawValue)-\(measurement.total).txt"
                let report = comparisons.filter { !$0.1 }.map { "\($0.0.rawValue): \($0.2)" }.joined(separator: "\n")
                try? (report + "\n\n" + document.pages.joined(separator: "\n\u{0C}\n")).write(toFile: name, atomically: true, encoding: .utf8)
            }
            for (field, ok, difference) in comparisons {
                if ok {
                    measurement.correct[field, default: 0] += 1
                } else if (measurement.failures[field]?.count ?? 0) < 3 {
                    measurement.failures[field, default: []].append(difference)
                }
            }
        }
        return measurement
    }

    static func lineDifference(_ found: [PlantedTruth.Line], _ truth: [PlantedTruth.Line]) -> String {
        guard found.count == truth.count else { return "\(found.count) lines ≠ \(truth.count) planted" }
        for (index, (lhs, rhs)) in zip(found, truth).enumerated() where lhs != rhs {
            return "line \(index + 1): \(lhs.summary) ≠ \(rhs.summary)"
        }
        return ""
    }

    /// Floors: what the extractor measured when written (1.000 on every clean layout; on OCR
    /// text 0.990 for lines, 1.000 elsewhere), lowered by a couple of documents' worth of slack.
    static func floor(_ layout: InvoiceLayout, _ field: Field) -> Double {
        switch (layout, field) {
        case (.ocrNoised, .lines): 0.97
        case (.ocrNoised, _): 0.98
        default: 0.99
        }
    }

    @Test(arguments: InvoiceLayout.allCases)
    func fieldAccuracyStaysAboveTheFloor(layout: InvoiceLayout) {
        let measurement = Self.measure(layout)
        let milliseconds = Double(measurement.extracting.components.seconds) * 1000 + Double(measurement.extracting.components.attoseconds) / 1e15
        var report = "accuracy \(layout.rawValue) (\(measurement.total) documents, \(String(format: "%.1f", milliseconds / Double(max(1, measurement.total)))) ms each):"
        for field in Field.allCases {
            report += String(format: " %@ %.3f", field.rawValue, measurement.accuracy(field))
        }
        print(report)
        for field in Field.allCases {
            for failure in measurement.failures[field] ?? [] { print("  miss \(layout.rawValue).\(field.rawValue): \(failure)") }
        }
        for field in Field.allCases {
            #expect(measurement.accuracy(field) >= Self.floor(layout, field), "\(layout.rawValue).\(field.rawValue) fell to \(measurement.accuracy(field))")
        }
    }
}
