import Foundation
import Hummingbird
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres
import OpsideTransport
import PostgresNIO

/// A bulk change as the seller asks for it: up to 500 SKUs, each with a new price, a new
/// quantity or both. `requestKey` makes a repeat of the same request the same bulk update.
public struct BulkListingChangeRequest: Codable, Sendable {
    public struct Change: Codable, Sendable {
        public let sku: String
        public let price: String?
        public let quantity: Int?
    }
    public let requestKey: String?
    /// Who asked: set by main-api's gateway from the session.
    public let userId: UUID?
    public let changes: [Change]
}

/// A bulk update and every SKU's outcome so far.
public struct BulkListingUpdate: Codable, Sendable, ResponseEncodable {
    public struct Item: Codable, Sendable {
        public let sku: String
        public let price: Money?
        public let quantity: Int?
        /// `pending` until Amazon answered; then `accepted`, `invalid` or `failed`.
        public let outcome: String
        public let submissionId: String?
        public let issues: [ExplainedListingIssue]
        public let error: String?
    }
    public let bulkUpdateId: UUID
    public let connectionId: UUID
    /// `queued`, `running` or `finished`.
    public let status: String
    public let requestedAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let accepted: Int
    public let invalid: Int
    public let failed: Int
    public let pending: Int
    public let items: [Item]?
}

/// One SKU's change waiting for Amazon.
struct PendingListingChange: Sendable {
    let position: Int
    let sku: String
    let price: Money?
    let quantity: Int?
}

/// Bulk updates' rows (schema `integrations`, tenant by row-level security).
struct ListingBulkUpdateStore: Sendable {
    let database: Database
    let logger: Logger
    let now: @Sendable () -> Date

    struct Created: Sendable {
        let update: BulkListingUpdate
        let created: Bool
    }

    /// Saves the request and its job in one transaction; an earlier request with the same key
    /// is answered instead.
    func create(tenantID: UUID, connectionID: UUID, requestKey: String, requestedBy: UUID?,
                changes: [(sku: String, price: Money?, quantity: Int?)], job: @escaping @Sendable (UUID) throws -> NewJob) async throws -> Created {
        let logger = self.logger
        let requestedAt = now()
        let id = UUID()
        let created = try await database.withTransaction(tenant: tenantID) { db -> Bool in
            let rows = try await db.query("""
                INSERT INTO integrations.listing_bulk_updates (id, tenant_id, connection_id, request_key, requested_by, item_count, requested_at)
                VALUES (\(id), \(tenantID), \(connectionID), \(requestKey), \(requestedBy), \(Int32(changes.count)), \(requestedAt))
                ON CONFLICT (tenant_id, request_key) DO NOTHING RETURNING id
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { return false }
            for (position, change) in changes.enumerated() {
                try await db.query("""
                    INSERT INTO integrations.listing_bulk_update_items (bulk_update_id, position, tenant_id, sku, price_minor, currency, quantity)
                    VALUES (\(id), \(Int32(position)), \(tenantID), \(change.sku), \(change.price?.amountMinor), \(change.price?.currency.code),
                            \(change.quantity.map(Int32.init)))
                    """, logger: logger)
            }
            _ = try await JobQueue.enqueue(try job(id), on: db, logger: logger)
            return true
        }
        let existing = try await find(tenantID: tenantID, requestKey: requestKey)
        guard let existing, let update = try await load(tenantID: tenantID, id: existing, withItems: true) else {
            throw ListingsError.bulkUpdateNotFound
        }
        // A key is the seller's promise that a repeat is the same request: a key that comes back
        // with another connection or other changes is a mistake to show, not an update to answer
        // with (the seller would read another request's outcome as theirs).
        if !created, !Self.sameRequest(update, connectionID: connectionID, changes: changes) {
            throw ListingsError.requestKeyReused(requestKey)
        }
        return Created(update: update, created: created)
    }

    static func sameRequest(_ update: BulkListingUpdate, connectionID: UUID, changes: [(sku: String, price: Money?, quantity: Int?)]) -> Bool {
        guard update.connectionId == connectionID, let items = update.items, items.count == changes.count else { return false }
        return zip(items, changes).allSatisfy { item, change in
            item.sku == change.sku && item.price == change.price && item.quantity == change.quantity
        }
    }

    func find(tenantID: UUID, requestKey: String) async throws -> UUID? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                SELECT id FROM integrations.listing_bulk_updates WHERE tenant_id = \(tenantID) AND request_key = \(requestKey)
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { return id }
            return nil
        }
    }

    typealias HeaderRow = (UUID, UUID, String, Date, Date?, Date?, Int64, Int64, Int64, Int64)
    static let headerColumns = """
        b.id, b.connection_id, b.status, b.requested_at, b.started_at, b.finished_at,
        (SELECT count(*) FROM integrations.listing_bulk_update_items i WHERE i.bulk_update_id = b.id AND i.outcome = 'accepted'),
        (SELECT count(*) FROM integrations.listing_bulk_update_items i WHERE i.bulk_update_id = b.id AND i.outcome = 'invalid'),
        (SELECT count(*) FROM integrations.listing_bulk_update_items i WHERE i.bulk_update_id = b.id AND i.outcome = 'failed'),
        (SELECT count(*) FROM integrations.listing_bulk_update_items i WHERE i.bulk_update_id = b.id AND i.outcome IS NULL)
        """

    static func header(_ row: HeaderRow, items: [BulkListingUpdate.Item]?) -> BulkListingUpdate {
        BulkListingUpdate(bulkUpdateId: row.0, connectionId: row.1, status: row.2, requestedAt: row.3, startedAt: row.4, finishedAt: row.5,
                          accepted: Int(row.6), invalid: Int(row.7), failed: Int(row.8), pending: Int(row.9), items: items)
    }

    func load(tenantID: UUID, id: UUID, withItems: Bool) async throws -> BulkListingUpdate? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db -> BulkListingUpdate? in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.headerColumns) FROM integrations.listing_bulk_updates b WHERE b.id = \(id)
                """, logger: logger)
            var header: HeaderRow?
            for try await row in rows.decode(HeaderRow.self) { header = row }
            guard let header else { return nil }
            guard withItems else { return Self.header(header, items: nil) }
            let itemRows = try await db.query("""
                SELECT sku, price_minor, currency, quantity, outcome, submission_id, issues::text, error
                FROM integrations.listing_bulk_update_items WHERE bulk_update_id = \(id) ORDER BY position
                """, logger: logger)
            var items: [BulkListingUpdate.Item] = []
            for try await (sku, minor, currency, quantity, outcome, submission, issues, error)
                in itemRows.decode((String, Int64?, String?, Int32?, String?, String?, String, String?).self) {
                let price = try Self.price(minor, currency)
                items.append(.init(sku: sku, price: price, quantity: quantity.map(Int.init), outcome: outcome ?? "pending",
                                   submissionId: submission,
                                   issues: try OpsideJSON.decoder.decode([ExplainedListingIssue].self, from: Data(issues.utf8)),
                                   error: error))
            }
            return Self.header(header, items: items)
        }
    }

    /// A stored price: its minor units and currency code, both or neither.
    static func price(_ minor: Int64?, _ currency: String?) throws -> Money? {
        guard let minor, let currency else { return nil }
        return Money(amountMinor: minor, currency: try Currency(code: currency))
    }

    func recent(tenantID: UUID, connectionID: UUID, limit: Int) async throws -> [BulkListingUpdate] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.headerColumns) FROM integrations.listing_bulk_updates b
                WHERE b.connection_id = \(connectionID) ORDER BY b.requested_at DESC, b.id LIMIT \(Int64(limit))
                """, logger: logger)
            var list: [BulkListingUpdate] = []
            for try await row in rows.decode(HeaderRow.self) { list.append(Self.header(row, items: nil)) }
            return list
        }
    }

    /// Marks the update running and gives the changes Amazon has not answered yet, in order.
    func start(tenantID: UUID, id: UUID) async throws -> (connectionID: UUID, pending: [PendingListingChange])? {
        let logger = self.logger
        let startedAt = now()
        return try await database.withTransaction(tenant: tenantID) { db -> (UUID, [PendingListingChange])? in
            let rows = try await db.query("""
                UPDATE integrations.listing_bulk_updates SET status = 'running', started_at = coalesce(started_at, \(startedAt))
                WHERE id = \(id) AND status <> 'finished' RETURNING connection_id
                """, logger: logger)
            var connectionID: UUID?
            for try await value in rows.decode(UUID.self) { connectionID = value }
            guard let connectionID else { return nil }
            let items = try await db.query("""
                SELECT position, sku, price_minor, currency, quantity FROM integrations.listing_bulk_update_items
                WHERE bulk_update_id = \(id) AND outcome IS NULL ORDER BY position
                """, logger: logger)
            var pending: [PendingListingChange] = []
            for try await (position, sku, minor, currency, quantity) in items.decode((Int32, String, Int64?, String?, Int32?).self) {
                let price = try Self.price(minor, currency)
                pending.append(.init(position: Int(position), sku: sku, price: price, quantity: quantity.map(Int.init)))
            }
            return (connectionID, pending)
        }
    }

    /// One SKU's outcome, written once: a resumed job never overwrites an answer it already has.
    func record(tenantID: UUID, id: UUID, position: Int, outcome: String, submissionID: String?,
                issues: [ExplainedListingIssue], error: String?) async throws {
        let logger = self.logger
        let issuesJSON = String(decoding: try OpsideJSON.encode(issues), as: UTF8.self)
        let doneAt = now()
        _ = try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("""
                UPDATE integrations.listing_bulk_update_items
                SET outcome = \(outcome), submission_id = \(submissionID), issues = \(issuesJSON)::jsonb, error = \(error), done_at = \(doneAt)
                WHERE bulk_update_id = \(id) AND position = \(Int32(position)) AND outcome IS NULL
                """, logger: logger)
        }
    }

    func finish(tenantID: UUID, id: UUID) async throws {
        let logger = self.logger
        let finishedAt = now()
        _ = try await database.withTransaction(tenant: tenantID) { db in
            try await db.query("""
                UPDATE integrations.listing_bulk_updates SET status = 'finished', finished_at = \(finishedAt)
                WHERE id = \(id) AND status <> 'finished'
                """, logger: logger)
        }
    }
}

/// Bulk updates: validated whole before anything is sent, then applied SKU by SKU in a job.
public struct ListingBulkUpdates: Sendable {
    public static let jobKind = "integrations.listing-bulk-update"
    public static let maximumChanges = 500

    struct JobArguments: Codable, Sendable {
        let bulkUpdateId: UUID
    }

    let store: ListingBulkUpdateStore
    let listings: SellerListings
    let jobQueue: JobQueue
    let queue: String

    init(database: Database, listings: SellerListings, jobQueue: JobQueue, queue: String, logger: Logger, now: @escaping @Sendable () -> Date) {
        store = ListingBulkUpdateStore(database: database, logger: logger, now: now)
        self.listings = listings
        self.jobQueue = jobQueue
        self.queue = queue
    }

    /// - Returns: the update and whether this request created it (false: the same `requestKey` came before).
    func request(tenantID: UUID, connectionID: UUID, _ request: BulkListingChangeRequest) async throws -> (BulkListingUpdate, Bool) {
        let connection = try await listings.connector.activeConnection(id: connectionID, tenantID: tenantID)
        let marketplace = try listings.marketplace(connection)
        guard (1...Self.maximumChanges).contains(request.changes.count) else {
            throw ListingsError.invalidInput("a bulk update changes 1 to \(Self.maximumChanges) SKUs; this one has \(request.changes.count)")
        }
        var seen = Set<String>()
        var changes: [(sku: String, price: Money?, quantity: Int?)] = []
        for (index, change) in request.changes.enumerated() {
            let sku = change.sku.trimmingCharacters(in: .whitespaces)
            let line = "change \(index + 1) (\(sku.isEmpty ? "no SKU" : sku))"
            do {
                try SellerListings.validateSKU(sku)
                guard seen.insert(sku).inserted else { throw ListingsError.invalidInput("the SKU appears twice") }
                guard change.price != nil || change.quantity != nil else { throw ListingsError.invalidInput("give a price, a quantity or both") }
                if let quantity = change.quantity, !(0...1_000_000).contains(quantity) {
                    throw ListingsError.invalidInput("quantity must be a whole number from 0 to 1000000")
                }
                let price = try change.price.map { try SellerListings.price($0, marketplace: marketplace) }
                changes.append((sku, price, change.quantity))
            } catch ListingsError.invalidInput(let reason) {
                throw ListingsError.invalidInput("\(line): \(reason); nothing was sent")
            }
        }
        let givenKey = request.requestKey?.trimmingCharacters(in: .whitespaces) ?? ""
        let key = givenKey.isEmpty ? UUID().uuidString.lowercased() : givenKey
        guard key.count <= 200 else { throw ListingsError.invalidInput("requestKey is at most 200 characters") }
        let queue = self.queue
        let created = try await store.create(tenantID: tenantID, connectionID: connectionID, requestKey: key,
                                             requestedBy: request.userId, changes: changes) { id in
            try NewJob(queue: queue, kind: Self.jobKind, arguments: JobArguments(bulkUpdateId: id), tenantID: tenantID, maxAttempts: 10,
                       uniqueKey: "\(Self.jobKind):\(id.uuidString.lowercased())", leaseSeconds: 120)
        }
        if created.created { await jobQueue.wake(queues: [queue]) }
        return (created.update, created.created)
    }

    func update(tenantID: UUID, id: UUID) async throws -> BulkListingUpdate {
        guard let update = try await store.load(tenantID: tenantID, id: id, withItems: true) else { throw ListingsError.bulkUpdateNotFound }
        return update
    }

    /// A stored price: its minor units and currency code, both or neither.
    static func price(_ minor: Int64?, _ currency: String?) throws -> Money? {
        guard let minor, let currency else { return nil }
        return Money(amountMinor: minor, currency: try Currency(code: currency))
    }

    func recent(tenantID: UUID, connectionID: UUID, limit: Int) async throws -> [BulkListingUpdate] {
        try await store.recent(tenantID: tenantID, connectionID: connectionID, limit: limit)
    }

    /// The job: each pending SKU in order, its answer saved before the next is sent. Amazon
    /// throttling or down ends the attempt (the job retries and resumes at that SKU); a refusal
    /// of one SKU is that SKU's outcome; a connection that lost its authorization fails the rest.
    func run(tenantID: UUID, id: UUID, logger: Logger) async throws {
        guard let (connectionID, pending) = try await store.start(tenantID: tenantID, id: id) else { return }
        for change in pending {
            try Task.checkCancellation()
            do {
                let submission = try await listings.connector.withSellingPartnerAPI(connectionID: connectionID, tenantID: tenantID) { connection, api in
                    try await SellerListings.change(api, seller: connection.sellingPartnerId, marketplace: try listings.marketplace(connection),
                                                    sku: change.sku, price: change.price, quantity: change.quantity, preview: false)
                }
                try await store.record(tenantID: tenantID, id: id, position: change.position, outcome: "accepted",
                                       submissionID: submission.submissionId, issues: submission.issues, error: nil)
            } catch ListingsError.refused(let submission) {
                try await store.record(tenantID: tenantID, id: id, position: change.position, outcome: "invalid",
                                       submissionID: submission.submissionId, issues: submission.issues, error: nil)
            } catch let error as ListingsError {
                try await store.record(tenantID: tenantID, id: id, position: change.position, outcome: "failed",
                                       submissionID: nil, issues: [], error: error.apiError.message)
            } catch let error as APIError where error.code == "amazon_refused" {
                try await store.record(tenantID: tenantID, id: id, position: change.position, outcome: "failed",
                                       submissionID: nil, issues: [], error: error.message)
            } catch let error as AmazonConnectionError {
                switch error {
                case .needsReauthorization, .disconnected, .notFound:
                    // Nothing more can reach Amazon for this seller: every SKU left says why.
                    for rest in pending where rest.position >= change.position {
                        try await store.record(tenantID: tenantID, id: id, position: rest.position, outcome: "failed",
                                               submissionID: nil, issues: [], error: error.apiError.message)
                    }
                    try await store.finish(tenantID: tenantID, id: id)
                    logger.warning("bulk listing update stopped: the connection cannot reach Amazon", metadata: ["error": "\(error)"])
                    return
                default:
                    throw error
                }
            }
        }
        try await store.finish(tenantID: tenantID, id: id)
    }
}
