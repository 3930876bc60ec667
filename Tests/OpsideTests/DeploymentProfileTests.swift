import Configuration
import Foundation
import Integrations
import OpsideAmazonAds
import OpsideAmazonSPAPI
import OpsideCore
import OpsideTesting
import Testing

/// Issue 9, finding 8: a deployed suite must never fall back to the local sandboxes. The
/// production profile (`deployment.profile`) turns every sandbox default of integrations into a
/// refusal that names the key; development keeps them.
@Suite struct DeploymentProfileTests {
    /// Secrets and the LWA client, which have no default in any profile.
    static let credentials = [
        "AMAZON_LWA_CLIENT_ID": "amzn1.application-oa2-client.0123456789abcdef", "AMAZON_LWA_CLIENT_SECRET": "lwa-secret",
        "SECURITY_TOKEN_ENCRYPTION_KEYS": TestEnvironment.tokenEncryptionKeys,
    ]

    /// A complete production configuration with Amazon's real endpoints.
    static let production = credentials.merging([
        "DEPLOYMENT_PROFILE": "production",
        "AMAZON_LWA_ENDPOINT": "https://api.amazon.com/auth/o2/token",
        "AMAZON_ENDPOINT_NA": "https://sellingpartnerapi-na.amazon.com",
        "AMAZON_ENDPOINT_EU": "https://sellingpartnerapi-eu.amazon.com",
        "AMAZON_ENDPOINT_FE": "https://sellingpartnerapi-fe.amazon.com",
        "AMAZON_SELLER_CENTRAL_URL_NA": "https://sellercentral.amazon.com",
        "AMAZON_SELLER_CENTRAL_URL_EU": "https://sellercentral-europe.amazon.com",
        "AMAZON_SELLER_CENTRAL_URL_FE": "https://sellercentral.amazon.co.jp",
        "AMAZON_REDIRECT_URI": "https://app.opside.example/api/v1/amazon/callback",
        "AMAZON_APPLICATION_ID": "amzn1.sellerapps.app.00000000-0000-0000-0000-000000000000",
        "ADS_CLIENT_ID": "amzn1.application-oa2-client.ads0123456789", "ADS_CLIENT_SECRET": "ads-secret",
        "ADS_ENDPOINT_NA": "https://advertising-api.amazon.com", "ADS_ENDPOINT_EU": "https://advertising-api-eu.amazon.com",
        "ADS_ENDPOINT_FE": "https://advertising-api-fe.amazon.com",
        "ADS_AUTHORIZATION_URL_NA": "https://www.amazon.com/ap/oa", "ADS_AUTHORIZATION_URL_EU": "https://eu.account.amazon.com/ap/oa",
        "ADS_AUTHORIZATION_URL_FE": "https://apac.account.amazon.com/ap/oa",
        "ADS_REDIRECT_URI": "https://app.opside.example/api/v1/amazon/ads/callback",
    ]) { $1 }

    static func reader(_ environment: [String: String]) async throws -> ConfigReader {
        try await OpsideConfiguration.reader(environment: environment)
    }

    /// Reads both settings types integrations reads at start; the error when one refuses.
    static func readSettings(_ environment: [String: String]) async throws -> ConfigurationError? {
        let reader = try await reader(environment)
        do {
            _ = try AmazonSPAPISettings(reader: reader)
            _ = try IntegrationsSettings(reader: reader)
            _ = try AmazonNotificationSettings(reader: reader)
            _ = try AmazonAdsSettings(reader: reader)
            return nil
        } catch let error as ConfigurationError {
            return error
        }
    }

    @Test func developmentKeepsTheLocalSandboxDefaults() async throws {
        for environment in [Self.credentials, Self.credentials.merging(["DEPLOYMENT_PROFILE": "development"]) { $1 }] {
            let reader = try await Self.reader(environment)
            let spapi = try AmazonSPAPISettings(reader: reader)
            #expect(spapi.lwaEndpoint == "http://127.0.0.1:9100/auth/o2/token")
            #expect(spapi.endpoint(for: .europe) == "http://127.0.0.1:9100")
            let integrations = try IntegrationsSettings(reader: reader)
            #expect(integrations.sellerCentralURL(region: .farEast, marketplaceID: nil) == "http://127.0.0.1:9100")
            #expect(integrations.redirectURI == IntegrationsSettings.defaultRedirectURI)
        }
    }

    @Test func productionAcceptsRealEndpoints() async throws {
        #expect(try await Self.readSettings(Self.production) == nil)
        let reader = try await Self.reader(Self.production)
        #expect(try AmazonSPAPISettings(reader: reader).endpoint(for: .northAmerica) == "https://sellingpartnerapi-na.amazon.com")
        #expect(try IntegrationsSettings(reader: reader).applicationID == "amzn1.sellerapps.app.00000000-0000-0000-0000-000000000000")
    }

    /// Notifications read from SQS: the queue and key are required, and production reads AWS's queue,
    /// never the sandbox's.
    @Test func notificationsThroughSQSNeedTheirQueueAndARealOneInProduction() async throws {
        let sqs = ["NOTIFICATIONS_TRANSPORT": "sqs", "NOTIFICATIONS_SQS_ACCESS_KEY_ID": "AKIAEXAMPLE",
                   "NOTIFICATIONS_SQS_SECRET_ACCESS_KEY": "sqs-s3cr3t-value",
                   "NOTIFICATIONS_SQS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/opside-notifications"]
        #expect(try await Self.readSettings(Self.production.merging(sqs) { $1 }) == nil)
        let reader = try await Self.reader(Self.production.merging(sqs) { $1 })
        let settings = try AmazonNotificationSettings(reader: reader)
        #expect(settings.endpoint.absoluteString == "https://sqs.us-east-1.amazonaws.com" && settings.waitSeconds == 20)
        #expect(settings.secretAccessKey == "sqs-s3cr3t-value")
        #expect(!"\(settings)".contains("s3cr3t") && !String(reflecting: settings).contains("s3cr3t"), "the secret stays out of descriptions")

        var missing = sqs
        missing["NOTIFICATIONS_SQS_QUEUE_URL"] = nil
        #expect(try await Self.readSettings(Self.production.merging(missing) { $1 })?.key == "notifications.sqs.queueUrl")
        let local = sqs.merging(["NOTIFICATIONS_SQS_QUEUE_URL": "http://127.0.0.1:9100/000000000000/opside-notifications"]) { $1 }
        #expect(try await Self.readSettings(Self.production.merging(local) { $1 })?.key == "notifications.sqs.queueUrl")
        #expect(try await Self.readSettings(Self.credentials.merging(local) { $1 }) == nil, "development reads the sandbox's queue")
        #expect(try await Self.readSettings(Self.credentials.merging(["NOTIFICATIONS_TRANSPORT": "webhook"]) { $1 })?.key
                == "notifications.transport")
        #expect(try await Self.readSettings(Self.credentials.merging(["NOTIFICATIONS_TYPES": "ANY_OFFER_CHANGED"]) { $1 })?.key
                == "notifications.types")
    }

    @Test("production refuses every missing sandbox-defaulted key, naming it",
          arguments: AmazonSPAPISettings.productionEndpointKeys + IntegrationsSettings.productionKeys + AmazonAdsSettings.productionKeys)
    func productionRefusesAMissingKey(key: String) async throws {
        var environment = Self.production
        let variable = OpsideConfiguration.environmentName(for: key)
        #expect(environment.removeValue(forKey: variable) != nil, "the complete configuration sets \(variable)")
        let error = try #require(try await Self.readSettings(environment), "\(key) unset was accepted")
        #expect(error.key == key)
        #expect(error.description.contains(variable) && error.description.contains("production"))
    }

    @Test("production refuses the sandbox and other local or plain-HTTP endpoints",
          arguments: ["http://127.0.0.1:9100", "https://127.0.0.1:9100", "https://localhost/x", "http://sellingpartnerapi-na.amazon.com", "not a url"])
    func productionRefusesALocalEndpoint(value: String) async throws {
        for variable in ["AMAZON_ENDPOINT_NA", "AMAZON_LWA_ENDPOINT", "AMAZON_SELLER_CENTRAL_URL_EU", "AMAZON_REDIRECT_URI"] {
            let error = try await Self.readSettings(Self.production.merging([variable: value]) { $1 })
            #expect(error.map { OpsideConfiguration.environmentName(for: $0.key) } == variable, "\(variable)=\(value)")
        }
    }

    @Test func anUnknownProfileIsRefused() async throws {
        let error = try await Self.readSettings(Self.credentials.merging(["DEPLOYMENT_PROFILE": "staging"]) { $1 })
        #expect(error?.key == "deployment.profile")
    }

    /// The service itself: built as its executable builds it, it refuses to start.
    @Test func integrationsRefusesToStartInProductionWithoutAmazonsEndpoints() async throws {
        let reader = try await Self.reader(Self.credentials.merging([
            "DEPLOYMENT_PROFILE": "production", "SECURITY_SERVICE_TOKEN_SECRET": TestEnvironment.serviceTokenSecret,
        ]) { $1 })
        do {
            _ = try await IntegrationsService.buildApplication(reader: reader)
            Issue.record("integrations started in the production profile with the sandbox's endpoints")
        } catch let error as ConfigurationError {
            #expect(error.key == "amazon.lwaEndpoint")
        }
    }
}
