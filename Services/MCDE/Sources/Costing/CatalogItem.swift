import Foundation

/// One item of the seller's catalog, as far as mapping invoice lines needs it.
public struct CatalogItem: Codable, Sendable, Equatable, Hashable {
    public var sku: String
    public var asin: String?
    public var fnsku: String?
    public var title: String

    public init(sku: String, asin: String? = nil, fnsku: String? = nil, title: String) {
        self.sku = sku
        self.asin = asin
        self.fnsku = fnsku
        self.title = title
    }
}

/// A row of the seller's supplier-SKU table: this supplier's code means this SKU.
public struct SupplierSKUEntry: Codable, Sendable, Equatable {
    public var supplier: String
    public var supplierSku: String
    public var sku: String

    public init(supplier: String, supplierSku: String, sku: String) {
        self.supplier = supplier
        self.supplierSku = supplierSku
        self.sku = sku
    }
}

/// A mapping the seller confirmed on an earlier invoice of the same supplier.
public struct ConfirmedMapping: Codable, Sendable, Equatable {
    public var supplier: String
    /// The line's description as it was printed, when the confirmation was made on it.
    public var description: String?
    public var supplierSku: String?
    public var sku: String

    public init(supplier: String, description: String? = nil, supplierSku: String? = nil, sku: String) {
        self.supplier = supplier
        self.description = description
        self.supplierSku = supplierSku
        self.sku = sku
    }
}
