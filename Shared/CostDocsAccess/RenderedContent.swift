import Foundation
import OpsideCore

/// What a cost document says (cost-docs renders it as a PDF a case can attach): the claim, the
/// invoice's excerpt with the lines that are the claim's SKU highlighted, the SKU mapping, the
/// unit cost and the arithmetic of the claimed value. Every field is data, never layout: the
/// same content renders to the same bytes.
public struct CostDocumentContent: Codable, Sendable, Equatable {
    public struct Claim: Codable, Sendable, Equatable {
        public var claimId: UUID
        public var type: String
        public var sku: String?
        public var asin: String?
        public var fnsku: String?
        public var units: Int
        public var amountClaimed: Money
        public var lossDate: CivilDate
        public var marketplaceId: String

        public init(claimId: UUID, type: String, sku: String?, asin: String?, fnsku: String?, units: Int, amountClaimed: Money,
                    lossDate: CivilDate, marketplaceId: String) {
            self.claimId = claimId
            self.type = type
            self.sku = sku
            self.asin = asin
            self.fnsku = fnsku
            self.units = units
            self.amountClaimed = amountClaimed
            self.lossDate = lossDate
            self.marketplaceId = marketplaceId
        }
    }

    public struct Line: Codable, Sendable, Equatable {
        public var description: String
        public var supplierSku: String?
        public var quantity: Int?
        /// As the invoice writes it (exact decimal text, in the invoice's currency).
        public var unitPrice: String
        public var lineTotal: String?
        /// The claim's SKU: shown highlighted.
        public var matched: Bool

        public init(description: String, supplierSku: String?, quantity: Int?, unitPrice: String, lineTotal: String?, matched: Bool) {
            self.description = description
            self.supplierSku = supplierSku
            self.quantity = quantity
            self.unitPrice = unitPrice
            self.lineTotal = lineTotal
            self.matched = matched
        }
    }

    public var claim: Claim
    public var supplier: String?
    public var invoiceNumber: String?
    public var invoiceDate: CivilDate?
    public var currency: String?
    public var incoterm: String?
    public var fileName: String
    public var fileSHA256: String
    public var lines: [Line]
    /// How the lines were taken for the SKU ("SKU on the line", "the seller confirmed it"...).
    public var mapping: String
    public var manufacturingUnitCost: Money?
    public var landedUnitCost: Money?
    /// The steps from the invoice to the unit cost and to the amount claimed, one per line of text.
    public var arithmetic: [String]
    /// The document's date (its PDF metadata): when the match was made, so a re-render is identical.
    public var preparedAt: Date

    public init(claim: Claim, supplier: String?, invoiceNumber: String?, invoiceDate: CivilDate?, currency: String?, incoterm: String?,
                fileName: String, fileSHA256: String, lines: [Line], mapping: String, manufacturingUnitCost: Money?, landedUnitCost: Money?,
                arithmetic: [String], preparedAt: Date) {
        self.claim = claim
        self.supplier = supplier
        self.invoiceNumber = invoiceNumber
        self.invoiceDate = invoiceDate
        self.currency = currency
        self.incoterm = incoterm
        self.fileName = fileName
        self.fileSHA256 = fileSHA256
        self.lines = lines
        self.mapping = mapping
        self.manufacturingUnitCost = manufacturingUnitCost
        self.landedUnitCost = landedUnitCost
        self.arithmetic = arithmetic
        self.preparedAt = preparedAt
    }
}

/// What a proof packet's summary says: the claim and its arithmetic, the case, the reimbursement
/// and the files in the packet.
public struct ProofSummaryContent: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var sizeBytes: Int

        public init(path: String, sha256: String, sizeBytes: Int) {
            self.path = path
            self.sha256 = sha256
            self.sizeBytes = sizeBytes
        }
    }

    public var claim: CostDocumentContent.Claim
    public var arithmetic: [String]
    public var caseId: String?
    public var amazonCaseId: String?
    public var caseStatus: String?
    public var filedAt: Date?
    public var reimbursementId: String
    public var amountPaid: Money
    public var paidOn: Date?
    public var files: [File]
    public var generatedAt: Date

    public init(claim: CostDocumentContent.Claim, arithmetic: [String], caseId: String?, amazonCaseId: String?, caseStatus: String?, filedAt: Date?,
                reimbursementId: String, amountPaid: Money, paidOn: Date?, files: [File], generatedAt: Date) {
        self.claim = claim
        self.arithmetic = arithmetic
        self.caseId = caseId
        self.amazonCaseId = amazonCaseId
        self.caseStatus = caseStatus
        self.filedAt = filedAt
        self.reimbursementId = reimbursementId
        self.amountPaid = amountPaid
        self.paidOn = paidOn
        self.files = files
        self.generatedAt = generatedAt
    }
}

/// A file cost-docs rendered and stored.
public struct RenderedFile: Codable, Sendable, Equatable {
    public var sha256: String
    public var sizeBytes: Int64

    public init(sha256: String, sizeBytes: Int64) {
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
    }
}
