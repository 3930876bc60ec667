import Foundation
import NIOHTTP1
import OpsideCore

/// Where the claim lifecycle finds a fresh Amazon seller, and how long it may take.
public struct LifecycleSettings: Sendable {
    /// The Amazon sandbox's base URL (its `/_sandbox/sellers` makes a seller with 6 months of
    /// history and claims planted); nil where there is none (production), and the suite is skipped.
    public var amazonSandboxURL: String?
    /// How long each waiting step (claims detected, a case ready, Amazon's answer) may take.
    public var stepTimeout: Duration
    public var pollInterval: Duration
    /// The sandbox seller's seed: a new one each run unless set (a test wants the same seller's
    /// history every time).
    public var sellerSeed: Int?

    public init(amazonSandboxURL: String?, stepTimeout: Duration = .seconds(600), pollInterval: Duration = .seconds(3), sellerSeed: Int? = nil) {
        self.amazonSandboxURL = amazonSandboxURL
        self.sellerSeed = sellerSeed
        self.stepTimeout = stepTimeout
        self.pollInterval = pollInterval
    }
}

/// A seller's whole claim lifecycle on a fresh sandbox seller, through main-api's public API as a
/// seller's script would: sign up, connect the Amazon account (a self-authorized refresh token),
/// the backfill finds claims, a claim becomes a case ready to file, the case is filed through the
/// Seller Central case desk (the sandbox's), and Amazon's answer reaches the case. Each step is a
/// case of its own, so a report says where the lifecycle stopped.
public struct ClaimLifecycleSuite: ScenarioSuite {
    public static let name = "claim-lifecycle"
    public static let summary = "A fresh sandbox seller signs up, connects Amazon, gets claims detected, a case filed through the case desk and Amazon's answer."

    public func run(_ probe: Probe, recorder: CaseRecorder) async {
        let settings = probe.lifecycle
        guard let sandbox = settings.amazonSandboxURL else {
            await recorder.check("the lifecycle runs on a sandbox seller", service: .mainAPI) {
                throw CaseSkipped("no Amazon sandbox is configured (testRunner.amazonSandboxURL): a real seller's account is not the suite's to file on")
            }
            return
        }
        var session: ProbeSellers.Session?
        await recorder.check("a new seller signs up", service: .mainAPI) {
            session = try await probe.sellers.freshSeller(probe: probe)
        }
        guard let session else { return }
        var connected = false
        await recorder.check("the seller connects its Amazon account", service: .integrations) {
            let seller = try await probe.sendAbsolute(.POST, sandbox + "/_sandbox/sellers",
                                                      json: #"{"seed":\#(settings.sellerSeed ?? Int.random(in: 1...1_000_000)),"skus":12,"months":6}"#)
            try probe.expect(seller, [200, 201], "the sandbox's POST /_sandbox/sellers")
            guard let token = seller.json()?["refreshToken"] as? String, let partner = seller.json()?["sellingPartnerId"] as? String else {
                throw CaseFailure("the sandbox's seller has no refresh token: \(seller.excerpt)")
            }
            let body = #"{"refreshToken":"\#(token)","sellingPartnerId":"\#(partner)","region":"na"}"#
            let reply = try await probe.sellerCall(.POST, "/api/v1/amazon/connections/refresh-token", session: session, json: body)
            try probe.expect(reply, [200, 201], "POST /api/v1/amazon/connections/refresh-token")
            connected = true
        }
        guard connected else { return }
        var claimId: String?
        await recorder.check("the backfill's data yields claims", service: .claimDetector) {
            let claims = try await poll(probe, "claims to be detected") {
                let reply = try await probe.sellerCall(.GET, "/api/v1/claims?limit=50", session: session)
                try probe.expect(reply, [200], "GET /api/v1/claims")
                let claims = reply.json()?["claims"] as? [[String: Any]] ?? []
                return claims.isEmpty ? nil : claims
            }
            claimId = claims.first?["id"] as? String
        }
        guard claimId != nil else { return }
        var ready: [String: Any]?
        await recorder.check("a claim becomes a case ready to file", service: .refundEngine) {
            ready = try await poll(probe, "a case ready to file") {
                let reply = try await probe.sellerCall(.GET, "/api/v1/cases?status=ready&limit=1", session: session)
                try probe.expect(reply, [200], "GET /api/v1/cases")
                return (reply.json()?["cases"] as? [[String: Any]])?.first
            }
        }
        guard let ready, let caseId = ready["id"] as? String, let readyClaim = ready["claimId"] as? String else { return }
        var filed = false
        await recorder.check("the case is filed through the Seller Central case desk", service: .refundEngine) {
            let channel = try await probe.sellerCall(.PUT, "/api/v1/filing", session: session, json: #"{"channel":"sandbox"}"#)
            try probe.expect(channel, [200], "PUT /api/v1/filing")
            let reply = try await probe.sellerCall(.POST, "/api/v1/cases/file", session: session, json: #"{"claimId":"\#(readyClaim)"}"#)
            try probe.expect(reply, [200], "POST /api/v1/cases/file")
            let status = try await caseStatus(probe, caseId, session: session)
            guard status == "filed" else { throw CaseFailure("the case is \(status) after filing, not filed") }
            filed = true
        }
        guard filed else { return }
        await recorder.check("Amazon's answer reaches the case", service: .refundEngine) {
            let decided = ["approved", "partially_approved", "denied", "more_information_needed", "paid", "closed"]
            let status = try await poll(probe, "the case desk's answer") { () -> String? in
                let refresh = try await probe.sellerCall(.POST, "/api/v1/cases/refresh", session: session, json: "{}")
                try probe.expect(refresh, [200], "POST /api/v1/cases/refresh")
                let status = try await caseStatus(probe, caseId, session: session)
                return decided.contains(status) ? status : nil
            }
            _ = status
        }
    }

    func caseStatus(_ probe: Probe, _ caseId: String, session: ProbeSellers.Session) async throws -> String {
        let reply = try await probe.sellerCall(.GET, "/api/v1/cases/\(caseId)", session: session)
        try probe.expect(reply, [200], "GET /api/v1/cases/\(caseId)")
        let body = reply.json()
        guard let status = ((body?["case"] as? [String: Any]) ?? body)?["status"] as? String else {
            throw CaseFailure("GET /api/v1/cases/\(caseId) names no status: \(reply.excerpt)")
        }
        return status
    }

    /// `step`'s value once it has one, asked every poll interval up to the step timeout.
    func poll<T>(_ probe: Probe, _ what: String, _ step: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + probe.lifecycle.stepTimeout
        while true {
            if let value = try await step() { return value }
            guard ContinuousClock.now < deadline else { throw CaseFailure("waited \(probe.lifecycle.stepTimeout) for \(what)") }
            try await Task.sleep(for: probe.lifecycle.pollInterval)
        }
    }
}
