import Foundation

/// Bytes that are a prefix, one unit repeated many times, and a suffix, served in chunks without
/// ever existing whole: the body of a zip bomb's sheet XML, gigabytes long, in a few kilobytes.
struct RepeatingContent {
    let prefix: [UInt8]
    let unit: [UInt8]
    let repeats: Int
    let suffix: [UInt8]
    /// `unit` repeated to cover any chunk of up to `chunkLimit` bytes from any offset in the unit.
    private let tile: Data
    let chunkLimit: Int

    init(prefix: String, unit: String, repeats: Int, suffix: String, chunkLimit: Int) {
        self.prefix = Array(prefix.utf8)
        self.unit = Array(unit.utf8)
        self.repeats = repeats
        self.suffix = Array(suffix.utf8)
        self.chunkLimit = chunkLimit
        let copies = chunkLimit / max(self.unit.count, 1) + 2
        var tile = Data(capacity: copies * self.unit.count)
        for _ in 0..<copies { tile.append(contentsOf: self.unit) }
        self.tile = tile
    }

    var count: Int64 { Int64(prefix.count) + Int64(unit.count) * Int64(repeats) + Int64(suffix.count) }

    /// The `size` bytes at `position`.
    func chunk(at position: Int64, size: Int) -> Data {
        let repeatedStart = Int64(prefix.count)
        let repeatedEnd = repeatedStart + Int64(unit.count) * Int64(repeats)
        if position >= repeatedStart && position + Int64(size) <= repeatedEnd && size <= chunkLimit {
            // The common case, a slice of the tile: no per-byte work.
            let offset = Int((position - repeatedStart) % Int64(unit.count))
            return tile.subdata(in: offset..<offset + size)
        }
        // Only the chunks that touch the prefix or the suffix come here.
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        var index = position
        while bytes.count < size && index < count {
            if index < repeatedStart {
                bytes.append(prefix[Int(index)])
            } else if index < repeatedEnd {
                bytes.append(unit[Int((index - repeatedStart) % Int64(unit.count))])
            } else {
                bytes.append(suffix[Int(index - repeatedEnd)])
            }
            index += 1
        }
        return Data(bytes)
    }
}
