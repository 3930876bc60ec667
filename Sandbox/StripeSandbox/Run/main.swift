import Hummingbird
import Logging
import OpsideCore
import StripeSandbox

/// `stripe-sandbox`: the local stand-in for Stripe's API, hosted pages and webhooks.
@main
struct StripeSandboxMain {
    static func main() async throws {
        let reader = try await OpsideConfiguration.reader()
        let settings = StripeSandboxSettings(reader: reader)
        let logger = Logger(label: "stripe-sandbox")
        let (application, _) = buildStripeSandboxApplication(settings: settings, logger: logger) { port in
            logger.info("stripe sandbox listening", metadata: ["port": "\(port)"])
        }
        try await application.runService()
    }
}
