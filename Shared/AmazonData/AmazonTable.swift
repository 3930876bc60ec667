/// One table of the `amazon` schema: its columns with their PostgreSQL types, which of them a
/// source fills, and which identify a row. inventory-sync's loader writes through these
/// descriptions and `AmazonDataReader` reads through them, so the writer and the readers name the
/// same columns.
///
/// The SQL in inventory-sync's `Migrations` is the source of truth; a test checks every
/// description against the migrated database (names, types, nullability, and that every table of
/// the schema is described) so the two cannot drift.
public struct AmazonTable: Sendable, Hashable {
    public let name: String
    /// The natural key after `(connection_id, marketplace_id)`. For tables without an identifier
    /// of their own this is `["event_key", "occurrence"]`, which the merge computes.
    public let key: [String]
    /// Columns the source fills besides the key (and besides `marketplace_id`, always staged).
    public let columns: [String]
    /// Every key and data column with its type, in table order: key first, then data.
    public let typedColumns: [AmazonColumn]
    /// For event tables: the columns hashed into `event_key`. Empty for tables with a natural key.
    public let identity: [String]
    /// Columns Amazon restamps on every read (e.g. `lastUpdatedTime`): stored, but a change in
    /// them alone does not count as a change, so a re-sync of unchanged data changes nothing.
    public let volatile: [String]
    /// For event tables whose sources give every `identity` value in PostgreSQL's own text form
    /// (the report mappings: dates, UTC timestamps, integers, text): the loader hashes the staged
    /// text into `event_key` itself, which equals the database's hash of the stored values and
    /// spares the database the hashing. Other event tables (JSON identities) are hashed in SQL.
    public let eventKeyWhileStaging: Bool
    /// For an event table whose unique key leads with a day from its identity (`event_date` of
    /// the ledger): identical rows share their day, so a source in day order can be merged in
    /// chunks cut at day boundaries while it is still being read (see `StagingSession`).
    public let chunkDay: String?
    /// Optional columns some sources lack (the ledger's `Date and Time`, which only Seller
    /// Central's downloads carry): a load without a value keeps the stored one instead of
    /// erasing it, and such a column is never part of the identity, so the same event is one
    /// row whichever source brought it.
    public let keptWhenAbsent: [String]
    /// For a table whose rows are the parts of one thing named by this key column (an order's
    /// items, by `amazon_order_id`): a load that brings any part of a thing brings all of them,
    /// so the stored parts it lacks are deleted. An order's items read from the All Orders
    /// report (keyed by SKU: the report has no item id) thus give way to the Orders API's, whole.
    public let replacedWholeBy: String?

    init(_ name: String, key: [AmazonColumn], columns: [AmazonColumn], identity: [String] = [], volatile: [String] = [],
         eventKeyWhileStaging: Bool = false, chunkDay: String? = nil, keptWhenAbsent: [String] = [], replacedWholeBy: String? = nil) {
        let columnNames = columns.map(\.name)
        precondition(key.allSatisfy { !$0.nullable }, "a key column is NOT NULL")
        precondition(keptWhenAbsent.allSatisfy { !identity.contains($0) && columnNames.contains($0) },
                     "a column some sources lack cannot identify a row")
        precondition(chunkDay.map { identity.contains($0) && eventKeyWhileStaging } ?? true,
                     "a chunk day is part of the identity, and the loader hashes the key")
        self.name = name
        self.key = key.map(\.name)
        self.columns = columnNames
        self.typedColumns = key + columns
        self.identity = identity
        self.volatile = volatile
        self.eventKeyWhileStaging = eventKeyWhileStaging
        self.chunkDay = chunkDay
        self.keptWhenAbsent = keptWhenAbsent
        precondition(replacedWholeBy.map { key.map(\.name).dropLast().contains($0) } ?? true,
                     "the parts of one thing share a leading key column")
        self.replacedWholeBy = replacedWholeBy
    }

    /// Event tables key on a hash of `identity` plus an occurrence number.
    public var isEventTable: Bool { !identity.isEmpty }

    /// The columns a source writes into the staging table, in order: marketplace, key (unless
    /// computed), data.
    public var stagedColumns: [String] {
        ["marketplace_id"] + (isEventTable ? [] : key) + columns
    }

    /// Every column of the table as the migrations create it: the columns every data table
    /// shares, then key and data.
    public var allColumns: [AmazonColumn] {
        AmazonColumn.shared + typedColumns
    }

    /// The column named `name`, if the table has it.
    public func column(_ name: String) -> AmazonColumn? {
        allColumns.first { $0.name == name }
    }
}

/// A column of an `amazon` table and its PostgreSQL type.
public struct AmazonColumn: Sendable, Hashable {
    public let name: String
    public let type: AmazonColumnType
    public let nullable: Bool

    public init(_ name: String, _ type: AmazonColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }

    /// The columns every data table carries before its own: whose row it is, where it came from
    /// and which sync run inserted and last changed it.
    public static let shared: [AmazonColumn] = [
        AmazonColumn("tenant_id", .uuid, nullable: false), AmazonColumn("connection_id", .uuid, nullable: false),
        AmazonColumn("marketplace_id", .text, nullable: false),
        AmazonColumn("first_run_id", .uuid), AmazonColumn("last_run_id", .uuid),
        AmazonColumn("updated_at", .timestamptz, nullable: false),
    ]

    static func text(_ name: String, nullable: Bool = true) -> AmazonColumn { AmazonColumn(name, .text, nullable: nullable) }
    static func integer(_ name: String, nullable: Bool = true) -> AmazonColumn { AmazonColumn(name, .integer, nullable: nullable) }
    /// Money in minor units (`bigint`), beside a `currency` column.
    static func minor(_ name: String) -> AmazonColumn { AmazonColumn(name, .bigint) }
    /// A count that may pass two billion (`bigint`).
    static func count(_ name: String) -> AmazonColumn { AmazonColumn(name, .bigint) }
    static func boolean(_ name: String) -> AmazonColumn { AmazonColumn(name, .boolean) }
    static func timestamp(_ name: String, nullable: Bool = true) -> AmazonColumn { AmazonColumn(name, .timestamptz, nullable: nullable) }
    static func day(_ name: String, nullable: Bool = true) -> AmazonColumn { AmazonColumn(name, .date, nullable: nullable) }
    static func decimal(_ name: String) -> AmazonColumn { AmazonColumn(name, .numeric) }
    static func json(_ name: String) -> AmazonColumn { AmazonColumn(name, .jsonb) }
}

/// The PostgreSQL types the `amazon` schema uses; raw values are `pg_type.typname`.
public enum AmazonColumnType: String, Sendable, Hashable {
    case text
    case integer = "int4"
    case bigint = "int8"
    case boolean = "bool"
    case timestamptz
    case date
    case numeric
    case jsonb
    case uuid
}
