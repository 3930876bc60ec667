import AmazonSandbox
import Hummingbird
import Logging
import OpsideCore

/// `amazon-sandbox`: the local stand-in for Login with Amazon and the Selling Partner API.
@main
struct AmazonSandboxMain {
    static func main() async throws {
        let reader = try await OpsideConfiguration.reader()
        let settings = SandboxSettings(reader: reader)
        let logger = Logger(label: "amazon-sandbox")
        let (application, _) = buildSandboxApplication(settings: settings, logger: logger) { port in
            logger.info("amazon sandbox listening", metadata: ["port": "\(port)", "timeScale": "\(settings.timeScale)"])
        }
        try await application.runService()
    }
}
