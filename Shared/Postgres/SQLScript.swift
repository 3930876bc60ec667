import Logging
import PostgresNIO

/// A file of SQL statements. PostgresNIO speaks only the extended protocol, which takes one
/// statement at a time, so scripts are split here: on semicolons outside quotes, dollar-quoted
/// bodies (`DO $$ … $$`, functions) and comments.
public enum SQLScript {
    public static func statements(in sql: String) -> [String] {
        var statements: [String] = []
        var current: [Character] = []
        let characters = Array(sql)
        var index = 0
        func flush() {
            let statement = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty, statement.contains(where: { !$0.isWhitespace }) && !isOnlyComments(statement) {
                statements.append(statement)
            }
            current.removeAll()
        }
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "-" where next == "-":
                while index < characters.count, characters[index] != "\n" { current.append(characters[index]); index += 1 }
                continue
            case "/" where next == "*":
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == "/", index > 0, characters[index - 1] == "*", current.count > 2 { index += 1; break }
                    index += 1
                }
                continue
            case "'", "\"":
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            current.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                continue
            case "$":
                if let tag = dollarTag(characters, at: index) {
                    current.append(contentsOf: tag)
                    index += tag.count
                    while index < characters.count {
                        if characters[index] == "$", Array(characters[index..<min(characters.count, index + tag.count)]) == tag {
                            current.append(contentsOf: tag)
                            index += tag.count
                            break
                        }
                        current.append(characters[index])
                        index += 1
                    }
                    continue
                }
            case ";":
                flush()
                index += 1
                continue
            default:
                break
            }
            current.append(character)
            index += 1
        }
        flush()
        return statements
    }

    /// Runs every statement of `sql` in order on `connection`.
    public static func run(_ sql: String, on connection: PostgresConnection, logger: Logger) async throws {
        for statement in statements(in: sql) {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// `$tag$` or `$$` starting at `index`, or nil when the `$` is a parameter like `$1`.
    private static func dollarTag(_ characters: [Character], at index: Int) -> [Character]? {
        var end = index + 1
        while end < characters.count, characters[end] == "_" || characters[end].isLetter || (characters[end].isNumber && end > index + 1) {
            end += 1
        }
        guard end < characters.count, characters[end] == "$" else { return nil }
        return Array(characters[index...end])
    }

    private static func isOnlyComments(_ statement: String) -> Bool {
        statement.split(separator: "\n").allSatisfy { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("--")
        }
    }
}
