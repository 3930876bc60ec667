import Crypto
import Foundation

/// The Content-Security-Policy of the two pages e-mail links lead to (`reset-password.html`,
/// `accept-invitation.html`).
///
/// Each carries its script inline (its style is the dashboard's `/assets/app.css`); rather than
/// allow every inline script (`'unsafe-inline'`, which would let any injected markup run), the
/// policy names the hash of each block the page really holds, computed from the page at start-up
/// so it cannot go stale.
/// Nothing else may run, load, frame the page or receive its forms.
enum DashboardPolicy {
    static func contentSecurityPolicy(for page: Data) -> String {
        let html = String(decoding: page, as: UTF8.self)
        let scripts = inlineBlocks(of: "script", in: html).map(hashSource)
        let styles = inlineBlocks(of: "style", in: html).map(hashSource)
        return [
            "default-src 'none'",
            "script-src " + (scripts.isEmpty ? "'none'" : scripts.joined(separator: " ")),
            "style-src " + (["'self'"] + styles).joined(separator: " "),
            "connect-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// The text between `<tag>` and `</tag>` for every such block, as the browser hashes it.
    static func inlineBlocks(of tag: String, in html: String) -> [Substring] {
        var blocks: [Substring] = []
        var rest = html[...]
        while let open = rest.range(of: "<\(tag)>"), let close = rest[open.upperBound...].range(of: "</\(tag)>") {
            blocks.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return blocks
    }

    static func hashSource(_ block: Substring) -> String {
        "'sha256-" + Data(SHA256.hash(data: Data(block.utf8))).base64EncodedString() + "'"
    }
}
