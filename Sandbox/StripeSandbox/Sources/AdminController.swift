import Foundation
import Hummingbird
import NIOCore

/// The sandbox's own controls, under `/_sandbox/` (no Stripe key needed; the sandbox listens on
/// loopback): move time, inject API faults, hold, reorder and duplicate webhook deliveries,
/// resend an event, roll an endpoint's secret, add funds, and finish an account's onboarding
/// without a browser. Tests and `deploy/up`'s demo use them.
struct StripeAdminController: Sendable {
    let state: StripeSandboxState

    func register(on router: Router<BasicRequestContext>) {
        router.get("/_sandbox/clock") { _, _ in Self.json(["now": await state.now]) }
        router.post("/_sandbox/clock") { request, _ in
            let body = try await Self.body(request)
            guard let seconds = body["advance_seconds"] as? Double ?? (body["advance_seconds"] as? Int).map(Double.init), seconds >= 0 else {
                return Self.json(["error": "advance_seconds (a non-negative number) is required"], status: .badRequest)
            }
            await state.advanceClock(seconds: seconds)
            await state.applyTimeDrivenChanges()
            return Self.json(["now": await state.now])
        }
        router.post("/_sandbox/faults") { request, _ in
            let body = try await Self.body(request)
            guard let status = body["status"] as? Int, [429, 500, 502, 503].contains(status) else {
                return Self.json(["error": "status must be 429, 500, 502 or 503"], status: .badRequest)
            }
            await state.injectFault(APIFault(pathPrefix: body["path"] as? String ?? "", status: status, count: body["count"] as? Int ?? 1,
                                             afterExecuting: body["after_executing"] as? Bool ?? false))
            return Self.json(["injected": true])
        }
        router.post("/_sandbox/webhooks/hold") { _, _ in
            await state.holdWebhooks()
            return Self.json(["holding": true])
        }
        router.post("/_sandbox/webhooks/release") { request, _ in
            let body = try await Self.body(request)
            let released = await state.releaseWebhooks(reversed: body["reverse"] as? Bool ?? false, copies: body["copies"] as? Int ?? 1)
            return Self.json(["released": released])
        }
        router.get("/_sandbox/webhooks/attempts") { _, _ in
            let attempts = await state.deliveryLog.map { attempt -> [String: Any] in
                ["event": attempt.eventId, "endpoint": attempt.endpointId, "attempt": attempt.attempt,
                 "status": attempt.status.map { $0 as Any } ?? NSNull(), "at": attempt.at]
            }
            let pending = await state.deliveries.count
            return Self.json(["attempts": attempts, "pending": pending])
        }
        router.post("/_sandbox/events/:id/resend") { _, context in
            do {
                return Self.json(["queued": try await state.resend(eventId: try context.parameters.require("id"))])
            } catch let error as StripeAPIError {
                return Self.json(["error": error.message], status: .notFound)
            }
        }
        router.post("/_sandbox/webhook_endpoints/:id/roll") { request, context in
            let body = try await Self.body(request)
            do {
                let secret = try await state.rollSecret(endpoint: try context.parameters.require("id"),
                                                        overlapSeconds: body["overlap_seconds"] as? Int ?? 86_400)
                return Self.json(["secret": secret])
            } catch let error as StripeAPIError {
                return Self.json(["error": error.message], status: .notFound)
            }
        }
        router.post("/_sandbox/balance") { request, _ in
            let body = try await Self.body(request)
            guard let amount = body["amount"] as? Int, amount > 0 else {
                return Self.json(["error": "amount (a positive integer in minor units) is required"], status: .badRequest)
            }
            let account = body["account"] as? String ?? ""
            let currency = (body["currency"] as? String ?? "usd").lowercased()
            let transaction = await state.topUp(account: account, amount: amount, currency: currency)
            return Self.json(["balance_transaction": transaction])
        }
        router.post("/_sandbox/accounts/:id/onboard") { request, context in
            let body = try await Self.body(request)
            let id = try context.parameters.require("id")
            guard await state.onboardWithoutBrowser(account: id, accountNumber: body["account_number"] as? String ?? "000123456789") else {
                return Self.json(["error": "no such account: \(id)"], status: .notFound)
            }
            return Self.json(["onboarded": id])
        }
    }

    static func body(_ request: Request) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        guard buffer.readableBytes > 0 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] ?? [:]
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension StripeSandboxState {
    /// Adds available funds, as a top-up does in test mode.
    func topUp(account: String, amount: Int, currency: String) -> String {
        recordFunds(account: account, amount: amount, fee: 0, currency: currency, type: "topup", source: newId("tu"),
                    description: "Sandbox top-up", availableOn: now)
    }

    /// Finishes an account's onboarding as its owner would on the hosted page.
    func onboardWithoutBrowser(account: String, accountNumber: String) -> Bool {
        guard objects[account]?.objectType == "account" else { return false }
        let token = Self.randomBase62(24)
        accountLinks[token] = AccountLinkRecord(account: account, type: "account_onboarding", refreshURL: publicURL, returnURL: publicURL,
                                                expiresAt: now + 300, used: false)
        return submitOnboarding(token: token, accountNumber: accountNumber, finished: true) != nil
    }
}
