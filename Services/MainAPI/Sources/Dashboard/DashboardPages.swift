import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpsideCore
import OpsidePostgres
import OpsideTransport

/// The seller dashboard: server-rendered pages under `/app`, the sign-in page, and the static
/// files they load. See docs/dashboard.md for the conventions every page follows.
///
/// A page reads the `opside_access` cookie (`SessionMiddleware`); without a live one it sends
/// the browser to `/sign-in?next=…`, which refreshes the sign-in silently when it can. A page
/// gets its data from the owning services through `DashboardSources` (the public API's own
/// answers) and main-api's own stores; what a page changes, its script sends to the public API
/// with the CSRF token, so every rule (roles, validation) is the API's.
struct DashboardPages: Sendable {
    let renderer: DashboardRenderer
    let sources: DashboardSources
    let accounts: any AccountsRepository
    let notifications: NotificationStore
    let signIns: any SignInSessionStore
    let database: Database
    let operators: Operators
    let now: @Sendable () -> Date
    let logger: Logger

    /// Who is looking, in which tenant, with which role now (read from the database, not the token).
    struct Viewer {
        let user: UserAccount
        let tenant: UUID
        let tenantName: String
        let role: String
        let tenants: [TenantMembership]
        let unread: Int
        let sessionExpiresAt: Date
        let sessionID: UUID?

        var canEdit: Bool { role == "owner" || role == "admin" }
    }

    func addRoutes(to router: Router<OpsideRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/app"]) }
        router.get("/sign-in") { request, _ in try signIn(request) }
        router.get("/assets/:name") { request, context in
            renderer.asset(context.parameters.get("name") ?? "", request: request)
        }
        router.get("/app") { request, context in try await signedIn(request, context) { try await overview($0, request) } }
        router.get("/app/claims") { request, context in try await signedIn(request, context) { try await claims($0, request) } }
        router.get("/app/claims/:id") { request, context in
            try await signedIn(request, context) { try await claim($0, id: try Self.uuid(context, "id")) }
        }
        router.get("/app/connections") { request, context in try await signedIn(request, context) { try await connections($0, request) } }
        router.get("/app/connections/:id") { request, context in
            try await signedIn(request, context) { try await connection($0, id: try Self.uuid(context, "id"), request) }
        }
        router.get("/app/syncs/:id") { request, context in
            try await signedIn(request, context) { try await syncRun($0, id: try Self.uuid(context, "id")) }
        }
        addCaseRoutes(to: router)
        addEvidenceRoutes(to: router)
        addBillingRoutes(to: router)
        addPartnerRoutes(to: router)
        addSystemTestRoutes(to: router)
        addListingRoutes(to: router)
        addSearchQueryRoutes(to: router)
        addAdvertisingRoutes(to: router)
        addInboundRoutes(to: router)
        router.get("/app/notifications") { request, context in try await signedIn(request, context) { try await notificationList($0, request) } }
        router.get("/app/team") { request, context in try await signedIn(request, context) { try await team($0) } }
        router.get("/app/settings") { request, context in try await signedIn(request, context) { try await settings($0) } }
    }

    static func uuid(_ context: OpsideRequestContext, _ name: String) throws -> UUID {
        guard let id = context.parameters.get(name).flatMap(UUID.init(uuidString:)) else { throw APIError.noSuch("page") }
        return id
    }

    // MARK: Signing in

    func signIn(_ request: Request) throws -> Response {
        let next = Self.safeNext(request.uri.queryParameters.get("next"))
        var values: [String: Any] = ["next": next, "title": "Sign in"]
        // A partner's link (`/sign-in?ref=CODE#sign-up`) fills in its code; the template escapes it.
        if let code = request.uri.queryParameters.get("ref"), code.count <= 40 { values["referralCode"] = code }
        return try renderer.page("sign-in", values)
    }

    /// Only a path of this site: `next=https://evil.example` or `//evil.example` would make the
    /// sign-in page an open redirect.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\") else { return "/app" }
        return next
    }

    /// Runs `render` for a signed-in viewer; sends anyone else to sign in and back here after.
    func signedIn(_ request: Request, _ context: OpsideRequestContext, render: (Viewer) async throws -> Response) async throws -> Response {
        guard let session = context.session, let userID = session.userID, let tenant = session.tenantID,
              let user = try await accounts.user(id: userID),
              let membership = try await accounts.membership(userID: userID, tenantID: tenant) else {
            var here = request.uri.path
            if let query = request.uri.query, !query.isEmpty { here += "?" + query }
            var components = URLComponents()
            components.path = "/sign-in"
            components.queryItems = [URLQueryItem(name: "next", value: here)]
            return Response(status: .seeOther, headers: [.location: components.string ?? "/sign-in", .cacheControl: "no-store"])
        }
        let tenants = try await MembershipController.tenants(of: userID, database: database, logger: logger)
        let viewer = Viewer(user: user, tenant: tenant, tenantName: membership.tenantName, role: membership.role, tenants: tenants,
                            unread: try await notifications.unreadCount(tenant: tenant, user: userID),
                            sessionExpiresAt: session.exp.value, sessionID: session.sessionID)
        do {
            return try await render(viewer)
        } catch let error as DashboardSourceError {
            // A service refused or failed: the page says so in the layout, not as a bare error.
            let status: HTTPResponse.Status = error.status == 404 ? .notFound : error.status < 500 ? .badRequest : .serviceUnavailable
            return try missing(viewer, page: "", title: "This page could not be shown", what: error.message, status: status)
        } catch let error as APIError where error.status == .serviceUnavailable {
            return try missing(viewer, page: "", title: "This page could not be shown", what: error.message, status: .serviceUnavailable)
        }
    }

    /// The layout around a sentence saying what is not there (or could not be read).
    func missing(_ viewer: Viewer, page: String, title: String, what: String, status: HTTPResponse.Status = .notFound) throws -> Response {
        try renderer.page("not-found", Self.merge(chrome(viewer, page: page, title: title), ["what": what]), status: status)
    }

    /// What the layout shows around every page.
    func chrome(_ viewer: Viewer, page: String, title: String, request: Request? = nil) -> [String: Any] {
        var values: [String: Any] = [
            "title": title, "nav": [page: true], "email": viewer.user.email, "displayName": viewer.user.displayName ?? viewer.user.email,
            "tenantName": viewer.tenantName, "role": viewer.role, "canEdit": viewer.canEdit, "unread": viewer.unread,
            "hasUnread": viewer.unread > 0, "sessionExpiresAt": viewer.sessionExpiresAt.formatted(.iso8601),
            "agency": viewer.tenants.count > 1, "operator": operators.includes(viewer.user.email),
            "tenants": viewer.tenants.map { ["id": $0.tenantID.uuidString.lowercased(), "name": $0.tenantName, "role": $0.role,
                                             "current": $0.tenantID == viewer.tenant] },
        ]
        if let query = request?.uri.queryParameters {
            if let notice = query.get("notice"), !notice.isEmpty { values["flash"] = ["level": "success", "text": notice] }
            if let problem = query.get("error"), !problem.isEmpty { values["flash"] = ["level": "error", "text": problem] }
        }
        return values
    }

    static func merge(_ base: [String: Any], _ values: [String: Any]) -> [String: Any] {
        base.merging(values) { _, new in new }
    }

    // MARK: Overview

    func overview(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "overview", title: "Overview", request: request)
        let tenant = viewer.tenant
        async let summaryLoad = sources.summary(tenant: tenant)
        async let connectionsLoad = sources.connections(tenant: tenant)
        var problems: [String] = []
        do {
            let summary = try await summaryLoad
            values = Self.merge(values, Self.owed(summary))
            values["charts"] = Self.charts(summary)
            values["dueThisWeek"] = summary.deadlinesWithin7Days.map { ["claims": $0.claims, "amount": $0.amount.displayText] }
            let today = CivilDate(instant: now(), timeZone: "UTC")
            let before = CivilDate(daysSince1970: today.daysSince1970 + 8)
            let due = try await sources.claims(tenant: tenant, query: "status=claimable&sort=deadline&limit=10&deadlineBefore=\(before)")
            values["deadlines"] = due.claims.map { claimRow($0) }
        } catch {
            problems.append("Claims could not be loaded: \(error)")
        }
        do {
            var health: [[String: Any]] = []
            for connection in try await connectionsLoad where connection.status != "disconnected" {
                let runs = (try? await sources.syncRuns(connection: connection.id, tenant: tenant, limit: 40)) ?? []
                health.append(syncHealth(connection, runs: runs))
            }
            values["connections"] = health
            values["noConnections"] = health.isEmpty
        } catch {
            problems.append("Amazon connections could not be loaded: \(error)")
        }
        values["problems"] = problems
        return try renderer.page("overview", values)
    }

    /// Money by status and currency: the headline cards and the table.
    static func owed(_ summary: DashboardSources.Summary) -> [String: Any] {
        var totals: [String: [Currency: (claims: Int, minor: Int64)]] = [:]
        for group in summary.byStatusTypeAndCurrency {
            var entry = totals[group.status, default: [:]][group.amount.currency] ?? (0, 0)
            entry.claims += group.claims
            entry.minor += group.amount.amountMinor
            totals[group.status, default: [:]][group.amount.currency] = entry
        }
        func amounts(_ status: String) -> [[String: Any]] {
            (totals[status] ?? [:]).sorted { $0.key < $1.key }.map {
                ["amount": Money(amountMinor: $0.value.minor, currency: $0.key).displayText, "claims": $0.value.claims]
            }
        }
        let rows: [[String: Any]] = DashboardWords.claimStatuses.compactMap { status in
            let list = amounts(status.key)
            return list.isEmpty ? nil : ["status": status.key, "label": status.label, "amounts": list]
        }
        return ["claimableNow": amounts("claimable"), "openingLater": amounts("too_early"), "recovered": amounts("resolved"),
                "owedRows": rows, "hasClaims": !rows.isEmpty]
    }

    /// One chart per currency with claims, the largest first.
    static func charts(_ summary: DashboardSources.Summary) -> [[String: Any]] {
        let byCurrency = Dictionary(grouping: summary.byMonth, by: \.amount.currency)
        guard let last = summary.byMonth.map(\.month).max() else { return [] }
        let months = ClaimsChart.months(endingAt: last, count: 18)
        return byCurrency.sorted { lhs, rhs in
            lhs.value.reduce(0) { $0 + $1.amount.amountMinor } > rhs.value.reduce(0) { $0 + $1.amount.amountMinor }
        }.map { currency, entries in
            let byMonth = Dictionary(uniqueKeysWithValues: entries.map { ($0.month, $0) })
            let bars = months.map { month in
                ClaimsChart.Bar(month: month, amount: byMonth[month]?.amount ?? .zero(currency), claims: byMonth[month]?.claims ?? 0)
            }
            return ["currency": currency.code, "svg": ClaimsChart.svg(bars: bars, currency: currency),
                    "rows": bars.map { ["month": $0.month, "claims": $0.claims, "amount": $0.amount.displayText] }]
        }
    }

    func syncHealth(_ connection: DashboardSources.Connection, runs: [DashboardSources.SyncRun]) -> [String: Any] {
        // The newest run of each dataset says how that dataset stands.
        var latest: [String: DashboardSources.SyncRun] = [:]
        for run in runs where latest[run.dataset] == nil { latest[run.dataset] = run }
        let failing = latest.values.filter { ["failed", "needs_reauthorization"].contains($0.state) }.map(\.dataset).sorted()
        let running = latest.values.filter { ["queued", "running", "retrying"].contains($0.state) }.count
        let lastSuccess = runs.filter { $0.state == "succeeded" }.compactMap(\.finishedAt).max()
        let level: String, words: String
        if connection.status == "needs_reauthorization" {
            (level, words) = ("error", "Amazon needs you to reconnect")
        } else if !failing.isEmpty {
            (level, words) = ("warning", "Failing: " + failing.map(DashboardWords.dataset).joined(separator: ", "))
        } else if running > 0 {
            (level, words) = ("info", "Syncing \(running) dataset\(running == 1 ? "" : "s")")
        } else if lastSuccess != nil {
            (level, words) = ("success", "Healthy")
        } else {
            (level, words) = ("info", "Waiting for the first sync")
        }
        return ["id": connection.id.uuidString.lowercased(), "sellingPartnerId": connection.sellingPartnerId,
                "region": connection.region.uppercased(), "level": level, "health": words,
                "lastSuccess": lastSuccess.map { DashboardWords.relative($0, now: now()) } ?? "never"]
    }

    // MARK: Claims

    /// The list's filters a page passes through to the API (and to the CSV export).
    static let claimFilters = ["status", "type", "connectionId", "marketplaceId", "sort", "order", "deadlineBefore"]

    func claims(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "claims", title: "Claims", request: request)
        let query = request.uri.queryParameters
        var filters: [URLQueryItem] = Self.claimFilters.compactMap { name in
            query.get(name).flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) }
        }
        let sort = query.get("sort") ?? "deadline", order = query.get("order") ?? "asc"
        let filterQuery = Self.encode(filters)
        var pageItems = filters + [URLQueryItem(name: "limit", value: "50")]
        if let cursor = query.get("cursor"), !cursor.isEmpty { pageItems.append(URLQueryItem(name: "cursor", value: cursor)) }
        do {
            let page = try await sources.claims(tenant: viewer.tenant, query: Self.encode(pageItems))
            values["claims"] = page.claims.map { claimRow($0) }
            values["empty"] = page.claims.isEmpty
            if let next = page.nextCursor {
                values["nextPage"] = "/app/claims?" + Self.encode(filters + [URLQueryItem(name: "cursor", value: next)])
            }
            values["isLaterPage"] = query.get("cursor") != nil
        } catch let error as DashboardSourceError where error.status == 422 {
            values["problems"] = ["These filters do not work: \(error.message)"]
            values["claims"] = [[String: Any]]()
        }
        values["firstPage"] = "/app/claims" + (filterQuery.isEmpty ? "" : "?" + filterQuery)
        values["exportUrl"] = "/api/v1/claims/export" + (filterQuery.isEmpty ? "" : "?" + filterQuery)
        let status = query.get("status") ?? "", type = query.get("type") ?? ""
        values["statusOptions"] = DashboardWords.claimStatuses.map { ["value": $0.key, "label": $0.label, "selected": $0.key == status] }
        values["typeOptions"] = DashboardWords.claimTypes.map { ["value": $0.key, "label": $0.label, "selected": $0.key == type] }
        let connectionId = query.get("connectionId") ?? ""
        values["connectionOptions"] = ((try? await sources.connections(tenant: viewer.tenant)) ?? []).map {
            ["value": $0.id.uuidString.lowercased(), "label": $0.sellingPartnerId, "selected": $0.id.uuidString.lowercased() == connectionId]
        }
        values["marketplaceId"] = query.get("marketplaceId") ?? ""
        // Each sortable column links to itself ascending, or descending when it is the current ascending sort.
        filters.removeAll { $0.name == "sort" || $0.name == "order" }
        values["sortLinks"] = Dictionary(uniqueKeysWithValues: ["deadline", "amount", "clockStartedOn", "type"].map { column in
            let nextOrder = sort == column && order == "asc" ? "desc" : "asc"
            let link = "/app/claims?" + Self.encode(filters + [URLQueryItem(name: "sort", value: column), URLQueryItem(name: "order", value: nextOrder)])
            let state = sort == column ? (order == "asc" ? "ascending" : "descending") : "none"
            return (column, ["href": link, "state": state] as [String: Any])
        })
        return try renderer.page("claims", values)
    }

    static func encode(_ items: [URLQueryItem]) -> String {
        var components = URLComponents()
        components.queryItems = items
        return components.percentEncodedQuery ?? ""
    }

    func claimRow(_ claim: DashboardSources.Claim) -> [String: Any] {
        [
            "id": claim.id.uuidString.lowercased(), "type": DashboardWords.claimType(claim.type), "status": claim.status,
            "statusLabel": DashboardWords.claimStatus(claim.status), "item": claim.sku ?? claim.fnsku ?? claim.asin ?? "—",
            "units": claim.units, "amount": claim.amount.displayText, "marketplaceId": claim.marketplaceId,
            "clockStartedAt": DashboardWords.day(claim.clockStartedAt), "deadline": DashboardWords.day(claim.deadline),
            "deadlineIso": claim.deadline,
        ]
    }

    /// What advertising a unit of the claim's SKU cost: its ad cost per unit ordered in the 30
    /// days up to the claim's day, or (spend is kept from 95 days before Ads was connected) the
    /// latest 30 days. Amazon reimburses the manufacturing cost or the sale price less fees
    /// (fba-reimbursement.md), not advertising: the page says what a lost unit cost the seller with it. Nil without a SKU, Ads spend or units ordered.
    func claimAdvertising(_ claim: DashboardSources.Claim, tenant: UUID) async -> [String: Any]? {
        guard let sku = claim.sku, let happened = CivilDate(iso: claim.clockStartedAt.prefix(10)) else { return nil }
        let connection = claim.connectionId.uuidString.lowercased()
        let today = CivilDate(utcDayOf: now())
        for end in [min(happened, today), today] {
            let target = "/internal/amazon/connections/\(connection)/ads-spend?from=\(end.adding(days: -29))&to=\(end)"
                + "&marketplaceId=\(Self.queryValue(claim.marketplaceId))&sku=\(Self.queryValue(sku))"
            guard let spend = try? await sources.get(AdsSpend.self, from: .inventorySync, target, tenant: tenant),
                  let row = spend.skus.first, let perUnit = row.adCostPerUnit else { continue }
            var values: [String: Any] = ["perUnit": perUnit.displayText, "acos": row.acos ?? "—", "to": DashboardWords.day(end.description),
                                         "units": row.unitsOrdered]
            if let unitValue = claim.valuation?.unitValue, let total = try? unitValue + perUnit { values["withAds"] = total.displayText }
            return values
        }
        return nil
    }

    func claim(_ viewer: Viewer, id: UUID) async throws -> Response {
        let claim: DashboardSources.Claim
        do {
            claim = try await sources.claim(id, tenant: viewer.tenant)
        } catch let error as DashboardSourceError where error.status == 404 {
            return try missing(viewer, page: "claims", title: "No such claim", what: "This claim does not exist, or belongs to another account.")
        }
        var values = chrome(viewer, page: "claims", title: DashboardWords.claimType(claim.type))
        values["claim"] = claimRow(claim)
        values["fnsku"] = claim.fnsku ?? "—"
        values["sku"] = claim.sku ?? "—"
        values["asin"] = claim.asin ?? "—"
        values["opensOn"] = DashboardWords.day(claim.opensOn)
        values["firstDetectedAt"] = DashboardWords.instant(claim.firstDetectedAt)
        values["summary"] = claim.explanation?.summary ?? ""
        values["netting"] = (claim.explanation?.netting ?? []).map { ["label": $0.label, "units": $0.units] }
        values["sourceRows"] = (claim.explanation?.sourceRows ?? []).map {
            ["dataset": DashboardWords.dataset($0.dataset), "rowId": $0.rowId, "date": $0.date.map(DashboardWords.day) ?? "—",
             "quantity": $0.quantity.map(String.init) ?? "—", "amount": $0.amount?.displayText ?? "—", "description": $0.description]
        }
        values["hasNetting"] = !(claim.explanation?.netting ?? []).isEmpty
        values["hasSourceIds"] = !claim.sourceIds.isEmpty
        values["sourceIds"] = claim.sourceIds.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        if let valuation = claim.valuation {
            values["valuation"] = ["basis": valuation.basis.replacingOccurrences(of: "_", with: " "), "unitValue": valuation.unitValue?.displayText ?? "—",
                                   "estimate": valuation.isEstimate, "source": valuation.source]
        }
        if let advertising = await claimAdvertising(claim, tenant: viewer.tenant) { values["advertising"] = advertising }
        if let reason = claim.dismissedReason {
            values["dismissed"] = ["reason": reason, "at": claim.dismissedAt.map(DashboardWords.instant) ?? ""]
        }
        if let resolution = claim.resolutionReason { values["resolution"] = resolution }
        if let approval = claim.approval { values["approval"] = Self.approvalValues(approval) }
        values["canDismiss"] = viewer.canEdit && ["claimable", "too_early", "expired"].contains(claim.status)
        // The documents that prove it (evidence-engine's matches) and, once Amazon paid, its proof packet.
        var problems: [String] = []
        do {
            values["evidence"] = try await matchValues(try await sources.matches(claim: id, tenant: viewer.tenant), tenant: viewer.tenant, showClaim: false)
        } catch {
            problems.append("The documents matched to this claim could not be loaded: \(error)")
        }
        do {
            let packets = try await sources.proofPackets(tenant: viewer.tenant, claim: id)
            values["packets"] = packets.map(packetRow)
            values["hasPackets"] = !packets.isEmpty
        } catch {
            problems.append("The claim's proof packet could not be loaded: \(error)")
        }
        values["problems"] = problems
        return try renderer.page("claim", values)
    }

    /// The claim's chance of approval, the model behind it, and each fact's push up or down.
    static func approvalValues(_ approval: DashboardSources.Approval) -> [String: Any] {
        let labels = ["type": "Claim type", "marketplace": "Marketplace", "ageAtFilingDays": "Age when filed",
                      "amount": "Amount", "evidencePresent": "Documents attached", "sellerHistory": "Your earlier cases"]
        let model = approval.modelTrainedAt.map {
            "Learned from \(approval.modelExamples) cases Amazon decided, trained \(DashboardWords.instant($0))."
        } ?? "No case has been decided yet: this is the starting estimate (sellers report 60–70 % of claims approved)."
        return [
            "percent": DashboardWords.percent(approval.probability), "model": model,
            "factors": approval.factors.map { factor -> [String: Any] in
                let direction = factor.effect > 0.05 ? "raises" : factor.effect < -0.05 ? "lowers" : "no effect"
                return ["label": labels[factor.feature] ?? factor.feature, "value": factor.value, "direction": direction,
                        "effect": String(format: "%+.2f", factor.effect)]
            },
        ]
    }

    // MARK: Amazon connections

    func connections(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "connections", title: "Amazon accounts", request: request)
        let list = try await sources.connections(tenant: viewer.tenant)
        values["connections"] = list.map { connection -> [String: Any] in
            ["id": connection.id.uuidString.lowercased(), "sellingPartnerId": connection.sellingPartnerId,
             "region": DashboardWords.regions.first { $0.key == connection.region }?.label ?? connection.region,
             "regionKey": connection.region, "marketplaces": connection.marketplaceIds.joined(separator: ", "), "status": connection.status,
             "statusLabel": DashboardWords.connectionStatuses[connection.status] ?? connection.status,
             "needsReauthorization": connection.status == "needs_reauthorization", "reason": connection.reauthorizationReason ?? "",
             "active": connection.status != "disconnected", "connectedAt": DashboardWords.instant(connection.createdAt)]
        }
        values["empty"] = list.isEmpty
        values["regions"] = DashboardWords.regions.map { ["value": $0.key, "label": $0.label] }
        return try renderer.page("connections", values)
    }

    func connection(_ viewer: Viewer, id: UUID, _ request: Request) async throws -> Response {
        let connection: DashboardSources.Connection
        do {
            connection = try await sources.connection(id, tenant: viewer.tenant)
        } catch let error as DashboardSourceError where error.status == 404 {
            return try missing(viewer, page: "connections", title: "No such account", what: "This Amazon account is not connected to this Opside account.")
        }
        var values = chrome(viewer, page: "connections", title: "Amazon account \(connection.sellingPartnerId)", request: request)
        values["connection"] = ["id": id.uuidString.lowercased(), "sellingPartnerId": connection.sellingPartnerId,
                                "status": connection.status, "statusLabel": DashboardWords.connectionStatuses[connection.status] ?? connection.status,
                                "regionKey": connection.region, "marketplaces": connection.marketplaceIds.map { ["id": $0] },
                                "needsReauthorization": connection.status == "needs_reauthorization",
                                "active": connection.status == "active", "reason": connection.reauthorizationReason ?? ""]
        let runs = (try? await sources.syncRuns(connection: id, tenant: viewer.tenant, limit: 60)) ?? []
        values["runs"] = runs.map(runRow)
        values["noRuns"] = runs.isEmpty
        let overview = try? await sources.schedulesAndCoverage(connection: id, tenant: viewer.tenant)
        let schedules = overview?.schedules ?? []
        values["coverage"] = (overview?.claimCoverage ?? []).map { family -> [String: Any] in
            ["family": family.family, "label": family.label, "covered": family.covered,
             "coveredAt": family.coveredAt.map { DashboardWords.relative($0, now: now()) } ?? "",
             "waitingFor": family.waitingFor.map(DashboardWords.dataset).joined(separator: ", ")]
        }
        values["hasCoverage"] = !(overview?.claimCoverage ?? []).isEmpty
        values["schedules"] = schedules.map { schedule -> [String: Any] in
            ["dataset": schedule.dataset, "label": DashboardWords.dataset(schedule.dataset),
             "every": schedule.runsAt ?? DashboardWords.interval(schedule.intervalSeconds), "onCalendar": schedule.runsAt != nil,
             "hours": max(1, schedule.intervalSeconds / 3600),
             "enabled": schedule.enabled, "paused": schedule.pausedAt != nil,
             "nextRunAt": DashboardWords.relative(schedule.nextRunAt, now: now())]
        }
        let notifications = try? await sources.amazonNotifications(connection: id, tenant: viewer.tenant, limit: 20)
        values["amazonLive"] = [
            "subscribed": !(notifications?.subscribedTypes.isEmpty ?? true),
            "types": (notifications?.subscribedTypes ?? []).map { DashboardWords.notificationTypes[$0] ?? $0 }.joined(separator: ", "),
            "none": notifications?.notifications.isEmpty ?? true,
            "unavailable": notifications == nil,
            "notifications": (notifications?.notifications ?? []).map { notification -> [String: Any] in
                ["kind": DashboardWords.notificationTypes[notification.type] ?? notification.type, "summary": notification.summary,
                 "happenedAt": DashboardWords.instant(notification.eventTime), "receivedAt": DashboardWords.relative(notification.receivedAt, now: now())]
            },
        ] as [String: Any]
        return try renderer.page("connection", values)
    }

    func runRow(_ run: DashboardSources.SyncRun) -> [String: Any] {
        let live = ["queued", "running", "retrying"].contains(run.state)
        var row: [String: Any] = [
            "runId": run.runId.uuidString.lowercased(), "dataset": run.dataset, "datasetLabel": DashboardWords.dataset(run.dataset),
            "trigger": run.trigger, "state": run.state, "stateLabel": DashboardWords.syncStates[run.state] ?? run.state, "live": live,
            "windowsDone": run.windowsDone, "windowsTotal": max(run.windowsTotal, 1), "rowsDone": run.rowsDone,
            "rowsQuarantined": run.rowsQuarantined, "hasQuarantine": run.rowsQuarantined > 0,
            "queuedAt": DashboardWords.relative(run.queuedAt, now: now()),
        ]
        // Absent rather than empty: a section shows for any present value.
        if let finished = run.finishedAt { row["finishedAt"] = DashboardWords.relative(finished, now: now()) }
        if let error = run.errorMessage, !error.isEmpty { row["error"] = error }
        return row
    }

    func syncRun(_ viewer: Viewer, id: UUID) async throws -> Response {
        let run: DashboardSources.SyncRun
        do {
            run = try await sources.syncRun(id, tenant: viewer.tenant)
        } catch let error as DashboardSourceError where error.status == 404 {
            return try missing(viewer, page: "connections", title: "No such sync", what: "This sync does not exist, or belongs to another account.")
        }
        var values = chrome(viewer, page: "connections", title: "\(DashboardWords.dataset(run.dataset)) sync")
        values["run"] = runRow(run)
        values["connectionId"] = run.connectionId.uuidString.lowercased()
        let lines = (try? await sources.quarantine(run: id, tenant: viewer.tenant)) ?? []
        values["lines"] = lines.map { ["lineNumber": $0.lineNumber, "reason": $0.reason, "rawLine": $0.rawLine] }
        values["noLines"] = lines.isEmpty
        return try renderer.page("sync-run", values)
    }

    // MARK: Notifications, team, settings

    /// A user agent in a few words: `Chrome on Linux`.
    static func device(_ userAgent: String) -> String {
        // In this order: Edge's agent also names Chrome and Safari, Chrome's names Safari, Android's names Linux.
        let browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl")]
        let systems = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Mac OS X", "macOS"), ("Windows", "Windows"),
                       ("Linux", "Linux")]
        let browser = browsers.first { userAgent.contains($0.0) }?.1 ?? "A browser"
        let system = systems.first { userAgent.contains($0.0) }?.1
        return system.map { "\(browser) on \($0)" } ?? browser
    }

    func notificationList(_ viewer: Viewer, _ request: Request) async throws -> Response {
        var values = chrome(viewer, page: "notifications", title: "Notifications", request: request)
        let unreadOnly = request.uri.queryParameters.get("unread_only") == "true"
        let list = try await notifications.list(tenant: viewer.tenant, user: viewer.user.id, limit: 100, unreadOnly: unreadOnly, before: nil)
        values["notifications"] = list.map { notice -> [String: Any] in
            ["id": notice.id.uuidString.lowercased(), "level": notice.level.rawValue, "title": notice.title, "body": notice.body,
             "actionUrl": notice.actionUrl ?? "", "hasAction": notice.actionUrl != nil, "unread": notice.readAt == nil,
             "when": DashboardWords.relative(notice.createdAt, now: now()), "at": DashboardWords.instant(notice.createdAt)]
        }
        values["empty"] = list.isEmpty
        values["unreadOnly"] = unreadOnly
        return try renderer.page("notifications", values)
    }

    func team(_ viewer: Viewer) async throws -> Response {
        var values = chrome(viewer, page: "team", title: "Team")
        let team = try await TeamController.members(tenant: viewer.tenant, now: now(), database: database, logger: logger)
        values["members"] = team.members.map { member -> [String: Any] in
            var row: [String: Any] = [
                "userId": member.userId.uuidString.lowercased(), "email": member.email, "role": member.role,
                "isYou": member.userId == viewer.user.id, "joinedAt": DashboardWords.instant(member.joinedAt),
                "roles": ["owner", "admin", "member"].map { ["value": $0, "selected": $0 == member.role] }]
            if let name = member.displayName, !name.isEmpty { row["name"] = name }
            return row
        }
        values["invitations"] = team.invitations.map { invitation -> [String: Any] in
            ["id": invitation.id.uuidString.lowercased(), "email": invitation.email, "role": invitation.role,
             "expiresAt": DashboardWords.relative(invitation.expiresAt, now: now())]
        }
        values["hasInvitations"] = !team.invitations.isEmpty
        values["isOwner"] = viewer.role == "owner"
        return try renderer.page("team", values)
    }

    func settings(_ viewer: Viewer) async throws -> Response {
        var values = chrome(viewer, page: "settings", title: "Settings")
        let preferences = try await notifications.preferences(of: viewer.user.id)
        values["kinds"] = NotificationKind.allCases.map { ["value": $0.rawValue, "label": $0.label, "checked": preferences.emailKinds.contains($0)] }
        values["digest"] = preferences.delivery == .digest
        values["immediate"] = preferences.delivery == .immediate
        values["sessions"] = try await signIns.live(user: viewer.user.id).map { signIn -> [String: Any] in
            ["id": signIn.id.uuidString.lowercased(), "device": signIn.userAgent.map(Self.device) ?? "Unknown device",
             "lastUsed": DashboardWords.relative(signIn.lastUsedAt, now: now()), "since": DashboardWords.instant(signIn.createdAt),
             "current": signIn.id == viewer.sessionID]
        }
        return try renderer.page("settings", values)
    }
}
