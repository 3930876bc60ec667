import Crypto
import Foundation
import OpsideAmazonData
import OpsideCore

/// An event's key: the MD5 (hex) of its identity values as text, joined by U+001F, NULL spelled
/// `\N` (so (a, NULL) ≠ (NULL, a)). Hashed in SQL from the stored values, or while staging from
/// the staged text where a table's sources give PostgreSQL's own text form (`eventKeyWhileStaging`).
enum EventKey {
    /// The key of the row in SQL, from the columns of `table.identity`.
    static func sql(_ table: AmazonTable) -> String {
        "md5(concat_ws(chr(31), " + table.identity.map { "coalesce(\($0)::text, '\\N')" }.joined(separator: ", ") + "))"
    }

    /// The key of a staged row whose identity values are at `positions`; `text` is scratch
    /// space kept between rows.
    static func hash(_ row: [String?], at positions: [Int], text: inout [UInt8]) -> String {
        text.removeAll(keepingCapacity: true)
        for (index, position) in positions.enumerated() {
            if index > 0 { text.append(0x1F) }
            if var value = row[position] {
                value.withUTF8 { text.append(contentsOf: $0) }
            } else {
                text.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            }
        }
        let digest = Insecure.MD5.hash(data: text)
        let hexDigits = HexDigits.lowercase
        return String(unsafeUninitializedCapacity: 2 * Insecure.MD5.byteCount) { output in
            var written = 0
            for byte in digest {
                output[written] = hexDigits[Int(byte >> 4)]
                output[written + 1] = hexDigits[Int(byte & 0x0F)]
                written += 2
            }
            return written
        }
    }
}
