import Foundation
import OpsideCore
import Hummingbird
import NIOCore

/// The `/_sandbox/` admin API tests drive: sellers and their ground truth, faults, the clock,
/// counters. Product code never calls it.
struct AdminController: Sendable {
    let state: SandboxState

    func register(on router: Router<BasicRequestContext>) {
        router.post("/_sandbox/sellers") { request, _ in try await createSeller(request) }
        router.get("/_sandbox/sellers/{id}/ground-truth") { _, context in
            let id = try context.parameters.require("id")
            guard let history = state.history(for: id) else { return SandboxResponse.error(.notFound, code: "NotFound", message: "No seller \(id)") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let data = try encoder.encode(history.groundTruth(at: state.now))
            return SandboxResponse.json(try JSONSerialization.jsonObject(with: data))
        }
        // A report as the seller downloads it from Seller Central, which keeps every settlement
        // since the account began (the SP-API lists only 90 days of them and makes none on
        // request): the text of `type` over `start`...`end` (ISO 8601; the history's start and now
        // by default), uncompressed.
        router.get("/_sandbox/sellers/{id}/seller-central-reports/{type}") { request, context in
            let id = try context.parameters.require("id"), type = try context.parameters.require("type")
            guard let history = state.history(for: id) else { return SandboxResponse.error(.notFound, code: "NotFound", message: "No seller \(id)") }
            guard SandboxReportRenderer.supported.contains(type) else {
                return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "Report type \(type) is not supported by the sandbox")
            }
            let query = request.uri.queryParameters
            let now = state.now
            let end = min(Date(iso: query.get("end")) ?? now, now)
            let (text, _) = SandboxReportRenderer.render(type: type, history: history, start: Date(iso: query.get("start")), end: end, now: now,
                                                         malformedRows: false)
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/_sandbox/sellers/{id}/stats") { _, context in
            let id = try context.parameters.require("id")
            let stats = state.withLock { $0.statistics[id] ?? SandboxState.Statistics() }
            return SandboxResponse.json(["tokenRefreshes": stats.tokenRefreshes, "requests": stats.requests, "throttled": stats.throttled])
        }
        router.put("/_sandbox/faults") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let profile = try JSONDecoder().decode(SandboxFaultProfile.self, from: Data(body.readableBytesView))
            state.withLock {
                $0.faults.append(profile)
                if let seed = profile.seed { $0.faultRandom = SplitMix64(seed: seed) }
            }
            return SandboxResponse.json(["installed": state.withLock { $0.faults.count }])
        }
        router.delete("/_sandbox/faults") { _, _ in
            state.withLock { $0.faults.removeAll() }
            return SandboxResponse.json(["installed": 0])
        }
        // Which SP-API operations the sandbox answers, so tests can prove they cover every one.
        router.get("/_sandbox/operations") { _, _ in
            SandboxResponse.json(["operations": state.withLock { $0.servedOperations }])
        }
        router.get("/_sandbox/clock") { _, _ in SandboxResponse.json(["now": state.now.iso]) }
        router.post("/_sandbox/clock") { request, _ in
            let body = try await SandboxResponse.body(request)
            let days = (body["advanceDays"] as? NSNumber)?.doubleValue ?? 0
            let seconds = (body["advanceSeconds"] as? NSNumber)?.doubleValue ?? 0
            guard days >= 0, seconds >= 0 else {
                return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "The sandbox clock only moves forward")
            }
            if let freeze = body["freeze"] {
                guard let frozen = freeze as? Bool else {
                    return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "freeze must be true or false")
                }
                _ = state.setFrozen(frozen)
            }
            return SandboxResponse.json(["now": state.advance(seconds: days * 86_400 + seconds).iso])
        }
        registerCaseDesk(on: router)
        router.post("/_sandbox/sellers/{id}/revoke") { _, context in
            let id = try context.parameters.require("id")
            let revoked = state.withLock { inner -> Int in
                let tokens = inner.refreshTokens.filter { $0.value == id }.map(\.key)
                inner.revokedRefreshTokens.formUnion(tokens)
                return tokens.count
            }
            return SandboxResponse.json(["revokedRefreshTokens": revoked])
        }
    }

    // MARK: Case desk

    /// `PUT|GET|DELETE /_sandbox/case-desk` (the decision delay and forced outcomes) and
    /// `GET /_sandbox/sellers/{id}/cases` (a seller's cases and what the desk paid).
    func registerCaseDesk(on router: Router<BasicRequestContext>) {
        router.get("/_sandbox/case-desk") { _, _ in Self.deskSettings(state.withLock { $0.caseDesk }) }
        // Fields left out keep their value; `forcedOutcomes` replaces the queue. The delay applies
        // to cases filed or replied to from now on.
        router.put("/_sandbox/case-desk") { request, _ in
            let body = try await SandboxResponse.body(request)
            var delay: Double?
            if let value = body["decisionDelaySeconds"] {
                guard let seconds = (value as? NSNumber)?.doubleValue, seconds >= 0 else {
                    return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "decisionDelaySeconds must be a number of seconds, 0 or more")
                }
                delay = seconds
            }
            var outcomes: [CaseOutcome]?
            if let value = body["forcedOutcomes"] {
                let names = value as? [String] ?? []
                let parsed = names.compactMap(CaseOutcome.init(rawValue:))
                guard value is [String], parsed.count == names.count else {
                    return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "forcedOutcomes must list outcomes among "
                                                 + CaseOutcome.allCases.map(\.rawValue).joined(separator: ", "))
                }
                outcomes = parsed
            }
            return Self.deskSettings(state.withLock { inner in
                if let delay { inner.caseDesk.decisionDelay = delay }
                if let outcomes { inner.caseDesk.forcedOutcomes = outcomes }
                return inner.caseDesk
            })
        }
        router.delete("/_sandbox/case-desk") { _, _ in
            Self.deskSettings(state.withLock { inner in
                inner.caseDesk.resetOverrides()
                return inner.caseDesk
            })
        }
        router.get("/_sandbox/sellers/{id}/cases") { _, context in
            let id = try context.parameters.require("id")
            guard state.history(for: id) != nil else { return SandboxResponse.error(.notFound, code: "NotFound", message: "No seller \(id)") }
            let cases = state.withDecidedCases { $0.caseDesk.cases(of: id) }
            // Per currency, the sum of what approved and partially approved cases paid.
            var paid: [String: Int64] = [:]
            for deskCase in cases { if let payment = deskCase.decision?.payment { paid[deskCase.currency, default: 0] += payment.amountMinor } }
            let totals = paid.keys.sorted().map { ["amount": decimalString(paid[$0]!, currency: $0), "currencyCode": $0] }
            return SandboxResponse.json(["cases": cases.map { deskCase -> [String: Any] in
                var object = deskCase.json()
                object["sellingPartnerId"] = deskCase.sellingPartnerID
                return object
            }, "paidTotals": totals])
        }
    }

    static func deskSettings(_ desk: CaseDesk) -> Response {
        SandboxResponse.json(["decisionDelaySeconds": desk.decisionDelay, "forcedOutcomes": desk.forcedOutcomes.map(\.rawValue)])
    }

    /// Registers a seller (history generated lazily on first use) and hands out a refresh token.
    func createSeller(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        guard let seller = try? JSONDecoder().decode(SellerHistoryRequest.self, from: Data(body.readableBytesView)),
              seller.skus > 0, seller.skus <= 5000, seller.months > 0, seller.months <= 36 else {
            return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "Expected {\"seed\", \"skus\" (1-5000), \"months\" (1-36)}")
        }
        var idGenerator = SplitMix64(seed: seller.seed)
        let id = "A" + idGenerator.code(13)
        let marketplace = SellerHistoryGenerator.marketplaceFor(seller.marketplace)
        let refresh = state.randomToken("Atzr|")
        // The seller's consent to the Ads API application too (a separate grant at Amazon).
        let adsRefresh = state.randomToken("Atzr|")
        state.withLock {
            $0.sellerRequests[id] = seller
            $0.refreshTokens[refresh] = id
            $0.adsRefreshTokens[adsRefresh] = id
        }
        return SandboxResponse.json(["sellingPartnerId": id, "refreshToken": refresh, "adsRefreshToken": adsRefresh, "region": marketplace.region,
                                     "marketplaceIds": [marketplace.id]], status: .created)
    }
}
