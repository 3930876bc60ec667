import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Builds the Stripe sandbox: the v1 API, the hosted pages, the `/_sandbox/` controls, and the
/// background service that applies time-driven changes and delivers webhooks.
/// - Parameters:
///   - settings: where to listen, the secret key, the webhook retry schedule.
///   - onServerRunning: called with the bound port (tests listen on port 0).
/// - Returns: the application and its state (for in-process inspection).
public func buildStripeSandboxApplication(settings: StripeSandboxSettings, logger: Logger = Logger(label: "stripe-sandbox"),
                                          onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
    -> (application: some ApplicationProtocol, state: StripeSandboxState) {
    let state = StripeSandboxState(settings: settings)
    let router = Router()
    StripeAPIController(state: state, settings: settings).register(on: router)
    HostedPagesController(state: state).register(on: router)
    StripeAdminController(state: state).register(on: router)
    router.get("/health") { _, _ in "ok" }
    let deliverer = WebhookDeliverer(state: state, settings: settings, logger: logger)
    let application = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "stripe-sandbox"),
        services: [deliverer],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? settings.port
            await state.setPublicURL("http://\(settings.host):\(port)")
            await onServerRunning(port)
        },
        logger: logger)
    return (application, state)
}

/// Every tick: applies what the passing of time does, then posts the webhooks that are due,
/// signed, and records each answer (a non-2xx or no answer in ten seconds is retried on the
/// configured schedule).
struct WebhookDeliverer: Service {
    let state: StripeSandboxState
    let settings: StripeSandboxSettings
    let logger: Logger

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(10))))
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                await state.applyTimeDrivenChanges()
                let due = await state.dueWebhooks()
                // Endpoints are served side by side; each one gets its deliveries one after the
                // other, in the order they were queued (so a release in reverse arrives reversed).
                let byEndpoint = Dictionary(grouping: due, by: \.endpointId)
                await withTaskGroup(of: Void.self) { group in
                    for deliveries in byEndpoint.values {
                        group.addTask {
                            for webhook in deliveries { await deliver(webhook, client: client) }
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(settings.tickMilliseconds))
            }
        } onGracefulShutdown: {}
        try? await client.shutdown()
    }

    private func deliver(_ webhook: OutgoingWebhook, client: HTTPClient) async {
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        request.headers.add(name: "Stripe-Signature", value: webhook.signatureHeader)
        request.body = .bytes(ByteBuffer(string: webhook.body))
        var status: Int?
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 20)
        } catch {
            logger.debug("webhook delivery failed", metadata: ["event": "\(webhook.eventId)", "error": "\(error)"])
        }
        await state.recordDelivery(webhook, status: status)
    }
}
