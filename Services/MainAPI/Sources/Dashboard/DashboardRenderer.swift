import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import OpsideTransport

/// Renders the dashboard's pages from the Mustache templates in `Templates/` and serves its
/// static files from `Assets/`, with the headers every page carries.
///
/// Pages load their script and style from `/assets` only: the policy allows no inline script or
/// style, nothing from another origin, no framing. Values reach the HTML through `{{…}}`, which
/// escapes them; the few `{{{…}}}` slots take markup built here (the SVG chart) from escaped parts.
struct DashboardRenderer: Sendable {
    let library: MustacheLibrary
    /// name → (bytes, content type, ETag).
    let assets: [String: (bytes: ByteBuffer, contentType: String, etag: String)]

    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    init() async throws {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil),
              let assetFolder = Bundle.module.url(forResource: "Assets", withExtension: nil) else {
            throw DashboardError.missingResources
        }
        library = try await MustacheLibrary(directory: templates.path)
        var assets: [String: (ByteBuffer, String, String)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: assetFolder.path) {
            let data = try Data(contentsOf: assetFolder.appendingPathComponent(name))
            let type = switch (name as NSString).pathExtension {
            case "css": "text/css; charset=utf-8"
            case "js": "text/javascript; charset=utf-8"
            case "svg": "image/svg+xml"
            default: "application/octet-stream"
            }
            let etag = "\"" + Data(SHA256.hash(data: data)).prefix(12).base64EncodedString() + "\""
            assets[name] = (ByteBuffer(bytes: data), type, etag)
        }
        self.assets = assets
    }

    /// The headers of every HTML page.
    static func pageHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xFrameOptions] = "DENY"
        headers[.referrerPolicy] = "same-origin"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // Pages hold the person's data: never kept by a shared cache or the back-forward cache of another sign-in.
        headers[.cacheControl] = "no-store"
        return headers
    }

    func page(_ template: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = library.render(values, withTemplate: template) else { throw DashboardError.missingTemplate(template) }
        return Response(status: status, headers: Self.pageHeaders(), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ name: String, request: Request) -> Response {
        guard let asset = assets[name] else { return Response(status: .notFound) }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "public, max-age=300"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.bytes))
    }

    /// A page of plain HTML in `Templates/` (the e-mail links' pages, which carry their script
    /// inline: their policy names each block's hash).
    static func staticPage(_ name: String) throws -> (html: Data, policy: String) {
        guard let url = Bundle.module.url(forResource: name, withExtension: "html", subdirectory: "Templates") else {
            throw DashboardError.missingTemplate(name)
        }
        let html = try Data(contentsOf: url)
        return (html, DashboardPolicy.contentSecurityPolicy(for: html))
    }
}

enum DashboardError: Error, CustomStringConvertible {
    case missingResources
    case missingTemplate(String)

    var description: String {
        switch self {
        case .missingResources: "main-api's Templates or Assets folder is missing from the build"
        case .missingTemplate(let name): "main-api's template \(name) is missing from the build"
        }
    }
}
