import Foundation
import OpsideCore

/// How the dashboard words and formats what the services return: one place, so every page says
/// a claim type, a status or a date the same way.
enum DashboardWords {
    /// A share as a whole percentage: 0.653 → "65 %".
    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded())) %" }

    static let claimTypes: [(key: String, label: String)] = [
        ("warehouse_lost", "Lost in a warehouse"), ("warehouse_damaged", "Damaged in a warehouse"),
        ("disposed_unrequested", "Disposed without request"), ("inbound_shortage", "Inbound shipment shortage"),
        ("refund_without_return", "Refund without return"), ("return_not_restocked", "Return not restocked"),
        ("replacement_not_returned", "Replacement not returned"), ("removal_lost", "Removal order lost"),
        ("fee_overcharge", "Fee overcharge"), ("underpaid_reimbursement", "Underpaid reimbursement"),
        ("reimbursement_reversal", "Reimbursement reversed"),
    ]

    static let claimStatuses: [(key: String, label: String)] = [
        ("claimable", "Claimable"), ("too_early", "Opens later"), ("expired", "Expired"), ("resolved", "Resolved"), ("dismissed", "Dismissed"),
    ]

    static let syncStates: [String: String] = [
        "queued": "Queued", "running": "Running", "retrying": "Retrying", "succeeded": "Done", "failed": "Failed",
        "needs_reauthorization": "Needs reconnection", "cancelled": "Cancelled",
    ]

    static let connectionStatuses: [String: String] = [
        "active": "Connected", "needs_reauthorization": "Reconnect needed", "disconnected": "Disconnected",
    ]

    /// Amazon's notification types, as the connection page names them.
    static let notificationTypes: [String: String] = [
        "ORDER_CHANGE": "Orders", "FBA_INVENTORY_AVAILABILITY_CHANGES": "FBA inventory", "REPORT_PROCESSING_FINISHED": "Reports",
    ]

    static let regions: [(key: String, label: String)] = [("na", "North America"), ("eu", "Europe"), ("fe", "Far East")]

    static func claimType(_ key: String) -> String { claimTypes.first { $0.key == key }?.label ?? key }

    /// A case's statuses in the order a seller follows them.
    static let caseStatuses: [(key: String, label: String)] = [
        ("needs_documents", "Needs documents"), ("ready", "Ready to file"), ("filing", "Filing"), ("failed", "Filing failed"),
        ("filed", "Filed, waiting for Amazon"), ("more_information_needed", "Amazon asks for more"), ("approved", "Approved"),
        ("partially_approved", "Approved in part"), ("denied", "Denied"), ("paid", "Paid"), ("partially_paid", "Paid in part"),
        ("reversed", "Reversed"), ("missed", "Deadline missed"), ("withdrawn", "Withdrawn"),
    ]
    static func caseStatus(_ key: String) -> String { caseStatuses.first { $0.key == key }?.label ?? key }

    /// The case queue's tabs: each a set of statuses.
    static let caseTabs: [(key: String, label: String, statuses: String)] = [
        ("queue", "To file", "needs_documents,ready,filing,failed"), ("filed", "With Amazon", "filed,more_information_needed"),
        ("decided", "Decided", "approved,partially_approved,denied,paid,partially_paid,reversed"), ("closed", "Closed", "missed,withdrawn"),
    ]

    static let caseActors: [String: String] = ["seller": "You", "system": "Opside", "amazon": "Amazon", "amazon_data": "Amazon's data"]
    static func claimStatus(_ key: String) -> String { claimStatuses.first { $0.key == key }?.label ?? key }
    static func dataset(_ key: String) -> String { key.replacingOccurrences(of: "_", with: " ").capitalizedFirst }

    /// `4 Dec 2026, 14:05 UTC`.
    static func instant(_ date: Date) -> String {
        date.formatted(Date.FormatStyle(date: .abbreviated, time: .shortened, timeZone: TimeZone(identifier: "UTC")!)
            .locale(Locale(identifier: "en_GB"))) + " UTC"
    }

    /// `4 Dec 2026` for an instant, its UTC day.
    static func instantDay(_ date: Date) -> String {
        day(ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate]))
    }

    /// `4 Dec 2026` for an ISO day.
    static func day(_ iso: String) -> String {
        guard let day = CivilDate(iso: iso) else { return iso }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(day.day) \(months[day.month - 1]) \(day.year)"
    }

    /// `3 days ago`, `in 2 hours`, `just now`.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        let magnitude = abs(seconds)
        let (count, unit): (Int, String) = switch magnitude {
        case ..<60: (0, "")
        case ..<3600: (magnitude / 60, "minute")
        case ..<86_400: (magnitude / 3600, "hour")
        default: (magnitude / 86_400, "day")
        }
        guard count > 0 else { return "just now" }
        let text = "\(count) \(unit)\(count == 1 ? "" : "s")"
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }

    static func interval(_ seconds: Int) -> String {
        switch seconds {
        case let s where s % 86_400 == 0: s == 86_400 ? "daily" : "every \(s / 86_400) days"
        case let s where s % 3600 == 0: s == 3600 ? "hourly" : "every \(s / 3600) hours"
        default: "every \(seconds / 60) minutes"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}

/// The overview's chart of claims found per month, drawn on the server as SVG: no script, no
/// library fetched at run time, readable by a screen reader through its title and table twin.
enum ClaimsChart {
    struct Bar {
        let month: String
        let amount: Money
        let claims: Int
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// One bar per month (months without claims drawn empty), scaled to the largest.
    static func svg(bars: [Bar], currency: Currency,
                    title: String = "Claims found per month in %@, by the month the loss happened", unit: String = "claims") -> String {
        let width = 720, height = 220, left = 8, bottom = 28, top = 18
        let plotHeight = height - bottom - top
        let largest = max(1, bars.map(\.amount.amountMinor).max() ?? 1)
        let slot = bars.isEmpty ? 0 : (width - left * 2) / bars.count
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"chart-title\">"
        svg += "<title id=\"chart-title\">\(escape(title.replacingOccurrences(of: "%@", with: currency.code)))</title>"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - left)\" y2=\"\(height - bottom)\"/>"
        for (index, bar) in bars.enumerated() {
            let barHeight = Int((Double(bar.amount.amountMinor) / Double(largest) * Double(plotHeight)).rounded())
            let x = left + index * slot + slot / 6
            let y = height - bottom - barHeight
            let label = "\(bar.month): \(bar.claims) \(unit), \(bar.amount.displayText)"
            svg += "<g><title>\(escape(label))</title>"
            svg += "<rect class=\"bar\" x=\"\(x)\" y=\(quote(y)) width=\"\(slot * 2 / 3)\" height=\"\(barHeight)\" rx=\"2\"/></g>"
            if index % 3 == 0 || index == bars.count - 1 {
                svg += "<text class=\"tick\" x=\"\(x + slot / 3)\" y=\"\(height - 8)\" text-anchor=\"middle\">\(escape(String(bar.month)))</text>"
            }
        }
        if let peak = bars.max(by: { $0.amount.amountMinor < $1.amount.amountMinor }), peak.amount.amountMinor > 0 {
            svg += "<text class=\"peak\" x=\"\(left)\" y=\"12\">largest month: \(escape(peak.amount.displayText))</text>"
        }
        return svg + "</svg>"
    }

    private static func quote(_ number: Int) -> String { "\"\(number)\"" }

    /// The months from `first` through `last` (`2026-03`), inclusive.
    static func months(endingAt last: String, count: Int) -> [String] {
        let parts = last.split(separator: "-")
        guard parts.count == 2, var year = Int(parts[0]), var month = Int(parts[1]) else { return [] }
        var result: [String] = []
        for _ in 0..<count {
            result.append(String(format: "%04d-%02d", year, month))
            month -= 1
            if month == 0 { month = 12; year -= 1 }
        }
        return result.reversed()
    }
}

// MARK: Evidence and costs

extension DashboardWords {
    static let documentStatuses: [String: String] = ["received": "Reading", "parsed": "Read", "failed": "Could not be read"]

    /// How strong a match is, in the seller's words.
    static let matchStatuses: [String: String] = [
        "ready": "Proves the claim", "prompted": "Waiting for your answer", "confirmed": "You said yes", "rejected": "You said no",
        "weak": "Too weak to use",
    ]

    static let promptStatuses: [String: String] = ["open": "Waiting", "confirmed": "Yes", "rejected": "No", "expired": "Expired"]

    /// What each of a match's features weighs.
    static let matchFeatures: [String: String] = [
        "skuOnLine": "The SKU on a line", "titleSimilarity": "A line's description like the product's title",
        "datedBeforeLoss": "Dated before the loss", "quantityCovers": "Enough units bought", "supplierConsistent": "The usual supplier",
        "currencyOfMarketplace": "The marketplace's currency",
    ]

    static let documentKinds: [String: (label: String, extensions: [String])] = [
        "pdf": ("PDF", [".pdf"]), "png": ("PNG", [".png"]), "jpeg": ("JPEG", [".jpg", ".jpeg"]), "tiff": ("TIFF", [".tif", ".tiff"]),
        "heic": ("HEIC", [".heic"]), "xlsx": ("Excel (.xlsx)", [".xlsx"]), "csv": ("CSV", [".csv"]),
    ]

    /// How the text was read.
    static func readingMethod(_ method: String?, ocrConfidence: Double?) -> String {
        switch method {
        case "pdftotext": "From the PDF's text"
        case "ocr": "Read from the image (OCR)" + (ocrConfidence.map { ", \(percent($0)) sure" } ?? "")
        case "xlsx": "From the spreadsheet"
        case "csv": "From the CSV file"
        default: "—"
        }
    }

    /// `24 MB`, `310 KB`, `812 bytes`.
    static func bytes(_ count: Int) -> String {
        switch count {
        case ..<1024: "\(count) bytes"
        case ..<(1 << 20): "\((count + 512) / 1024) KB"
        default: count % (1 << 20) == 0 ? "\(count >> 20) MB" : String(format: "%.1f MB", Double(count) / Double(1 << 20))
        }
    }

    /// An amount read from a document, exactly as written, grouped by thousands and padded to the
    /// currency's digits: `1,234.50 USD`, `0.125 USD` (a unit price may have more digits), `12 JPY`.
    static func amount(_ value: Decimal, currency: String?) -> String {
        let digits = currency.flatMap { try? Currency(code: $0) }?.minorUnitDigits ?? 2
        var plain = value.description
        let negative = plain.hasPrefix("-")
        if negative { plain.removeFirst() }
        let parts = plain.split(separator: ".", maxSplits: 1)
        var whole = String(parts.first ?? "0")
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        if fraction.count < digits { fraction += String(repeating: "0", count: digits - fraction.count) }
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        let number = (negative ? "-" : "") + grouped + (fraction.isEmpty ? "" : "." + fraction)
        return currency.map { "\(number) \($0)" } ?? number
    }

    static func amount(_ value: Decimal?, currency: String?) -> String {
        value.map { amount($0, currency: currency) } ?? "—"
    }
}

/// A SKU's unit cost on each invoice over time, drawn on the server as SVG like `ClaimsChart`:
/// a line through the invoices' costs, a dot for each, a ring around the ones flagged.
enum CostChart {
    struct Point {
        let day: CivilDate
        let cost: Decimal
        let anomalous: Bool
        /// What the dot's tooltip says.
        let label: String
    }

    /// - Parameter title: what a screen reader says the chart is.
    static func svg(points: [Point], currency: String, title: String, id: String) -> String {
        let width = 720, height = 150, left = 12, right = 12, bottom = 26, top = 20
        let sorted = points.sorted { $0.day < $1.day }
        guard let first = sorted.first, let last = sorted.last else { return "" }
        let values = sorted.map { NSDecimalNumber(decimal: $0.cost).doubleValue }
        let highest = max(values.max() ?? 0, 0.000_001) * 1.15
        let span = max(1, last.day.daysSince1970 - first.day.daysSince1970)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ day: CivilDate) -> Int {
            sorted.count == 1 ? left + plotWidth / 2 : left + Int(Double(day.daysSince1970 - first.day.daysSince1970) / Double(span) * Double(plotWidth))
        }
        func y(_ value: Double) -> Int { top + plotHeight - Int((value / highest * Double(plotHeight)).rounded()) }
        let titleID = "cost-chart-\(id)"
        var svg = "<svg class=\"chart cost-chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"\(titleID)\">"
        svg += "<title id=\"\(titleID)\">\(ClaimsChart.escape(title))</title>"
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\"/>"
        let path = zip(sorted, values).map { "\(x($0.day)),\(y($1))" }.joined(separator: " ")
        svg += "<polyline class=\"cost-line\" points=\"\(path)\"/>"
        for (point, value) in zip(sorted, values) {
            svg += "<g><title>\(ClaimsChart.escape(point.label))</title>"
            svg += "<circle class=\"\(point.anomalous ? "cost-dot anomaly" : "cost-dot")\" cx=\"\(x(point.day))\" cy=\"\(y(value))\" r=\"\(point.anomalous ? 6 : 4)\"/></g>"
        }
        svg += "<text class=\"tick\" x=\"\(left)\" y=\"\(height - 8)\">\(first.day)</text>"
        if sorted.count > 1 { svg += "<text class=\"tick\" x=\"\(width - right)\" y=\"\(height - 8)\" text-anchor=\"end\">\(last.day)</text>" }
        if let peak = sorted.max(by: { $0.cost < $1.cost }) {
            svg += "<text class=\"peak\" x=\"\(left)\" y=\"12\">highest: \(ClaimsChart.escape(DashboardWords.amount(peak.cost, currency: currency)))</text>"
        }
        return svg + "</svg>"
    }
}
