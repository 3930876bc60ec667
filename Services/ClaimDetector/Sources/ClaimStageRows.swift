import Crypto
import OpsideCore
import OpsidePostgres

/// Emitted claims as rows of the detection's `claim_stage` COPY (`ClaimRunApplier.stageColumns`),
/// each with the hash of its content: what a re-run compares to decide whether a stored claim
/// changed.
///
/// The content is the type, the identifiers, the numbers, the window and the three JSON values
/// (`ClaimJSON`), each followed by U+001F (NULL as `\N`), hashed with MD5: not for security, only
/// to tell a changed claim from an unchanged one without reading its JSON back.
struct ClaimStageRows {
    let request: DetectionRequest
    var copy = CopyTextEncoder()
    // Reused for every claim: the run allocates them once.
    private var valuation = JSONByteWriter(capacity: 256)
    private var sourceIds = JSONByteWriter(capacity: 256)
    private var explanation = JSONByteWriter(capacity: 2048)

    init(request: DetectionRequest) {
        self.request = request
    }

    /// Appends `detected` (whose key is `key`) as a stage row. When its content hash equals
    /// `storedHash`, the JSON columns are NULL: the stored claim's JSON stays.
    mutating func append(_ detected: DetectedClaim, key: String, storedHash: ContentDigest?) {
        let window = request.windows.window(for: detected.type, marketplaceId: detected.marketplaceId)
        let opens = window.opens(clockStarted: detected.clockStartedOn), due = window.deadline(clockStarted: detected.clockStartedOn)
        let opensOn = opens.description, deadline = due.description
        let clockStartedOn = detected.clockStartedOn.description
        let units = String(detected.units), amount = String(detected.amount.amountMinor)
        valuation.reset()
        sourceIds.reset()
        explanation.reset()
        ClaimJSON.write(detected.valuation, to: &valuation)
        ClaimJSON.write(detected.sourceIds, to: &sourceIds)
        ClaimJSON.write(detected.explanation, to: &explanation)

        var hash = ContentHash()
        hash.add(detected.type.rawValue)
        hash.add(detected.fnsku)
        hash.add(detected.sku)
        hash.add(detected.asin)
        hash.add(units)
        hash.add(amount)
        hash.add(detected.amount.currency.code)
        hash.add(valuation.bytes)
        hash.add(clockStartedOn)
        hash.add(opensOn)
        hash.add(deadline)
        hash.add(sourceIds.bytes)
        hash.add(explanation.bytes)
        let digest = hash.finish()
        let unchanged = digest == storedHash

        let windowStatus = ClaimRunApplier.windowStatus(opensOn: opens, deadline: due, asOf: request.asOf)
        sequence += 1
        copy.append([key, detected.type.rawValue, detected.isOwed ? "t" : "f", detected.resolution, detected.fnsku, detected.sku,
                     detected.asin, units, amount, detected.amount.currency.code])
        copy.append(utf8: unchanged ? nil : valuation.bytes)
        copy.append([clockStartedOn, opensOn, deadline, windowStatus.rawValue])
        copy.append(utf8: unchanged ? nil : sourceIds.bytes)
        copy.append(utf8: unchanged ? nil : explanation.bytes)
        copy.append(digest.hex)
        copy.endRow(sequence: sequence)
    }

    /// The emission order of the last row appended (the stage's `seq`).
    private(set) var sequence = 0

    /// The MD5 (hex) of a claim's content fields.
    private struct ContentHash {
        private var md5 = Insecure.MD5()
        private static let separator: [UInt8] = [0x1F], null: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "N")]

        mutating func add(_ field: String?) {
            if var field { field.withUTF8 { md5.update(bufferPointer: UnsafeRawBufferPointer($0)) } } else { md5.update(data: Self.null) }
            md5.update(data: Self.separator)
        }

        mutating func add(_ bytes: [UInt8]) {
            md5.update(data: bytes)
            md5.update(data: Self.separator)
        }

        func finish() -> ContentDigest {
            ContentDigest(md5.finalize().withUnsafeBytes { Array($0) })
        }
    }

    /// A claim's content hash as 16 bytes (the stored `content_hash` is its hex).
    struct ContentDigest: Hashable {
        let high: UInt64, low: UInt64

        init(_ bytes: [UInt8]) {
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// Reads a stored hash; nil for anything but 32 hex digits.
        init?(hex: String) {
            let digits = Array(hex.utf8)
            guard digits.count == 32 else { return nil }
            var bytes: [UInt8] = []
            for index in stride(from: 0, to: 32, by: 2) {
                guard let high = HexDigits.value(of: digits[index]), let low = HexDigits.value(of: digits[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
            }
            self.init(bytes)
        }

        var hex: String {
            let digits = HexDigits.lowercase
            var text: [UInt8] = []
            text.reserveCapacity(32)
            for word in [high, low] {
                for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int(word >> UInt64(shift) & 0xF)]) }
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// A 64-bit fingerprint of a claim key (FNV-1a), what a run remembers of the stored keys: a
    /// few bytes a claim instead of the key. Two keys sharing one cost nothing wrong: a claim
    /// taken for stored is staged and the merge, which compares keys, decides; and a content hash
    /// equal to the other key's cannot be, since the content holds everything the key is made of.
    static func fingerprint(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
