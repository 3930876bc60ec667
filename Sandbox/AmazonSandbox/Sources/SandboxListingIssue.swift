import Foundation
import OpsideAmazonSPAPI
import OpsideCore

/// An issue of a listing, as Listings Items 2021-08-01 reports it (`Issue`).
///
/// The codes: `90220` (a required attribute is missing) and `4000001` (a value is invalid) are the
/// codes Amazon answers for those synchronous validation errors; `18000`, `18001` and `18500`
/// (missing image, missing bullet points, potential pricing error) are the sandbox's own, as
/// Amazon publishes no list of its codes.
struct SandboxListingIssue: Sendable, Equatable {
    enum Severity: String, Sendable {
        case error = "ERROR"
        case warning = "WARNING"
    }

    let code: String
    let message: String
    let severity: Severity
    let attributeNames: [String]
    /// From the model's list: MISSING_ATTRIBUTE, INVALID_ATTRIBUTE, MISSING_IMAGE, INVALID_PRICE, MISSING_PRICE…
    let categories: [String]
    /// True when Amazon takes the listing's buyability down for it (enforcement `LISTING_SUPPRESSED`).
    var suppressesListing = false

    /// The model's `Issue`; `enforcements` (actions and exemption, both required) only for a suppressing issue.
    func json(marketplace: String) -> [String: Any] {
        var issue: [String: Any] = ["code": code, "message": message, "severity": severity.rawValue, "attributeNames": attributeNames,
                                    "categories": categories, "marketplaceIds": [marketplace]]
        if suppressesListing {
            issue["enforcements"] = ["actions": [["action": "LISTING_SUPPRESSED"]], "exemption": ["status": "NOT_EXEMPT"]] as [String: Any]
        }
        return issue
    }

    // MARK: The issues

    static func missing(_ attribute: String, category: String = "MISSING_ATTRIBUTE") -> SandboxListingIssue {
        SandboxListingIssue(code: "90220", message: "'\(attribute)' is required but not supplied.", severity: .error,
                            attributeNames: [attribute], categories: [category])
    }

    static func invalid(_ attribute: String, _ reason: String, category: String = "INVALID_ATTRIBUTE") -> SandboxListingIssue {
        SandboxListingIssue(code: "4000001", message: "The provided value for '\(attribute)' is invalid: \(reason).", severity: .error,
                            attributeNames: [attribute], categories: [category])
    }

    /// A patch or delete of a SKU the seller has no listing for.
    static func noListing(_ sku: String, to action: String) -> SandboxListingIssue {
        SandboxListingIssue(code: "4000001", message: "The SKU \(sku) has no listing to \(action).", severity: .error, attributeNames: [],
                            categories: ["INVALID_ATTRIBUTE"])
    }

    static let missingImage = SandboxListingIssue(
        code: "18000", message: "The listing has no main image ('main_product_image_locator'). Add one: buyers rarely find or buy a listing without it.",
        severity: .warning, attributeNames: ["main_product_image_locator"], categories: ["MISSING_IMAGE"])

    static let missingBulletPoints = SandboxListingIssue(
        code: "18001", message: "The listing has no key product features ('bullet_point'). Add them so buyers can judge the product.",
        severity: .warning, attributeNames: ["bullet_point"], categories: ["MISSING_ATTRIBUTE"])

    /// Amazon's potential pricing error: a price far from the product's reference price makes the listing inactive.
    static func potentialPricingError(price: Money, reference: Money) -> SandboxListingIssue {
        let direction = price.amountMinor > reference.amountMinor ? "higher" : "lower"
        return SandboxListingIssue(
            code: "18500",
            message: "Potential pricing error: the price of \(price) is much \(direction) than the product's recent price of \(reference), so the "
                + "listing is inactive to protect buyers. Correct 'purchasable_offer' to reactivate it.",
            severity: .error, attributeNames: ["purchasable_offer"], categories: ["INVALID_PRICE"], suppressesListing: true)
    }
}

/// What Amazon checks in a listing's attributes (the JSON of the product type definitions:
/// every attribute an array of objects). One rule set serves submissions (their errors make the
/// submission INVALID) and stored listings (their issues on reads).
enum SandboxListingRules {
    static let requirementsValues: Set<String> = ["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]
    /// `ItemSummaryByMarketplace.conditionType`'s values.
    static let conditionTypes: Set<String> = [
        "new_new", "new_open_box", "new_oem", "refurbished_refurbished", "used_like_new", "used_very_good", "used_good", "used_acceptable",
        "collectible_like_new", "collectible_very_good", "collectible_good", "collectible_acceptable", "club_club",
    ]
    /// A price more than this many times the product's reference price (or less than its inverse) is a potential pricing error.
    static let pricingErrorFactor: Int64 = 3

    /// The attribute's first value object, as most attributes carry one.
    static func first(_ value: JSONValue?) -> [String: JSONValue]? {
        guard case .array(let values)? = value, case .object(let object)? = values.first else { return nil }
        return object
    }

    /// The errors of a submission's attributes: what `requirements` needs is present, and every
    /// value checked here is valid.
    static func validationIssues(_ attributes: [String: JSONValue], requirements: String, currency: String) -> [SandboxListingIssue] {
        var issues: [SandboxListingIssue] = []
        if requirements != "LISTING_OFFER_ONLY", attributes["item_name"] == nil { issues.append(.missing("item_name")) }
        if requirements != "LISTING_PRODUCT_ONLY" {
            if attributes["condition_type"] == nil { issues.append(.missing("condition_type")) }
            if attributes["purchasable_offer"] == nil { issues.append(.missing("purchasable_offer", category: "MISSING_PRICE")) }
        }
        for name in attributes.keys.sorted() { issues += valueIssues(name, attributes[name], currency: currency) }
        return issues
    }

    /// The errors in one attribute's value; none for attributes the sandbox does not check.
    static func valueIssues(_ name: String, _ value: JSONValue?, currency: String) -> [SandboxListingIssue] {
        switch name {
        case "item_name":
            guard case .string(let text)? = first(value)?["value"], !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                return [.invalid(name, "the title must be a non-empty 'value'")]
            }
        case "condition_type":
            guard case .string(let text)? = first(value)?["value"], conditionTypes.contains(text) else {
                return [.invalid(name, "the 'value' must be one of \(conditionTypes.sorted().joined(separator: ", "))")]
            }
        case "purchasable_offer":
            guard let offer = first(value) else { return [.invalid(name, "it must be a list of offers", category: "INVALID_PRICE")] }
            if case .string(let code)? = offer["currency"], code != currency {
                return [.invalid(name, "the currency must be \(currency), not '\(code)'", category: "INVALID_PRICE")]
            }
            guard let price = ourPriceValue(offer) else {
                return [SandboxListingIssue(code: "90220", message: "'our_price' of '\(name)' is required but not supplied.", severity: .error,
                                            attributeNames: [name], categories: ["MISSING_PRICE"])]
            }
            guard case .number(let number) = price, let money = money(number, currency: currency), money.amountMinor > 0 else {
                return [.invalid(name, "our_price must be a positive number with at most \(sandboxCurrency(currency).minorUnitDigits) "
                                    + "decimal places, not \(text(price))", category: "INVALID_PRICE")]
            }
        case "fulfillment_availability":
            guard case .array(let entries)? = value else { return [.invalid(name, "it must be a list of channels")] }
            for case .object(let entry) in entries {
                guard case .string? = entry["fulfillment_channel_code"] else {
                    return [.invalid(name, "each entry needs a 'fulfillment_channel_code'")]
                }
                guard let quantity = entry["quantity"] else { continue }
                guard case .number(let number) = quantity, number >= 0, number.rounded() == number, number <= Double(Int32.max) else {
                    return [.invalid(name, "quantity must be a whole number of 0 or more, not \(text(quantity))")]
                }
            }
        default:
            break
        }
        return []
    }

    /// The warnings Amazon gives a listing that lacks what sells it; none for an offer on an
    /// existing product (`LISTING_OFFER_ONLY`), whose product facts are not the seller's.
    static func recommendationIssues(_ attributes: [String: JSONValue], requirements: String) -> [SandboxListingIssue] {
        guard requirements != "LISTING_OFFER_ONLY" else { return [] }
        var issues: [SandboxListingIssue] = []
        if attributes["main_product_image_locator"] == nil { issues.append(.missingImage) }
        if attributes["bullet_point"] == nil { issues.append(.missingBulletPoints) }
        return issues
    }

    /// `purchasable_offer[0].our_price[0].schedule[0].value_with_tax`.
    static func ourPriceValue(_ offer: [String: JSONValue]) -> JSONValue? {
        guard let ourPrice = first(offer["our_price"]), let schedule = first(ourPrice["schedule"]) else { return nil }
        return schedule["value_with_tax"]
    }

    /// The listing's price in minor units; nil when it has none or it is not a valid amount.
    static func priceMinor(_ attributes: [String: JSONValue], currency: String) -> Int64? {
        guard let offer = first(attributes["purchasable_offer"]), case .number(let number)? = ourPriceValue(offer),
              let money = money(number, currency: currency), money.amountMinor > 0 else { return nil }
        return money.amountMinor
    }

    /// A JSON number as money. The attributes hold numbers as `Double`; its shortest round-trip
    /// text ("24.99") is the decimal the seller wrote, which `Money` reads digit by digit, so no
    /// binary tail reaches the amount. More decimals than the currency has are refused.
    static func money(_ number: Double, currency: String) -> Money? {
        guard number.isFinite else { return nil }
        return try? Money(parsing: "\(number)", currency: sandboxCurrency(currency))
    }

    /// A value as the seller sent it, for messages.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .number(let number): "\(number)"
        case .string(let text): "'\(text)'"
        case .bool(let flag): "\(flag)"
        case .null: "null"
        case .array, .object: "a JSON \(value.isArray ? "array" : "object")"
        }
    }

    /// The channel entries of `fulfillment_availability`: (channel code, quantity if given).
    static func fulfillmentChannels(_ attributes: [String: JSONValue]) -> [(code: String, quantity: Int?)] {
        guard case .array(let entries)? = attributes["fulfillment_availability"] else { return [] }
        return entries.compactMap { entry in
            guard case .object(let object) = entry, case .string(let code)? = object["fulfillment_channel_code"] else { return nil }
            if case .number(let number)? = object["quantity"], number >= 0, number.rounded() == number, number <= Double(Int32.max) {
                return (code, Int(number))
            }
            return (code, nil)
        }
    }
}

extension JSONValue {
    var isArray: Bool {
        if case .array = self { return true }
        return false
    }
}

/// A seed that depends only on `text` (FNV-1a), stable across runs and restarts, unlike `Hasher`.
func stableSeed(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return hash
}
