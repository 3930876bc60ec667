import Dispatch
import Foundation
import OpsideRender
import Testing

/// Proof packets are promised reproducible byte for byte: these pin every source of variation
/// found in cairo 1.16's PDF output (the clock-derived creation date is the only one; it comes
/// from the model), in one process, across threads and across processes.
@Suite("Deterministic PDF output")
struct RenderDeterminismTests {
    /// A document using every block kind, an image included.
    static func fullDocument() throws -> RenderDocument {
        var document = RenderFixtures.packet(rows: 70)
        let png = try RasterImage(width: 30, height: 12, filledWith: RenderColor(hex: 0x884422)).pngData()
        document.append(.image(try RenderImage(png: png), width: 120))
        document.append(.pageBreak)
        document.append(.heading("Ünïcode — “quotes”, € and 中文", level: 3))
        return document
    }

    static let childOutputVariable = "OPSIDE_RENDER_DETERMINISM_OUT"

    @Test func sameModelGivesSameBytesTwiceInOneProcess() throws {
        let document = try Self.fullDocument()
        let first = try PDFRenderer.render(document)
        // Something else rendered in between must not leave state (font caches) that changes the next render.
        _ = try PDFRenderer.render(RenderFixtures.packet(rows: 3, pageSize: .letter))
        let second = try PDFRenderer.render(document)
        #expect(first == second)
        #expect(first.count > 10_000)
    }

    @Test func concurrentRendersOnSeveralThreadsGiveTheSameBytes() throws {
        let document = try Self.fullDocument()
        let expected = try PDFRenderer.render(document)
        let results = ResultBox(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            results.set(index, Result { try PDFRenderer.render(document) })
        }
        for result in results.values { #expect(try result.get() == expected) }
    }

    @Test func sameModelGivesSameBytesInAnotherProcess() throws {
        let document = try Self.fullDocument()
        if let path = ProcessInfo.processInfo.environment[Self.childOutputVariable] {
            // This process is the child started below: it only renders; its parent compares.
            try PDFRenderer.render(document).write(to: URL(fileURLWithPath: path))
            return
        }
        let directory = try TemporaryDirectory()
        let output = directory.url.appendingPathComponent("child.pdf")
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childOutputVariable] = output.path
        // The test binary itself, running only this test: a fresh address space, fresh font caches.
        let executable = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        try ExternalTool.runData(executable.lastPathComponent, ["--testing-library", "swift-testing", "--filter", "sameModelGivesSameBytesInAnotherProcess"],
                                 environment: environment, executable: executable)
        let childBytes = try Data(contentsOf: output)
        #expect(childBytes == (try PDFRenderer.render(document)))
    }

    @Test func creationAndModificationDatesComeFromTheModel() throws {
        var document = RenderFixtures.packet(rows: 2)
        let first = try PDFRenderer.render(document)
        let directory = try TemporaryDirectory()
        let file = try directory.write(first, named: "dates.pdf")
        let info = try ExternalTool.run("pdfinfo", ["-isodates", file.path])
        #expect(info.contains("CreationDate:   2025-03-14T12:00:00Z") || info.contains("CreationDate:    2025-03-14T12:00:00Z"))
        #expect(info.contains("ModDate:        2025-03-14T12:00:00Z") || info.contains("ModDate:         2025-03-14T12:00:00Z"))
        document.metadata.date = RenderFixtures.packetDate.addingTimeInterval(86_400)
        let nextDay = try PDFRenderer.render(document)
        #expect(nextDay != first)
        // Only the two dates differ: same length, and the differing bytes all fall inside them.
        #expect(nextDay.count == first.count)
        let differing = zip(first, nextDay).filter { $0 != $1 }.count
        #expect(differing > 0 && differing <= 4)
    }

    @Test func scanEffectsAreDeterministicForASeed() throws {
        let page = try RenderFixtures.packet(rows: 5).paginate()[0]
        var random = DeterministicRandom(seed: 42)
        let effects = ScanEffects.scan(using: &random)
        let first = try RasterRenderer.png(page, dpi: 60, effects: effects, seed: 7)
        let second = try RasterRenderer.png(page, dpi: 60, effects: effects, seed: 7)
        let otherSeed = try RasterRenderer.png(page, dpi: 60, effects: effects, seed: 8)
        #expect(first == second)
        #expect(first != otherSeed)
    }
}

/// Results written from `concurrentPerform`'s threads, each into its own slot.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Data, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Data, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var values: [Result<Data, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0 ?? .failure(RenderError.invalidDocument("no result")) }
    }
}
