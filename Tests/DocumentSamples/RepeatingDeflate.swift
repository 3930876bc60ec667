import Foundation

/// A raw DEFLATE stream (RFC 1951, one block with dynamic Huffman codes) for content that is a
/// prefix, one unit repeated, and a suffix, written straight to a file.
///
/// The repeated part becomes a run of identical matches (length 258, distance = the unit's
/// length). The block's code gives length 258 a 1-bit code and the distance a 1-bit code, so a
/// match costs a few bits: about 1/500 of the input, near zlib's best. The matches' bits repeat
/// with a short period: they are computed once and then copied a megabyte at a time, so a
/// gigabyte of sheet XML deflates in a fraction of a second, where zlib takes seconds and a CRC
/// over every byte in a debug build many more. The CRC-32 comes from the parts' CRCs combined
/// (zlib's `crc32_combine`).
struct RepeatingDeflate {
    let content: RepeatingContent

    /// Writes the stream to `handle`; returns (compressed size, CRC-32 of the uncompressed content).
    func write(to handle: FileHandle) throws -> (compressedSize: Int64, crc: UInt32) {
        let unit = content.unit
        precondition(!unit.isEmpty && unit.count <= 32_768, "a DEFLATE distance is at most 32 KiB")
        let match = Match(length: 258, distance: unit.count)
        var writer = BitSink(handle: handle, codes: DeflateCodes(distanceCode: match.distanceCode.code))
        writer.writeBlockHeader()
        for byte in content.prefix { try writer.literal(byte) }
        if content.repeats > 0 {
            for byte in unit { try writer.literal(byte) }
            // Every byte after the first unit equals the byte `unit.count` earlier.
            let repeatedBytes = Int64(unit.count) * Int64(content.repeats - 1)
            var matches = repeatedBytes / 258
            let remainder = Int(repeatedBytes % 258)
            let cycle = Int64(8 / gcd(writer.codes.bitCount(of: match), 8))
            if matches >= 3 * cycle {
                // Two cycles bit by bit: after the first the sink's pending bits are in their
                // steady state, so the bytes the second emits are the period of the rest.
                for _ in 0..<cycle { try writer.match(match) }
                let pattern = try writer.capturing { sink in for _ in 0..<cycle { try sink.match(match) } }
                matches -= 2 * cycle
                try writer.repeatBytes(pattern, times: Int(matches / cycle))
                matches %= cycle
            }
            for _ in 0..<matches { try writer.match(match) }
            if remainder >= 3 {
                try writer.match(Match(length: remainder, distance: unit.count))
            } else {
                let start = Int((repeatedBytes - Int64(remainder)) % Int64(unit.count))
                for index in 0..<remainder { try writer.literal(unit[(start + index) % unit.count]) }
            }
        }
        for byte in content.suffix { try writer.literal(byte) }
        writer.endOfBlock()
        try writer.finish()

        let unitCRC = CRC32.checksum(unit)
        let repeated = CRC32.repeated(unitCRC, length: Int64(unit.count), times: content.repeats)
        var crc = CRC32.combine(CRC32.checksum(content.prefix), repeated, length: Int64(unit.count) * Int64(content.repeats))
        crc = CRC32.combine(crc, CRC32.checksum(content.suffix), length: Int64(content.suffix.count))
        return (writer.bytesWritten, crc)
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// A back-reference: copy `length` bytes from `distance` bytes back.
struct Match {
    let length: Int
    let distance: Int

    /// (code, extra bits, extra bit count) for the length: RFC 1951 §3.2.5.
    var lengthCode: (code: Int, extra: Int, extraCount: Int) {
        if length == 258 { return (285, 0, 0) }
        let bases = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227]
        let extras = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]
        let index = bases.lastIndex { $0 <= length }!
        return (257 + index, length - bases[index], extras[index])
    }

    /// (code, extra bits, extra bit count) for the distance.
    var distanceCode: (code: Int, extra: Int, extraCount: Int) {
        var base = 1
        for code in 0..<30 {
            let extraCount = code < 4 ? 0 : code / 2 - 1
            let next = base + (1 << extraCount)
            if distance < next { return (code, distance - base, extraCount) }
            base = next
        }
        preconditionFailure("distance \(distance) beyond 32 KiB")
    }
}

/// The block's Huffman codes: length 258 (symbol 285) gets 1 bit, every literal, end-of-block and
/// other length symbol 9 or 10 bits (227 × 2⁻⁹ + 58 × 2⁻¹⁰ = ½: a complete code); the match
/// distance's code and code 0 get 1 bit each.
struct DeflateCodes {
    let literalLengths: [Int]
    let literalCodes: [Int]
    let distanceLengths: [Int]
    let distanceCodes: [Int]

    init(distanceCode: Int) {
        var literalLengths = (0...285).map { $0 < 227 ? 9 : 10 }
        literalLengths[285] = 1
        self.literalLengths = literalLengths
        literalCodes = Self.canonicalCodes(literalLengths)
        var distanceLengths = Array(repeating: 0, count: max(distanceCode, 1) + 1)
        distanceLengths[0] = 1
        distanceLengths[max(distanceCode, 1)] = 1
        self.distanceLengths = distanceLengths
        distanceCodes = Self.canonicalCodes(distanceLengths)
    }

    /// RFC 1951 §3.2.2: codes from code lengths.
    static func canonicalCodes(_ lengths: [Int]) -> [Int] {
        let maxLength = lengths.max() ?? 0
        var counts = Array(repeating: 0, count: maxLength + 1)
        for length in lengths where length > 0 { counts[length] += 1 }
        var next = Array(repeating: 0, count: maxLength + 2)
        var code = 0
        if maxLength >= 1 {
            for bits in 1...maxLength {
                code = (code + counts[bits - 1]) << 1
                next[bits] = code
            }
        }
        return lengths.map { length in
            guard length > 0 else { return 0 }
            defer { next[length] += 1 }
            return next[length]
        }
    }

    func bitCount(of match: Match) -> Int {
        let length = match.lengthCode
        let distance = match.distanceCode
        return literalLengths[length.code] + length.extraCount + distanceLengths[distance.code] + distance.extraCount
    }
}

/// Packs bits least-significant first (Huffman codes most-significant first, as DEFLATE wants)
/// and streams whole bytes to a file in megabyte writes.
struct BitSink {
    private let handle: FileHandle?
    let codes: DeflateCodes
    private var buffer = [UInt8]()
    private var pending: UInt64 = 0
    private var pendingCount = 0
    private(set) var bytesWritten: Int64 = 0

    init(handle: FileHandle?, codes: DeflateCodes) {
        self.handle = handle
        self.codes = codes
        buffer.reserveCapacity(1 << 20)
    }

    mutating func write(bits: Int, count: Int) {
        pending |= UInt64(bits) << UInt64(pendingCount)
        pendingCount += count
        while pendingCount >= 8 {
            buffer.append(UInt8(pending & 0xFF))
            pending >>= 8
            pendingCount -= 8
        }
    }

    /// A Huffman code, written most-significant bit first.
    mutating func writeCode(_ code: Int, length: Int) {
        var reversed = 0
        for bit in 0..<length where code & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
        write(bits: reversed, count: length)
    }

    /// A literal/length symbol.
    private mutating func symbol(_ value: Int) {
        writeCode(codes.literalCodes[value], length: codes.literalLengths[value])
    }

    /// BFINAL, BTYPE 10 and the code lengths of `codes`, each sent as a plain code-length symbol
    /// through a code-length code in which the four lengths used (0, 1, 9, 10) get 2 bits each.
    mutating func writeBlockHeader() {
        write(bits: 1, count: 1) // BFINAL: the only block
        write(bits: 2, count: 2) // BTYPE 10: dynamic Huffman codes
        write(bits: codes.literalLengths.count - 257, count: 5)
        write(bits: codes.distanceLengths.count - 1, count: 5)
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengthLengths = Array(repeating: 0, count: 19)
        for symbol in [0, 1, 9, 10] { codeLengthLengths[symbol] = 2 }
        let sent = order.lastIndex { codeLengthLengths[$0] != 0 }! + 1
        write(bits: sent - 4, count: 4)
        for symbol in order.prefix(sent) { write(bits: codeLengthLengths[symbol], count: 3) }
        let codeLengthCodes = DeflateCodes.canonicalCodes(codeLengthLengths)
        for length in codes.literalLengths + codes.distanceLengths {
            writeCode(codeLengthCodes[length], length: 2)
        }
    }

    mutating func literal(_ byte: UInt8) throws {
        symbol(Int(byte))
        try flushIfLarge()
    }

    mutating func match(_ match: Match) throws {
        let length = match.lengthCode
        symbol(length.code)
        if length.extraCount > 0 { write(bits: length.extra, count: length.extraCount) }
        let distance = match.distanceCode
        writeCode(codes.distanceCodes[distance.code], length: codes.distanceLengths[distance.code])
        if distance.extraCount > 0 { write(bits: distance.extra, count: distance.extraCount) }
        try flushIfLarge()
    }

    /// The whole bytes `body` emits.
    mutating func capturing(_ body: (inout BitSink) throws -> Void) throws -> [UInt8] {
        try flush()
        try body(&self)
        let captured = buffer
        try flush()
        return captured
    }

    /// Appends `pattern` `times` times, with no pending bits disturbed: the caller has arranged
    /// that the pattern is what the bit writer would have produced.
    mutating func repeatBytes(_ pattern: [UInt8], times: Int) throws {
        guard times > 0, !pattern.isEmpty else { return }
        try flush()
        let perTile = max(1, (1 << 20) / pattern.count)
        var tile = [UInt8]()
        tile.reserveCapacity(perTile * pattern.count)
        for _ in 0..<min(perTile, times) { tile.append(contentsOf: pattern) }
        let tileData = Data(tile)
        var remaining = times
        while remaining >= perTile {
            try emit(tileData)
            remaining -= perTile
        }
        if remaining > 0 { try emit(tileData.prefix(remaining * pattern.count)) }
    }

    mutating func endOfBlock() { symbol(256) }

    /// Pads the last byte with zero bits and writes everything out.
    mutating func finish() throws {
        if pendingCount > 0 { write(bits: 0, count: 8 - pendingCount) }
        try flush()
    }

    private mutating func flushIfLarge() throws {
        if buffer.count >= 1 << 20 { try flush() }
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try emit(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func emit(_ data: Data) throws {
        try handle?.write(contentsOf: data)
        bytesWritten += Int64(data.count)
    }
}

/// CRC-32 (IEEE, as ZIP uses it), and zlib's combination of the CRCs of two concatenated pieces.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        var crc = ~initial
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    private static func times(_ matrix: [UInt32], _ vector: UInt32) -> UInt32 {
        var sum: UInt32 = 0
        var vector = vector
        var index = 0
        while vector != 0 {
            if vector & 1 != 0 { sum ^= matrix[index] }
            vector >>= 1
            index += 1
        }
        return sum
    }

    private static func square(_ matrix: [UInt32]) -> [UInt32] { (0..<32).map { times(matrix, matrix[$0]) } }

    /// The CRC of A followed by B, from CRC(A), CRC(B) and B's length.
    static func combine(_ first: UInt32, _ second: UInt32, length: Int64) -> UInt32 {
        guard length > 0 else { return first }
        var odd = [UInt32](repeating: 0, count: 32)
        odd[0] = 0xEDB8_8320
        var row: UInt32 = 1
        for index in 1..<32 {
            odd[index] = row
            row <<= 1
        }
        var even = square(odd)
        odd = square(even)
        var crc = first
        var remaining = length
        repeat {
            even = square(odd)
            if remaining & 1 != 0 { crc = times(even, crc) }
            remaining >>= 1
            if remaining == 0 { break }
            odd = square(even)
            if remaining & 1 != 0 { crc = times(odd, crc) }
            remaining >>= 1
        } while remaining != 0
        return crc ^ second
    }

    /// The CRC of a piece repeated `times` times, by doubling.
    static func repeated(_ crc: UInt32, length: Int64, times: Int) -> UInt32 {
        var result: UInt32 = 0
        var base = crc
        var baseLength = length
        var count = times
        while count > 0 {
            if count & 1 != 0 { result = combine(result, base, length: baseLength) }
            count >>= 1
            if count > 0 {
                base = combine(base, base, length: baseLength)
                baseLength *= 2
            }
        }
        return result
    }
}
