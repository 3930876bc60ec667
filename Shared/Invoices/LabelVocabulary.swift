import Foundation

/// The labels supplier documents print, by what they announce: column headers of the goods table,
/// the totals block, and the header fields. English first, then the German, French, Spanish and
/// Italian forms European suppliers use. Matching is on normalized words (`LabelVocabulary.words`).
enum LabelVocabulary {
    /// What a goods-table column holds.
    enum ColumnRole: String, Sendable, Equatable {
        case lineNumber, description, detail, supplierSku, sellerSku, asin, quantity, unit, unitPrice, discount, amount, ignored

        var isNumeric: Bool {
            switch self {
            case .quantity, .unitPrice, .discount, .amount, .lineNumber: true
            default: false
            }
        }
    }

    /// What a totals-block label announces.
    enum SummaryRole: String, Sendable, Equatable {
        case subtotal, total, balanceDue, freight, duty, otherCharge, tax, discount
        /// "Total Qty", "Deposit paid", "Amount in words": a figure that is not money of the invoice.
        case ignored
        /// "Carried forward", "Page total": a running figure between pages.
        case pageCarry
    }

    /// What a header-field label announces.
    enum FieldRole: String, Sendable, Equatable {
        case invoiceNumber, poNumber, bareNumber, invoiceDate, genericDate, poDate, otherDate
        case supplier, buyer, currency, incoterm, paymentTerms
    }

    // MARK: Normalization

    /// A word as labels are compared: lower case, without `.`, `:`, `;`, `*`, quotes, brackets.
    static func normalize(_ word: String) -> String {
        var result = ""
        for character in word.lowercased() where !ignoredInLabels.contains(character) {
            result.append(character)
        }
        return result
    }

    private static let ignoredInLabels: Set<Character> = Set(".:;*\"'()[]{},_`´’")

    /// The normalized words of a label text, dropping currency codes and symbols, Incoterm
    /// rules, percentages and bare numbers ("Unit Price (USD)" → unit price; "VAT 20%" → vat).
    static func words(_ text: String) -> [String] {
        text.split(separator: " ").compactMap { raw -> String? in
            let word = normalize(String(raw))
            if word.isEmpty || droppedWords.contains(word) { return nil }
            if word.allSatisfy({ $0.isNumber || $0 == "%" || $0 == "," || $0 == "." }) { return nil }
            return word
        }
    }

    static let droppedWords: Set<String> = [
        "usd", "eur", "gbp", "cny", "rmb", "jpy", "cad", "aud", "hkd", "sgd", "chf", "inr", "mxn", "nzd", "sek", "pln",
        "$", "us$", "€", "£", "¥", "￥", "%", "fob", "exw", "cif", "ddp", "dap", "fca", "cfr",
    ]

    // MARK: Goods-table columns

    static let columns: [String: ColumnRole] = table([
        (.lineNumber, ["no", "#", "line", "ln", "pos", "position", "s/n", "sn", "sr no", "sl no", "nr", "lfd nr", "n°"]),
        (.description, ["description", "item description", "product description", "description of goods",
                        "goods description", "descriptions", "product", "product name", "products", "item name", "item",
                        "goods", "particulars", "commodity", "details", "product details", "name", "article",
                        "bezeichnung", "artikelbezeichnung", "beschreibung", "artikel", "leistung",
                        "désignation", "designation", "descripción", "descripcion", "descrizione", "articolo"]),
        (.detail, ["color", "colour", "size", "spec", "specification", "specifications", "variant", "farbe", "größe",
                   "groesse", "couleur", "taille", "color/size"]),
        (.supplierSku, ["sku", "item no", "item number", "item #", "item code", "item ref", "model", "model no",
                        "model number", "model #", "model#", "item#", "part#", "style#", "sku#", "part no", "part number", "part #", "p/n", "style", "style no",
                        "style #", "article no", "art no", "art-nr", "artikelnummer", "artikel-nr", "artnr", "artikelnr", "art nr",
                        "artikel nr", "art-no", "article #", "item ref no", "code",
                        "product code", "product no", "product id", "ref", "reference", "supplier sku", "vendor sku",
                        "mfr part", "catalog no", "cat no", "référence", "referencia", "codice", "vendor item"]),
        (.sellerSku, ["your sku", "customer sku", "buyer sku", "seller sku", "amazon sku", "msku", "merchant sku",
                      "client sku", "your item no", "customer item no", "customer part no", "buyer item no"]),
        (.asin, ["asin", "amazon asin"]),
        (.quantity, ["qty", "quantity", "units", "pcs", "pieces", "qty pcs", "quantity pcs", "order qty", "ordered qty",
                     "shipped qty", "qty shipped", "qty ordered", "quantity ordered", "quantity shipped", "no of units",
                     "total qty", "menge", "anzahl", "stück", "quantité", "quantite", "qté", "cantidad", "cant",
                     "quantità", "quantita", "qtà"]),
        (.unit, ["unit", "uom", "u/m", "um", "unit of measure", "einheit", "me", "unité", "unidad", "unità"]),
        (.unitPrice, ["unit price", "price", "rate", "unit cost", "cost", "price/unit", "price per unit", "u/price",
                      "unit rate", "price each", "each", "net price", "unit net price", "unit value", "fob price",
                      "fob unit price", "price/pc", "price/pcs", "unit price/pc", "einzelpreis", "preis",
                      "stückpreis", "e-preis", "ep", "prix unitaire", "prix", "pu", "precio unitario", "precio",
                      "prezzo unitario", "prezzo"]),
        (.discount, ["discount", "disc", "disc %", "discount %", "rabatt", "remise", "descuento", "dto", "sconto"]),
        (.amount, ["amount", "total", "line total", "total price", "ext price", "extended price", "extended",
                   "extension", "value", "net amount", "total amount", "line amount", "net value", "total value",
                   "subtotal", "betrag", "gesamt", "gesamtpreis", "summe", "gesamtbetrag", "montant", "total ht",
                   "importe", "importo", "totale"]),
        (.ignored, ["hs code", "hs", "hts", "hts code", "ctns", "cartons", "carton", "ctn", "nw", "gw", "n w", "g w",
                    "net weight", "gross weight", "weight", "cbm", "volume", "origin", "country of origin", "coo",
                    "tax", "vat", "tax %", "vat %", "gst", "mwst", "ust", "barcode", "ean", "upc", "gtin", "image",
                    "photo", "remark", "remarks", "note", "notes", "moq", "lead time", "packing", "pack"]),
    ])

    // MARK: Totals block

    static let summary: [String: SummaryRole] = table([
        (.subtotal, ["subtotal", "sub total", "sub-total", "net total", "total net", "goods total", "goods value",
                     "total goods value", "total goods", "merchandise total", "merchandise subtotal", "total before tax",
                     "total excl vat", "total excl tax", "total excluding vat", "total net amount", "net amount",
                     "amount before tax", "items total", "product total", "products total", "total of goods",
                     "zwischensumme", "nettobetrag", "summe netto", "gesamt netto", "netto", "nettosumme",
                     "warenwert", "sous-total", "sous total", "total ht", "subtotale", "imponible"]),
        (.total, ["total", "grand total", "total amount", "invoice total", "total due", "total invoice amount",
                  "total invoice value", "total value", "invoice amount", "total incl vat", "total incl tax",
                  "total including vat", "total to pay", "total payable", "amount payable", "total amount due",
                  "total order", "order total", "po total", "total po value", "gesamtbetrag", "gesamtsumme", "endbetrag",
                  "rechnungsbetrag", "summe", "gesamt", "bruttobetrag", "total ttc", "montant total", "importe total",
                  "totale", "totale fattura"]),
        (.balanceDue, ["amount due", "balance due", "balance", "please pay", "zahlbetrag", "reste à payer"]),
        (.freight, ["freight", "shipping", "shipping and handling", "shipping & handling", "s&h", "freight charge",
                    "freight charges", "freight cost", "freight costs", "ocean freight", "sea freight", "air freight",
                    "express freight", "inland freight", "delivery", "delivery charge", "delivery charges",
                    "delivery fee", "courier", "courier charge", "courier charges", "postage", "transport",
                    "transportation", "carriage", "shipping fee", "shipping cost", "shipping costs",
                    "shipping charge", "shipping charges", "fracht", "frachtkosten", "versand", "versandkosten",
                    "transportkosten", "frais de port", "transport et livraison", "envío", "envio", "porte",
                    "spedizione", "trasporto"]),
        (.duty, ["duty", "duties", "customs", "customs duty", "customs duties", "import duty", "import duties",
                 "tariff", "tariffs", "section 301 tariff", "zoll", "zölle", "zollgebühren", "einfuhrzoll",
                 "droits de douane", "douane", "aranceles", "arancel", "dazi", "dazio"]),
        (.otherCharge, ["handling", "handling fee", "handling charge", "handling charges", "insurance",
                        "cargo insurance", "freight insurance", "packing", "packing charge", "packing fee",
                        "packaging fee", "packaging charge", "bank charge", "bank charges", "bank fee",
                        "inspection fee", "inspection", "documentation fee", "doc fee", "document fee", "mold fee",
                        "mould fee", "tooling", "tooling charge", "tooling fee", "setup fee", "set-up fee",
                        "surcharge", "fuel surcharge", "customs clearance", "clearance fee", "other charges",
                        "other charge", "other fees", "misc", "miscellaneous", "versicherung", "verpackung",
                        "bearbeitungsgebühr", "assurance", "seguro", "assicurazione", "imballaggio"]),
        (.tax, ["tax", "vat", "gst", "hst", "pst", "qst", "sales tax", "tax amount", "vat amount", "total tax",
                "total vat", "mwst", "ust", "umsatzsteuer", "mehrwertsteuer", "iva", "tva", "consumption tax",
                "igst", "cgst", "sgst", "plus vat", "zzgl mwst"]),
        (.discount, ["discount", "less discount", "rebate", "rabatt", "skonto", "remise", "descuento", "sconto",
                     "special discount", "volume discount", "promotional discount", "less"]),
        (.ignored, ["total qty", "total quantity", "total pcs", "total pieces", "total units", "total cartons",
                    "total ctns", "total carton", "total packages", "total pkgs", "total weight", "total gross weight",
                    "total net weight", "total gw", "total nw", "total cbm", "total volume", "total in words",
                    "amount in words", "say total", "say", "total pages", "total items", "total lines", "deposit",
                    "deposit paid", "less deposit", "advance", "advance payment", "amount paid", "paid",
                    "payment received", "gesamtmenge", "total qté"]),
        (.pageCarry, ["carried forward", "carried over", "brought forward", "balance brought forward",
                      "balance carried forward", "page total", "page subtotal", "subtotal this page",
                      "continued", "continued on next page", "übertrag", "à reporter"]),
    ])

    // MARK: Header fields

    static let fields: [String: FieldRole] = table([
        (.invoiceNumber, ["invoice no", "invoice number", "invoice #", "invoice num", "invoice nr", "invoice id",
                          "invoice ref", "inv no", "inv #", "inv number", "invoice#", "inv#", "invoice no#", "commercial invoice no", "ci no",
                          "proforma invoice no", "proforma no", "pi no", "bill no", "document no", "doc no",
                          "rechnungsnummer", "rechnung nr", "rechnungs-nr", "rechnung-nr", "re-nr", "facture n°",
                          "n° facture", "n° de facture", "numéro de facture", "factura no", "factura n°",
                          "número de factura", "fattura n", "fattura n°", "numero fattura", "invoice"]),
        (.poNumber, ["po number", "po no", "po #", "po#", "p.o. no", "p.o. #", "p.o.#", "order#", "p/o no", "p/o #", "po", "purchase order", "purchase order no",
                     "purchase order number", "purchase order #", "order no", "order number", "order #", "your order",
                     "your order no", "your po", "customer po", "customer po no", "buyer po", "bestellnummer",
                     "bestell-nr", "ihre bestellung", "auftragsnummer", "auftrags-nr", "commande n°", "pedido"]),
        (.bareNumber, ["no", "nr", "n°", "number", "#"]),
        (.invoiceDate, ["invoice date", "date of invoice", "issue date", "date of issue", "issued", "issued on",
                        "inv date", "billing date", "invoice dt", "rechnungsdatum", "date de facture",
                        "date facture", "fecha de factura", "fecha factura", "data fattura"]),
        (.genericDate, ["date", "dated", "datum", "fecha", "data", "dt"]),
        (.poDate, ["po date", "order date", "purchase order date", "date of order", "bestelldatum", "auftragsdatum"]),
        (.otherDate, ["due date", "payment due", "due", "date due", "ship date", "shipping date", "shipment date",
                      "delivery date", "date of shipment", "etd", "eta", "expiry date", "valid until", "valid till",
                      "valid through", "required by", "delivery by", "fälligkeitsdatum", "fällig am", "lieferdatum",
                      "leistungsdatum", "échéance", "vencimiento", "scadenza"]),
        (.supplier, ["from", "seller", "supplier", "vendor", "exporter", "shipper", "shipper/exporter", "exporter/shipper",
                     "seller/exporter", "manufacturer/exporter", "supplier/exporter", "manufacturer", "sold by",
                     "beneficiary", "beneficiary name", "supplier name", "vendor name", "issued by", "bill from",
                     "lieferant", "verkäufer", "absender", "fournisseur", "vendeur", "proveedor",
                     "vendedor", "fornitore"]),
        (.buyer, ["consignee/buyer", "buyer/consignee", "importer/buyer", "bill to", "billed to", "sold to", "ship to", "shipped to", "deliver to", "delivery address",
                  "invoice to", "invoiced to", "buyer", "customer", "consignee", "purchaser", "notify party", "importer",
                  "client", "to", "rechnungsempfänger", "rechnungsadresse", "lieferadresse", "lieferanschrift", "kunde",
                  "käufer", "empfänger", "destinataire", "facturé à", "livré à", "cliente", "facturar a"]),
        (.currency, ["currency", "curr", "ccy", "währung", "devise", "moneda", "valuta"]),
        (.incoterm, ["incoterm", "incoterms", "terms of delivery", "delivery terms", "delivery term", "trade terms",
                     "trade term", "price terms", "price term", "shipping terms", "shipment terms", "terms of sale",
                     "lieferbedingungen", "lieferbedingung", "lieferkondition", "conditions de livraison",
                     "condiciones de entrega", "resa"]),
        (.paymentTerms, ["payment terms", "terms of payment", "payment", "terms", "zahlungsbedingungen",
                         "conditions de paiement"]),
    ])

    // MARK: Document titles

    static let titles: [String: InvoiceDocumentType] = table([
        (.invoice, ["invoice", "commercial invoice", "tax invoice", "proforma invoice", "pro forma invoice",
                    "pro-forma invoice", "proforma", "final invoice", "sales invoice", "invoice and packing list",
                    "rechnung", "handelsrechnung", "proforma-rechnung", "facture", "facture commerciale", "factura",
                    "factura comercial", "fattura", "fattura commerciale"]),
        (.purchaseOrder, ["purchase order", "order confirmation", "sales order confirmation", "bestellung",
                          "auftragsbestätigung", "bon de commande", "orden de compra", "ordine di acquisto"]),
        (.priceList, ["price list", "pricelist", "price sheet", "quotation", "quote", "price quotation",
                      "price quote", "preisliste", "angebot", "liste de prix", "tarif", "lista de precios",
                      "cotización", "listino prezzi"]),
    ])

    /// The longest phrase in any table, in words.
    static let longestPhrase = 6

    private static func table<Role>(_ groups: [(Role, [String])]) -> [String: Role] {
        var result: [String: Role] = [:]
        for (role, phrases) in groups {
            for phrase in phrases {
                let key = words(phrase).joined(separator: " ")
                if !key.isEmpty, result[key] == nil { result[key] = role }
            }
        }
        return result
    }
}

extension LabelVocabulary {
    /// Whether a cell's text is itself a label (so it is no value): a header-field, totals or
    /// title phrase, or any text ending in a colon.
    static func isLabel(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix(":") { return true }
        let key = words(trimmed).joined(separator: " ")
        guard !key.isEmpty else { return false }
        return fields[key] != nil || summary[key] != nil || titles[key] != nil
    }
}
