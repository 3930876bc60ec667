import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideTransport

/// Where Stripe posts its webhooks: `POST /webhooks/stripe/account` and `/webhooks/stripe/connect`.
/// No service token: the signature is the authentication. The answer is quick (the work is a
/// job), 200 for a new or repeated event, 400 for anything unsigned or malformed.
public struct StripeWebhookController: Sendable {
    let intake: StripeWebhookIntake
    /// Stripe's events are far below this; a larger body is not Stripe's.
    static let maximumBody = 1 << 20
    static let signatureHeader = HTTPField.Name("Stripe-Signature")!

    public init(intake: StripeWebhookIntake) {
        self.intake = intake
    }

    public func addRoutes(to router: Router<OpsideRequestContext>) {
        router.post("/webhooks/stripe/:endpoint") { request, context in try await receive(request, context) }
    }

    @Sendable func receive(_ request: Request, _ context: OpsideRequestContext) async throws -> WebhookReceipt {
        guard let name = context.parameters.get("endpoint"), let endpoint = StripeWebhookEndpoint(rawValue: name) else {
            throw APIError.notFound("no such webhook endpoint (account or connect)")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch {
            throw APIError(status: .contentTooLarge, code: "payload_too_large", message: "a webhook body is at most 1 MiB")
        }
        let outcome = try await intake.receive(Array(body.readableBytesView), signature: request.headers[Self.signatureHeader],
                                               endpoint: endpoint)
        return WebhookReceipt(received: true, duplicate: outcome == .duplicate)
    }
}

/// `{"received": true, "duplicate": false}`.
struct WebhookReceipt: ResponseEncodable {
    let received: Bool
    let duplicate: Bool
}
