import Foundation
import OpsideTesting
import OpsideCore
import OpsideTransport
import Testing

/// The suite's one JSON style (`OpsideJSON`) and the words decoding errors are told in.
@Suite struct JSONStyleTests {
    struct Sample: Codable, Equatable {
        let connectionId: UUID
        let runIds: [UUID]
        let byRun: [String: UUID]
        let at: Date
        let link: URL
        let note: String?
        let ratio: Double
        let count: Int
        let nested: Nested
        struct Nested: Codable, Equatable { let tenantId: UUID?; let path: String }
    }

    static let id = UUID(uuidString: "3F2C8A9E-5B1D-4C47-9A0E-2D6F1B7C8E90")!

    @Test func idsAreLowercaseDatesAreISO8601UTCAndSlashesAreNotEscaped() throws {
        let sample = Sample(connectionId: Self.id, runIds: [Self.id], byRun: ["a": Self.id], at: Date(timeIntervalSince1970: 1_780_000_000),
                            link: URL(string: "https://sellercentral.amazon.com/apps/authorize/consent?x=1")!, note: nil,
                            ratio: 0.25, count: 3, nested: .init(tenantId: Self.id, path: "a/b\t\"c\"\u{01}"))
        let text = String(decoding: try OpsideJSON.encode(sample), as: UTF8.self)
        let lower = Self.id.uuidString.lowercased()
        #expect(text == #"{"connectionId":"\#(lower)","runIds":["\#(lower)"],"byRun":{"a":"\#(lower)"},"at":"2026-05-28T20:26:40Z","link":"https://sellercentral.amazon.com/apps/authorize/consent?x=1","ratio":0.25,"count":3,"nested":{"tenantId":"\#(lower)","path":"a/b\t\"c\"\u0001"}}"#)
        #expect(!text.contains(Self.id.uuidString), "no uppercase UUID")
        // What the suite writes, Foundation reads back unchanged.
        #expect(try OpsideJSON.decoder.decode(Sample.self, from: Data(text.utf8)) == sample)
    }

    @Test func prettyPrintingIndentsTwoSpacesPerLevel() throws {
        var encoder = OpsideJSONEncoder()
        encoder.prettyPrinted = true
        encoder.sortedKeys = true
        let text = String(decoding: try encoder.encodeToBytes(["b": [1, 2], "a": [Int]()]), as: UTF8.self)
        #expect(text == "{\n  \"a\": [],\n  \"b\": [\n    1,\n    2\n  ]\n}")
    }

    @Test func wholeDoublesAndNonFiniteNumbers() throws {
        #expect(String(decoding: try OpsideJSON.encode([1.0, -2.5, 1e20]), as: UTF8.self) == "[1,-2.5,1e+20]")
        #expect(throws: EncodingError.self) { try OpsideJSON.encode([Double.nan]) }
    }

    @Test func theErrorEnvelopeIsWrittenInTheSuiteStyle() throws {
        let response = ErrorEnvelopeMiddleware.response(for: .badRequest("a/b"), requestID: "rid")
        #expect(response.headers[.contentType] == "application/json; charset=utf-8")
    }

    struct Trigger: Decodable {
        let dataset: String
        let limit: Int?
        let connectionId: UUID?
        let since: Date?
        let items: [Item]?
        struct Item: Decodable { let quantity: Int }
    }

    func problem(_ json: String) -> String {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            _ = try decoder.decode(Trigger.self, from: Data(json.utf8))
            return "decoded"
        } catch let error as DecodingError {
            return DecodingProblem(error).message
        } catch {
            return "\(error)"
        }
    }

    @Test func decodingErrorsNameTheFieldInWordsAPersonCanActOn() {
        #expect(problem(#"{}"#) == "field `dataset` is required")
        #expect(problem(#"{"dataset":"x","limit":"ten"}"#) == "field `limit` must be a whole number")
        // Foundation names no field for these two on Linux; the message still says what to fix.
        #expect(problem(#"{"dataset":"x","limit":1.5}"#) == "a field in the body must be a number that fits: a whole number, in range")
        #expect(problem(#"{"dataset":7}"#) == "field `dataset` must be a string")
        #expect(problem(#"{"dataset":null}"#).hasPrefix("field `dataset` must not be null"))
        #expect(problem(#"{"dataset":"x","connectionId":"nope"}"#) == "field `connectionId` must be a UUID such as 3f2c8a9e-5b1d-4c47-9a0e-2d6f1b7c8e90")
        #expect(problem(#"{"dataset":"x","since":"yesterday"}"#).hasSuffix("must be an ISO 8601 date-time in UTC such as 2026-01-31T12:00:00Z"))
        #expect(problem(#"{"dataset":"x","items":[{"quantity":1},{"quantity":"2"}]}"#) == "field `items[1].quantity` must be a whole number")
        #expect(problem(#"{"dataset":"x","items":{}}"#) == "field `items` must be a list")
        #expect(!problem(#"{}"#).contains("Coding key"))
    }
}
