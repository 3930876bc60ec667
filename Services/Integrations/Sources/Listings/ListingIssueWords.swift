import Foundation
import OpsideAmazonSPAPI

/// One of Amazon's listing issues as a seller reads it: which field, what is wrong, what Amazon
/// did about it and what to do, beside Amazon's own code and message (support asks for them).
public struct ExplainedListingIssue: Codable, Sendable, Equatable {
    /// `error` (the listing, or the change, is refused or off sale), `warning` or `info`.
    public let severity: String
    /// The fields concerned, in the seller's words (`Price`, `Main image`).
    public let fields: [String]
    public let explanation: String
    public let whatToDo: String
    /// What Amazon did about it, in words ("Amazon took the listing off sale."); nil when nothing.
    public let enforcement: String?
    /// The listing is not buyable because of this issue.
    public let blocksSale: Bool
    public let amazonCode: String
    public let amazonMessage: String
    public let attributeNames: [String]
    public let categories: [String]
}

/// Amazon's listing issues in words. Amazon's `message` is precise but written for integrators
/// (attribute names such as `purchasable_offer`); the categories and attribute names say enough
/// to explain it to a seller, and the message stays beside the explanation.
public enum ListingIssueWords {
    /// Listings Items attributes by the name a seller knows them by in Seller Central.
    static let fieldNames: [String: String] = [
        "item_name": "Title", "purchasable_offer": "Price", "list_price": "List price",
        "fulfillment_availability": "Quantity", "condition_type": "Condition", "condition_note": "Condition note",
        "main_product_image_locator": "Main image", "other_product_image_locator_1": "Other images",
        "bullet_point": "Bullet points", "product_description": "Description", "brand": "Brand",
        "manufacturer": "Manufacturer", "externally_assigned_product_identifier": "Product ID (UPC/EAN)",
        "merchant_suggested_asin": "ASIN", "item_package_dimensions": "Package dimensions",
        "item_package_weight": "Package weight", "batteries_required": "Batteries", "country_of_origin": "Country of origin",
        "supplier_declared_dg_hz_regulation": "Dangerous goods information",
    ]

    public static func fieldName(_ attribute: String) -> String {
        if let known = fieldNames[attribute] { return known }
        let words = attribute.split(separator: "_").joined(separator: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    public static func explain(_ issue: ListingsItem.Issue) -> ExplainedListingIssue {
        let attributes = issue.attributeNames ?? []
        let fields = attributes.map(fieldName)
        let subject = fields.isEmpty ? "a detail of the listing" : list(fields.map(inSentence))
        let actions = Set(issue.enforcements?.actions.map(\.action) ?? [])
        let exemption = issue.enforcements?.exemption
        let enforced = !actions.isEmpty && exemption?.status != "EXEMPT"
        let suppressed = enforced && actions.contains("LISTING_SUPPRESSED") && exemption?.status != "EXEMPT_UNTIL_EXPIRY_DATE"
        let categories = Set(issue.categories)

        let (explanation, whatToDo): (String, String)
        if categories.contains("INVALID_PRICE") {
            explanation = suppressed
                ? "Amazon took the listing off sale because it thinks the price is a mistake: it is far from what Amazon expects for this product."
                : "Amazon did not accept the price."
            whatToDo = "Check the price and correct it; once it is in the usual range the listing returns to sale."
        } else if categories.contains("MISSING_PRICE") {
            explanation = "The listing has no price, so nobody can buy it."
            whatToDo = "Set a price."
        } else if categories.contains("MISSING_IMAGE") {
            explanation = "The listing has no main image. Buyers see a placeholder, and it ranks lower in search."
            whatToDo = "Add a main image (white background, at least 1000 pixels on the longest side) in Seller Central."
        } else if categories.contains("INVALID_IMAGE") {
            explanation = "Amazon refused an image of the listing."
            whatToDo = "Replace \(fields.isEmpty ? "the image" : subject) with one that meets Amazon's image rules."
        } else if categories.contains("QUALIFICATION_REQUIRED") {
            explanation = "Selling this product needs Amazon's approval (a gated category or brand)."
            whatToDo = "Apply for approval in Seller Central under Add a product, then try again."
        } else if categories.contains("DUPLICATE") {
            explanation = "Amazon thinks this product is a duplicate of another product in its catalogue."
            whatToDo = "List against the existing ASIN instead, or contact Seller Support if the products differ."
        } else if categories.contains("MISSING_ATTRIBUTE") {
            explanation = "Amazon needs \(subject) for this listing."
            whatToDo = "Add \(subject) to the listing; Amazon checks it again within minutes."
        } else if categories.contains("INVALID_ATTRIBUTE") {
            explanation = "Amazon did not accept \(subject)."
            whatToDo = "Correct \(subject) as Amazon's message says."
        } else {
            explanation = issue.message
            whatToDo = issue.severity == "ERROR" ? "Fix what Amazon's message names and save again." : "Review it; nothing stops the listing."
        }
        return ExplainedListingIssue(
            severity: issue.severity.lowercased(), fields: fields, explanation: explanation, whatToDo: whatToDo,
            enforcement: enforced ? enforcementText(actions, exemption) : nil, blocksSale: suppressed,
            amazonCode: issue.code, amazonMessage: issue.message, attributeNames: attributes, categories: issue.categories)
    }

    /// A field's name inside a sentence: "bullet points", but "ASIN" and "Product ID (UPC/EAN)" as they are.
    static func inSentence(_ field: String) -> String {
        let characters = Array(field)
        guard characters.count > 1, characters[0].isUppercase, characters[1].isLowercase else { return field }
        return field.prefix(1).lowercased() + field.dropFirst()
    }

    static func enforcementText(_ actions: Set<String>, _ exemption: ListingsItem.Issue.Enforcements.Exemption?) -> String {
        var parts: [String] = []
        if actions.contains("LISTING_SUPPRESSED") { parts.append("took the listing off sale") }
        if actions.contains("SEARCH_SUPPRESSED") { parts.append("hid the product from search") }
        if actions.contains("ATTRIBUTE_SUPPRESSED") { parts.append("ignores the value it refused") }
        if actions.contains("CATALOG_ITEM_REMOVED") { parts.append("removed the product from its catalogue") }
        if parts.isEmpty { parts = actions.sorted().map { $0.lowercased().replacingOccurrences(of: "_", with: " ") } }
        if exemption?.status == "EXEMPT_UNTIL_EXPIRY_DATE" {
            let until = exemption?.expiryDate.map { " until \($0.prefix(10))" } ?? " for now"
            return "Amazon will act\(until), then it \(list(parts))."
        }
        return "Amazon \(list(parts))."
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }
}
