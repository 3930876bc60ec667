import Foundation
import OpsideCore
import OpsideTesting

/// All ten services booted in-process on one database, each on a port held for it from the start
/// so every one knows every other's address (`services.<name>.url`), wired to the Amazon and
/// Stripe sandboxes and the mail sink; test-runner's targets are the nine others and itself.
struct SuiteCluster {
    let database: TestDatabase
    /// In the order they started (and stop in reverse).
    let running: [RunningService]
    let storage: URL

    /// The order they start in: a service's migrations before those of services reading its schema
    /// (mcde reads inventory-sync's `amazon`), main-api once the owners it forwards to are up.
    static let startOrder: [OpsideService] = [.integrations, .inventorySync, .payments, .claimDetector, .refundEngine, .costDocs, .mcde,
                                              .evidenceEngine, .mainAPI, .testRunner]

    subscript(_ service: OpsideService) -> RunningService { running.first { $0.service == service }! }

    /// - Parameter overrides: settings per service on top of the wiring.
    static func start(database: TestDatabase, sandbox: IntegrationsSandbox, stripeURL: String, mailSink: MailSink,
                      overrides: [OpsideService: [String: String]] = [:]) async throws -> SuiteCluster {
        let reservations = try startOrder.map { ($0, try TestEnvironment.reservePort()) }
        defer { for (_, reservation) in reservations { reservation.release() } }
        let urls = Dictionary(uniqueKeysWithValues: reservations.map { ($0.0, "http://127.0.0.1:\($0.1.port)") })
        var wiring = sandbox.amazonOverrides.merging(["jobs.pollIntervalMilliseconds": "200"]) { $1 }
        for (service, url) in urls { wiring["services.\(service.configKeyName).url"] = url }
        let storage = FileManager.default.temporaryDirectory.appendingPathComponent("opside-cluster-documents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        let own: [OpsideService: [String: String]] = [
            .payments: ["stripe.apiBase": stripeURL],
            .integrations: ["inbound.firstPollSeconds": "0.2", "inbound.maxPollSeconds": "1"],
            .refundEngine: ["filing.caseDeskUrl": sandbox.baseURL],
            .costDocs: ["storage.localPath": storage.path],
            .mainAPI: mailSink.overrides,
            .testRunner: ["testRunner.targets": urls.map { "\($0.key.name)=\($0.value)" }.sorted().joined(separator: ",")],
        ]
        var running: [RunningService] = []
        do {
            for (service, reservation) in reservations {
                let settings = wiring.merging(own[service] ?? [:]) { $1 }.merging(overrides[service] ?? [:]) { $1 }
                running.append(try await RunningService.start(service, database: database, overrides: settings, port: reservation.port) { reader in
                    try await RunningService.buildApplication(service, reader: reader)
                })
            }
        } catch {
            for service in running.reversed() { await service.stop() }
            try? FileManager.default.removeItem(at: storage)
            throw error
        }
        return SuiteCluster(database: database, running: running, storage: storage)
    }

    /// Runs `body` with the mail sink and both sandboxes, shut down however it ends: a
    /// sandbox's HTTP client dropped without its shutdown ends the whole test process.
    static func withSandboxes(_ body: (IntegrationsSandbox, StripeSandboxHarness, MailSink) async throws -> Void) async throws {
        let mailSink = try await MailSink.start()
        defer { mailSink.stop() }
        // Inbound operations finish in half a second: the happy paths walk a plan through every step.
        let sandbox = try await IntegrationsSandbox.start(inboundOperationSeconds: 0.5)
        let stripe: StripeSandboxHarness
        do {
            stripe = try await StripeSandboxHarness.start()
        } catch {
            await sandbox.stop()
            throw error
        }
        do {
            try await body(sandbox, stripe, mailSink)
            try await stripe.shutdown()
            await sandbox.stop()
        } catch {
            await sandbox.stop()
            try? await stripe.shutdown()
            throw error
        }
    }

    func stop() async {
        for service in running.reversed() { await service.stop() }
        try? FileManager.default.removeItem(at: storage)
    }
}
