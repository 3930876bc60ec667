import Foundation
import OpsideCore

/// Claims as CSV, for the API's export and `opside claims --format csv`: the columns are the keys
/// of a listed claim's JSON, with `amount` split into `amountMinor` and `currency` and `sourceIds`
/// as its JSON text. Each row is made from the claim's JSON, so both formats always say the same.
public enum ClaimCSV {
    public static let columns = [
        "id", "type", "status", "connectionId", "marketplaceId", "fnsku", "sku", "asin", "units", "amountMinor", "currency",
        "clockStartedAt", "opensOn", "deadline", "sourceIds", "resolutionReason", "dismissedReason", "dismissedAt",
        "firstDetectedAt", "lastDetectedAt", "approvalProbability",
    ]

    public static var header: String { columns.joined(separator: ",") + "\r\n" }

    /// One claim's line (CRLF-terminated).
    public static func row(_ claim: ClaimView) throws -> String {
        var listed = claim
        listed.valuation = nil
        listed.explanation = nil
        listed.approval = nil
        let object = try JSONSerialization.jsonObject(with: try OpsideJSONEncoder().encode(listed)) as? [String: Any] ?? [:]
        let amount = object["amount"] as? [String: Any] ?? [:]
        let cells = columns.map { column -> String in
            let value: Any? = switch column {
            case "amountMinor": amount["amountMinor"]
            case "currency": amount["currency"]
            default: object[column]
            }
            return field(text(value))
        }
        return cells.joined(separator: ",") + "\r\n"
    }

    public static func document(_ claims: [ClaimView]) throws -> String {
        try claims.reduce(header) { $0 + (try row($1)) }
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return ""
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        case let nested?:
            guard let data = try? JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys]) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// RFC 4180 quoting, and a leading `'` for text a spreadsheet would run as a formula.
    static func field(_ text: String) -> String { CSVField.escape(text) }
}

/// Reads CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of fields.
enum CSVReader {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        while let scalar = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty: quoted = true
            case ",": row.append(field); field = ""
            case "\r": continue
            case "\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows.filter { !($0.count == 1 && $0[0].trimmingCharacters(in: .whitespaces).isEmpty) }
    }
}

/// A per-SKU amounts CSV upload: a header naming `sku`, `amount` (decimal, in major units: `12.34`)
/// and `currency`, optionally `marketplaceId` and `connectionId`; a leading byte-order mark is ignored.
public enum SKUAmountCSV {
    /// - Throws: `SKUAmountCSVError` naming the line and what is wrong with it.
    public static func parse(_ text: String) throws -> [SKUAmount] {
        let rows = CSVReader.rows(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw SKUAmountCSVError(line: 1, reason: "the file is empty; the header is sku,amount,currency[,marketplaceId][,connectionId]")
        }
        func index(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let sku = index("sku"), let amount = index("amount"), let currency = index("currency") else {
            throw SKUAmountCSVError(line: 1, reason: "the header needs sku, amount and currency (and may add marketplaceId, connectionId)")
        }
        let marketplace = index("marketplaceId"), connection = index("connectionId")
        return try rows.dropFirst().enumerated().map { offset, fields in
            let line = offset + 2
            func cell(_ index: Int?) -> String? {
                guard let index, index < fields.count else { return nil }
                let value = fields[index].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            guard let skuValue = cell(sku) else { throw SKUAmountCSVError(line: line, reason: "sku is empty") }
            let money: Money
            do {
                money = try Money(parsing: cell(amount) ?? "", currencyCode: cell(currency) ?? "")
            } catch {
                throw SKUAmountCSVError(line: line, reason: "amount and currency do not read: \(error)")
            }
            guard !money.isNegative else { throw SKUAmountCSVError(line: line, reason: "amount is negative") }
            var connectionId: UUID?
            if let text = cell(connection) {
                guard let id = UUID(uuidString: text) else { throw SKUAmountCSVError(line: line, reason: "connectionId is not a UUID") }
                connectionId = id
            }
            return SKUAmount(sku: skuValue, marketplaceId: cell(marketplace), connectionId: connectionId, amount: money)
        }
    }
}

public struct SKUAmountCSVError: Error, Sendable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { "line \(line): \(reason)" }
}
