import Foundation

/// A parameter in Stripe's form encoding: a string, a list (`expand[]=a` or `items[0][price]=p`) or
/// a hash (`metadata[key]=v`). Stripe's v1 API takes every request body this way.
public indirect enum StripeFormValue: Sendable, Equatable {
    case string(String)
    case list([StripeFormValue])
    case hash([String: StripeFormValue])

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as a list: a list as is, a hash whose keys are all indices (`items[0]`, `items[1]`,
    /// as stripe-python and stripe-go send lists) in index order, a single string as a list of one.
    public var list: [StripeFormValue]? {
        switch self {
        case .list(let values): return values
        case .string: return [self]
        case .hash(let entries):
            let indexed = entries.compactMap { key, value in Int(key).map { ($0, value) } }
            guard indexed.count == entries.count else { return nil }
            return indexed.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    public var hash: [String: StripeFormValue]? {
        if case .hash(let entries) = self { return entries }
        return nil
    }
}

extension StripeFormValue: ExpressibleByStringLiteral {
    /// `"setup"` for `.string("setup")`, as parameters are mostly written.
    public init(stringLiteral value: String) { self = .string(value) }
}

/// Stripe's `application/x-www-form-urlencoded` bodies with bracketed nesting, both ways: the
/// payments client encodes its requests with it and the Stripe sandbox decodes them.
public enum StripeForm {
    /// Encodes parameters as Stripe's SDKs do: nested hashes as `a[b]=v`, lists as `a[0]=v`, keys in
    /// a stable (sorted) order so the same parameters always give the same body.
    public static func encode(_ parameters: [String: StripeFormValue]) -> String {
        var pairs: [(String, String)] = []
        for key in parameters.keys.sorted() {
            flatten(parameters[key]!, path: key, into: &pairs)
        }
        return pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    private static func flatten(_ value: StripeFormValue, path: String, into pairs: inout [(String, String)]) {
        switch value {
        case .string(let text): pairs.append((path, text))
        case .list(let values):
            for (index, element) in values.enumerated() { flatten(element, path: "\(path)[\(index)]", into: &pairs) }
        case .hash(let entries):
            // An empty hash is how Stripe clears one (`metadata=`).
            if entries.isEmpty { pairs.append((path, "")) }
            for key in entries.keys.sorted() { flatten(entries[key]!, path: "\(path)[\(key)]", into: &pairs) }
        }
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Decodes a form body (or a query string) into nested parameters.
    /// - Throws: `StripeFormError` for a key whose brackets do not close, or one used both as a
    ///   value and as a hash (`a=1&a[b]=2`), which Stripe refuses too.
    public static func decode(_ body: String) throws(StripeFormError) -> [String: StripeFormValue] {
        var root: [String: StripeFormValue] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            let path = try keyPath(key)
            try insert(.string(value), at: path[...], into: &root, fullKey: key)
        }
        return root
    }

    /// `items[0][price]` → ["items", "0", "price"]; `expand[]` → ["expand", ""].
    private static func keyPath(_ key: String) throws(StripeFormError) -> [String] {
        guard let open = key.firstIndex(of: "[") else {
            guard !key.isEmpty else { throw .malformedKey(key) }
            return [key]
        }
        var path = [String(key[..<open])]
        guard !path[0].isEmpty else { throw .malformedKey(key) }
        var rest = key[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { throw .malformedKey(key) }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    private static func insert(_ value: StripeFormValue, at path: ArraySlice<String>, into hash: inout [String: StripeFormValue],
                               fullKey: String) throws(StripeFormError) {
        let head = path.first!
        let tail = path.dropFirst()
        if tail.isEmpty {
            if hash[head] != nil, case .string = value, case .string = hash[head]! {
                // A repeated scalar key: the last one wins, as in Stripe's parser.
                hash[head] = value
                return
            }
            guard hash[head] == nil else { throw .conflictingKey(fullKey) }
            hash[head] = value
            return
        }
        if tail.first == "" {
            // `key[]=v` appends to a list (only as the last segment, as Rack allows).
            guard tail.count == 1 else { throw .malformedKey(fullKey) }
            switch hash[head] {
            case nil: hash[head] = .list([value])
            case .list(var values)?:
                values.append(value)
                hash[head] = .list(values)
            default: throw .conflictingKey(fullKey)
            }
            return
        }
        var child: [String: StripeFormValue]
        switch hash[head] {
        case nil: child = [:]
        case .hash(let existing)?: child = existing
        case .string("")?: child = [:] // `metadata=` then `metadata[k]=v`
        default: throw .conflictingKey(fullKey)
        }
        try insert(value, at: tail, into: &child, fullKey: fullKey)
        hash[head] = .hash(child)
    }

    static func percentDecode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

public enum StripeFormError: Error, Equatable, CustomStringConvertible {
    case malformedKey(String)
    case conflictingKey(String)

    public var description: String {
        switch self {
        case .malformedKey(let key): "Invalid parameter name: \(key)"
        case .conflictingKey(let key): "Invalid parameter: \(key) is given both as a value and as a hash or list"
        }
    }
}
