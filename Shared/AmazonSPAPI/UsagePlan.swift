/// One SP-API operation, named the way Amazon's models name it.
///
/// Operation ids repeat across API versions (`getOrder` is in Orders v0 and Orders 2026-01-01, with
/// different rate limits), so an operation is the pair (model, operationId). Rate-limit buckets,
/// metrics and logs all key on `id`.
public struct SPAPIOperation: Hashable, Sendable, CustomStringConvertible {
    /// The model file's base name, e.g. `ordersV0` or `reports_2021-06-30`.
    public let api: String
    /// The model's operationId, e.g. `getOrders`.
    public let name: String

    public init(api: String, name: String) {
        self.api = api
        self.name = name
    }

    /// `api.name`, e.g. `ordersV0.getOrders`.
    public var id: String { "\(api).\(name)" }
    public var description: String { id }
}

/// Amazon's default usage plan for one operation: `rate` tokens per second refill a bucket of
/// `burst` tokens; each request takes one token.
public struct UsagePlan: Hashable, Sendable {
    public let operation: SPAPIOperation
    /// HTTP method and path template from the model, so the sandbox can route by them.
    public let method: String
    public let path: String
    /// Requests per second.
    public let rate: Double
    public let burst: Int

    public init(api: String, operation: String, method: String, path: String, rate: Double, burst: Int) {
        self.operation = SPAPIOperation(api: api, name: operation)
        self.method = method
        self.path = path
        self.rate = rate
        self.burst = burst
    }

    public init(operation: SPAPIOperation, method: String, path: String, rate: Double, burst: Int) {
        self.operation = operation
        self.method = method
        self.path = path
        self.rate = rate
        self.burst = burst
    }

    /// The same plan with `rate` multiplied by `factor` (burst unchanged).
    public func scaled(by factor: Double) -> UsagePlan {
        UsagePlan(operation: operation, method: method, path: path, rate: rate * factor, burst: burst)
    }
}

/// Usage plans by operation. The default table is generated from the official models
/// (`UsagePlans.generated.swift`); tests and the time-scaled sandbox use a scaled copy.
public struct UsagePlanTable: Sendable {
    /// Used for operations the models give no numbers for: Amazon's sandbox-wide plan
    /// (5 requests per second, burst 15) is too generous for production, so this is the
    /// slowest common plan; the `x-amzn-RateLimit-Limit` header corrects it on first response.
    public static let fallbackRate = 1.0
    public static let fallbackBurst = 1

    private let plansByID: [String: UsagePlan]
    public let plans: [UsagePlan]

    public init(plans: [UsagePlan]) {
        self.plans = plans
        var byID: [String: UsagePlan] = [:]
        for plan in plans { byID[plan.operation.id] = plan }
        self.plansByID = byID
    }

    /// The plan for `operation`, or the fallback plan when the models state none.
    public func plan(for operation: SPAPIOperation) -> UsagePlan {
        plansByID[operation.id]
            ?? UsagePlan(operation: operation, method: "", path: "", rate: Self.fallbackRate, burst: Self.fallbackBurst)
    }

    /// Whether the models state a plan for `operation`.
    public func contains(_ operation: SPAPIOperation) -> Bool { plansByID[operation.id] != nil }

    /// Every rate multiplied by `factor`: a time-scaled sandbox refills `factor` times faster.
    public func scaled(by factor: Double) -> UsagePlanTable {
        UsagePlanTable(plans: plans.map { $0.scaled(by: factor) })
    }

    /// A copy with some plans replaced (same operation ids).
    public func replacing(_ replacements: [UsagePlan]) -> UsagePlanTable {
        var byID = plansByID
        for plan in replacements { byID[plan.operation.id] = plan }
        return UsagePlanTable(plans: plans.map { byID[$0.operation.id] ?? $0 }
            + replacements.filter { plansByID[$0.operation.id] == nil })
    }
}
