import Foundation
import OpsideAmazonSPAPI

/// One place where a JSON document breaks its schema.
public struct SchemaViolation: Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// Validates JSON against the schemas of Swagger 2.0 (Amazon's models, `$ref` into
/// `#/definitions/`) and OpenAPI 3.0/3.1 (the suite's own documents, `$ref` into
/// `#/components/schemas/`): `allOf`, `oneOf`, `anyOf`, `type` (a name or, as 3.1 writes a
/// nullable value, a list of names), `nullable`, `const`, `enum`, `required`, `properties`,
/// `additionalProperties`, `items`, string lengths and patterns, array sizes, numeric bounds and
/// the `date-time`, `date`, `uuid` and `uri` formats.
///
/// `uuid` holds the suite's JSON style too: the lowercase spelling, as every Opside body writes
/// ids. Enough of JSON Schema to catch an answer a real client would choke on.
public struct JSONSchemaValidator: Sendable {
    /// Named schemas, reachable by `$ref` under either prefix.
    public let schemas: [String: JSONValue]

    public init(definitions: [String: JSONValue]) { self.schemas = definitions }

    /// The validator of an OpenAPI 3 document's `components.schemas`.
    public init(openAPIDocument document: JSONValue) {
        if case .object(let schemas)? = document["components"]?["schemas"] { self.schemas = schemas } else { self.schemas = [:] }
    }

    static let referencePrefixes = ["#/definitions/", "#/components/schemas/"]

    public func validate(_ value: JSONValue, against schema: JSONValue, at path: String = "$") -> [SchemaViolation] {
        guard case .object(let rule) = schema else { return [] }
        var violations: [SchemaViolation] = []
        func fail(_ message: String, _ at: String = path) { violations.append(SchemaViolation(path: at, message: message)) }

        if case .string(let reference)? = rule["$ref"] {
            guard let prefix = Self.referencePrefixes.first(where: { reference.hasPrefix($0) }),
                  let target = schemas[String(reference.dropFirst(prefix.count))] else {
                return [SchemaViolation(path: path, message: "unresolvable $ref \(reference)")]
            }
            return validate(value, against: target, at: path)
        }
        if value == .null, rule["nullable"] == .bool(true) { return [] }
        if case .array(let parts)? = rule["allOf"] {
            for part in parts { violations += validate(value, against: part, at: path) }
        }
        if case .array(let parts)? = rule["oneOf"] {
            let matching = parts.filter { validate(value, against: $0, at: path).isEmpty }.count
            if matching != 1 { fail("matches \(matching) of the \(parts.count) oneOf schemas, not exactly one") }
        }
        if case .array(let parts)? = rule["anyOf"], !parts.contains(where: { validate(value, against: $0, at: path).isEmpty }) {
            fail("matches none of the anyOf schemas")
        }
        if let constant = rule["const"], constant != value {
            fail("\(Self.describe(value)) is not \(Self.describe(constant))")
        }
        if case .array(let allowed)? = rule["enum"], !allowed.contains(value) {
            fail("\(Self.describe(value)) is not one of \(allowed.map(Self.describe).joined(separator: ", "))")
        }
        switch rule["type"] {
        case .string(let type)?:
            if !Self.matches(value, type: type) {
                fail("expected \(type), found \(Self.describe(value))")
                return violations
            }
        case .array(let types)?:
            let names = types.compactMap { if case .string(let name) = $0 { name } else { nil } }
            if !names.contains(where: { Self.matches(value, type: $0) }) {
                fail("expected \(names.joined(separator: " or ")), found \(Self.describe(value))")
                return violations
            }
        default:
            break
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

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .number), ("null", .null): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time":
            (try? Date(text, strategy: .iso8601)) != nil
                || (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) != nil
        case "date":
            text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil
        case "uuid":
            UUID(uuidString: text) != nil && text == text.lowercased()
        case "uri":
            URL(string: text)?.scheme != nil
        default:
            true
        }
    }

    static func describe(_ value: JSONValue) -> String {
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

/// An OpenAPI 3 document, read to check real answers against what it promises.
public struct OpenAPIDocument: Sendable {
    public let document: JSONValue
    public let validator: JSONSchemaValidator

    public init(data: Data) throws {
        document = try JSONDecoder().decode(JSONValue.self, from: data)
        validator = JSONSchemaValidator(openAPIDocument: document)
    }

    /// The operation of `method` (`get`, `post`…) on the path template `path`.
    public func operation(_ method: String, _ path: String) -> JSONValue? {
        document["paths"]?[path]?[method.lowercased()]
    }

    /// What is wrong with an answer of `status` and `contentType` to an operation: a status the
    /// document does not declare (nor covers by `default`), a media type it does not list, or,
    /// for JSON, a body that breaks the declared schema.
    public func check(method: String, path: String, status: Int, contentType: String?, body: Data) -> [SchemaViolation] {
        guard let operation = operation(method, path) else {
            return [SchemaViolation(path: "\(method.uppercased()) \(path)", message: "not in the document")]
        }
        guard let response = operation["responses"]?[String(status)] ?? operation["responses"]?["default"] else {
            return [SchemaViolation(path: "\(method.uppercased()) \(path)", message: "status \(status) is not declared")]
        }
        guard case .object(let content)? = response["content"] else {
            return body.isEmpty ? [] : [SchemaViolation(path: "\(method.uppercased()) \(path) \(status)", message: "declares no body, got \(body.count) bytes")]
        }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let media = content[mediaType] else {
            return [SchemaViolation(path: "\(method.uppercased()) \(path) \(status)",
                                    message: "media type '\(mediaType)' is not one of \(content.keys.sorted())")]
        }
        guard mediaType == "application/json" else { return [] }
        guard let schema = media["schema"] else {
            return [SchemaViolation(path: "\(method.uppercased()) \(path) \(status)", message: "declares no schema")]
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: body)
        } catch {
            return [SchemaViolation(path: "\(method.uppercased()) \(path) \(status)", message: "body is not JSON: \(error)")]
        }
        return validator.validate(value, against: schema, at: "\(method.uppercased()) \(path) \(status) $")
    }
}
