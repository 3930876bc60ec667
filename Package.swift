// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The ten services: (folder under Services/, library target, executable product name).
let services: [(folder: String, library: String, product: String)] = [
    ("MainAPI", "MainAPI", "main-api"),
    ("Integrations", "Integrations", "integrations"),
    ("Payments", "Payments", "payments"),
    ("CostDocs", "CostDocs", "cost-docs"),
    ("RefundEngine", "RefundEngine", "refund-engine"),
    ("MCDE", "MCDE", "mcde"),
    ("ClaimDetector", "ClaimDetector", "claim-detector"),
    ("EvidenceEngine", "EvidenceEngine", "evidence-engine"),
    ("InventorySync", "InventorySync", "inventory-sync"),
    ("TestRunner", "TestRunner", "test-runner"),
]

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let configuration = Target.Dependency.product(name: "Configuration", package: "swift-configuration")
let postgres = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
// The tracing API (spans, context propagation); the OTLP exporter behind it is swift-otel's.
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")

var targets: [Target] = [
    // MARK: Shared platform
    .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
    .target(
        name: "OpsideCore",
        dependencies: [configuration, logging, .product(name: "Crypto", package: "swift-crypto"),
                       .product(name: "JWTKit", package: "jwt-kit")],
        path: "Shared/Core", swiftSettings: swiftSettings),
    .target(
        name: "OpsideRedis",
        dependencies: ["CHiredis", "OpsideCore", logging, lifecycle,
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "NIOPosix", package: "swift-nio")],
        path: "Shared/Redis", swiftSettings: swiftSettings),
    .target(
        name: "OpsidePostgres",
        dependencies: ["OpsideCore", postgres, logging, lifecycle],
        path: "Shared/Postgres", swiftSettings: swiftSettings),
    .target(
        name: "OpsideJobs",
        dependencies: ["OpsideCore", "OpsidePostgres", "OpsideRedis", postgres, logging, lifecycle, tracing,
                       .product(name: "Metrics", package: "swift-metrics")],
        path: "Shared/Jobs", resources: [.copy("Migrations")], swiftSettings: swiftSettings),
    // E-mail over SMTP (issue 12): the sink in development and tests, any server in production.
    .target(
        name: "OpsideMail",
        dependencies: [logging, .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                       .product(name: "NIOSSL", package: "swift-nio-ssl")],
        path: "Shared/Mail", swiftSettings: swiftSettings),
    // The suite's event types and who consumes each (issue 10): one declaration for producers,
    // consumers and the relay.
    .target(
        name: "OpsideEvents",
        dependencies: ["OpsideCore", "OpsideJobs"],
        path: "Shared/Events", swiftSettings: swiftSettings),
    .target(
        name: "OpsideTransport",
        dependencies: ["OpsideCore", "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideEvents", hummingbird, logging, lifecycle,
                       configuration, postgres, tracing, .product(name: "OTel", package: "swift-otel"),
                       .product(name: "AsyncHTTPClient", package: "async-http-client"),
                       .product(name: "Metrics", package: "swift-metrics"),
                       .product(name: "Prometheus", package: "swift-prometheus"),
                       .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                       .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                       .product(name: "NIOHTTP1", package: "swift-nio"),
                       // The gateway's upload relay (a channel that waits for its reader).
                       .product(name: "AsyncAlgorithms", package: "swift-async-algorithms")],
        path: "Shared/Transport", swiftSettings: swiftSettings),
    .executableTarget(
        name: "opside-bench",
        dependencies: ["OpsideCore", "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideAmazonSPAPI", "OpsideBenchmarkSupport", postgres, logging, lifecycle,
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Benchmarks/Sources", swiftSettings: swiftSettings),
]

var products: [Product] = []
var serviceLibraries: [Target.Dependency] = []
// A service with public routes declares them in `Services/<Folder>/Routes` (a `<Library>Routes`
// target holding only its route table), which main-api's gateway depends on instead of the service.
let routeTables = services.filter {
    FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/Services/\($0.folder)/Routes")
}.map { "\($0.library)Routes" }
for service in services where routeTables.contains("\(service.library)Routes") {
    targets.append(.target(name: "\(service.library)Routes", dependencies: ["OpsideTransport"],
                           path: "Services/\(service.folder)/Routes", swiftSettings: swiftSettings))
}
for service in services {
    var deps: [Target.Dependency] = ["OpsideCore", "OpsideTransport", "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideEvents",
                                     hummingbird, logging, configuration, postgres, lifecycle]
    if service.library == "MainAPI" {
        deps.append("OpsideMail")
        deps.append(.product(name: "HummingbirdBcrypt", package: "hummingbird-auth"))
        deps.append(.product(name: "Crypto", package: "swift-crypto"))
        deps.append(.product(name: "Mustache", package: "swift-mustache"))
        // The realtime feed as a WebSocket (beside the Server-Sent Events one).
        deps.append(.product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"))
        deps += routeTables.map { .target(name: $0) }
    }
    if ["Integrations", "InventorySync"].contains(service.library) {
        deps.append("OpsideAmazonSPAPI")
        deps.append(.product(name: "AsyncHTTPClient", package: "async-http-client"))
    }
    if service.library == "ClaimDetector" {
        // Reads the synced Amazon data; the marketplace catalog gives currencies and time zones.
        deps.append("OpsideAmazonData")
        deps.append("OpsideAmazonSPAPI")
        // MD5 of each claim's content, hashed while staging, so a re-run compares hashes.
        deps.append(.product(name: "Crypto", package: "swift-crypto"))
        // A bounded channel: the next pass's read runs while the current one is netted.
        deps.append(.product(name: "AsyncAlgorithms", package: "swift-async-algorithms"))
    }
    if service.library == "Payments" {
        // Stripe's wire format (form bodies, webhook signatures) and the HTTP client that talks to it.
        deps.append("OpsideStripe")
        deps.append(.product(name: "AsyncHTTPClient", package: "async-http-client"))
    }
    if service.library == "Integrations" {
        // AES-GCM for the refresh tokens the token vault keeps; counters of Amazon's notifications.
        deps.append(.product(name: "Crypto", package: "swift-crypto"))
        deps.append(.product(name: "Metrics", package: "swift-metrics"))
    }
    if service.library == "InventorySync" {
        // MD5 for the ledger's event keys, hashed while staging.
        deps.append(.product(name: "Crypto", package: "swift-crypto"))
    }
    if ["InventorySync", "Payments", "ClaimDetector"].contains(service.library) {
        // Metrics the alert rules read (deploy/monitoring-setup): sync failures by dataset,
        // payment failures by kind, claims near their deadline.
        deps.append(.product(name: "Metrics", package: "swift-metrics"))
    }
    if service.library == "TestRunner" {
        // The contract suite checks answers against the services' OpenAPI documents; the probe
        // sellers' password is an HMAC of the service-token secret.
        deps.append("OpsideSchemaValidation")
        deps.append("OpsideAmazonSPAPI")
        deps.append(.product(name: "AsyncHTTPClient", package: "async-http-client"))
        deps.append(.product(name: "Crypto", package: "swift-crypto"))
        deps.append(.product(name: "NIOCore", package: "swift-nio"))
        deps.append(.product(name: "NIOHTTP1", package: "swift-nio"))
    }
    // A service gets its Migrations folder as a resource once it has tables.
    let hasMigrations = FileManager.default.fileExists(atPath: "\(Context.packageDirectory)/Services/\(service.folder)/Sources/Migrations")
    let resources: [Resource] = [.copy("openapi.json")] + (hasMigrations ? [.copy("Migrations")] : [])
        + (service.library == "MainAPI" ? [.copy("Templates"), .copy("Assets")] : [])
    targets.append(.target(name: service.library, dependencies: deps,
                           path: "Services/\(service.folder)/Sources", resources: resources, swiftSettings: swiftSettings))
    targets.append(.executableTarget(name: "\(service.library)Run", dependencies: [.target(name: service.library), "OpsideTransport"],
                                     path: "Services/\(service.folder)/Run", swiftSettings: swiftSettings))
    products.append(.executable(name: service.product, targets: ["\(service.library)Run"]))
    serviceLibraries.append(.target(name: service.library))
}

// The JSON Schema validator: test-runner's contract suite and the test targets check answers with it (Amazon's Swagger models and
// the services' OpenAPI documents).
targets.append(.target(name: "OpsideSchemaValidation", dependencies: ["OpsideAmazonSPAPI"],
                       path: "Shared/SchemaValidation", swiftSettings: swiftSettings))
targets.append(.testTarget(
    name: "OpsideTests",
    dependencies: serviceLibraries + routeTables.map { .target(name: $0) } + ["OpsideCore", "OpsideTransport", "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideEvents",
                                      "OpsideAmazonSPAPI", "AmazonSandbox", "OpsideSchemaValidation", "OpsideStripe",
                                      hummingbird, postgres, logging, configuration, tracing,
                                      .product(name: "Metrics", package: "swift-metrics"),
                                      .product(name: "OTel", package: "swift-otel"),
                                      .product(name: "HummingbirdTesting", package: "hummingbird"),
                                      .product(name: "AsyncHTTPClient", package: "async-http-client")],
    path: "Tests/OpsideTests", swiftSettings: swiftSettings))
products.append(.executable(name: "opside-bench", targets: ["opside-bench"]))
// A worker process the job-queue tests start and SIGKILL; not a product.
targets.append(.executableTarget(
    name: "opside-test-worker", dependencies: ["OpsideJobs", "OpsidePostgres", "OpsideRedis", postgres, logging, lifecycle],
    path: "Tests/TestWorker", swiftSettings: swiftSettings))

let package = Package(
    name: "opside",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would pull in grpc-swift for nothing.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // The dashboard's server-rendered pages.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: targets
)

// MARK: Amazon (issue 3): the SP-API client library and the Amazon sandbox.
// compress-nio gives streaming gzip (zlib, linked from the system: apt zlib1g-dev).
package.dependencies += [
    .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    // Already resolved through Hummingbird; declared because the sandbox imports HTTPTypes itself.
    .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
]
let compressNIO = Target.Dependency.product(name: "CompressNIO", package: "compress-nio")
let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
package.targets += [
    .target(
        name: "OpsideAmazonSPAPI",
        dependencies: ["OpsideCore", "OpsideRedis", logging, configuration, asyncHTTPClient, compressNIO, tracing,
                       .product(name: "Metrics", package: "swift-metrics"),
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "NIOHTTP1", package: "swift-nio")],
        path: "Shared/AmazonSPAPI", swiftSettings: swiftSettings),
    .target(
        name: "AmazonSandbox",
        dependencies: ["OpsideCore", "OpsideAmazonSPAPI", hummingbird, logging, configuration, compressNIO,
                       .product(name: "Crypto", package: "swift-crypto"),
                       .product(name: "HTTPTypes", package: "swift-http-types"),
                       .product(name: "NIOCore", package: "swift-nio")],
        path: "Sandbox/AmazonSandbox/Sources", swiftSettings: swiftSettings),
    .executableTarget(
        name: "AmazonSandboxRun",
        dependencies: ["AmazonSandbox", "OpsideCore", hummingbird, configuration],
        path: "Sandbox/AmazonSandbox/Run", swiftSettings: swiftSettings),
    // Benchmarks, and the helper process the rate-limit test spawns (`opside-amazon-bench hammer`).
    .executableTarget(
        name: "opside-amazon-bench",
        dependencies: ["OpsideAmazonSPAPI", "AmazonSandbox", "OpsideRedis", "OpsideCore", "OpsideBenchmarkSupport", hummingbird, logging,
                       asyncHTTPClient, compressNIO, .product(name: "NIOCore", package: "swift-nio")],
        path: "Benchmarks/Amazon", swiftSettings: swiftSettings),
    .testTarget(
        name: "AmazonTests",
        dependencies: ["OpsideAmazonSPAPI", "AmazonSandbox", "OpsideRedis", "OpsideCore", "OpsideSchemaValidation", hummingbird, logging,
                       configuration, asyncHTTPClient, compressNIO,
                       .product(name: "NIOCore", package: "swift-nio"),
                       .product(name: "HummingbirdTesting", package: "hummingbird")],
        path: "Tests/AmazonTests", swiftSettings: swiftSettings),
]
package.products += [
    .executable(name: "amazon-sandbox", targets: ["AmazonSandboxRun"]),
    .executable(name: "opside-amazon-bench", targets: ["opside-amazon-bench"]),
]

// MARK: inventory-sync (issue 4): the `opside` operator CLI and the sync benchmarks.
package.targets += [
    // What every benchmark executable shares: options, its logger, the PostgreSQL it measures,
    // durations in seconds, peak memory.
    .target(
        name: "OpsideBenchmarkSupport",
        dependencies: [postgres, logging, configuration],
        path: "Benchmarks/Support", swiftSettings: swiftSettings),
    .executableTarget(
        name: "OpsideCLI",
        dependencies: ["InventorySync", "ClaimDetector", "OpsideCore", "OpsidePostgres", "OpsideJobs", logging, configuration,
                       .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Tools/OpsideCLI", swiftSettings: swiftSettings),
    .executableTarget(
        name: "opside-sync-bench",
        dependencies: ["InventorySync", "ClaimDetector", "OpsideAmazonData", "OpsideAmazonSPAPI", "OpsideAmazonAds", "AmazonSandbox", "OpsideCore",
                       "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideBenchmarkSupport", postgres, logging, configuration, hummingbird, asyncHTTPClient, compressNIO, lifecycle,
                       .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
        path: "Benchmarks/Sync", swiftSettings: swiftSettings),
]
package.products += [
    .executable(name: "opside", targets: ["OpsideCLI"]),
    .executable(name: "opside-sync-bench", targets: ["opside-sync-bench"]),
]

// MARK: The read model of the `amazon` schema (issue 10): one catalog of its tables, which
// inventory-sync's loader writes through, and typed, tenant-scoped, read-only reads over it.
package.targets += [
    .target(
        name: "OpsideAmazonData",
        dependencies: ["OpsideCore", "OpsidePostgres", postgres, logging],
        path: "Shared/AmazonData", swiftSettings: swiftSettings),
]
for target in package.targets where ["InventorySync", "OpsideTests"].contains(target.name) {
    target.dependencies.append("OpsideAmazonData")
}

// MARK: Tests (issue 10): one harness (`OpsideTesting`: the PostgreSQL and Redis fixtures, the
// Amazon sandbox, any service on a free port), a test target per service that has its own tests,
// and the whole-suite targets (`OpsideTests`, `AmazonTests`). A change to one service builds and
// runs its own target: `swift test --filter InventorySyncTests`.
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let platformLibraries: [Target.Dependency] = ["OpsideCore", "OpsidePostgres", "OpsideRedis", "OpsideJobs", "OpsideMail"]
package.targets += [
    .target(
        name: "OpsideTesting",
        dependencies: platformLibraries + ["OpsideAmazonSPAPI", "AmazonSandbox", "StripeSandbox", hummingbird, postgres, logging, configuration,
                                           lifecycle, asyncHTTPClient, nioCore, nioHTTP1],
        path: "Tests/OpsideTesting", swiftSettings: swiftSettings),
    // inventory-sync booted in-process or as its executable, against the sandbox and a stand-in
    // token vault: for inventory-sync's own tests and every suite that needs synced Amazon data.
    .target(
        name: "InventorySyncTesting",
        dependencies: platformLibraries + ["OpsideTesting", "InventorySync", "OpsideAmazonSPAPI", "AmazonSandbox", hummingbird, postgres,
                                           logging, configuration, lifecycle, asyncHTTPClient, nioCore, nioHTTP1],
        path: "Tests/InventorySyncTesting", swiftSettings: swiftSettings),
    .testTarget(
        name: "InventorySyncTests",
        dependencies: platformLibraries + ["OpsideTesting", "InventorySyncTesting", "InventorySync", "OpsideAmazonData", "OpsideEvents", "OpsideTransport",
                                           "MainAPI", "Integrations", "OpsideAmazonSPAPI", "AmazonSandbox", hummingbird, postgres, logging,
                                           configuration, lifecycle, asyncHTTPClient, nioCore, nioHTTP1, tracing,
                                           .product(name: "OTel", package: "swift-otel")],
        path: "Tests/InventorySyncTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "IntegrationsTests",
        dependencies: platformLibraries + ["OpsideTesting", "Integrations", "MainAPI", "OpsideAmazonSPAPI", "AmazonSandbox",
                                           hummingbird, postgres, logging, configuration, lifecycle, asyncHTTPClient, nioCore, nioHTTP1],
        path: "Tests/IntegrationsTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "MainAPITests",
        dependencies: platformLibraries + ["OpsideTesting", "MainAPI", hummingbird, configuration, nioHTTP1],
        path: "Tests/MainAPITests", swiftSettings: swiftSettings),
    .testTarget(
        name: "PaymentsTests",
        dependencies: platformLibraries + ["OpsideTesting", "Payments", "OpsideEvents", "OpsideTransport", "OpsideStripe", "StripeSandbox",
                                           logging, configuration, asyncHTTPClient],
        path: "Tests/PaymentsTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "ClaimDetectorTests",
        dependencies: platformLibraries + ["OpsideTesting", "InventorySyncTesting", "InventorySync", "MainAPI", "ClaimDetector",
                                           "OpsideAmazonData", "OpsideAmazonSPAPI", "OpsideEvents",
                                           "OpsideTransport", "AmazonSandbox", hummingbird, postgres, logging, configuration, lifecycle,
                                           asyncHTTPClient, nioCore, nioHTTP1],
        path: "Tests/ClaimDetectorTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "JobsTests",
        dependencies: platformLibraries + ["OpsideTesting", postgres, logging],
        path: "Tests/JobsTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "PlatformTests",
        dependencies: platformLibraries + ["OpsideTesting", nioCore, postgres, logging],
        path: "Tests/PlatformTests", swiftSettings: swiftSettings),
]
for target in package.targets where ["OpsideTests", "AmazonTests"].contains(target.name) {
    target.dependencies.append("OpsideTesting")
}

// MARK: claim-detector (issue 11): the rules engine's benchmark, run on demand, never a test.
package.targets += [
    .executableTarget(
        name: "opside-claims-bench",
        dependencies: ["ClaimDetector", "InventorySync", "OpsideAmazonData", "OpsideCore", "OpsidePostgres", "OpsideJobs", "OpsideBenchmarkSupport",
                       postgres, logging, configuration],
        path: "Benchmarks/Claims", swiftSettings: swiftSettings),
]
package.products += [
    .executable(name: "opside-claims-bench", targets: ["opside-claims-bench"]),
]

// MARK: refund-engine (issue 13): the token vault's client moves to `Shared/` (refund-engine files
// through Seller Central with the seller's access token, as inventory-sync syncs with it), and
// refund-engine gets its own test target.
package.targets += [
    .target(
        name: "OpsideAmazonAccess",
        dependencies: ["OpsideCore", "OpsideTransport"],
        path: "Shared/AmazonAccess", swiftSettings: swiftSettings),
    .testTarget(
        name: "RefundEngineTests",
        dependencies: platformLibraries + ["OpsideTesting", "InventorySyncTesting", "InventorySync", "MainAPI", "ClaimDetector",
                                           "RefundEngine", "Integrations", "OpsideAmazonData", "OpsideAmazonSPAPI", "OpsideEvents",
                                           "OpsideTransport", "AmazonSandbox", hummingbird, postgres, logging, configuration, lifecycle,
                                           asyncHTTPClient, nioCore, nioHTTP1],
        path: "Tests/RefundEngineTests", swiftSettings: swiftSettings),
]
for target in package.targets where ["InventorySync", "RefundEngine", "OpsideTests", "InventorySyncTesting", "InventorySyncTests",
                                     "opside-sync-bench", "RefundEngineTests", "OpsideCLI"].contains(target.name) {
    target.dependencies.append("OpsideAmazonAccess")
}
for target in package.targets where target.name == "RefundEngine" {
    // Reads the synced reimbursements and adjustment events; the marketplace catalog gives each
    // marketplace's today (deadlines are marketplace-local days).
    target.dependencies += ["OpsideAmazonData", "OpsideAmazonSPAPI", .product(name: "AsyncHTTPClient", package: "async-http-client")]
}
for target in package.targets where target.name == "OpsideCLI" {
    // `opside cases` and `opside file` use refund-engine's parts, with a service client;
    // `opside documents` reads evidence-engine's answers through the public API.
    target.dependencies += ["RefundEngine", "EvidenceEngine", "OpsideDocuments", "OpsideTransport",
                            .product(name: "AsyncHTTPClient", package: "async-http-client")]
}

// MARK: refund-engine's benchmark (issue 13): reconciliation of a large ledger and the filing of a
// large queue, run on demand, never a test.
package.targets += [
    .executableTarget(
        name: "opside-cases-bench",
        dependencies: ["RefundEngine", "InventorySync", "AmazonSandbox", "OpsideAmazonAccess", "OpsideAmazonData", "OpsideCore", "OpsidePostgres",
                       "OpsideJobs", "OpsideBenchmarkSupport", postgres, logging, configuration, hummingbird,
                       .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio")],
        path: "Benchmarks/Cases", swiftSettings: swiftSettings),
]
package.products += [
    .executable(name: "opside-cases-bench", targets: ["opside-cases-bench"]),
]

// MARK: Evidence and cost (issue 14): the document intake (sniffing, limits, the parser
// subprocess), invoice reading, rendering over cairo and pango, the sample documents the tests
// make, and the shared clients of claim-detector's claims and cost-docs' files.
package.dependencies += [
    .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
]
let zipFoundation = Target.Dependency.product(name: "ZIPFoundation", package: "ZIPFoundation")
let swiftCrypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
package.targets += [
    // Untrusted documents: the type from the bytes, the limits, the parser run in a subprocess.
    .target(
        name: "OpsideDocuments",
        dependencies: [zipFoundation, swiftCrypto, .product(name: "Subprocess", package: "swift-subprocess")],
        path: "Shared/Documents", swiftSettings: swiftSettings),
    .executableTarget(
        name: "opside-document-parser",
        dependencies: ["OpsideDocuments"],
        path: "Tools/DocumentParser", swiftSettings: swiftSettings),
    // Invoice fields from a document's text and tables (Foundation only).
    .target(name: "OpsideInvoices", path: "Shared/Invoices", swiftSettings: swiftSettings),
    .systemLibrary(name: "CPangoCairo", path: "Shared/CPangoCairo", pkgConfig: "pangocairo",
                   providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
    .target(name: "OpsideRender", dependencies: ["CPangoCairo"], path: "Shared/Render", swiftSettings: swiftSettings),
    // Sample invoices with their planted truth: for tests, benchmarks and the demo seller.
    .target(name: "OpsideDocumentSamples", dependencies: ["OpsideRender", zipFoundation],
            path: "Tests/DocumentSamples", swiftSettings: swiftSettings),
    .target(name: "OpsideClaimsAccess", dependencies: ["OpsideCore", "OpsideTransport"], path: "Shared/ClaimsAccess",
            swiftSettings: swiftSettings),
    .target(name: "OpsideCostDocsAccess",
            dependencies: ["OpsideCore", "OpsideTransport", .product(name: "AsyncHTTPClient", package: "async-http-client"), nioCore],
            path: "Shared/CostDocsAccess", swiftSettings: swiftSettings),
    .testTarget(
        name: "DocumentsTests",
        dependencies: ["OpsideDocuments", "opside-document-parser", zipFoundation],
        path: "Tests/DocumentsTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "InvoicesTests",
        dependencies: ["OpsideInvoices", "MCDE"],
        path: "Tests/InvoicesTests", swiftSettings: swiftSettings),
    .testTarget(
        name: "RenderTests",
        dependencies: ["OpsideRender", "OpsideDocumentSamples"],
        path: "Tests/RenderTests", swiftSettings: swiftSettings),
    // The evidence services together: intake, matching, prompts, the full flow on a sandbox seller.
    .testTarget(
        name: "EvidenceTests",
        dependencies: platformLibraries + ["OpsideTesting", "InventorySyncTesting", "InventorySync", "MainAPI", "ClaimDetector", "RefundEngine",
                                           "EvidenceEngine", "MCDE", "CostDocs", "OpsideClaimsAccess", "OpsideCostDocsAccess", "OpsideDocuments",
                                           "OpsideInvoices", "OpsideDocumentSamples", "OpsideEvents", "OpsideTransport", "OpsideAmazonSPAPI",
                                           "AmazonSandbox", zipFoundation, hummingbird, postgres, logging, configuration, lifecycle, asyncHTTPClient,
                                           nioCore, nioHTTP1, "opside-document-parser"],
        path: "Tests/EvidenceTests", swiftSettings: swiftSettings),
    // Real rendered documents through the parser subprocess and the invoice reader, measured.
    .testTarget(
        name: "DocumentPipelineTests",
        dependencies: ["OpsideDocuments", "opside-document-parser", "OpsideInvoices", "OpsideDocumentSamples"],
        path: "Tests/DocumentPipelineTests", swiftSettings: swiftSettings),
    // evidence-engine's matching at a large seller's size; run on demand (Benchmarks/run evidence).
    .executableTarget(
        name: "opside-evidence-bench",
        dependencies: ["EvidenceEngine", "OpsideClaimsAccess", "OpsideCore", "OpsideEvents", "OpsideBenchmarkSupport"],
        path: "Benchmarks/Evidence", swiftSettings: swiftSettings),
    // Writes an invoice PDF with given lines: the demo seller's uploads (deploy/demo-cases.py).
    .executableTarget(
        name: "opside-sample-invoice",
        dependencies: ["OpsideDocumentSamples", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Tools/SampleInvoice", swiftSettings: swiftSettings),
    // OCR and text-PDF pages per second beside tesseract and pdftotext alone; run on demand.
    .executableTarget(
        name: "opside-documents-bench",
        dependencies: ["OpsideDocuments", "OpsideDocumentSamples", .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Benchmarks/Documents", swiftSettings: swiftSettings),
    .testTarget(
        name: "CostDocsStorageTests",
        dependencies: ["CostDocs", "OpsideTesting", asyncHTTPClient, swiftCrypto, nioCore, nioHTTP1, logging],
        path: "Tests/CostDocsStorageTests", swiftSettings: swiftSettings),
]
package.products += [.executable(name: "opside-document-parser", targets: ["opside-document-parser"]),
                     .executable(name: "opside-documents-bench", targets: ["opside-documents-bench"]),
                     .executable(name: "opside-sample-invoice", targets: ["opside-sample-invoice"]),
                     .executable(name: "opside-evidence-bench", targets: ["opside-evidence-bench"])]
for target in package.targets {
    switch target.name {
    case "RefundEngine", "opside-cases-bench":
        target.dependencies += ["OpsideClaimsAccess"]
    case "CostDocs":
        target.dependencies += ["OpsideRender", "OpsideCostDocsAccess", asyncHTTPClient, swiftCrypto, nioCore, nioHTTP1]
    case "EvidenceEngine":
        target.dependencies += ["OpsideClaimsAccess", "OpsideCostDocsAccess", "OpsideDocuments", "OpsideInvoices", zipFoundation, nioCore,
                                asyncHTTPClient]
    case "MCDE":
        // Reads the seller's catalog (listings) from the synced Amazon data.
        target.dependencies += ["OpsideInvoices", "OpsideAmazonData"]
    case "OpsideTests":
        target.dependencies += ["OpsideClaimsAccess", "OpsideCostDocsAccess", "OpsideDocuments", "OpsideInvoices", "OpsideDocumentSamples",
                                "OpsideRender", zipFoundation]
    default:
        break
    }
}

// MARK: AWS (issue 16): SigV4 and the SQS client. cost-docs signs S3 with it, integrations reads
// Amazon's notifications from SQS, and the Amazon sandbox checks the signatures its queue receives.
package.targets += [
    .target(
        name: "OpsideAWS",
        dependencies: [.product(name: "Crypto", package: "swift-crypto"), asyncHTTPClient, nioCore, logging],
        path: "Shared/AWS", swiftSettings: swiftSettings),
]
for target in package.targets where ["CostDocs", "Integrations", "AmazonSandbox", "CostDocsStorageTests", "IntegrationsTests", "AmazonTests"]
    .contains(target.name) {
    target.dependencies.append("OpsideAWS")
}

// MARK: Amazon Ads API (issue 16): advertising spend per SKU and day, a separate API with its own application.
package.targets += [
    .target(
        name: "OpsideAmazonAds",
        dependencies: ["OpsideCore", "OpsideAmazonSPAPI", "OpsideTransport", configuration, asyncHTTPClient, compressNIO, nioCore, nioHTTP1,
                       logging],
        path: "Shared/AmazonAds", swiftSettings: swiftSettings),
]
// integrations holds the Ads authorizations, inventory-sync syncs the spend with them.
for target in package.targets where ["AmazonTests", "Integrations", "InventorySync", "IntegrationsTests", "InventorySyncTests",
                                     "InventorySyncTesting", "OpsideTests"].contains(target.name) {
    target.dependencies.append("OpsideAmazonAds")
}

// MARK: Payments (issue 15): Stripe's wire format (form bodies, webhook signatures) and the Stripe sandbox.
package.targets += [
    .target(
        name: "OpsideStripe",
        dependencies: [.product(name: "Crypto", package: "swift-crypto")],
        path: "Shared/Stripe", swiftSettings: swiftSettings),
    .target(
        name: "StripeSandbox",
        dependencies: ["OpsideStripe", "OpsideCore", hummingbird, logging, configuration, lifecycle, asyncHTTPClient,
                       .product(name: "HTTPTypes", package: "swift-http-types"),
                       .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")],
        path: "Sandbox/StripeSandbox/Sources", swiftSettings: swiftSettings),
    .executableTarget(
        name: "StripeSandboxRun",
        dependencies: ["StripeSandbox", "OpsideCore", hummingbird, logging],
        path: "Sandbox/StripeSandbox/Run", swiftSettings: swiftSettings),
]
package.products += [
    .executable(name: "stripe-sandbox", targets: ["StripeSandboxRun"]),
    .executable(name: "opside-payments-bench", targets: ["opside-payments-bench"]),
]
package.targets += [
    // Benchmarks/run payments: the Stripe webhook intake at volume.
    .executableTarget(
        name: "opside-payments-bench",
        dependencies: ["Payments", "OpsideStripe", "OpsideBenchmarkSupport", "OpsideCore", "OpsideJobs", "OpsidePostgres", postgres, logging,
                       configuration],
        path: "Benchmarks/Payments", swiftSettings: swiftSettings),
    .testTarget(
        name: "StripeSandboxTests",
        dependencies: ["OpsideTesting", "StripeSandbox", "OpsideStripe", asyncHTTPClient, logging,
                       .product(name: "NIOCore", package: "swift-nio")],
        path: "Tests/StripeSandboxTests", swiftSettings: swiftSettings),
]
