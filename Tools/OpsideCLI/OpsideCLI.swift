import ArgumentParser
import Configuration
import Foundation
import InventorySync
import Logging
import OpsideCore
import OpsidePostgres

/// `opside`: operator commands. Connects to PostgreSQL with the same keys as the services
/// (`postgres.host`, `postgres.port`, `postgres.database`, `postgres.user`, `postgres.password`,
/// `postgres.tls`), as the role of the service whose work the command does (inventory-sync for
/// `import`, claim-detector for `detect` and `claims`, refund-engine for `cases` and `file`) unless `postgres.user` says otherwise.
/// `documents` acts for a seller instead, through main-api's public API with the seller's sign-in.
@main
struct OpsideCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opside", abstract: "Opside operator commands.", subcommands: [ImportCommand.self, DetectCommand.self, ClaimsCommand.self,
                                                                                                 CasesCommand.self, FileCommand.self,
                                                                                                 DocumentsCommand.self])
}

/// `opside import --tenant T --connection C FILE`: loads a report file downloaded from Seller
/// Central through the same parsers and tables as the API sync.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Seller Central report file (type detected from its header: the flat-file reports, the settlement report V2, the Date Range transaction CSV; gzip or plain; UTF-8 or Windows-1252).")

    @Option(help: "The tenant id (UUID) the data belongs to.")
    var tenant: String

    @Option(help: "The Amazon connection id (UUID); a new id records an import-only connection.")
    var connection: String

    @Option(help: "The marketplace id of the file (default: the connection's first, else ATVPDKIKX0DER).")
    var marketplace: String?

    @Argument(help: "The report file.")
    var file: String

    func run() async throws {
        guard let tenantID = UUID(uuidString: tenant) else { throw ValidationError("--tenant must be a UUID") }
        guard let connectionID = UUID(uuidString: connection) else { throw ValidationError("--connection must be a UUID") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let reader = try await OpsideConfiguration.reader()
        var logger = Logger(label: "opside.cli")
        logger.logLevel = .warning
        let database = Database(settings: try PostgresSettings(reader: reader, service: .inventorySync), logger: logger)
        let importer = ReportImporter(database: database, logger: logger)
        let result = try await withThrowingTaskGroup(of: ImportResult?.self) { group in
            group.addTask {
                await database.client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await importer.importFile(path: file, tenantID: tenantID, connectionID: connectionID, marketplaceID: marketplace)
        }
        var encoder = OpsideJSONEncoder()
        encoder.prettyPrinted = true
        encoder.sortedKeys = true
        print(String(decoding: try encoder.encodeToBytes(result), as: UTF8.self))
    }
}
