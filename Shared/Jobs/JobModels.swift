import Foundation
import OpsideCore

/// The life of a job (DESIGN.md "Coordination").
public enum JobState: String, Sendable, Codable, CaseIterable {
    case available, scheduled, running, retryable, completed, cancelled, discarded
}

/// How long to wait before the next attempt: `base × attempt^exponent`, capped, with ± jitter.
/// The default is queues-and-stripe.md's `attempt^4 s` capped at six hours.
public struct RetryPolicy: Sendable, Equatable {
    public var baseSeconds: Double
    public var exponent: Double
    public var capSeconds: Double
    public var jitter: Double

    public init(baseSeconds: Double = 1, exponent: Double = 4, capSeconds: Double = 6 * 3600, jitter: Double = 0.1) {
        self.baseSeconds = baseSeconds
        self.exponent = exponent
        self.capSeconds = capSeconds
        self.jitter = jitter
    }

    public static let standard = RetryPolicy()

    /// The delay after failed attempt number `attempt` (1-based).
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: -1...1)) -> Double {
        let raw = min(baseSeconds * pow(Double(max(attempt, 1)), exponent), capSeconds)
        return max(0, raw * (1 + jitter * random))
    }
}

/// A job to enqueue.
public struct NewJob: Sendable {
    public var queue: String
    public var kind: String
    /// The arguments as a JSON object.
    public var arguments: String
    public var tenantID: UUID?
    public var priority: Int
    public var maxAttempts: Int
    public var scheduledAt: Date?
    /// Enqueueing a job whose key matches a live (not yet finished) job does nothing.
    public var uniqueKey: String?
    public var leaseSeconds: Int

    public init<Arguments: Encodable>(queue: String, kind: String, arguments: Arguments, tenantID: UUID? = nil,
                                      priority: Int = 2, maxAttempts: Int = 20, scheduledAt: Date? = nil,
                                      uniqueKey: String? = nil, leaseSeconds: Int = 60) throws {
        var encoder = OpsideJSONEncoder()
        encoder.sortedKeys = true
        self.init(queue: queue, kind: kind, rawArguments: String(decoding: try encoder.encodeToBytes(arguments), as: UTF8.self),
                  tenantID: tenantID, priority: priority, maxAttempts: maxAttempts, scheduledAt: scheduledAt,
                  uniqueKey: uniqueKey, leaseSeconds: leaseSeconds)
    }

    public init(queue: String, kind: String, rawArguments: String = "{}", tenantID: UUID? = nil, priority: Int = 2,
                maxAttempts: Int = 20, scheduledAt: Date? = nil, uniqueKey: String? = nil, leaseSeconds: Int = 60) {
        self.queue = queue
        self.kind = kind
        self.arguments = rawArguments
        self.tenantID = tenantID
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.scheduledAt = scheduledAt
        self.uniqueKey = uniqueKey
        self.leaseSeconds = leaseSeconds
    }
}

/// A job as a worker sees it after claiming it.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let queue: String
    public let kind: String
    public let arguments: String
    public let tenantID: UUID?
    public let attempt: Int
    public let maxAttempts: Int
    public let leaseSeconds: Int
    public let requestID: String?
    /// The W3C `traceparent` of the span that enqueued the job; its run continues that trace.
    public let traceParent: String?

    public init(id: Int64, queue: String, kind: String, arguments: String, tenantID: UUID?, attempt: Int, maxAttempts: Int,
                leaseSeconds: Int, requestID: String?, traceParent: String? = nil) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.arguments = arguments
        self.tenantID = tenantID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.leaseSeconds = leaseSeconds
        self.requestID = requestID
        self.traceParent = traceParent
    }

    /// Decodes the arguments into the handler's type.
    public func decodeArguments<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(arguments.utf8))
    }
}

/// A job as the operator endpoints list it.
public struct JobSummary: Sendable, Codable, Equatable {
    public let id: Int64
    public let queue: String
    public let kind: String
    public let state: JobState
    public let tenantID: UUID?
    public let attempt: Int
    public let maxAttempts: Int
    public let scheduledAt: Date
    public let createdAt: Date
    public let finalizedAt: Date?
    public let errors: String

    /// The suite's JSON style: `Id`, never `ID`.
    enum CodingKeys: String, CodingKey {
        case id, queue, kind, state, tenantID = "tenantId", attempt, maxAttempts, scheduledAt, createdAt, finalizedAt, errors
    }
}

/// A handler asks for a different outcome than "retry with backoff" by throwing one of these.
public enum JobOutcome: Error, Sendable {
    /// Stop for good: the job is cancelled and never retried (bad arguments, a gone tenant).
    case cancel(reason: String)
    /// Try again at a given time without spending an attempt (a rate limit's retry-after).
    case snooze(seconds: Double)
}
