import Foundation
import ZIPFoundation

/// Writes a ZIP archive front to back to a file, for archives ZIPFoundation's `Archive` cannot
/// make quickly: an entry whose DEFLATE stream is built by `RepeatingDeflate` rather than zlib.
/// Small entries are deflated through ZIPFoundation's streaming compressor.
struct ZipStreamWriter {
    private let handle: FileHandle
    private var offset: Int64 = 0
    private var centralDirectory = [UInt8]()
    private var entryCount = 0
    private let dosTime: UInt16
    private let dosDate: UInt16

    init(handle: FileHandle, modified: Date) {
        self.handle = handle
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        dosTime = UInt16((parts.hour ?? 0) << 11 | (parts.minute ?? 0) << 5 | (parts.second ?? 0) / 2)
        dosDate = UInt16(max((parts.year ?? 1980) - 1980, 0) << 9 | (parts.month ?? 1) << 5 | (parts.day ?? 1))
    }

    /// Adds `data` deflated.
    mutating func addDeflated(_ path: String, data: Data) throws {
        var compressed = Data()
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 1 << 16, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { chunk in compressed.append(chunk) })
        let headerOffset = offset
        try write(localHeader(path: path, crc: crc, compressed: UInt32(compressed.count), uncompressed: UInt32(data.count)))
        try write(compressed)
        record(path: path, crc: crc, compressed: UInt32(compressed.count), uncompressed: UInt32(data.count), headerOffset: headerOffset)
    }

    /// Adds `content` through `RepeatingDeflate`; the local header is patched once sizes and CRC are known.
    mutating func addRepeating(_ path: String, content: RepeatingContent) throws {
        precondition(content.count < Int64(UInt32.max), "ZIP64 is not needed for these sizes and not written")
        let headerOffset = offset
        let placeholder = localHeader(path: path, crc: 0, compressed: 0, uncompressed: 0)
        try write(placeholder)
        let (compressedSize, crc) = try RepeatingDeflate(content: content).write(to: handle)
        offset += compressedSize
        try handle.seek(toOffset: UInt64(headerOffset))
        try handle.write(contentsOf: localHeader(path: path, crc: crc, compressed: UInt32(compressedSize), uncompressed: UInt32(content.count)))
        try handle.seek(toOffset: UInt64(offset))
        record(path: path, crc: crc, compressed: UInt32(compressedSize), uncompressed: UInt32(content.count), headerOffset: headerOffset)
    }

    /// Writes the central directory and its end record.
    mutating func finish() throws {
        let directoryOffset = offset
        try write(Data(centralDirectory))
        var end = [UInt8]()
        Self.append32(0x0605_4B50, to: &end)
        Self.append16(0, to: &end)
        Self.append16(0, to: &end)
        Self.append16(UInt16(entryCount), to: &end)
        Self.append16(UInt16(entryCount), to: &end)
        Self.append32(UInt32(centralDirectory.count), to: &end)
        Self.append32(UInt32(directoryOffset), to: &end)
        Self.append16(0, to: &end)
        try write(Data(end))
    }

    // MARK: Records

    private func localHeader(path: String, crc: UInt32, compressed: UInt32, uncompressed: UInt32) -> Data {
        let name = Array(path.utf8)
        var header = [UInt8]()
        Self.append32(0x0403_4B50, to: &header)
        Self.append16(20, to: &header) // version needed: 2.0 (deflate)
        Self.append16(0x0800, to: &header) // names are UTF-8
        Self.append16(8, to: &header) // deflate
        Self.append16(dosTime, to: &header)
        Self.append16(dosDate, to: &header)
        Self.append32(crc, to: &header)
        Self.append32(compressed, to: &header)
        Self.append32(uncompressed, to: &header)
        Self.append16(UInt16(name.count), to: &header)
        Self.append16(0, to: &header)
        return Data(header + name)
    }

    private mutating func record(path: String, crc: UInt32, compressed: UInt32, uncompressed: UInt32, headerOffset: Int64) {
        let name = Array(path.utf8)
        var entry = [UInt8]()
        Self.append32(0x0201_4B50, to: &entry)
        Self.append16(0x0314, to: &entry) // made by: Unix, spec 2.0
        Self.append16(20, to: &entry)
        Self.append16(0x0800, to: &entry)
        Self.append16(8, to: &entry)
        Self.append16(dosTime, to: &entry)
        Self.append16(dosDate, to: &entry)
        Self.append32(crc, to: &entry)
        Self.append32(compressed, to: &entry)
        Self.append32(uncompressed, to: &entry)
        Self.append16(UInt16(name.count), to: &entry)
        Self.append16(0, to: &entry) // extra
        Self.append16(0, to: &entry) // comment
        Self.append16(0, to: &entry) // disk
        Self.append16(0, to: &entry) // internal attributes
        Self.append32(0o100644 << 16, to: &entry) // a regular file, rw-r--r--
        Self.append32(UInt32(headerOffset), to: &entry)
        centralDirectory += entry + name
        entryCount += 1
    }

    private mutating func write(_ data: Data) throws {
        try handle.write(contentsOf: data)
        offset += Int64(data.count)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
