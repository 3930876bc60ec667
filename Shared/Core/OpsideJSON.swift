import Foundation

/// The suite's one JSON style, for every public and internal body: keys as the types spell them
/// (camelCase, `Id` never `ID`), UUIDs in lowercase, dates as ISO 8601 in UTC
/// (`2026-12-04T21:00:58Z`), URLs and every other string without escaped slashes.
///
/// Foundation's `JSONEncoder` writes UUIDs in uppercase and has no strategy to change it, so the
/// suite encodes with `OpsideJSONEncoder` instead; decoding stays with `JSONDecoder`
/// (`OpsideJSON.decoder`), which reads either case.
public enum OpsideJSON {
    /// Encodes `value` in the suite's style.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try OpsideJSONEncoder().encodeToBytes(value))
    }

    /// A decoder for the suite's style: ISO 8601 dates.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Encodes `Encodable` values as JSON in the suite's style (see `OpsideJSON`).
///
/// It builds a small tree first (a keyed container may be filled after its siblings), then
/// writes it in one pass. Object keys keep the order the type encodes them in.
public struct OpsideJSONEncoder: Sendable {
    /// Keys sorted, for output that must be stable byte for byte (signatures, golden files).
    public var sortedKeys = false
    /// Two-space indentation and a line per member, for people reading a terminal.
    public var prettyPrinted = false

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> Data {
        Data(try encodeToBytes(value))
    }

    public func encodeToBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let node = try JSONTreeEncoder.node(for: value, codingPath: [])
        var output: [UInt8] = []
        output.reserveCapacity(256)
        JSONWriter(sortedKeys: sortedKeys, prettyPrinted: prettyPrinted).write(node, into: &output, depth: 0)
        return output
    }
}

// MARK: - The tree

/// A JSON value being built. Arrays and objects are reference types so a container handed out
/// earlier can still be filled.
enum JSONNode {
    case null
    case bool(Bool)
    case string(String)
    /// A number already in its JSON spelling.
    case number(String)
    case array(JSONArrayBox)
    case object(JSONObjectBox)
    /// A value a `superEncoder` will write later.
    case pending(JSONTreeEncoder)

    var resolved: JSONNode {
        if case .pending(let encoder) = self { return encoder.node?.resolved ?? .object(JSONObjectBox()) }
        return self
    }
}

final class JSONArrayBox {
    var items: [JSONNode] = []
}

final class JSONObjectBox {
    var keys: [String] = []
    var values: [String: JSONNode] = [:]

    func set(_ key: String, _ node: JSONNode) {
        if values.updateValue(node, forKey: key) == nil { keys.append(key) }
    }
}

/// The `Encoder` that builds the tree; special-cases the types whose JSON spelling is the
/// suite's decision rather than the type's: UUID, Date, URL, Data, Decimal.
final class JSONTreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: JSONNode?

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    static let isoFormat = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    /// The node for one value: a special-cased type directly, anything else through its `encode(to:)`.
    static func node<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> JSONNode {
        switch value {
        case let uuid as UUID: return .string(uuid.uuidString.lowercased())
        case let date as Date: return .string(date.formatted(isoFormat))
        case let url as URL: return .string(url.absoluteString)
        case let data as Data: return .string(data.base64EncodedString())
        case let decimal as Decimal: return .number(decimal.description)
        default:
            let encoder = JSONTreeEncoder(codingPath: codingPath)
            try value.encode(to: encoder)
            return encoder.node ?? .object(JSONObjectBox())
        }
    }

    static func number(_ value: Double, codingPath: [any CodingKey]) throws -> JSONNode {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) is not a JSON number"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(describing: value))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing) = node {
            box = existing
        } else {
            box = JSONObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing) = node {
            box = existing
        } else {
            box = JSONArrayBox()
            node = .array(box)
        }
        return UnkeyedContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(encoder: self) }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: JSONObjectBox
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .string(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            box.set(key.stringValue, try JSONTreeEncoder.number(Double(value), codingPath: codingPath + [key]))
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            box.set(key.stringValue, try JSONTreeEncoder.number(value, codingPath: codingPath + [key]))
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            box.set(key.stringValue, try JSONTreeEncoder.node(for: value, codingPath: codingPath + [key]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObjectBox()
            box.set(key.stringValue, .object(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = JSONArrayBox()
            box.set(key.stringValue, .array(nested))
            return UnkeyedContainer(box: nested, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let encoder = JSONTreeEncoder(codingPath: codingPath + [key])
            box.set(key.stringValue, .pending(encoder))
            return encoder
        }
    }

    struct IndexKey: CodingKey {
        let intValue: Int?
        var stringValue: String { String(intValue ?? 0) }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let box: JSONArrayBox
        let codingPath: [any CodingKey]
        var count: Int { box.items.count }

        mutating func encodeNil() throws { box.items.append(.null) }
        mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
        mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
        mutating func encode(_ value: Int) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: Int64) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: Int8) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: Int16) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: UInt) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: UInt8) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: UInt16) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: UInt32) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: Int32) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: UInt64) throws { box.items.append(.number(String(value))) }
        mutating func encode(_ value: Float) throws { try encode(Double(value)) }
        mutating func encode(_ value: Double) throws {
            box.items.append(try JSONTreeEncoder.number(value, codingPath: codingPath + [IndexKey(count)]))
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            box.items.append(try JSONTreeEncoder.node(for: value, codingPath: codingPath + [IndexKey(count)]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObjectBox()
            let path = codingPath + [IndexKey(count)]
            box.items.append(.object(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested, codingPath: path))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = JSONArrayBox()
            let path = codingPath + [IndexKey(count)]
            box.items.append(.array(nested))
            return UnkeyedContainer(box: nested, codingPath: path)
        }
        mutating func superEncoder() -> any Encoder {
            let encoder = JSONTreeEncoder(codingPath: codingPath + [IndexKey(count)])
            box.items.append(.pending(encoder))
            return encoder
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let encoder: JSONTreeEncoder
        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.node = .null }
        mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
        mutating func encode(_ value: String) throws { encoder.node = .string(value) }
        mutating func encode(_ value: Int) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: Int64) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: Int8) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: Int16) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: UInt) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: UInt8) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: UInt16) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: UInt32) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: Int32) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: UInt64) throws { encoder.node = .number(String(value)) }
        mutating func encode(_ value: Float) throws { try encode(Double(value)) }
        mutating func encode(_ value: Double) throws { encoder.node = try JSONTreeEncoder.number(value, codingPath: codingPath) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            encoder.node = try JSONTreeEncoder.node(for: value, codingPath: codingPath)
        }
    }
}

// MARK: - Writing

/// Writes a tree as compact RFC 8259 JSON: control characters, `"` and `\` escaped, nothing
/// else (no `\/`, no escaped non-ASCII).
struct JSONWriter {
    let sortedKeys: Bool
    var prettyPrinted = false

    /// Before a member: nothing when compact, else a new line indented to `depth`.
    func newline(_ output: inout [UInt8], depth: Int) {
        guard prettyPrinted else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    func write(_ node: JSONNode, into output: inout [UInt8], depth: Int) {
        switch node {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .string(let text): Self.writeString(text, into: &output)
        case .array(let box):
            output.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth: depth + 1)
                write(item.resolved, into: &output, depth: depth + 1)
            }
            if !box.items.isEmpty { newline(&output, depth: depth) }
            output.append(UInt8(ascii: "]"))
        case .object(let box):
            output.append(UInt8(ascii: "{"))
            let keys = sortedKeys ? box.keys.sorted() : box.keys
            for (index, key) in keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth: depth + 1)
                Self.writeString(key, into: &output)
                output.append(contentsOf: prettyPrinted ? [UInt8(ascii: ":"), UInt8(ascii: " ")] : [UInt8(ascii: ":")])
                write(box.values[key]!.resolved, into: &output, depth: depth + 1)
            }
            if !keys.isEmpty { newline(&output, depth: depth) }
            output.append(UInt8(ascii: "}"))
        case .pending:
            write(node.resolved, into: &output, depth: depth)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 { appendEscaped(byte, to: &output) }
        output.append(UInt8(ascii: "\""))
    }

    /// One byte of a string's UTF-8, escaped if JSON requires it.
    static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x00..<0x20:
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                       hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        default: output.append(byte)
        }
    }
}
