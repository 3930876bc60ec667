import Foundation
import Logging
import OpsideAmazonSPAPI
import OpsideCore
import OpsideJobs
import OpsidePostgres
import PostgresNIO

/// A workflow's row as the job and the seller's actions read it.
struct InboundWorkflowRecord: Sendable {
    let id: UUID
    let connectionID: UUID
    let requestKey: String
    let name: String
    let amazonName: String
    let marketplaceID: String
    let sourceAddress: InboundAddress
    let items: [InboundWorkflowView.Item]
    let inboundPlanID: String?
    let step: InboundStep
    let calls: [InboundCall]
    let nextStep: InboundStep?
    let returnStep: InboundStep?
    let operationID: String?
    let operationPolls: Int
    let revision: Int
    let callSentAt: Date?
    let amazon: InboundAmazonState
    let problems: [InboundWorkflowView.Problem]
    let placementConfirmedAt: Date?
    let createdAt: Date
    let updatedAt: Date

    var working: Bool { !calls.isEmpty }
}

/// An action's effect on the row: the calls to make, and where they lead.
struct InboundActionPlan: Sendable {
    let calls: [InboundCall]
    let nextStep: InboundStep
    let returnStep: InboundStep
    let message: String
    var amazon: InboundAmazonState? = nil
}

/// Inbound workflows' rows (schema `integrations`, tenant by row-level security). Every write
/// from the job names the revision it works for, so an action the seller took meanwhile wins.
struct InboundWorkflowStore: Sendable {
    let database: Database
    let logger: Logger
    let now: @Sendable () -> Date

    static let columns = """
        id, connection_id, request_key, name, amazon_name, marketplace_id, source_address::text, items::text, inbound_plan_id, step,
        calls::text, next_step, return_step, operation_id, operation_polls, revision, call_sent_at, amazon::text, problems::text,
        placement_confirmed_at, created_at, updated_at
        """

    static func record(_ row: PostgresRow) throws -> InboundWorkflowRecord {
        let (id, connection, key, name, amazonName, marketplace, address, items, plan, step, calls, next, back, operation, polls, revision,
             sent, amazon, problems, placed, created, updated) = try row.decode(
                (UUID, UUID, String, String, String, String, String, String, String?, String, String, String?, String?, String?, Int32, Int32,
                 Date?, String, String, Date?, Date, Date).self)
        let decoder = OpsideJSON.decoder
        func parse(_ raw: String) throws -> InboundStep {
            guard let step = InboundStep(rawValue: raw) else { throw InboundWorkflowError.invalidInput("unknown inbound step \(raw)") }
            return step
        }
        return InboundWorkflowRecord(
            id: id, connectionID: connection, requestKey: key, name: name, amazonName: amazonName, marketplaceID: marketplace,
            sourceAddress: try decoder.decode(InboundAddress.self, from: Data(address.utf8)),
            items: try decoder.decode([InboundWorkflowView.Item].self, from: Data(items.utf8)),
            inboundPlanID: plan, step: try parse(step), calls: try decoder.decode([InboundCall].self, from: Data(calls.utf8)),
            nextStep: try next.map(parse), returnStep: try back.map(parse), operationID: operation, operationPolls: Int(polls),
            revision: Int(revision), callSentAt: sent, amazon: try decoder.decode(InboundAmazonState.self, from: Data(amazon.utf8)),
            problems: try decoder.decode([InboundWorkflowView.Problem].self, from: Data(problems.utf8)),
            placementConfirmedAt: placed, createdAt: created, updatedAt: updated)
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try OpsideJSON.encode(value), as: UTF8.self)
    }

    /// Saves a new workflow with its first calls and its job, in one transaction; an earlier
    /// request with the same key is answered instead.
    /// - Returns: the workflow's id and whether this request created it.
    func create(tenantID: UUID, connectionID: UUID, requestKey: String, requestedBy: UUID?, name: String, marketplaceID: String,
                sourceAddress: InboundAddress, items: [InboundWorkflowView.Item], plan: InboundActionPlan,
                job: @escaping @Sendable (UUID, Int) throws -> NewJob) async throws -> (id: UUID, created: Bool) {
        let logger = self.logger
        let at = now()
        let id = UUID()
        // The marker Amazon keeps in the plan's name (Amazon allows 40 characters).
        let amazonName = "\(name.prefix(27)) #\(id.uuidString.prefix(8).lowercased())"
        let addressJSON = try Self.json(sourceAddress), itemsJSON = try Self.json(items), callsJSON = try Self.json(plan.calls)
        let created = try await database.withTransaction(tenant: tenantID) { db -> Bool in
            let rows = try await db.query("""
                INSERT INTO integrations.inbound_workflows
                    (id, tenant_id, connection_id, request_key, requested_by, name, amazon_name, marketplace_id, source_address, items,
                     step, calls, next_step, return_step, revision, created_at, updated_at)
                VALUES (\(id), \(tenantID), \(connectionID), \(requestKey), \(requestedBy), \(name), \(amazonName), \(marketplaceID),
                        \(addressJSON)::jsonb, \(itemsJSON)::jsonb, \(InboundStep.creatingPlan.rawValue), \(callsJSON)::jsonb,
                        \(plan.nextStep.rawValue), \(plan.returnStep.rawValue), 1, \(at), \(at))
                ON CONFLICT (tenant_id, request_key) DO NOTHING RETURNING id
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { return false }
            try await Self.event(db, tenantID: tenantID, workflowID: id, at: at, step: .creatingPlan, message: plan.message, logger: logger)
            _ = try await JobQueue.enqueue(try job(id, 1), on: db, logger: logger)
            return true
        }
        if created { return (id, true) }
        guard let existing = try await find(tenantID: tenantID, requestKey: requestKey) else { throw InboundWorkflowError.notFound }
        return (existing, false)
    }

    func find(tenantID: UUID, requestKey: String) async throws -> UUID? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                SELECT id FROM integrations.inbound_workflows WHERE tenant_id = \(tenantID) AND request_key = \(requestKey)
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { return id }
            return nil
        }
    }

    func load(tenantID: UUID, id: UUID) async throws -> InboundWorkflowRecord? {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db -> InboundWorkflowRecord? in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns) FROM integrations.inbound_workflows WHERE id = \(id)
                """, logger: logger)
            for try await row in rows { return try Self.record(row) }
            return nil
        }
    }

    func recent(tenantID: UUID, connectionID: UUID, limit: Int) async throws -> [InboundWorkflowRecord] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                SELECT \(unescaped: Self.columns) FROM integrations.inbound_workflows
                WHERE connection_id = \(connectionID) ORDER BY created_at DESC, id LIMIT \(Int64(limit))
                """, logger: logger)
            var list: [InboundWorkflowRecord] = []
            for try await row in rows { list.append(try Self.record(row)) }
            return list
        }
    }

    func events(tenantID: UUID, id: UUID, limit: Int) async throws -> [InboundWorkflowView.Event] {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                SELECT at, step, message FROM integrations.inbound_workflow_events WHERE workflow_id = \(id)
                ORDER BY position DESC LIMIT \(Int64(limit))
                """, logger: logger)
            var events: [InboundWorkflowView.Event] = []
            for try await (at, step, message) in rows.decode((Date, String, String).self) { events.append(.init(at: at, step: step, message: message)) }
            return events
        }
    }

    static func event(_ db: PostgresConnection, tenantID: UUID, workflowID: UUID, at: Date, step: InboundStep, message: String,
                      logger: Logger) async throws {
        try await db.query("""
            INSERT INTO integrations.inbound_workflow_events (workflow_id, position, tenant_id, at, step, message)
            SELECT \(workflowID), coalesce(max(position), 0) + 1, \(tenantID), \(at), \(step.rawValue), \(message)
            FROM integrations.inbound_workflow_events WHERE workflow_id = \(workflowID)
            """, logger: logger)
    }

    /// A seller's action: accepted only at one of `expected` steps with nothing in flight; its
    /// calls and its job are saved together, under a new revision.
    func act(tenantID: UUID, id: UUID, expected: [InboundStep], plan: InboundActionPlan,
             job: @escaping @Sendable (UUID, Int) throws -> NewJob) async throws {
        let logger = self.logger
        let at = now()
        let callsJSON = try Self.json(plan.calls)
        let amazonJSON = try plan.amazon.map { try Self.json($0) }
        let expectedSteps = expected.map(\.rawValue)
        try await database.withTransaction(tenant: tenantID) { db in
            let current = try await db.query("""
                SELECT step, calls = '[]'::jsonb FROM integrations.inbound_workflows WHERE id = \(id) FOR UPDATE
                """, logger: logger)
            var found: (String, Bool)?
            for try await row in current.decode((String, Bool).self) { found = row }
            guard let (rawStep, idle) = found, let step = InboundStep(rawValue: rawStep) else { throw InboundWorkflowError.notFound }
            guard idle else { throw InboundWorkflowError.stillWorking(step) }
            guard expected.contains(step) else { throw InboundWorkflowError.wrongStep(current: step, expected: expected) }
            let rows = try await db.query("""
                UPDATE integrations.inbound_workflows
                SET calls = \(callsJSON)::jsonb, next_step = \(plan.nextStep.rawValue), return_step = \(plan.returnStep.rawValue),
                    operation_id = NULL, operation_polls = 0, call_sent_at = NULL, problems = '[]'::jsonb,
                    amazon = coalesce(\(amazonJSON)::jsonb, amazon), revision = revision + 1, updated_at = \(at)
                WHERE id = \(id) AND step = ANY(\(expectedSteps)) AND calls = '[]'::jsonb
                RETURNING revision
                """, logger: logger)
            var revision: Int32?
            for try await value in rows.decode(Int32.self) { revision = value }
            guard let revision else { throw InboundWorkflowError.stillWorking(step) }
            try await Self.event(db, tenantID: tenantID, workflowID: id, at: at, step: step, message: plan.message, logger: logger)
            _ = try await JobQueue.enqueue(try job(id, Int(revision)), on: db, logger: logger)
        }
    }

    /// Notes that the head call is about to be sent (before it is), so a crash after sending is
    /// known on resume.
    func markSent(tenantID: UUID, id: UUID, revision: Int) async throws -> Bool {
        let at = now()
        return try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows SET call_sent_at = \(at), updated_at = \(at)
            WHERE id = \(id) AND revision = \(Int32(revision)) RETURNING id
            """)
    }

    /// Records the operation Amazon started for the head call (and the plan's id for a create).
    func recordOperation(tenantID: UUID, id: UUID, revision: Int, operationID: String, inboundPlanID: String?) async throws -> Bool {
        let at = now()
        return try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows
            SET operation_id = \(operationID), operation_polls = 0, inbound_plan_id = coalesce(\(inboundPlanID), inbound_plan_id), updated_at = \(at)
            WHERE id = \(id) AND revision = \(Int32(revision)) RETURNING id
            """)
    }

    /// The plan found at Amazon after a crash (its create's operation is unknown).
    func adoptPlan(tenantID: UUID, id: UUID, revision: Int, inboundPlanID: String) async throws -> Bool {
        let at = now()
        return try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows SET inbound_plan_id = \(inboundPlanID), updated_at = \(at)
            WHERE id = \(id) AND revision = \(Int32(revision)) RETURNING id
            """)
    }

    func countPoll(tenantID: UUID, id: UUID, revision: Int) async throws -> Bool {
        try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows SET operation_polls = operation_polls + 1
            WHERE id = \(id) AND revision = \(Int32(revision)) RETURNING id
            """)
    }

    /// Forgets the head call's operation so the call is sent again (Amazon said to retry).
    func resend(tenantID: UUID, id: UUID, revision: Int) async throws -> Bool {
        try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows SET operation_id = NULL, operation_polls = 0, call_sent_at = NULL
            WHERE id = \(id) AND revision = \(Int32(revision)) RETURNING id
            """)
    }

    /// The head call's operation ended well: it leaves the list. When it was the last, the
    /// workflow moves to its next step with Amazon's fresh state.
    func callSucceeded(tenantID: UUID, record: InboundWorkflowRecord, amazon: InboundAmazonState?, placementConfirmed: Bool) async throws -> Bool {
        let logger = self.logger
        let at = now()
        let rest = Array(record.calls.dropFirst())
        let restJSON = try Self.json(rest)
        let amazonJSON = try amazon.map { try Self.json($0) }
        let finished = rest.isEmpty
        let nextStep = finished ? (record.nextStep ?? record.step) : record.step
        let message = record.calls.first?.doneMessage ?? "Amazon finished"
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                UPDATE integrations.inbound_workflows
                SET calls = \(restJSON)::jsonb, operation_id = NULL, operation_polls = 0, call_sent_at = NULL,
                    step = \(nextStep.rawValue), amazon = coalesce(\(amazonJSON)::jsonb, amazon),
                    placement_confirmed_at = CASE WHEN \(placementConfirmed) THEN \(at) ELSE placement_confirmed_at END,
                    next_step = CASE WHEN \(finished) THEN NULL ELSE next_step END,
                    return_step = CASE WHEN \(finished) THEN NULL ELSE return_step END, updated_at = \(at)
                WHERE id = \(record.id) AND revision = \(Int32(record.revision)) RETURNING id
                """, logger: logger)
            var updated = false
            for try await _ in rows { updated = true }
            guard updated else { return false }
            try await Self.event(db, tenantID: tenantID, workflowID: record.id, at: at, step: nextStep, message: message, logger: logger)
            return true
        }
    }

    /// The head call failed: the rest are dropped and the workflow goes back to the step the
    /// seller acted at, with Amazon's problems in words.
    func callFailed(tenantID: UUID, record: InboundWorkflowRecord, problems: [InboundWorkflowView.Problem]) async throws -> Bool {
        let logger = self.logger
        let at = now()
        let back = record.returnStep ?? record.step
        let problemsJSON = try Self.json(problems)
        let message = "Amazon refused: " + problems.map { "\($0.code) \($0.message)" }.joined(separator: "; ")
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query("""
                UPDATE integrations.inbound_workflows
                SET calls = '[]'::jsonb, operation_id = NULL, operation_polls = 0, call_sent_at = NULL, step = \(back.rawValue),
                    next_step = NULL, return_step = NULL, problems = \(problemsJSON)::jsonb, updated_at = \(at)
                WHERE id = \(record.id) AND revision = \(Int32(record.revision)) RETURNING id
                """, logger: logger)
            var updated = false
            for try await _ in rows { updated = true }
            guard updated else { return false }
            try await Self.event(db, tenantID: tenantID, workflowID: record.id, at: at, step: back, message: String(message.prefix(2000)),
                                 logger: logger)
            return true
        }
    }

    /// Amazon's fresh state for a workflow at rest (after the page asked for a reload).
    func saveAmazon(tenantID: UUID, id: UUID, revision: Int, amazon: InboundAmazonState) async throws {
        let json = try Self.json(amazon)
        let at = now()
        _ = try await execute(tenantID: tenantID, """
            UPDATE integrations.inbound_workflows SET amazon = \(json)::jsonb, updated_at = \(at)
            WHERE id = \(id) AND revision = \(Int32(revision)) AND calls = '[]'::jsonb RETURNING id
            """)
    }

    /// Runs an UPDATE … RETURNING under the tenant. - Returns: whether it changed a row.
    private func execute(tenantID: UUID, _ query: PostgresQuery) async throws -> Bool {
        let logger = self.logger
        return try await database.withTransaction(tenant: tenantID) { db in
            let rows = try await db.query(query, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }
}
