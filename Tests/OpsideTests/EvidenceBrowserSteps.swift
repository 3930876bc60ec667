import Foundation
import OpsideCore
import OpsideDocumentSamples
import OpsideTesting
import Testing

extension DashboardBrowserTests {
    /// The case filed in the browser was paid: its proof packet is listed with the documents and
    /// on the claim's page, and the ZIP the page links to is the packet the API describes.
    func keepTheProofOfAPaidClaim(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL
        try await browser.open(base + "/app/documents")
        try await eventuallyInBrowser(browser, "the paid claim's proof packet", reloadEvery: .seconds(2), timeout: .seconds(90),
                                      "return document.querySelectorAll('[data-testid=proof-packets] tbody tr').length > 0")
        let listed = try await Self.shown(browser, "[data-testid=proof-packets] tbody tr")
        #expect(listed.contains("Download ZIP"), "\(listed)")
        try await browser.screenshot("documents-proof-packet")

        try await browser.click("[data-testid=proof-packets] tbody tr a[href^='/app/claims/']")
        try await browser.waitUntil("the paid claim's page", "return location.pathname.startsWith('/app/claims/')")
        let claimId = try await browser.url.components(separatedBy: "/").last ?? ""
        #expect(try await browser.count("#proof-packet [data-testid=download-packet]") == 1, "the claim's page links its packet")
        let files = try await browser.run("""
            return Array.from(document.querySelectorAll('#proof-packet details li code')).map((c) => c.textContent)
            """) as? [String] ?? []
        #expect(files.contains("reimbursement.json") && files.contains("summary.pdf"), "\(files)")
        // The link's ZIP, with the page's own sign-in: the bytes the API's packet names.
        let link = try (try await browser.attribute("#proof-packet [data-testid=download-packet]", "href")).unwrap("the packet's link")
        let download = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            Promise.all([
              fetch(arguments[0], { credentials: 'same-origin' }).then((r) => r.arrayBuffer().then((b) => [r.status, new Uint8Array(b)])),
              fetch('/api/v1/proof-packets?claimId=' + arguments[1], { credentials: 'same-origin' }).then((r) => r.json()),
            ]).then(([[status, bytes], listed]) => done([status, bytes.length, String.fromCharCode(bytes[0], bytes[1]),
                                                         listed.proofPackets[0].sizeBytes]));
            """, [link, claimId]) as? [Any] ?? []
        #expect(download.count == 4 && download[0] as? Int == 200 && download[2] as? String == "PK", "\(download)")
        #expect(download.count == 4 && download[1] as? Int == download[3] as? Int, "the ZIP is the packet's size: \(download)")
        _ = try await browser.run("document.getElementById('proof-packet').scrollIntoView({ block: 'center' })")
        try await browser.screenshot("claim-proof-packet")
    }

    /// A seller proves a claim with a supplier invoice: names the supplier's code for the SKU on
    /// the costs page, drops the invoice (and a file that is no document) on the documents page,
    /// watches it being read, checks each line highlighted where it was read, answers the question
    /// the match raises in one click from its notification, sees the SKU's cost (flagged against an
    /// older invoice in another currency), corrects a unit price, and sees the cost follow.
    func proveAClaimWithAnInvoice(suite: Suite, browser: WebBrowser) async throws {
        let base = suite.mainAPI.baseURL

        // A claim an invoice can prove: open, a loss of units of a SKU.
        try await browser.open(base + "/app/claims")
        let page = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/claims?status=claimable&limit=200', { credentials: 'same-origin' }).then((r) => r.text()).then(done);
            """) as? String ?? "{}"
        let claims = try (JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])?["claims"] as? [[String: Any]] ?? []
        let provable: Set<String> = ["warehouse_lost", "warehouse_damaged", "disposed_unrequested", "inbound_shortage", "removal_lost"]
        let claim = try claims.first { provable.contains($0["type"] as? String ?? "") && $0["sku"] is String }.unwrap("a claimable loss of a SKU")
        let claimId = try (claim["id"] as? String).unwrap("the claim's id")
        let sku = try (claim["sku"] as? String).unwrap("the claim's SKU")
        let units = claim["units"] as? Int ?? 1
        let lossDay = try (claim["clockStartedAt"] as? String).flatMap { CivilDate(iso: $0) }.unwrap("the day of the loss")
        let currency = try ((claim["amount"] as? [String: Any])?["currency"] as? String).unwrap("the claim's currency")

        // The supplier's code means that SKU: the costs page's table.
        let supplier = "Ningbo Harbor Housewares Co., Ltd."
        let code = "NH-40417"
        try await browser.open(base + "/app/costs")
        try await browser.type("#supplier-sku-text", "\(supplier), \(code), \(sku)")
        try await browser.screenshot("costs-supplier-codes")
        try await browser.click("#supplier-skus-form button[type=submit]")
        try await browser.waitUntil("the supplier codes saved", "return location.search.includes('notice=')")
        #expect(try await browser.text("[data-testid=supplier-skus]").contains(code))

        // The invoice: dated a month before the loss, the SKU's line by the supplier's code alone,
        // and a line for labels that is none of the seller's products.
        let invoice = Self.invoice(supplier: supplier, currency: currency, date: lossDay.adding(days: -30), number: "INV-\(lossDay.year)-0417", lines: [
            ("Double-wall insulated travel mug, brushed steel", code, units + 200, Decimal(string: "3.85")!),
            ("Printed carton labels, 4 x 6 in", "NH-90001", 500, Decimal(string: "0.04")!),
        ])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opside-browser-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pdf = folder.appendingPathComponent("invoice-\(invoice.number).pdf")
        try SampleDocumentRenderer.textPDF(invoice, layout: .classic).write(to: pdf)
        let notes = folder.appendingPathComponent("packing-notes.txt")
        try Data("Pack the mugs two to a carton.\n".utf8).write(to: notes)

        // Both files chosen at once: each uploads with its own bar and outcome; the text file is refused.
        try await browser.open(base + "/app/documents")
        #expect(try await browser.text("[data-testid=document-limits]").contains("PDF"))
        _ = try await browser.run("window.opsideSamePage = true")
        try await browser.type("[data-testid=document-files]", pdf.path + "\n" + notes.path)
        try await browser.waitUntil("both uploads finished", timeout: .seconds(60), """
            return document.querySelectorAll('[data-testid=uploads] li[data-state=accepted], [data-testid=uploads] li[data-state=rejected]').length === 2
            """)
        let documentId = try (try await browser.attribute("[data-testid=uploads] li[data-state=accepted]", "data-document")).unwrap("the invoice's id")
        #expect(try await browser.text("[data-testid=uploads] li[data-state=accepted]").contains(pdf.lastPathComponent))
        #expect(try await browser.run("return document.querySelector('[data-testid=uploads] li[data-state=accepted] progress').value") as? Int == 100)
        let refused = try await browser.text("[data-testid=uploads] li[data-state=rejected]")
        #expect(refused.contains("packing-notes.txt") && refused.count > "packing-notes.txt (31 bytes)".count + 5, "\(refused)")
        try await browser.screenshot("documents-uploaded")

        // Read in place: the row turns read with its supplier and lines, with no reload.
        let row = "tr[data-document='\(documentId)']"
        try await browser.waitUntil("the invoice read", timeout: .seconds(120), """
            const row = document.querySelector("\(row)"); return !!row && row.dataset.status !== 'received'
            """)
        #expect(try await browser.run("return window.opsideSamePage === true") as? Bool == true, "the list changed without a reload")
        let rowText = try await Self.shown(browser, row)
        #expect(try await Self.attribute(browser, row, "data-status") == "parsed", "\(rowText)")
        #expect(try await Self.shown(browser, "\(row) [data-field=supplier]").contains("Ningbo Harbor Housewares"))
        #expect(try await Self.shown(browser, "\(row) [data-field=number]") == invoice.number)
        #expect(try await Self.shown(browser, "\(row) [data-field=lines]") == "2")
        try await browser.screenshot("documents-read")

        // The invoice's page: what was read, each line highlighted where it was read.
        try await Self.click(browser, "\(row) a")
        try await browser.waitUntil("the invoice's page", "return location.pathname === '/app/documents/\(documentId)'")
        #expect(try await Self.shown(browser, "[data-testid=document-fields] [data-field=supplier]").contains("Ningbo Harbor Housewares"))
        #expect(try await browser.count("[data-testid=document-lines] tbody tr") == 2)
        // The original, as uploaded, from the page's link.
        let original = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch(document.querySelector('[data-testid=download-original]').href, { credentials: 'same-origin' })
              .then((r) => r.arrayBuffer().then((b) => done([r.status, b.byteLength, String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])));
            """) as? [Any] ?? []
        let uploadedSize = try FileManager.default.attributesOfItem(atPath: pdf.path)[.size] as? Int
        #expect(original.count == 3 && original[0] as? Int == 200 && original[1] as? Int == uploadedSize && original[2] as? String == "%PDF-",
                "\(original)")
        let highlighted = try await browser.run("""
            return [1, 2].map((n) => Array.from(document.querySelectorAll('.text-line.hl[data-invoice-line="' + n + '"]'))
              .map((line) => line.textContent).join(' '))
            """) as? [String] ?? []
        #expect(highlighted.count == 2 && highlighted[0].contains(code) && highlighted[1].contains("NH-90001"), "\(highlighted)")
        #expect(highlighted.count == 2 && !highlighted[0].contains("NH-90001") && !highlighted[1].contains(code), "each line marks only its own text")
        #expect(try await browser.count(".text-line.hl") < (try await browser.count(".text-line")), "only the lines' text is highlighted")
        _ = try await browser.run("document.getElementById('text-line-1').scrollIntoView({ block: 'center' })")
        try await browser.screenshot("document-highlighted-lines")

        // The match with the claim, each feature's push shown; asked about rather than filed.
        try await eventuallyInBrowser(browser, "the invoice matched to the claim", reloadEvery: .seconds(2), timeout: .seconds(90),
                                      "return !!document.querySelector('#matches article a[href=\"/app/claims/\(claimId)\"]')")
        // (Other open claims of the SKU may match too: this claim's match is the one read.)
        let match = "#matches article:has(a[href='/app/claims/\(claimId)']) "
        #expect(try await Self.attribute(browser, "#matches article:has(a[href='/app/claims/\(claimId)'])", "data-status") == "prompted")
        let contributions = try await browser.run("""
            return Array.from(document.querySelectorAll(arguments[0])).map((c) => Number(c.textContent))
            """, [match + "[data-field=contribution]"]) as? [Double] ?? []
        let confidence = Double(try await Self.shown(browser, "\(match)[data-field=confidence]").split(separator: " ").first ?? "") ?? -1
        #expect(contributions.count == 5, "\(contributions)")
        #expect(abs(contributions.reduce(0, +) * 100 - confidence) <= 2, "the features add up to the confidence: \(contributions) vs \(confidence) %")
        _ = try await browser.run("document.getElementById('matches').scrollIntoView()")
        try await browser.screenshot("document-matches")

        // The question, from its notification, answered in one click.
        let open = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/prompts', { credentials: 'same-origin' }).then((r) => r.json()).then((b) => done(b.prompts.map((p) => [p.id, p.claimId])));
            """) as? [[String]] ?? []
        let prompt = try open.first { $0.count == 2 && $0[1] == claimId }.map { $0[0] }.unwrap("the claim's open question")
        try await browser.waitUntil("the open questions counted", "return document.getElementById('prompt-count').textContent === '\(open.count)'")
        try await browser.open(base + "/app/notifications")
        let notice = "[data-testid=notifications] a[href='/app/prompts#prompt-\(prompt)']"
        try await eventuallyInBrowser(browser, "the question's notification", reloadEvery: .seconds(1), timeout: .seconds(30),
                                      "return !!document.querySelector(\"\(notice)\")")
        try await browser.screenshot("notifications-question")
        try await browser.click(notice)
        try await browser.waitUntil("the question", "return location.pathname === '/app/prompts' && !!document.querySelector('li.prompt:target')")
        #expect(try await browser.run("return document.querySelector('li.prompt:target').dataset.prompt") as? String == prompt)
        let question = try await Self.shown(browser, "#prompt-\(prompt) [data-field=question]")
        #expect(question.contains(invoice.number) && question.contains(sku), "\(question)")
        try await browser.screenshot("prompt")
        try await Self.click(browser, "#prompt-\(prompt) [data-testid=answer-yes]")
        try await browser.waitUntil("the answer recorded", "return document.querySelector('#closed-prompts, [data-testid=closed-prompts]') !== null && "
                                        + "document.querySelector('tr#prompt-\(prompt)') !== null")
        #expect(try await browser.attribute("tr#prompt-\(prompt)", "data-status") == "confirmed")
        #expect(try await browser.text("tr#prompt-\(prompt)").contains("by you"))
        #expect(try await browser.count("li#prompt-\(prompt)") == 0, "answered, it is no longer open")
        try await browser.screenshot("prompt-answered")

        // The claim shows the document that proves it, as the seller confirmed it.
        try await browser.open(base + "/app/claims/\(claimId)")
        #expect(try await browser.attribute("[data-testid=evidence] article", "data-status") == "confirmed")
        #expect(try await browser.text("[data-testid=evidence] article h3").contains(pdf.lastPathComponent))
        _ = try await browser.run("document.getElementById('evidence').scrollIntoView()")
        try await browser.screenshot("claim-evidence")

        // An older invoice of the SKU in another currency: the SKU's costs are flagged against each other.
        let otherCurrency = currency == "EUR" ? "GBP" : "EUR"
        let older = Self.invoice(supplier: supplier, currency: otherCurrency, date: lossDay.adding(days: -90), number: "INV-\(lossDay.year)-0102",
                                 lines: [("Double-wall insulated travel mug, brushed steel", code, 150, Decimal(string: "3.40")!)])
        let olderPDF = folder.appendingPathComponent("invoice-\(older.number).pdf")
        try SampleDocumentRenderer.textPDF(older, layout: .classic).write(to: olderPDF)
        try await browser.open(base + "/app/documents")
        try await browser.type("[data-testid=document-files]", olderPDF.path)
        try await browser.waitUntil("the older invoice uploaded", timeout: .seconds(60),
                                    "return !!document.querySelector('[data-testid=uploads] li[data-state=accepted]')")
        let olderId = try (try await browser.attribute("[data-testid=uploads] li[data-state=accepted]", "data-document")).unwrap("the older invoice's id")
        try await browser.waitUntil("the older invoice read", timeout: .seconds(120),
                                    "const row = document.querySelector(\"tr[data-document='\(olderId)']\"); return !!row && row.dataset.status === 'parsed'")

        // The SKU's cost from the invoices, over time, with what looks wrong, and in the file for Seller Central.
        try await browser.open(base + "/app/costs")
        try await eventuallyInBrowser(browser, "the SKU's costs from both invoices", reloadEvery: .seconds(2), timeout: .seconds(60),
                                      "return document.querySelectorAll('section[data-sku=\"\(sku)\"] [data-testid=sku-history] tbody tr').length === 2")
        #expect(try await browser.text("[data-testid=sku-costs] tr[data-sku='\(sku)'] [data-field=cost]") == "3.85 \(currency)", "the latest invoice's cost is in force")
        #expect(try await browser.text("[data-testid=cost-anomalies]").contains("is in \(otherCurrency)"))
        #expect(try await browser.text("[data-testid=sku-costs] tr[data-sku='\(sku)'] [data-field=anomalies]").contains("to check"))
        #expect(try await browser.count("section[data-sku='\(sku)'] svg.cost-chart circle") == 1, "the chart draws the costs in the SKU's currency")
        #expect(try await browser.count("section[data-sku='\(sku)'] tr.anomalous") >= 1, "the flagged invoice lines stand out")
        let file = try await browser.runAsync("""
            const done = arguments[arguments.length - 1];
            fetch(document.querySelector('[data-testid=download-cost-file]').href, { credentials: 'same-origin' })
              .then((r) => r.text().then((t) => done(r.status + '\\n' + t)));
            """) as? String ?? ""
        #expect(file.hasPrefix("200\n") && file.contains(sku) && file.contains("3.85"), "\(file.prefix(300))")
        try await browser.screenshot("costs")

        // A unit price read wrong, corrected: the line and then the SKU's cost follow.
        try await browser.open(base + "/app/documents/\(documentId)")
        try await browser.select("[data-testid=correction-line]", value: "0")
        #expect(try await browser.run("return document.querySelector('[data-testid=correction-unit-price]').value") as? String == "3.85")
        try await browser.type("[data-testid=correction-unit-price]", "3.95")
        _ = try await browser.run("document.getElementById('corrections').scrollIntoView()")
        try await browser.screenshot("document-correction")
        try await browser.click("#corrections-form button[type=submit]")
        try await browser.waitUntil("the correction saved", "return location.search.includes('notice=')")
        #expect(try await Self.shown(browser, "#line-1 [data-field=unitPrice]") == "3.95 \(currency)")
        try await browser.open(base + "/app/costs")
        try await eventuallyInBrowser(browser, "the corrected cost", reloadEvery: .seconds(2), timeout: .seconds(60),
                                      "return document.querySelector('[data-testid=sku-costs] tr[data-sku=\"\(sku)\"] [data-field=cost]').textContent === '3.95 \(currency)'")
        try await browser.screenshot("costs-corrected")
    }

    // MARK: Reading live sections
    // A page's live sections are replaced whole when they change: an element WebDriver found may be
    // gone by its next command, so these read (or click) in one step, or again.

    /// The text of what `css` matches, as shown.
    static func shown(_ browser: WebBrowser, _ css: String) async throws -> String {
        try (try await browser.run("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null", [css]) as? String)
            .unwrap("\(css) on \(try await browser.url)")
    }

    static func attribute(_ browser: WebBrowser, _ css: String, _ name: String) async throws -> String? {
        try await browser.run("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null", [css, name]) as? String
    }

    /// Clicks what `css` matches, again when a live section was replaced between finding and clicking it.
    static func click(_ browser: WebBrowser, _ css: String) async throws {
        for attempt in 1...3 {
            do {
                return try await browser.click(css)
            } catch where attempt < 3 && "\(error)".contains("stale element") {
                continue
            }
        }
    }

    /// A sample invoice (the sample generator's classic layout, supplier and numbers) with exactly
    /// these lines, and totals that add up.
    static func invoice(supplier: String, currency: String, date: CivilDate, number: String,
                        lines: [(description: String, code: String, quantity: Int, unitPrice: Decimal)]) -> SampleInvoice {
        var generator = SampleInvoiceGenerator(seed: 4040, catalog: [SellerCatalogItem(sku: "TEMPLATE-1", asin: "B000000001", title: "Template item")])
        var invoice = generator.invoice(layout: .classic, lineCount: lines.count)
        var template = invoice.lines[0]
        invoice.lines = lines.map { line in
            template.description = line.description
            template.supplierSku = line.code
            template.sellerSku = nil
            template.asin = nil
            template.catalogSku = nil
            template.reference = .supplierCode
            template.quantity = line.quantity
            template.unitPrice = line.unitPrice
            template.lineTotal = line.unitPrice * Decimal(line.quantity)
            return template
        }
        invoice.number = number
        invoice.issueDate = SampleDate(year: date.year, month: date.month, day: date.day)
        invoice.dueDate = nil
        invoice.currency = currency
        invoice.supplier.name = supplier
        invoice.freight = 40
        invoice.duty = 0
        invoice.otherCharges = []
        invoice.subtotal = invoice.lines.reduce(Decimal(0)) { $0 + $1.lineTotal }
        invoice.taxRate = 0
        invoice.tax = 0
        invoice.total = invoice.subtotal + invoice.freight
        invoice.numberStyle = .us
        return invoice
    }
}
