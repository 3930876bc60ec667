import Foundation

/// Per family and field: how many documents had it right, and a few misses to show a person.
struct FieldAccuracy: Sendable {
    struct Tally: Sendable {
        var correct = 0
        var documents = 0
        /// The first misses, "file: found ≠ planted".
        var misses: [String] = []

        var accuracy: Double { documents == 0 ? 0 : Double(correct) / Double(documents) }
    }

    static let missesKept = 4

    private(set) var tallies: [DocumentFamily: [PipelineField: Tally]] = [:]
    /// Documents the parser refused, per family: each is a miss on every field.
    private(set) var rejected: [DocumentFamily: [String]] = [:]

    mutating func record(_ family: DocumentFamily, _ field: PipelineField, correct: Bool, file: String, miss: String) {
        var tally = tallies[family, default: [:]][field, default: Tally()]
        tally.documents += 1
        if correct {
            tally.correct += 1
        } else if tally.misses.count < Self.missesKept {
            tally.misses.append("\(file): \(miss)")
        }
        tallies[family, default: [:]][field] = tally
    }

    mutating func recordRejection(_ family: DocumentFamily, file: String, reason: String) {
        rejected[family, default: []].append("\(file): \(reason)")
        for field in PipelineField.allCases {
            record(family, field, correct: false, file: file, miss: "refused: \(reason)")
        }
    }

    func tally(_ family: DocumentFamily, _ field: PipelineField) -> Tally {
        tallies[family]?[field] ?? Tally()
    }

    /// A table for a person: a row per family, a column per field, percent correct.
    var table: String {
        let fields = PipelineField.allCases
        let familyWidth = 10
        var text = "family".padding(toLength: familyWidth, withPad: " ", startingAt: 0) + "  docs"
        for field in fields { text += field.rawValue.leftPadded(to: 10) }
        text += "\n"
        for family in DocumentFamily.allCases {
            guard let row = tallies[family] else { continue }
            text += family.rawValue.padding(toLength: familyWidth, withPad: " ", startingAt: 0)
            text += String(row[.lines]?.documents ?? 0).leftPadded(to: 6)
            for field in fields {
                text += String(format: "%.0f%%", (row[field]?.accuracy ?? 0) * 100).leftPadded(to: 10)
            }
            text += "\n"
        }
        return text
    }

    /// The misses kept, one per line, for a person to see what goes wrong.
    var missReport: String {
        var text = ""
        for family in DocumentFamily.allCases {
            for field in PipelineField.allCases {
                for miss in tally(family, field).misses { text += "  miss \(family.rawValue).\(field.rawValue): \(miss)\n" }
            }
        }
        return text
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
