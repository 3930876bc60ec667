import Foundation
import OpsideCore

/// The case desk's request bodies and their checks, against the contract the product's filing
/// channel is written to: every refusal names the field at fault.
enum CaseInput {
    static let maximumSubject = 200
    static let maximumBody = 20_000
    static let maximumFileName = 255

    /// Text of 1 to `maximum` characters, not only blanks.
    static func text(_ value: String?, _ field: String, maximum: Int) throws -> String {
        guard let value else { throw SandboxInputError(message: "\(field) is required.", details: field) }
        guard !value.allSatisfy(\.isWhitespace), value.count <= maximum else {
            throw SandboxInputError(message: "\(field) must be 1 to \(maximum) characters.", details: field)
        }
        return value
    }

    static func attachments(_ names: [String]?) throws -> [String] {
        for (index, name) in (names ?? []).enumerated() where name.allSatisfy(\.isWhitespace) || name.count > maximumFileName {
            throw SandboxInputError(message: "attachments[\(index)] must be a file name of 1 to \(maximumFileName) characters.",
                                    details: "attachments[\(index)]")
        }
        return names ?? []
    }
}

/// `POST /cu/cases`'s body. Every field optional here so that a missing one gets a message of
/// its own rather than the decoder's.
struct CaseFilingBody: Decodable {
    struct Amount: Decodable {
        let amount: String?
        let currencyCode: String?
    }

    let marketplaceId: String?
    let issueType: String?
    let subject: String?
    let body: String?
    let references: [String: String]?
    let quantity: WholeNumber?
    let amountClaimed: Amount?
    let attachments: [String]?

    /// The filing, checked against the contract and the seller: its marketplace, its currency.
    /// - Throws: `SandboxInputError` naming the first field at fault.
    func validated(for history: SellerHistory) throws -> CaseFiling {
        guard let marketplaceId else { throw SandboxInputError(message: "marketplaceId is required.", details: "marketplaceId") }
        guard marketplaceId == history.marketplaceID else {
            throw SandboxInputError(message: "marketplaceId \(marketplaceId) is not a marketplace this seller participates in (\(history.marketplaceID)).",
                                    details: "marketplaceId")
        }
        guard let issueText = issueType else { throw SandboxInputError(message: "issueType is required.", details: "issueType") }
        guard let issueType = CaseIssueType(rawValue: issueText) else {
            throw SandboxInputError(message: "issueType must be one of \(CaseIssueType.allCases.map(\.rawValue).joined(separator: ", ")).",
                                    details: "issueType")
        }
        let subject = try CaseInput.text(subject, "subject", maximum: CaseInput.maximumSubject)
        let body = try CaseInput.text(body, "body", maximum: CaseInput.maximumBody)
        guard let references else { throw SandboxInputError(message: "references is required, with fnsku or sku.", details: "references") }
        for (name, value) in references.sorted(by: { $0.key < $1.key }) where value.allSatisfy(\.isWhitespace) || value.count > 200 {
            throw SandboxInputError(message: "references.\(name) must be 1 to 200 characters.", details: "references.\(name)")
        }
        guard references["fnsku"] != nil || references["sku"] != nil else {
            throw SandboxInputError(message: "references must name the item: fnsku or sku.", details: "references")
        }
        guard let wholeNumber = quantity else { throw SandboxInputError(message: "quantity is required.", details: "quantity") }
        guard let quantity = wholeNumber.value else { throw SandboxInputError(message: "quantity must be a whole number.", details: "quantity") }
        let fewest = issueType.isMoneyOnly ? 0 : 1
        guard quantity >= fewest else {
            throw SandboxInputError(message: "quantity must be at least \(fewest) for issueType \(issueType.rawValue).", details: "quantity")
        }
        guard let amountClaimed else { throw SandboxInputError(message: "amountClaimed is required.", details: "amountClaimed") }
        guard let currencyCode = amountClaimed.currencyCode else {
            throw SandboxInputError(message: "amountClaimed.currencyCode is required.", details: "amountClaimed.currencyCode")
        }
        guard currencyCode == history.currency else {
            throw SandboxInputError(message: "amountClaimed.currencyCode must be \(history.currency), the currency of marketplace \(marketplaceId).",
                                    details: "amountClaimed.currencyCode")
        }
        guard let amountText = amountClaimed.amount else {
            throw SandboxInputError(message: "amountClaimed.amount is required.", details: "amountClaimed.amount")
        }
        let amount: Money
        do {
            // Decimal text read digit by digit, never through Double; no more digits than the currency has.
            amount = try Money(parsing: amountText, currency: sandboxCurrency(currencyCode))
        } catch {
            throw SandboxInputError(message: "amountClaimed.amount is not a valid amount: \(error).", details: "amountClaimed.amount")
        }
        guard !amount.isNegative else {
            throw SandboxInputError(message: "amountClaimed.amount must not be negative.", details: "amountClaimed.amount")
        }
        return CaseFiling(marketplaceID: marketplaceId, currency: currencyCode, issueType: issueType, subject: subject, body: body,
                          references: references, quantity: quantity, amountClaimedMinor: amount.amountMinor,
                          attachments: try CaseInput.attachments(attachments))
    }
}

/// A JSON number that must be whole. Foundation's decoder refuses a fraction for an `Int` as
/// invalid JSON with no field named, so the number is read here: `value` is nil for a fraction
/// or a number out of `Int`'s range, and a non-number is a type mismatch at the field.
struct WholeNumber: Decodable {
    let value: Int?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let whole = try? container.decode(Int.self) {
            value = whole
        } else {
            _ = try container.decode(Double.self)
            value = nil
        }
    }
}

/// `POST /cu/cases/{caseId}/replies`'s body.
struct CaseReplyBody: Decodable {
    let body: String?
    let attachments: [String]?

    func validated() throws -> (body: String, attachments: [String]) {
        (try CaseInput.text(body, "body", maximum: CaseInput.maximumBody), try CaseInput.attachments(attachments))
    }
}
