import AsyncHTTPClient
import Configuration
import Foundation
import Logging
import OpsideCore
import OpsideStripe
import OpsideTesting
import Testing

@testable import Payments

/// payments' Stripe client against the Stripe sandbox: Stripe's refusals come back typed, and a
/// request whose answer was lost is retried with the same idempotency key, so it happens once.
@Suite struct StripeClientTests {
    struct Reference: Decodable { let id: String; let object: String; let status: String? }
    struct List: Decodable { let data: [Reference] }

    private func client(_ sandbox: StripeSandboxHarness, retries: Int = 2) -> StripeClient {
        StripeClient(settings: StripeSettings(apiBase: sandbox.baseURL, secretKey: sandbox.settings.secretKey, maxNetworkRetries: retries),
                     httpClient: sandbox.httpClient, logger: Logger(label: "stripe-client-test"), pause: { _ in })
    }

    @Test func aDeclineComesBackAsACardErrorNamingThePaymentIntent() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let stripe = client(sandbox)
            let refusal = await #expect(throws: StripeRequestError.self) {
                let _: Reference = try await stripe.post("payment_intents", [
                    "amount": .string("1500"), "currency": .string("usd"), "payment_method": .string("pm_card_chargeDeclined"),
                    "confirm": .string("true"),
                ])
            }
            #expect(refusal?.status == 402)
            #expect(refusal?.isCardError == true)
            #expect(refusal?.code == "card_declined")
            #expect(refusal?.declineCode == "generic_decline")
            #expect(refusal?.paymentIntentId?.hasPrefix("pi_") == true)
        }
    }

    @Test func aLostAnswerIsRetriedWithTheSameKeyAndHappensOnce() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let stripe = client(sandbox)
            let customer: Reference = try await stripe.post("customers", ["email": .string("once@example.com")])
            try await sandbox.control("faults", ["path": "payment_intents", "status": 500, "count": 2, "after_executing": true])
            let intent: Reference = try await stripe.post("payment_intents", [
                "amount": .string("2000"), "currency": .string("usd"), "customer": .string(customer.id),
                "payment_method": .string("pm_card_visa"), "confirm": .string("true"),
            ], idempotencyKey: "commission:test-reimbursement:charge:v1")
            #expect(intent.status == "succeeded")
            let intents: List = try await stripe.get("payment_intents", ["customer": .string(customer.id)])
            #expect(intents.data.map(\.id) == [intent.id])
        }
    }

    @Test func aRateLimitIsNotRetriedButReported() async throws {
        try await StripeSandboxHarness.with { sandbox in
            let stripe = client(sandbox)
            try await sandbox.control("faults", ["path": "customers", "status": 429, "count": 1])
            let refusal = await #expect(throws: StripeRequestError.self) {
                let _: List = try await stripe.get("customers")
            }
            #expect(refusal?.isRateLimited == true)
            let afterwards: List = try await stripe.get("customers")
            #expect(afterwards.data.isEmpty)
        }
    }

    @Test func serverErrorsStopAfterTheConfiguredRetries() async throws {
        try await StripeSandboxHarness.with { sandbox in
            try await sandbox.control("faults", ["path": "customers", "status": 503, "count": 3])
            let refusal = await #expect(throws: StripeRequestError.self) {
                let _: Reference = try await client(sandbox, retries: 2).post("customers", ["email": .string("x@example.com")])
            }
            #expect(refusal?.status == 503)
            // The three faults are spent by the three attempts; the next call goes through.
            let customer: Reference = try await client(sandbox, retries: 0).post("customers", ["email": .string("x@example.com")])
            #expect(customer.object == "customer")
        }
    }

    @Test func theBackoffIsStripeGos() {
        #expect(StripeClient.retryDelay(attempt: 1) == .milliseconds(1000))
        #expect(StripeClient.retryDelay(attempt: 2) == .milliseconds(2500))
        #expect(StripeClient.retryDelay(attempt: 3) == .milliseconds(5000))
        #expect(StripeClient.retryDelay(attempt: 9) == .milliseconds(5000))
    }
}

/// payments' Stripe settings: development talks to the sandbox with no setup, production refuses
/// to start without real Stripe.
@Suite struct StripeSettingsTests {
    @Test func productionNeedsRealStripeAndDevelopmentDefaultsToTheSandbox() throws {
        let development = try StripeSettings(reader: ConfigReader(provider: InMemoryProvider(values: [:])))
        #expect(development.apiBase == StripeSettings.sandboxAPIBase)
        #expect(development.secretKey == StripeSettings.sandboxSecretKey)

        let bare = ConfigReader(provider: InMemoryProvider(values: ["deployment.profile": ConfigValue(.string("production"), isSecret: false)]))
        #expect(throws: ConfigurationError.self) { try StripeSettings(reader: bare) }
        let local = ConfigReader(provider: InMemoryProvider(values: [
            "deployment.profile": ConfigValue(.string("production"), isSecret: false),
            "stripe.apiBase": ConfigValue(.string("http://127.0.0.1:12111"), isSecret: false),
            "stripe.secretKey": ConfigValue(.string("sk_live_abc"), isSecret: true),
        ]))
        #expect(throws: ConfigurationError.self) { try StripeSettings(reader: local) }
        let real = ConfigReader(provider: InMemoryProvider(values: [
            "deployment.profile": ConfigValue(.string("production"), isSecret: false),
            "stripe.apiBase": ConfigValue(.string("https://api.stripe.com"), isSecret: false),
            "stripe.secretKey": ConfigValue(.string("sk_live_abc"), isSecret: true),
        ]))
        let settings = try StripeSettings(reader: real)
        #expect(settings.apiBase == "https://api.stripe.com" && settings.apiVersion == "2026-10-28.endive")
    }
}
