import Foundation
import NIOCore
import OpsideCore
import Synchronization

/// The header of a report: column positions by normalized name.
public struct ReportHeader: Sendable {
    public let names: [String]
    /// The first column of each normalized name.
    private let columns: [NormalizedColumn]
    /// For a wide header: indices into `columns` by fingerprint, and positions by normalized name.
    private let byFingerprint: [UInt64: [Int]]
    private let byName: [[UInt8]: Int]

    /// A column's normalized name, with a fingerprint to find it by.
    struct NormalizedColumn: Sendable {
        let name: [UInt8]
        let fingerprint: UInt64
        let position: Int
    }

    init(names: [String]) {
        self.names = names
        var columns: [NormalizedColumn] = []
        // Linear in the header: a set finds a repeated name (a scan per name made an 80,000-column
        // header cost seconds of CPU), a table finds a column of a wide header by its fingerprint.
        var seen = Set<[UInt8]>()
        var byFingerprint: [UInt64: [Int]] = [:]
        for (position, name) in names.enumerated() {
            let normalized = Array(Self.normalize(name).utf8)
            guard seen.insert(normalized).inserted else { continue }
            // Only a spelling with the same other bytes finds a name with bytes beyond ASCII, by
            // its normalized form: the fingerprint of such a name is never looked at.
            let fingerprint = normalized.withUnsafeBufferPointer { name in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count) { Self.fingerprint(name, normalizingInto: $0)?.0 }
            } ?? 0
            byFingerprint[fingerprint, default: []].append(columns.count)
            columns.append(NormalizedColumn(name: normalized, fingerprint: fingerprint, position: position))
        }
        self.columns = columns
        self.byFingerprint = columns.count > Self.scannedColumns ? byFingerprint : [:]
        self.byName = columns.count > Self.scannedColumns
            ? Dictionary(columns.map { ($0.name, $0.position) }, uniquingKeysWith: { first, _ in first }) : [:]
    }

    /// Up to this many columns a lookup scans them (faster than hashing for Amazon's headers);
    /// wider headers are looked up in tables.
    static let scannedColumns = 48

    /// `Event Type`, `event-type`, `EventType` and `event_type` are one column: lower-cased,
    /// letters and digits only.
    public static func normalize(_ name: String) -> String {
        // ASCII fast path (CharacterSet is slow on Linux).
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: name.utf8.compactMap(normalizedASCII), as: UTF8.self)
        }
        return String(String.UnicodeScalarView(name.lowercased().unicodeScalars.filter {
            CharacterSet.alphanumerics.contains($0)
        }))
    }

    /// A byte of an ASCII name as it is in the normalized name: lower-cased, nil for anything
    /// but a letter or a digit.
    private static func normalizedASCII(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39, 0x61...0x7A: byte
        case 0x41...0x5A: byte + 0x20
        default: nil
        }
    }

    /// FNV-1a of the normalized form of an ASCII name, written into `normalized` (as long as
    /// `name`) on the way; nil when the name has other bytes.
    private static func fingerprint(_ name: UnsafeBufferPointer<UInt8>,
                                    normalizingInto normalized: UnsafeMutableBufferPointer<UInt8>) -> (UInt64, count: Int)? {
        var fingerprint: UInt64 = 0xCBF2_9CE4_8422_2325
        var count = 0
        for byte in name {
            guard byte < 0x80 else { return nil }
            guard let kept = normalizedASCII(byte) else { continue }
            fingerprint = (fingerprint ^ UInt64(kept)) &* 0x0100_0000_01B3
            normalized[count] = kept
            count += 1
        }
        return (fingerprint, count)
    }

    private static func same(_ some: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard some.count == other.count else { return false }
        guard let someBytes = some.baseAddress, let otherBytes = other.baseAddress else { return true }
        return memcmp(someBytes, otherBytes, some.count) == 0
    }

    /// The position of the column, in any spelling.
    ///
    /// Typed rows look up every column of every row by name, so an ASCII spelling (all of them
    /// in practice) is normalized on the stack in one pass that also fingerprints it: the
    /// fingerprint finds the candidate, a comparison of the bytes confirms it.
    public func index(of column: String) -> Int? {
        var spelling = column
        return spelling.withUTF8 { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { normalized -> Int? in
                guard let (fingerprint, count) = Self.fingerprint(bytes, normalizingInto: normalized) else {
                    let normalized = Array(Self.normalize(column).utf8)
                    if columns.count > Self.scannedColumns { return byName[normalized] }
                    return columns.first { $0.name == normalized }?.position
                }
                let spelled = UnsafeBufferPointer(rebasing: normalized[..<count])
                func matches(_ column: NormalizedColumn) -> Bool {
                    column.fingerprint == fingerprint && column.name.withUnsafeBufferPointer { Self.same($0, spelled) }
                }
                if columns.count > Self.scannedColumns {
                    return byFingerprint[fingerprint]?.lazy.map { columns[$0] }.first(where: matches)?.position
                }
                return columns.first(where: matches)?.position
            }
        }
    }
}
