import Configuration
import OpsideCore

/// Our two webhook endpoints at Stripe: the platform's own events and connected accounts'
/// (`queues-and-stripe.md` B.6); each has its own signing secrets.
public enum StripeWebhookEndpoint: String, Sendable, CaseIterable, Codable {
    case account
    case connect
}

/// How payments checks the webhooks Stripe sends.
///
/// Keys (environment spelling in brackets):
/// - `stripe.webhookSecrets.account` [`STRIPE_WEBHOOK_SECRETS_ACCOUNT`, secret, comma-separated]:
///   the signing secrets of the endpoint for the platform's events. Several while one is rolled:
///   an event signed with any of them passes.
/// - `stripe.webhookSecrets.connect` [`STRIPE_WEBHOOK_SECRETS_CONNECT`, secret, comma-separated]:
///   the same for the Connect endpoint.
/// - `stripe.webhookToleranceSeconds` [`STRIPE_WEBHOOK_TOLERANCE_SECONDS`]: how old a signature
///   may be; default 300, Stripe's SDKs'.
///
/// With no secret for an endpoint, its webhooks are refused (503): never accepted unchecked.
public struct StripeWebhookSettings: Sendable {
    public var secrets: [StripeWebhookEndpoint: [String]]
    public var toleranceSeconds: Double

    public init(secrets: [StripeWebhookEndpoint: [String]] = [:], toleranceSeconds: Double = 300) {
        self.secrets = secrets
        self.toleranceSeconds = toleranceSeconds
    }

    public init(reader: ConfigReader) {
        var secrets: [StripeWebhookEndpoint: [String]] = [:]
        // The keys spelt out, so the deploy files' checks find them in the code.
        let keys: [StripeWebhookEndpoint: ConfigKey] = [.account: "stripe.webhookSecrets.account",
                                                        .connect: "stripe.webhookSecrets.connect"]
        for (endpoint, key) in keys {
            let list = reader.string(forKey: key, isSecret: true)?
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
            if !list.isEmpty { secrets[endpoint] = list }
        }
        self.init(secrets: secrets, toleranceSeconds: reader.double(forKey: "stripe.webhookToleranceSeconds", default: 300))
    }
}
