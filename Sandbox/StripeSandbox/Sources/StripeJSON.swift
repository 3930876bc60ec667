import Foundation

/// A JSON value as the sandbox keeps Stripe's objects: integers stay integers (amounts and Unix
/// times), and an object keeps its keys in the order they were set, so answers read like Stripe's.
public indirect enum StripeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([StripeJSON])
    case object(StripeObject)

    public var string: String? { if case .string(let value) = self { return value }; return nil }
    public var int: Int? { if case .int(let value) = self { return value }; return nil }
    public var bool: Bool? { if case .bool(let value) = self { return value }; return nil }
    public var object: StripeObject? { if case .object(let value) = self { return value }; return nil }
    public var array: [StripeJSON]? { if case .array(let value) = self { return value }; return nil }
    public var isNull: Bool { self == .null }

    /// Compact JSON text.
    public func serialized() -> String {
        var output = ""
        write(into: &output)
        return output
    }

    func write(into output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .string(let value): StripeJSON.writeString(value, into: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(into: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (index, key) in object.keys.enumerated() {
                if index > 0 { output += "," }
                StripeJSON.writeString(key, into: &output)
                output += ":"
                object[key]!.write(into: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20: output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension StripeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: StripeJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, StripeJSON)...) { self = .object(StripeObject(elements)) }

    /// A string, or null when there is none.
    static func optional(_ value: String?) -> StripeJSON { value.map(StripeJSON.string) ?? .null }
    static func optional(_ value: Int?) -> StripeJSON { value.map(StripeJSON.int) ?? .null }
}

/// A JSON object that keeps the order its keys were first set in.
public struct StripeObject: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: StripeJSON] = [:]

    public init(_ pairs: [(String, StripeJSON)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    public subscript(key: String) -> StripeJSON? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var id: String { values["id"]?.string ?? "" }
    public var objectType: String { values["object"]?.string ?? "" }
    public var created: Int { values["created"]?.int ?? 0 }
}
