import Foundation
import Hummingbird
import Logging
import NIOCore
import OpsideAmazonSPAPI
import OpsideCore

/// Builds the Amazon sandbox: LWA, the SP-API operations the suite calls, report documents, the
/// Seller Central case desk, the SQS queues notifications arrive on and the `/_sandbox/` admin API.
/// - Parameters:
///   - settings: where to listen and how fast to refill.
///   - onServerRunning: called with the bound port (tests listen on port 0).
/// - Returns: the application and its state (for in-process inspection).
public func buildSandboxApplication(settings: SandboxSettings, logger: Logger = Logger(label: "amazon-sandbox"),
                                    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
    -> (application: some ApplicationProtocol, state: SandboxState) {
    let state = SandboxState(settings: settings)
    let router = Router()
    LWAController(state: state).register(on: router)
    let spapi = SPAPIController(state: state)
    spapi.register(on: router)
    CaseDeskController(state: state, edge: spapi).register(on: router)
    AdminController(state: state).register(on: router)
    // The Ads API's profiles and Sponsored Products reports (a separate Amazon API, its own application).
    SandboxAds(state: state).register(on: router)
    // Amazon SQS, where notifications destinations' queues live (`POST /`, as SQS's own endpoint).
    SandboxQueues(state: state, feed: SandboxNotificationFeed(state: state, reports: SandboxReports(state: state))).register(on: router)
    let application = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "amazon-sandbox"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    return (application, state)
}

// MARK: Response helpers

enum SandboxResponse {
    static func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Amazon's error body.
    static func error(_ status: HTTPResponse.Status, code: String, message: String, details: String = "") -> Response {
        json(["errors": [["code": code, "message": message, "details": details]]], status: status)
    }

    static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Decodes a JSON request body; a body that does not fit becomes a 400 with the decoder's reason.
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, context) {
            let path = (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw SandboxInputError(message: "\(path) is required")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SandboxInputError(message: "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch {
            throw SandboxInputError(message: "The request body is not valid JSON for this operation")
        }
    }

    static func body(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 4 << 20)
        guard buffer.readableBytes > 0 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }
}

extension Date {
    var iso: String { formatted(.iso8601) }

    init?(iso text: String?) {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { self = date; return }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? Date(text, strategy: withFraction) { self = date; return }
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { self = date; return }
        return nil
    }
}

/// A currency of the sandbox's sellers: they come from the marketplace catalog, so an unknown
/// code is a bug in the sandbox itself.
func sandboxCurrency(_ code: String) -> Currency {
    do { return try Currency(code: code) } catch { preconditionFailure("sandbox currency: \(error)") }
}

/// Minor units as Amazon's decimal amounts, for the JSON numbers of Finances and Product Fees.
func decimalAmount(_ minor: Int64, currency: String) -> NSDecimalNumber {
    let digits = sandboxCurrency(currency).minorUnitDigits
    return NSDecimalNumber(mantissa: minor.magnitude, exponent: Int16(-digits), isNegative: minor < 0)
}

/// Minor units as the decimal text of Orders and flat-file reports (`10.00`, `1500` yen).
func decimalString(_ minor: Int64, currency: String) -> String {
    Money(amountMinor: minor, currency: sandboxCurrency(currency)).decimalString
}
