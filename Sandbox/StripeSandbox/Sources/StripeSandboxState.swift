import Foundation
import OpsideStripe

/// Everything the Stripe sandbox knows: its objects, balances, idempotency keys, events and the
/// webhook deliveries still to make. An actor, and each API request runs in one step with no
/// suspension inside, so two requests never see each other half-done.
public actor StripeSandboxState {
    let settings: StripeSandboxSettings
    /// The base of the hosted pages' links (set once the server knows its port).
    var publicURL: String
    /// Added to the wall clock: `POST /_sandbox/clock` moves the sandbox's time forward.
    var clockOffset: TimeInterval = 0

    /// Every object by id, and who owns it: "" for the platform, `acct_…` for a connected account.
    var objects: [String: StripeObject] = [:]
    var owners: [String: String] = [:]
    /// Ids per object type, oldest first (lists answer newest first).
    var idsByType: [String: [String]] = [:]

    var idempotentResponses: [String: IdempotentResponse] = [:]
    var funds: [FundsMovement] = []
    var endpointSecrets: [String: [EndpointSecret]] = [:]
    /// The webhook endpoints made with `connect=true`: they get connected accounts' events.
    var connectEndpoints: Set<String> = []
    var deliveries: [WebhookDelivery] = []
    var deliveryLog: [DeliveryAttempt] = []
    var webhookFaults = WebhookFaults()
    var apiFaults: [APIFault] = []
    var rateTokens: Double
    var rateUpdated: Date
    /// Single-use onboarding links by their token.
    var accountLinks: [String: AccountLinkRecord] = [:]
    /// Cards as entered, by PaymentMethod id (the behaviour follows the card).
    var cards: [String: TestCard] = [:]
    /// PaymentMethods whose setup was authenticated, so off-session use no longer asks.
    var authenticatedForOffSession: Set<String> = []
    /// The UTC day automatic payouts last ran for.
    var lastAutomaticPayoutDay: Int?
    var requestCounter = 0
    /// The request being run: its id and idempotency key go into the events it causes.
    var currentRequest: (id: String, idempotencyKey: String?)?
    /// The invoice each invoice-made PaymentIntent pays.
    var invoiceOfIntent: [String: String] = [:]
    /// The test account number behind each connected account's bank account (it decides payouts).
    var bankAccountNumbers: [String: String] = [:]
    /// `setup_intent_data[metadata]` of each Checkout Session, for the SetupIntent it makes.
    var checkoutSetupMetadata: [String: StripeObject?] = [:]

    init(settings: StripeSandboxSettings) {
        self.settings = settings
        self.publicURL = settings.publicURL ?? "http://\(settings.host):\(settings.port)"
        self.rateTokens = max(1, settings.requestsPerSecond)
        self.rateUpdated = Date()
    }

    func setPublicURL(_ url: String) {
        if settings.publicURL == nil { publicURL = url }
    }

    // MARK: Time

    /// The sandbox's now, in Unix seconds.
    var now: Int { Int((Date().timeIntervalSince1970 + clockOffset).rounded(.down)) }

    func advanceClock(seconds: TimeInterval) {
        clockOffset += max(0, seconds)
    }

    // MARK: Ids

    /// A Stripe-looking id: the prefix and random base62 (Stripe's are 14 to 24 characters).
    func newId(_ prefix: String, length: Int = 24) -> String {
        prefix + "_" + Self.randomBase62(length)
    }

    static func randomBase62(_ length: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// A stable stand-in for Stripe's fingerprints (same card number → same fingerprint).
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var value = hash
        var output = ""
        for _ in 0..<16 {
            output.append(alphabet[Int(value % 62)])
            value = value / 62 ^ (hash >> 7)
        }
        return output
    }

    // MARK: Storage

    func store(_ object: StripeObject, owner: String = "") {
        let id = object.id
        if objects[id] == nil {
            idsByType[object.objectType, default: []].append(id)
            owners[id] = owner
        }
        objects[id] = object
    }

    /// The object with this id and type, visible to `account` (a connected account sees only its own).
    func find(_ id: String, type: String, resource: String, account: String?, param: String = "id") throws(StripeAPIError) -> StripeObject {
        guard let object = objects[id], object.objectType == type, owners[id] == (account ?? "") else {
            throw .noSuch(resource, id, param: param)
        }
        return object
    }

    /// A list answer (`{"object": "list", "data": […], "has_more", "url"}`), newest first, with
    /// Stripe's cursor pagination: `limit` (1–100, default 10), `starting_after`, `ending_before`.
    func list(type: String, url: String, parameters: StripeParameters, account: String?,
              where matches: (StripeObject) -> Bool = { _ in true }) throws(StripeAPIError) -> StripeJSON {
        let limit = try parameters.integer("limit") ?? 10
        guard (1...100).contains(limit) else {
            throw .invalidValue("limit", "Invalid integer: \(limit); must be between 1 and 100")
        }
        let owner = account ?? ""
        var all = (idsByType[type] ?? []).reversed().compactMap { id -> StripeObject? in
            guard owners[id] == owner, let object = objects[id], object["deleted"] == nil, matches(object) else { return nil }
            return object
        }
        // Newest first; among equal `created`, the later made first (ids kept in creation order).
        all = all.enumerated().sorted { ($0.element.created, -$0.offset) > ($1.element.created, -$1.offset) }.map(\.element)
        var window = all[...]
        if let after = try parameters.string("starting_after") {
            guard let index = all.firstIndex(where: { $0.id == after }) else {
                throw .invalidValue("starting_after", "Invalid starting_after id: \(after)")
            }
            window = all[(index + 1)...]
        } else if let before = try parameters.string("ending_before") {
            guard let index = all.firstIndex(where: { $0.id == before }) else {
                throw .invalidValue("ending_before", "Invalid ending_before id: \(before)")
            }
            window = all[max(0, index - limit)..<index]
            let page = Array(window)
            return .object(StripeObject([("object", "list"), ("data", .array(page.map { .object($0) })),
                                         ("has_more", .bool(index - limit > 0)), ("url", .string(url))]))
        }
        let page = Array(window.prefix(limit))
        return .object(StripeObject([("object", "list"), ("data", .array(page.map { .object($0) })),
                                     ("has_more", .bool(window.count > limit)), ("url", .string(url))]))
    }

    // MARK: Expansion

    /// Replaces ids by their objects along each `expand[]` path (`customer`, `latest_charge`,
    /// `data.payment_method` in a list), four levels at most as Stripe allows.
    func expand(_ value: StripeJSON, paths: [String], account: String?) throws(StripeAPIError) -> StripeJSON {
        var result = value
        for path in paths {
            let segments = path.split(separator: ".").map(String.init)
            guard !segments.isEmpty, segments.count <= 4 else {
                throw .invalidValue("expand", "You cannot expand more than 4 levels of a property (\(path)).")
            }
            result = try expand(result, segments: segments[...], path: path, account: account)
        }
        return result
    }

    private func expand(_ value: StripeJSON, segments: ArraySlice<String>, path: String, account: String?) throws(StripeAPIError) -> StripeJSON {
        guard let key = segments.first, case .object(var object) = value else { return value }
        let cannotExpand = StripeAPIError.invalidValue("expand", "This property cannot be expanded (\(path)).")
        guard let field = object[key] else { throw cannotExpand }
        let rest = segments.dropFirst()
        switch field {
        case .null:
            return value
        case .string(let id):
            guard let referenced = objects[id] else { throw cannotExpand }
            object[key] = try expand(.object(referenced), segments: rest, path: path, account: account)
        case .object:
            object[key] = try expand(field, segments: rest, path: path, account: account)
        case .array(let elements):
            // A list's `data` is not expandable itself, only what its elements point to.
            guard !rest.isEmpty else { throw cannotExpand }
            var expanded: [StripeJSON] = []
            for element in elements { expanded.append(try expand(element, segments: rest, path: path, account: account)) }
            object[key] = .array(expanded)
        default:
            throw cannotExpand
        }
        return .object(object)
    }
}

/// What an idempotency key saved: the request it was first used with and the answer to replay.
struct IdempotentResponse: Sendable {
    let fingerprint: String
    let status: Int
    let body: String
    let created: Int
}

/// Money moving into an account's balance: pending until `availableOn`.
struct FundsMovement: Sendable {
    let account: String
    let currency: String
    let amount: Int
    let availableOn: Int
    let balanceTransaction: String
}

struct EndpointSecret: Sendable {
    let secret: String
    /// When a rolled-away secret stops being used to sign (nil: current).
    let expiresAt: Int?
}

struct AccountLinkRecord: Sendable {
    let account: String
    let type: String
    let refreshURL: String
    let returnURL: String
    let expiresAt: Int
    var used: Bool
}

/// An API fault injected through `/_sandbox/faults`: the next `count` requests whose path starts
/// with `pathPrefix` answer `status`; `afterExecuting` runs the request first (its result is kept
/// for the idempotency key) and loses the answer, as a dropped connection would.
struct APIFault: Sendable {
    var pathPrefix: String
    var status: Int
    var count: Int
    var afterExecuting: Bool
}

extension StripeSandboxState {
    /// Every live object of a type (`customer`, `payment_intent`, …), oldest first: for tests and
    /// the demo, which look at what the sandbox holds.
    public func objects(ofType type: String) -> [StripeObject] {
        (idsByType[type] ?? []).compactMap { objects[$0] }.filter { $0["deleted"] == nil }
    }
}
