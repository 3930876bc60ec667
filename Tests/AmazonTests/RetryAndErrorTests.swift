import Foundation
import OpsideAmazonSPAPI
import OpsideTesting
import Testing

@Suite("Retries and typed errors")
struct RetryAndErrorTests {
    static let inventory = "fbaInventory.getInventorySummaries"

    @Test func transientServerErrorsAndThrottlesAreRetried() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 201)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "serverError": ["count": 1, "status": 500],
                                             "throttle": ["count": 1]])
            let page = try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER")
            #expect(page.payload?.inventorySummaries.count == 20)
            #expect(try await harness.requests(seller.sellingPartnerId, Self.inventory) == 3)
        }
    }

    @Test func persistentHTMLServerErrorIsBoundedAndTyped() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 202)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "serverError": ["rate": 1.0, "status": 503]])
            let error = await #expect(throws: SPAPIError.self) { try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            guard case .serverError(_, let status, let attempts, _, let excerpt, let requestID)? = error else {
                Issue.record("expected serverError, got \(String(describing: error))")
                return
            }
            #expect(status == 503)
            #expect(attempts == harness.settings.maxAttempts)
            #expect(excerpt.contains("Service Unavailable"))
            #expect(requestID != nil)
            #expect(try await harness.requests(seller.sellingPartnerId, Self.inventory) == harness.settings.maxAttempts)
        }
    }

    @Test func throttleStormEndsInTypedThrottledError() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 203)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "throttle": ["rate": 1.0]])
            let error = await #expect(throws: SPAPIError.self) { try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            #expect(error?.code == "QuotaExceeded")
            if case .throttled(_, let attempts, _)? = error { #expect(attempts == 4) } else { Issue.record("expected throttled") }
        }
    }

    @Test func malformedJSONIsADecodingErrorNotACrash() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 204)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            try await harness.installFaults(["sellingPartnerId": seller.sellingPartnerId, "malformedJSON": ["count": 1]])
            let error = await #expect(throws: SPAPIError.self) { try await api.getInventorySummaries(marketplaceID: "ATVPDKIKX0DER") }
            guard case .decoding(_, let reason, _, let requestID)? = error else {
                Issue.record("expected decoding, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("malformed JSON"))
            #expect(requestID != nil)
        }
    }

    /// A body that parses but lacks a required field (Orders' AmazonOrderId) is a typed error too.
    @Test func missingRequiredFieldIsADecodingError() throws {
        let body = Array(#"{"payload":{"Orders":[{"PurchaseDate":"2026-01-01T00:00:00Z","LastUpdateDate":"x","OrderStatus":"Shipped"}]}}"#.utf8)
        let response = SPAPIResponse(status: 200, headers: [:], body: body)
        #expect(throws: SPAPIError.self) {
            try SellingPartnerAPI.decode(SPAPIPayloadResponse<OrdersPage>.self, from: response, operation: SPAPIOperations.ordersV0("getOrders"))
        }
        do {
            _ = try SellingPartnerAPI.decode(SPAPIPayloadResponse<OrdersPage>.self, from: response, operation: SPAPIOperations.ordersV0("getOrders"))
        } catch let SPAPIError.decoding(_, reason, _, _) {
            #expect(reason.contains("AmazonOrderId"))
        }
    }

    @Test func invalidInputIsAnAPIErrorWithAmazonsCode() async throws {
        try await SandboxHarness.with() { harness in
            let seller = try await harness.createSeller(seed: 205)
            let api = harness.client().0.api(for: harness.connection(for: seller))
            let error = await #expect(throws: SPAPIError.self) {
                try await api.getOrders(OrdersQuery(marketplaceIDs: ["ATVPDKIKX0DER"]))
            }
            guard case .api(_, let status, let errors, _)? = error else { Issue.record("expected api error"); return }
            #expect(status == 400)
            #expect(errors.first?.code == "InvalidInput")
        }
    }

    @Test func tokensNeverReachErrorTexts() {
        let text = SPAPIRedaction.scrub("refresh_token=Atzr|IwEBIA-secret-value&x=1 access Atza|abc.def")
        #expect(!text.contains("secret-value"))
        #expect(!text.contains("abc.def"))
        #expect(text.contains("Atzr|<redacted>"))
        #expect(SPAPICredential.refreshToken("Atzr|topsecret").description.contains("topsecret") == false)
    }
}
