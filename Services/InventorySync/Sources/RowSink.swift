import Foundation
import OpsideAmazonData
import OpsideCore
import NIOCore
import OpsidePostgres
import PostgresNIO

/// Where a source hands its rows during `stageStream`.
final class RowSink {
    let width: Int
    /// The stage's COPY, or the chunks of a day-chunked table.
    private let writer: PostgresCopyFromWriter?
    private let chunks: ChunkedLoad?
    /// Positions of the identity values in a row, for a table whose event keys are hashed here.
    private let identity: [Int]?
    private var encoder = CopyTextEncoder()
    private var keyText: [UInt8] = []
    /// For a day-chunked table: how often each event key occurred so far in the filling chunk.
    private var occurrences: [String: Int] = [:]
    private(set) var sequence: Int
    private(set) var count = 0
    /// The marketplaces of the rows (always the first staged column).
    private(set) var marketplaces: Set<String> = []
    private var lastMarketplace: String?

    init(table: AmazonTable, startSequence: Int, writer: PostgresCopyFromWriter? = nil, chunks: ChunkedLoad? = nil) {
        self.writer = writer
        self.chunks = chunks
        self.width = table.stagedColumns.count
        self.identity = table.eventKeyWhileStaging ? table.identity.compactMap { table.stagedColumns.firstIndex(of: $0) } : nil
        self.sequence = startSequence
    }

    func append(_ row: [String?]) async throws {
        guard row.count == width else { throw LoadError.rowWidth(expected: width, got: row.count) }
        if let marketplace = row[0], marketplace != lastMarketplace {
            marketplaces.insert(marketplace)
            lastMarketplace = marketplace
        }
        if let chunks, chunks.closes(before: row, marketplace: row[0], bytes: encoder.buffer.readableBytes) {
            try await handOverChunk(chunks)
        }
        sequence += 1
        count += 1
        encoder.append(row)
        if let identity {
            let key = EventKey.hash(row, at: identity, text: &keyText)
            encoder.append(key)
            if chunks != nil {
                let occurrence = occurrences[key, default: 0] + 1
                occurrences[key] = occurrence
                encoder.append(occurrence)
            }
        }
        encoder.endRow(sequence: sequence)
        if writer != nil, encoder.buffer.readableBytes >= 256 << 10 { try await flush() }
    }

    func flush() async throws {
        guard let writer, encoder.buffer.readableBytes > 0 else { return }
        try await writer.write(encoder.buffer)
        encoder.buffer.clear()
    }

    private func handOverChunk(_ chunks: ChunkedLoad) async throws {
        let chunk = encoder.buffer
        // A new buffer for the next chunk (the full one is the task's until its COPY is done),
        // with room for a chunk and the rest of its last day.
        encoder.buffer = ByteBufferAllocator().buffer(capacity: chunk.readableBytes + chunk.readableBytes / 4)
        occurrences.removeAll(keepingCapacity: true)
        try await chunks.close(chunk)
    }

    /// Loads the last chunk and waits for it.
    func finishChunks() async throws {
        guard let chunks else { return }
        try await chunks.close(encoder.buffer)
        encoder.buffer.clear()
        try await chunks.awaitRunning()
    }
}
