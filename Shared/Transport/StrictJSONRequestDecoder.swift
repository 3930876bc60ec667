import Foundation
import Hummingbird
import OpsideCore
import NIOCore

/// Decodes request bodies as RFC 8259 JSON and nothing looser.
///
/// Foundation's decoder is lenient: it takes `NaN` and `Infinity`, trailing commas and raw
/// control characters inside strings. Each of those is a way for two parsers (ours and a
/// proxy's, a log reader's, the next service's) to disagree on what a body says. The body is
/// checked in one linear pass first; only a body that passes reaches `JSONDecoder`.
///
/// Also refused, because no field of ours has a use for them and several of the suite's
/// consumers mishandle them (bcrypt stops at NUL, log lines and CSV exports split on CR/LF):
/// the escapes `\u0000`–`\u001F` in strings, except `\t`, `\n` and `\r` written as such, which
/// free-text fields may hold. Fields that must be one line check that themselves.
public struct StrictJSONRequestDecoder: RequestDecoder {
    /// Deeper nesting than this is refused before it can exhaust a recursive decoder's stack.
    public static let maximumDepth = 64

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = buffer.readableBytesView
        if let problem = StrictJSON.problem(in: bytes, maximumDepth: Self.maximumDepth) {
            throw APIError(status: .badRequest, code: "malformed_json", message: "the body is not valid JSON: \(problem)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw DecodingProblem(error).apiError
        }
    }
}

/// A one-pass validator of RFC 8259 JSON text.
public enum StrictJSON {
    /// What is wrong with `bytes` as JSON, with the byte offset, or nil when it is valid.
    public static func problem(in bytes: some Collection<UInt8>, maximumDepth: Int = 64) -> String? {
        var validator = Validator(bytes: Array(bytes), maximumDepth: maximumDepth)
        do {
            try validator.validateDocument()
            return nil
        } catch let failure as Validator.Failure {
            return "\(failure.reason) at byte \(failure.offset)"
        } catch {
            return "unreadable"
        }
    }

    struct Validator {
        struct Failure: Error {
            let reason: String
            let offset: Int
        }

        let bytes: [UInt8]
        let maximumDepth: Int
        var position = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        mutating func validateDocument() throws {
            // A UTF-8 byte order mark is tolerated, as RFC 8259 §8.1 allows parsers to.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            skipWhitespace()
            guard position < bytes.count else { throw fail("the body is empty") }
            try value(depth: 0)
            skipWhitespace()
            guard position == bytes.count else { throw fail("unexpected text after the JSON value") }
            guard String(validating: bytes, as: UTF8.self) != nil else {
                throw Failure(reason: "the body is not UTF-8", offset: 0)
            }
        }

        func fail(_ reason: String) -> Failure { Failure(reason: reason, offset: position) }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws {
            guard depth < maximumDepth else { throw fail("nesting deeper than \(maximumDepth) levels") }
            guard position < bytes.count else { throw fail("the body ends where a value was expected") }
            switch bytes[position] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("a value cannot start here (NaN, Infinity and bare words are not JSON)")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw fail("unknown word") }
            for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
                throw fail("unknown word")
            }
            position += count
        }

        mutating func object(depth: Int) throws {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("an object key must be a string (no trailing commas)")
                }
                try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("':' expected after a key") }
                position += 1
                skipWhitespace()
                try value(depth: depth)
                skipWhitespace()
                guard position < bytes.count else { throw fail("the object is not closed") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else { throw fail("',' or '}' expected") }
                position += 1
                return
            }
        }

        mutating func array(depth: Int) throws {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { throw fail("trailing comma in an array") }
                try value(depth: depth)
                skipWhitespace()
                guard position < bytes.count else { throw fail("the array is not closed") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else { throw fail("',' or ']' expected") }
                position += 1
                return
            }
        }

        mutating func string() throws {
            position += 1
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return
                case UInt8(ascii: "\\"):
                    position += 1
                    guard position < bytes.count else { throw fail("the string is not closed") }
                    switch bytes[position] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        position += 1
                    case UInt8(ascii: "u"):
                        guard position + 4 < bytes.count else { throw fail("a \\u escape needs four hex digits") }
                        var scalar: UInt32 = 0
                        for offset in 1...4 {
                            guard let digit = HexDigits.value(of: bytes[position + offset]) else {
                                throw fail("a \\u escape needs four hex digits")
                            }
                            scalar = scalar << 4 | UInt32(digit)
                        }
                        if scalar < 0x20 { throw fail("control characters (\\u0000 to \\u001F) are not accepted in strings") }
                        position += 5
                    case UInt8(ascii: "b"), UInt8(ascii: "f"):
                        throw fail("control characters (\\b, \\f) are not accepted in strings")
                    default:
                        throw fail("unknown escape in a string")
                    }
                case 0x00..<0x20:
                    throw fail("a raw control character in a string (JSON requires it escaped)")
                default:
                    position += 1
                }
            }
            throw fail("the string is not closed")
        }

        mutating func number() throws {
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, Self.isDigit(bytes[position]) else { throw fail("a number needs digits") }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
                if position < bytes.count, Self.isDigit(bytes[position]) { throw fail("a number cannot have leading zeros") }
            } else {
                while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard position < bytes.count, Self.isDigit(bytes[position]) else { throw fail("a fraction needs digits") }
                while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard position < bytes.count, Self.isDigit(bytes[position]) else { throw fail("an exponent needs digits") }
                while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            }
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
