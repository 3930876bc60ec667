import Foundation
import NIOCore
import CompressNIO
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

/// No report, however hostile, makes the parser hold more than a bounded piece of it: a gzip
/// bomb inflates in bounded pieces and stops at its limit, a line without an end stops at the
/// line limit, a header is bounded in bytes and columns and read in linear time.
@Suite struct ReportLimitsTests {
    static func records(_ bytes: [UInt8], limits: ReportLimits = ReportLimits(), chunkSize: Int = 7) async throws -> [ReportRecord] {
        var rows: [ReportRecord] = []
        let options = ReportParsingOptions(limits: limits)
        for try await row in ReportRows<ReportRecord, ChunkSource>(source: ChunkSource(bytes, chunkSize: chunkSize), options: options) {
            rows.append(row)
        }
        return rows
    }

    static func limitError(_ bytes: [UInt8], limits: ReportLimits, chunkSize: Int = 4096) async -> ReportLimitError? {
        do {
            _ = try await records(bytes, limits: limits, chunkSize: chunkSize)
            return nil
        } catch let error as ReportLimitError {
            return error
        } catch {
            return nil
        }
    }

    @Test func aGzipBombInflatesInBoundedPiecesAndStopsAtItsLimit() async throws {
        // 64 MiB of `a` compress to about 64 KiB; inflated whole they would be one 64 MiB buffer.
        var plain = ByteBufferAllocator().buffer(capacity: 64 << 20)
        plain.writeRepeatingByte(UInt8(ascii: "a"), count: 64 << 20)
        let compressed = Array(try plain.compress(with: .gzip).readableBytesView)
        #expect(compressed.count < 1 << 20)
        var largest = 0, total = 0
        for try await piece in GunzipSequence(ChunkSource(compressed, chunkSize: 256 << 10)) {
            largest = max(largest, piece.readableBytes)
            total += piece.readableBytes
        }
        #expect(total == 64 << 20)
        #expect(largest <= 512 << 10, "a piece of \(largest) bytes")
        await #expect(throws: ReportLimitError(.decompressedTooLarge, limit: 8 << 20)) {
            for try await _ in GunzipSequence(ChunkSource(compressed, chunkSize: 256 << 10), maxOutputBytes: 8 << 20) {}
        }
    }

    @Test func aLineWithoutAnEndStopsAtTheLineLimit() async throws {
        let header = Array("Date\tFNSKU\n".utf8)
        let endless = header + [UInt8](repeating: UInt8(ascii: "a"), count: 3 << 20)
        let error = await Self.limitError(endless, limits: ReportLimits(maxLineBytes: 1 << 20))
        #expect(error?.kind == .lineTooLong && error?.line == 2, "\(String(describing: error))")
        // A line within the limit reads.
        let fine = header + Array("2024-01-01\t\(String(repeating: "x", count: 1000))\n".utf8)
        #expect(try await Self.records(fine, limits: ReportLimits(maxLineBytes: 2000)).count == 1)
    }

    @Test func wideHeadersAreRefusedByBytesAndByColumns() async throws {
        let columns160k = (0..<160_000).map { "c\($0)" }.joined(separator: "\t") + "\n"
        #expect(await Self.limitError(Array(columns160k.utf8), limits: ReportLimits())?.kind == .headerTooLong)
        let columns5k = (0..<5_000).map { "c\($0)" }.joined(separator: "\t") + "\n1\n"
        #expect(await Self.limitError(Array(columns5k.utf8), limits: ReportLimits())?.kind == .tooManyColumns)
        let rows = "a\tb\n" + String(repeating: "1\t2\n", count: 11)
        #expect(await Self.limitError(Array(rows.utf8), limits: ReportLimits(maxRows: 10))?.kind == .tooManyRows)
        #expect(try await Self.records(Array(rows.utf8), limits: ReportLimits(maxRows: 11)).count == 11)
    }

    @Test func aWideHeaderWithRepeatedNamesFindsEachColumnByItsFirstSpelling() async throws {
        // 999 columns (under the limit), every name twice in two spellings: the first one wins.
        let names = (0..<999).map { $0 % 2 == 0 ? "Column \($0 / 2)" : "column-\($0 / 2)" }
        let values = (0..<999).map { String($0) }
        let text = names.joined(separator: "\t") + "\n" + values.joined(separator: "\t") + "\n"
        let record = try #require(try await Self.records(Array(text.utf8), chunkSize: 4096).first)
        #expect(record.string("COLUMN_0") == "0")
        #expect(record.string("column 250") == "500")
        #expect(record.string("Column499") == "998")
        #expect(record.string("column 500") == nil)
    }

    @Test(arguments: [false, true])
    func utf16FilesWithTheirByteOrderMarkReadLikeUTF8(bigEndian: Bool) async throws {
        let text = "Date\tFNSKU\tTitle\r\n2024-03-01\tX001\tCafé 🎉 crème\r\n"
        var bytes: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
        for unit in text.utf16 {
            let pair = [UInt8(unit >> 8), UInt8(unit & 0xFF)]
            bytes += bigEndian ? pair : pair.reversed()
        }
        // Chunks of 7 bytes cut code units and the emoji's surrogate pair.
        let records = try await Self.records(bytes)
        #expect(records.count == 1)
        #expect(records.first?.string("FNSKU") == "X001")
        #expect(records.first?.string("Title") == "Café 🎉 crème")
    }
}
