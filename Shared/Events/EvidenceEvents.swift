import Foundation
import OpsideCore
import OpsideJobs

// The events of evidence and cost (issue 14): a document read (evidence-engine), its costs
// worked out (mcde), a claim proved or put to the seller as a question (evidence-engine), the
// seller's answer, and the proof packet made after Amazon paid.

/// evidence-engine read an uploaded document: its fields are at
/// `GET /internal/documents/{documentId}` (mcde reads them there; events stay small).
public struct DocumentParsed: OpsideEvent, Equatable {
    public static let name = "document.parsed"
    @LowercasedUUID public var documentId: UUID
    public var fileName: String
    /// `invoice`, `purchaseOrder`, `priceList` or `unknown`.
    public var documentType: String
    public var lineCount: Int

    public init(documentId: UUID, fileName: String, documentType: String, lineCount: Int) {
        self.documentId = documentId
        self.fileName = fileName
        self.documentType = documentType
        self.lineCount = lineCount
    }
}

/// One invoice line as mcde mapped it to the seller's catalog.
public struct MappedInvoiceLine: Codable, Sendable, Equatable {
    public var lineIndex: Int
    public var sku: String?
    public var asin: String?
    public var quantity: Int
    /// 0...1; nil when the line maps to nothing.
    public var confidence: Double?
    /// `exact`, `supplierTable`, `confirmed`, `fuzzyTitle` or `unmapped`.
    public var method: String
    public var reason: String
    /// The line's manufacturing cost per unit, in the invoice's currency (minor units rounded).
    public var unitCost: Money?
    /// Its landed cost per unit (freight, duty and other charges allocated).
    public var landedUnitCost: Money?
    /// How the costs were reached, step by step, for the cost document.
    public var arithmetic: [String]

    public init(lineIndex: Int, sku: String?, asin: String?, quantity: Int, confidence: Double?, method: String, reason: String,
                unitCost: Money?, landedUnitCost: Money? = nil, arithmetic: [String] = []) {
        self.lineIndex = lineIndex
        self.sku = sku
        self.asin = asin
        self.quantity = quantity
        self.confidence = confidence
        self.method = method
        self.reason = reason
        self.unitCost = unitCost
        self.landedUnitCost = landedUnitCost
        self.arithmetic = arithmetic
    }
}

/// A SKU's cost from one invoice: the cost to make or buy a unit (Amazon's manufacturing cost:
/// no shipping, handling or customs) and the landed cost, in force from the invoice's date.
public struct SKUCost: Codable, Sendable, Equatable {
    public var sku: String
    public var manufacturingUnitCost: Money
    public var landedUnitCost: Money
    public var effectiveOn: CivilDate

    public init(sku: String, manufacturingUnitCost: Money, landedUnitCost: Money, effectiveOn: CivilDate) {
        self.sku = sku
        self.manufacturingUnitCost = manufacturingUnitCost
        self.landedUnitCost = landedUnitCost
        self.effectiveOn = effectiveOn
    }
}

/// mcde worked out an invoice's costs (or re-worked them after a mapping was taught): its lines
/// mapped to SKUs, and the SKUs' costs from it. evidence-engine matches the document against
/// the seller's claims; claim-detector values claims with the costs.
public struct CostsUpdated: OpsideEvent, Equatable {
    public static let name = "costs.updated"
    @LowercasedUUID public var documentId: UUID
    public var supplier: String?
    public var invoiceNumber: String?
    public var invoiceDate: CivilDate?
    public var currency: String?
    public var lines: [MappedInvoiceLine]
    public var costs: [SKUCost]

    public init(documentId: UUID, supplier: String?, invoiceNumber: String?, invoiceDate: CivilDate?, currency: String?,
                lines: [MappedInvoiceLine], costs: [SKUCost]) {
        self.documentId = documentId
        self.supplier = supplier
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.currency = currency
        self.lines = lines
        self.costs = costs
    }
}

/// A claim has the evidence it needs: a document matched it at or above the auto-submit
/// threshold, or the seller confirmed a match. refund-engine attaches the documents to the
/// claim's case and files it.
public struct EvidenceMatched: OpsideEvent, Equatable {
    public static let name = "evidence.matched"
    @LowercasedUUID public var matchId: UUID
    @LowercasedUUID public var claimId: UUID
    @LowercasedUUID public var documentId: UUID
    public var confidence: Double
    /// `automatic` (at or above the threshold) or `confirmed` (the seller said yes).
    public var decidedBy: String
    /// The attachments, in words, with their content hashes (the invoice, its cost document).
    public var attachments: [EvidenceAttachment]

    public init(matchId: UUID, claimId: UUID, documentId: UUID, confidence: Double, decidedBy: String, attachments: [EvidenceAttachment]) {
        self.matchId = matchId
        self.claimId = claimId
        self.documentId = documentId
        self.confidence = confidence
        self.decidedBy = decidedBy
        self.attachments = attachments
    }
}

/// A file a case carries: what it is, its name and where cost-docs keeps it.
public struct EvidenceAttachment: Codable, Sendable, Equatable {
    public var title: String
    public var fileName: String
    public var sha256: String
    public var contentType: String

    public init(title: String, fileName: String, sha256: String, contentType: String) {
        self.title = title
        self.fileName = fileName
        self.sha256 = sha256
        self.contentType = contentType
    }
}

/// A match between the thresholds became one yes-or-no question for the seller.
public struct PromptCreated: OpsideEvent, Equatable {
    public static let name = "prompt.created"
    @LowercasedUUID public var promptId: UUID
    @LowercasedUUID public var claimId: UUID
    @LowercasedUUID public var documentId: UUID
    public var question: String
    public var expiresAt: Date
    /// true for the reminder of a prompt still unanswered (the same prompt, asked again).
    public var reminder: Bool

    public init(promptId: UUID, claimId: UUID, documentId: UUID, question: String, expiresAt: Date, reminder: Bool = false) {
        self.promptId = promptId
        self.claimId = claimId
        self.documentId = documentId
        self.question = question
        self.expiresAt = expiresAt
        self.reminder = reminder
    }
}

/// The seller answered a prompt. mcde learns the SKU mapping from a yes (and forgets a fuzzy
/// one from a no).
public struct PromptAnswered: OpsideEvent, Equatable {
    public static let name = "prompt.answered"
    @LowercasedUUID public var promptId: UUID
    @LowercasedUUID public var claimId: UUID
    @LowercasedUUID public var documentId: UUID
    public var confirmed: Bool
    /// The invoice lines the question was about, with the SKU they were taken for.
    public var lineIndexes: [Int]
    public var sku: String?
    public var answeredBy: String

    public init(promptId: UUID, claimId: UUID, documentId: UUID, confirmed: Bool, lineIndexes: [Int], sku: String?, answeredBy: String) {
        self.promptId = promptId
        self.claimId = claimId
        self.documentId = documentId
        self.confirmed = confirmed
        self.lineIndexes = lineIndexes
        self.sku = sku
        self.answeredBy = answeredBy
    }
}

/// A paid claim's proof packet is ready to download.
public struct ProofPacketGenerated: OpsideEvent, Equatable {
    public static let name = "proof_packet.generated"
    @LowercasedUUID public var packetId: UUID
    @LowercasedUUID public var claimId: UUID
    public var caseId: String?
    public var sha256: String
    public var sizeBytes: Int
    public var files: Int

    public init(packetId: UUID, claimId: UUID, caseId: String?, sha256: String, sizeBytes: Int, files: Int) {
        self.packetId = packetId
        self.claimId = claimId
        self.caseId = caseId
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.files = files
    }
}
