import Foundation
import OpsideCore
import OpsidePostgres

/// Read-only, tenant-scoped access to the synced Amazon data in the `amazon` schema, for the
/// services DESIGN.md lets read it (claim-detector, refund-engine, mcde).
///
/// Every read runs in a transaction that is `READ ONLY` and sets `opside.tenant_id`, so
/// row-level security shows only that tenant's rows; connect `database` as the service's own role
/// (which has SELECT on the schema and no more, and to which RLS applies). Every read is an
/// `AmazonRecordStream` paged by the table's key: iterate it for the ledger's millions of rows,
/// or `collect()` the small tables.
public struct AmazonDataReader: Sendable {
    public let database: Database
    /// Rows per page (and per transaction).
    public let pageSize: Int

    public init(database: Database, pageSize: Int = 1000) {
        self.database = database
        self.pageSize = pageSize
    }

    /// The rows of `Record`'s table that match every filter, ordered by `order` first and the
    /// table's unique key after it.
    /// - Throws: `AmazonDataError` when a filter or the order names a column the table lacks, or
    ///   compares a column with a value of another kind.
    public func records<Record: AmazonRecord>(_ type: Record.Type, tenant: UUID, where filters: [AmazonFilter] = [],
                                              orderedBy order: [String] = []) throws -> AmazonRecordStream<Record> {
        let query = try AmazonPageQuery(table: Record.table, filters: filters, leadingOrder: order, pageSize: pageSize)
        return AmazonRecordStream(database: database, tenant: tenant, query: query)
    }

    // MARK: Ledger

    /// An FNSKU's ledger events (or every FNSKU's, when `fnsku` is nil) from `from` through
    /// `through`, both days included, in day order. Served by the ledger's `(connection_id, fnsku,
    /// event_date)` index when the connection and FNSKU are given.
    public func ledgerEvents(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil,
                             from: CivilDate? = nil, through: CivilDate? = nil) -> AmazonRecordStream<LedgerEventRecord> {
        var filters = Self.scope(connection)
        if let fnsku { filters.append(.equals(column: "fnsku", value: fnsku)) }
        if let from { filters.append(.onOrAfter(column: "event_date", day: from)) }
        if let through { filters.append(.onOrBefore(column: "event_date", day: through)) }
        return named(LedgerEventRecord.self, tenant: tenant, where: filters, orderedBy: ["connection_id", "fnsku", "event_date"])
    }

    /// Ledger balances by period, FNSKU, disposition and location.
    public func ledgerSummaries(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil) -> AmazonRecordStream<LedgerSummaryRecord> {
        named(LedgerSummaryRecord.self, tenant: tenant, where: Self.scope(connection, fnsku: fnsku))
    }

    // MARK: FBA reports

    public func reimbursements(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil) -> AmazonRecordStream<ReimbursementRecord> {
        named(ReimbursementRecord.self, tenant: tenant, where: Self.scope(connection, fnsku: fnsku))
    }

    public func customerReturns(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil) -> AmazonRecordStream<CustomerReturnRecord> {
        named(CustomerReturnRecord.self, tenant: tenant, where: Self.scope(connection, fnsku: fnsku))
    }

    public func replacements(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<ReplacementRecord> {
        named(ReplacementRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func removalOrders(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil) -> AmazonRecordStream<RemovalOrderRecord> {
        named(RemovalOrderRecord.self, tenant: tenant, where: Self.scope(connection, fnsku: fnsku))
    }

    public func removalShipments(tenant: UUID, connection: UUID? = nil, fnsku: String? = nil) -> AmazonRecordStream<RemovalShipmentRecord> {
        named(RemovalShipmentRecord.self, tenant: tenant, where: Self.scope(connection, fnsku: fnsku))
    }

    public func estimatedFees(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<EstimatedFeeRecord> {
        named(EstimatedFeeRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func listings(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<ListingRecord> {
        named(ListingRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func inventorySummaries(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<InventorySummaryRecord> {
        named(InventorySummaryRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    // MARK: Brand Analytics

    public func searchQueryPerformance(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<SearchQueryPerformanceRecord> {
        named(SearchQueryPerformanceRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    // MARK: Amazon Ads

    public func adsSpend(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<AdsSpendRecord> {
        named(AdsSpendRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    // MARK: Orders

    public func orders(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<OrderRecord> {
        named(OrderRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    /// Items of every order, or of one order when `amazonOrderID` is given.
    public func orderItems(tenant: UUID, connection: UUID? = nil, amazonOrderID: String? = nil) -> AmazonRecordStream<OrderItemRecord> {
        named(OrderItemRecord.self, tenant: tenant,
                     where: Self.scope(connection) + (amazonOrderID.map { [.equals(column: "amazon_order_id", value: $0)] } ?? []))
    }

    // MARK: Financial events

    public func shipmentEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<ShipmentEventRecord> {
        named(ShipmentEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func refundEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<RefundEventRecord> {
        named(RefundEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func adjustmentEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<AdjustmentEventRecord> {
        named(AdjustmentEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func serviceFeeEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<ServiceFeeEventRecord> {
        named(ServiceFeeEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func safetEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<SAFETEventRecord> {
        named(SAFETEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    public func removalShipmentEvents(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<RemovalShipmentEventRecord> {
        named(RemovalShipmentEventRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    // MARK: Inbound shipments

    public func inboundShipments(tenant: UUID, connection: UUID? = nil) -> AmazonRecordStream<InboundShipmentRecord> {
        named(InboundShipmentRecord.self, tenant: tenant, where: Self.scope(connection))
    }

    /// Items of every inbound shipment, or of one when `shipmentID` is given.
    public func inboundShipmentItems(tenant: UUID, connection: UUID? = nil, shipmentID: String? = nil) -> AmazonRecordStream<InboundShipmentItemRecord> {
        named(InboundShipmentItemRecord.self, tenant: tenant,
                     where: Self.scope(connection) + (shipmentID.map { [.equals(column: "shipment_id", value: $0)] } ?? []))
    }

    // MARK: Filters

    /// A named read: its columns are in the catalog, which a test checks against the schema, so
    /// a failure here is a mistake in this file, not in the caller's input.
    private func named<Record: AmazonRecord>(_ type: Record.Type, tenant: UUID, where filters: [AmazonFilter],
                                             orderedBy order: [String] = []) -> AmazonRecordStream<Record> {
        do {
            return try records(type, tenant: tenant, where: filters, orderedBy: order)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    private static func scope(_ connection: UUID?, fnsku: String? = nil) -> [AmazonFilter] {
        (connection.map { [.connection($0)] } ?? []) + (fnsku.map { [.equals(column: "fnsku", value: $0)] } ?? [])
    }
}
