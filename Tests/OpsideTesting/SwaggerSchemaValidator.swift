import Foundation
import OpsideAmazonSPAPI

/// One place where a JSON document breaks its schema.
public struct SchemaViolation: Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// One of Amazon's Swagger 2.0 models, read to find each operation's response schema.
public struct SwaggerModel: Sendable {
    public let document: JSONValue
    public let validator: SwaggerSchemaValidator

    /// The folder holding Amazon's models: `OPSIDE_SPAPI_MODELS`, else `shared/spapi-models` beside
    /// the repository (where the project keeps the official copies).
    public static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["OPSIDE_SPAPI_MODELS"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/spapi-models")
    }

    /// Loads `<api>.json` (the `api` of an `SPAPIOperation`, e.g. `reports_2021-06-30`).
    public init(api: String) throws {
        let url = Self.directory.appendingPathComponent("\(api).json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw HarnessError("model \(url.path) is missing: set OPSIDE_SPAPI_MODELS to the folder of Amazon's models")
        }
        document = try JSONDecoder().decode(JSONValue.self, from: data)
        guard case .object(let definitions)? = document["definitions"] else { throw HarnessError("\(api).json has no definitions") }
        validator = SwaggerSchemaValidator(definitions: definitions)
    }

    /// The declared responses of an operation by status code ("200", "202"…).
    public func responses(operationID: String) -> [String: JSONValue]? {
        guard case .object(let paths)? = document["paths"] else { return nil }
        for case .object(let methods) in paths.values {
            for case .object(let operation) in methods.values where operation["operationId"] == .string(operationID) {
                if case .object(let responses)? = operation["responses"] { return responses }
            }
        }
        return nil
    }
}

/// Validates JSON against Swagger 2.0 schemas: `$ref` into `definitions`, `allOf`, `type`,
/// `required`, `properties`, `additionalProperties`, `items`, `enum`, string lengths and
/// patterns, array sizes, numeric bounds and the `date-time`/`date` formats. Enough of JSON
/// Schema to catch a sandbox answer that Amazon's real clients would choke on.
public struct SwaggerSchemaValidator: Sendable {
    public let definitions: [String: JSONValue]
    public init(definitions: [String: JSONValue]) { self.definitions = definitions }

    public func validate(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [SchemaViolation] {
        guard case .object(let rule) = schema else { return [] }
        var violations: [SchemaViolation] = []
        func fail(_ message: String, _ at: String = path) { violations.append(SchemaViolation(path: at, message: message)) }

        if case .string(let reference)? = rule["$ref"] {
            let name = reference.replacingOccurrences(of: "#/definitions/", with: "")
            guard let target = definitions[name] else { return [SchemaViolation(path: path, message: "unresolvable $ref \(reference)")] }
            return validate(value, against: target, at: path)
        }
        if case .array(let parts)? = rule["allOf"] {
            for part in parts { violations += validate(value, against: part, at: path) }
        }
        if case .array(let allowed)? = rule["enum"], !allowed.contains(value) {
            fail("\(Self.describe(value)) is not one of \(allowed.map(Self.describe).joined(separator: ", "))")
        }
        if case .string(let type)? = rule["type"], !Self.matches(value, type: type) {
            fail("expected \(type), found \(Self.describe(value))")
            return violations
        }

        switch value {
        case .object(let object):
            let properties: [String: JSONValue]
            if case .object(let declared)? = rule["properties"] { properties = declared } else { properties = [:] }
            if case .array(let required)? = rule["required"] {
                for case .string(let key) in required where object[key] == nil || object[key] == .null {
                    fail("required property \(key) is missing")
                }
            }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] {
                    violations += validate(member, against: propertySchema, at: "\(path).\(key)")
                } else {
                    switch rule["additionalProperties"] {
                    case .bool(false)?: fail("property \(key) is not allowed", "\(path).\(key)")
                    case .object(let additional)?: violations += validate(member, against: .object(additional), at: "\(path).\(key)")
                    default: break
                    }
                }
            }
        case .array(let elements):
            if case .number(let minimum)? = rule["minItems"], Double(elements.count) < minimum { fail("fewer than \(Int(minimum)) items") }
            if case .number(let maximum)? = rule["maxItems"], Double(elements.count) > maximum { fail("more than \(Int(maximum)) items") }
            if let items = rule["items"] {
                for (index, element) in elements.enumerated() { violations += validate(element, against: items, at: "\(path)[\(index)]") }
            }
        case .string(let text):
            if case .number(let minimum)? = rule["minLength"], Double(text.count) < minimum { fail("shorter than \(Int(minimum)) characters: \"\(text)\"") }
            if case .number(let maximum)? = rule["maxLength"], Double(text.count) > maximum { fail("longer than \(Int(maximum)) characters") }
            if case .string(let pattern)? = rule["pattern"] {
                if let expression = try? NSRegularExpression(pattern: pattern),
                   expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    fail("\"\(text)\" does not match \(pattern)")
                }
            }
            if case .string(let format)? = rule["format"], !Self.matches(text, format: format) { fail("\"\(text)\" is not a \(format)") }
        case .number(let number):
            if case .number(let minimum)? = rule["minimum"], number < minimum { fail("\(number) is below \(minimum)") }
            if case .number(let maximum)? = rule["maximum"], number > maximum { fail("\(number) is above \(maximum)") }
        case .bool, .null:
            break
        }
        return violations
    }

    public static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    public static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time":
            (try? Date(text, strategy: .iso8601)) != nil
                || (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) != nil
        case "date":
            text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil
        default:
            true
        }
    }

    public static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): "\(number)"
        case .string(let text): "\"\(text.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
