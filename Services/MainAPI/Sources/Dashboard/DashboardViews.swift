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
