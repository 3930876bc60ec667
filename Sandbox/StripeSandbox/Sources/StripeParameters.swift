import OpsideStripe

/// A request's decoded form parameters with Stripe's checks: unknown parameters are refused by
/// name, required ones named when missing, integers and booleans parsed strictly.
struct StripeParameters: Sendable {
    let values: [String: StripeFormValue]

    init(_ values: [String: StripeFormValue]) { self.values = values }

    /// Refuses any top-level parameter outside `allowed` (`expand` is always allowed), as Stripe
    /// answers "Received unknown parameter".
    func allowOnly(_ allowed: Set<String>) throws(StripeAPIError) {
        for key in values.keys.sorted() where !allowed.contains(key) && key != "expand" {
            throw .unknownParameter(key)
        }
    }

    /// Refuses keys of a nested hash outside `allowed` (e.g. `capabilities[transfers]`).
    func allowOnly(_ allowed: Set<String>, in parameter: String) throws(StripeAPIError) {
        guard let hash = values[parameter]?.hash else { return }
        for key in hash.keys.sorted() where !allowed.contains(key) {
            throw .unknownParameter("\(parameter)[\(key)]")
        }
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    func string(_ name: String) throws(StripeAPIError) -> String? {
        guard let value = values[name] else { return nil }
        guard let text = value.string else { throw .invalidValue(name, "Invalid string: \(name) must be a string") }
        return text
    }

    func requiredString(_ name: String) throws(StripeAPIError) -> String {
        guard let text = try string(name), !text.isEmpty else { throw .missingParameter(name) }
        return text
    }

    func integer(_ name: String) throws(StripeAPIError) -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text) else { throw .invalidValue(name, "Invalid integer: \(text)") }
        return value
    }

    func requiredInteger(_ name: String) throws(StripeAPIError) -> Int {
        guard let value = try integer(name) else { throw .missingParameter(name) }
        return value
    }

    func boolean(_ name: String) throws(StripeAPIError) -> Bool? {
        guard let text = try string(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .invalidValue(name, "Invalid boolean: \(text)")
        }
    }

    /// A three-letter currency, lowercased as Stripe stores it.
    func currency(_ name: String = "currency", required: Bool = true) throws(StripeAPIError) -> String? {
        guard let text = try string(name) else {
            if required { throw .missingParameter(name) }
            return nil
        }
        let lowered = text.lowercased()
        guard lowered.count == 3, lowered.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw .invalidValue(name, "Invalid currency: \(text). Stripe currently supports these currencies: usd, eur, gbp, cad, …")
        }
        return lowered
    }

    /// `metadata[key]=value`: at most 50 keys of up to 40 characters, values up to 500, as Stripe allows.
    func metadata(_ name: String = "metadata") throws(StripeAPIError) -> StripeObject? {
        guard let value = values[name] else { return nil }
        if value.string == "" { return StripeObject() }
        guard let hash = value.hash else { throw .invalidValue(name, "Invalid hash: \(name) must be a hash") }
        guard hash.count <= 50 else { throw .invalidValue(name, "Invalid \(name): at most 50 keys") }
        var object = StripeObject()
        for key in hash.keys.sorted() {
            guard key.count <= 40 else { throw .invalidValue("\(name)[\(key)]", "Metadata keys can have up to 40 characters") }
            guard let text = hash[key]?.string else { throw .invalidValue("\(name)[\(key)]", "Invalid string") }
            guard text.count <= 500 else { throw .invalidValue("\(name)[\(key)]", "Metadata values can have up to 500 characters") }
            object[key] = .string(text)
        }
        return object
    }

    func hash(_ name: String) -> [String: StripeFormValue]? { values[name]?.hash }

    func stringList(_ name: String) throws(StripeAPIError) -> [String]? {
        guard let value = values[name] else { return nil }
        guard let list = value.list else { throw .invalidValue(name, "Invalid array: \(name)") }
        var strings: [String] = []
        for element in list {
            guard let text = element.string else { throw .invalidValue(name, "Invalid array: \(name)") }
            strings.append(text)
        }
        return strings
    }

    /// `expand[]`: the paths to expand in the answer.
    func expansions() throws(StripeAPIError) -> [String] { try stringList("expand") ?? [] }
}
