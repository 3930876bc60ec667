import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideAmazonSPAPI

/// Who is calling an SP-API operation, once the access token checked out.
struct SPAPICaller: Sendable {
    let sellingPartnerID: String?
    let history: SellerHistory?
    let now: Date
}

/// The SP-API operations, each wrapped in Amazon's edge behaviour: token check, faults, the
/// per-(seller, operation) bucket, `x-amzn-RequestId` and `x-amzn-RateLimit-Limit`.
struct SPAPIController: Sendable {
    let state: SandboxState
    static let requestIDHeader = HTTPField.Name("x-amzn-RequestId")!
    static let rateLimitHeader = HTTPField.Name("x-amzn-RateLimit-Limit")!
    static let accessTokenHeader = HTTPField.Name("x-amz-access-token")!

    typealias Handler = @Sendable (Request, BasicRequestContext, SPAPICaller) async throws -> Response

    func register(on router: Router<BasicRequestContext>) {
        func route(_ method: HTTPRequest.Method, _ path: String, _ api: String, _ name: String, grantlessScope: String? = nil,
                   _ handler: @escaping Handler) {
            let operation = SPAPIOperation(api: api, name: name)
            state.withLock { $0.servedOperations.append(operation.id) }
            router.on(RouterPath(path), method: method) { request, context in
                try await edge(request, context, operation: operation, grantlessScope: grantlessScope, handler: handler)
            }
        }
        route(.get, "/sellers/v1/marketplaceParticipations", "sellers", "getMarketplaceParticipations") { _, _, caller in
            guard let history = caller.history else { return notFound() }
            let marketplace = AmazonMarketplace.withID(history.marketplaceID)
            return SandboxResponse.json(["payload": [[
                "marketplace": ["id": history.marketplaceID, "name": "Amazon.\(history.countryCode.lowercased())",
                                "countryCode": history.countryCode, "defaultCurrencyCode": history.currency,
                                "defaultLanguageCode": "en_US", "domainName": "www.amazon.\(history.countryCode.lowercased())"],
                "participation": ["isParticipating": true, "hasSuspendedListings": false],
                "storeName": "Sandbox store \(history.sellingPartnerID) \(marketplace?.countryCode ?? "")",
            ]]])
        }
        route(.get, "/orders/v0/orders", "ordersV0", "getOrders") { request, _, caller in try SandboxOrders.getOrders(request, caller) }
        route(.get, "/orders/v0/orders/{orderId}/orderItems", "ordersV0", "getOrderItems") { _, context, caller in
            try SandboxOrders.getOrderItems(try context.parameters.require("orderId"), caller)
        }
        route(.get, "/finances/v0/financialEvents", "financesV0", "listFinancialEvents") { request, _, caller in
            try SandboxFinances.listFinancialEvents(request, caller, orderID: nil)
        }
        route(.get, "/finances/v0/orders/{orderId}/financialEvents", "financesV0", "listFinancialEventsByOrderId") { request, context, caller in
            try SandboxFinances.listFinancialEvents(request, caller, orderID: try context.parameters.require("orderId"))
        }
        route(.get, "/finances/v0/financialEventGroups", "financesV0", "listFinancialEventGroups") { request, _, caller in
            try SandboxFinances.listGroups(request, caller)
        }
        route(.get, "/fba/inventory/v1/summaries", "fbaInventory", "getInventorySummaries") { request, _, caller in
            try SandboxInventory.summaries(request, caller)
        }
        route(.get, "/fba/inbound/v0/shipments", "fulfillmentInboundV0", "getShipments") { request, _, caller in
            try SandboxInventory.shipments(request, caller)
        }
        route(.get, "/fba/inbound/v0/shipmentItems", "fulfillmentInboundV0", "getShipmentItems") { request, _, caller in
            try SandboxInventory.shipmentItemsUpdated(request, caller)
        }
        route(.get, "/fba/inbound/v0/shipments/{shipmentId}/items", "fulfillmentInboundV0", "getShipmentItemsByShipmentId") { _, context, caller in
            try SandboxInventory.shipmentItems(try context.parameters.require("shipmentId"), caller)
        }
        let reports = SandboxReports(state: state)
        route(.post, "/reports/2021-06-30/reports", "reports_2021-06-30", "createReport") { request, _, caller in
            try await reports.create(request, caller)
        }
        route(.get, "/reports/2021-06-30/reports", "reports_2021-06-30", "getReports") { request, _, caller in try reports.list(request, caller) }
        route(.get, "/reports/2021-06-30/reports/{reportId}", "reports_2021-06-30", "getReport") { _, context, caller in
            reports.get(try context.parameters.require("reportId"), caller)
        }
        route(.delete, "/reports/2021-06-30/reports/{reportId}", "reports_2021-06-30", "cancelReport") { _, context, caller in
            reports.cancel(try context.parameters.require("reportId"), caller)
        }
        route(.get, "/reports/2021-06-30/documents/{reportDocumentId}", "reports_2021-06-30", "getReportDocument") { request, context, caller in
            reports.document(try context.parameters.require("reportDocumentId"), request: request, caller)
        }
        route(.post, "/reports/2021-06-30/schedules", "reports_2021-06-30", "createReportSchedule") { request, _, caller in
            try await reports.createSchedule(request, caller)
        }
        route(.get, "/reports/2021-06-30/schedules", "reports_2021-06-30", "getReportSchedules") { _, _, caller in reports.listSchedules(caller) }
        route(.get, "/reports/2021-06-30/schedules/{reportScheduleId}", "reports_2021-06-30", "getReportSchedule") { _, context, caller in
            reports.getSchedule(try context.parameters.require("reportScheduleId"), caller)
        }
        route(.delete, "/reports/2021-06-30/schedules/{reportScheduleId}", "reports_2021-06-30", "cancelReportSchedule") { _, context, caller in
            reports.cancelSchedule(try context.parameters.require("reportScheduleId"), caller)
        }
        route(.post, "/tokens/2021-03-01/restrictedDataToken", "tokens_2021-03-01", "createRestrictedDataToken") { request, _, caller in
            let body = try await SandboxResponse.body(request)
            guard let resources = body["restrictedResources"] as? [Any], !resources.isEmpty else {
                return SandboxResponse.error(.badRequest, code: "InvalidInput", message: "restrictedResources is required")
            }
            let token = state.randomToken("Atz.sprdt|")
            state.withLock { $0.accessTokens[token] = .init(sellingPartnerID: caller.sellingPartnerID, expiresAt: caller.now.addingTimeInterval(3600)) }
            return SandboxResponse.json(["restrictedDataToken": token, "expiresIn": 3600])
        }
        let inbound = SandboxInboundPlans(state: state)
        inbound.register(route)
        SandboxListings(state: state).register(route)
        SandboxCatalog(state: state).register(route)
        SandboxProductFees(state: state).register(route)
        SandboxPricing(state: state).register(route)
        SandboxNotifications(state: state).register(route)
        // Pre-signed report document downloads: like S3, outside the SP-API edge.
        router.get("/report-documents/{documentId}") { request, context in
            reports.download(try context.parameters.require("documentId"), request: request)
        }
        router.get("/inbound-labels/{labelId}") { request, context in
            inbound.downloadLabels(try context.parameters.require("labelId"), request: request)
        }
    }

    func notFound() -> Response {
        SandboxResponse.error(.notFound, code: "NotFound", message: "The requested resource was not found.")
    }

    /// Runs `handler` behind Amazon's edge.
    /// - Parameter rateLimited: false for the Seller Central case desk, which shares the token
    ///   check and the faults but has no published usage plan (the fallback plan's burst of 1
    ///   would throttle a seller's second click).
    func edge(_ request: Request, _ context: BasicRequestContext, operation: SPAPIOperation, grantlessScope: String?,
              rateLimited: Bool = true, handler: Handler) async throws -> Response {
        let requestID = UUID().uuidString.lowercased()
        var response = try await guarded(request, context, operation: operation, grantlessScope: grantlessScope, rateLimited: rateLimited,
                                         handler: handler)
        response.headers[Self.requestIDHeader] = requestID
        return response
    }

    private func guarded(_ request: Request, _ context: BasicRequestContext, operation: SPAPIOperation, grantlessScope: String?,
                         rateLimited: Bool, handler: Handler) async throws -> Response {
        let now = state.now
        guard let token = request.headers[Self.accessTokenHeader],
              let access = state.withLock({ $0.accessTokens[token] }) else {
            return SandboxResponse.error(.forbidden, code: "Unauthorized", message: "Access to requested resource is denied.",
                                         details: "The access token is missing or invalid.")
        }
        // Grantless operations take only a client_credentials token with their scope; every other
        // operation acts for a selling partner and refuses such a token.
        if let scope = grantlessScope {
            guard access.sellingPartnerID == nil, access.scopes.contains(scope) else {
                return SandboxResponse.error(.forbidden, code: "Unauthorized", message: "Access to requested resource is denied.",
                                             details: "This operation is grantless: use a client_credentials access token with scope \(scope).")
            }
        } else if access.sellingPartnerID == nil {
            return SandboxResponse.error(.forbidden, code: "Unauthorized", message: "Access to requested resource is denied.",
                                         details: "A grantless access token cannot call this operation; use the selling partner's authorization.")
        }
        let seller = access.sellingPartnerID
        let statsKey = seller ?? "grantless"
        state.statistics(for: statsKey) { $0.requests[operation.id, default: 0] += 1 }
        if access.expiresAt <= now || state.fault(\.expireAccessTokens, seller: seller, operation: operation) != nil {
            return SandboxResponse.error(.forbidden, code: "Unauthorized", message: "Access to requested resource is denied.",
                                         details: "The access token you provided has expired.")
        }
        if let slow = state.fault(\.slow, seller: seller, operation: operation) {
            try await Task.sleep(for: .milliseconds(slow.delayMilliseconds ?? 2000))
        }
        if state.fault(\.throttle, seller: seller, operation: operation) != nil {
            state.statistics(for: statsKey) { $0.throttled[operation.id, default: 0] += 1 }
            return quotaExceeded()
        }
        if let failure = state.fault(\.serverError, seller: seller, operation: operation) {
            let status = HTTPResponse.Status(code: failure.status ?? 503)
            return SandboxResponse.html("<html><head><title>\(status.code) Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>",
                                        status: status)
        }
        var rate: Double?
        if rateLimited {
            let (applied, allowed) = state.takeToken(seller: statsKey, operation: operation)
            guard allowed else {
                state.statistics(for: statsKey) { $0.throttled[operation.id, default: 0] += 1 }
                return quotaExceeded()
            }
            rate = applied
        }
        let caller = SPAPICaller(sellingPartnerID: seller, history: seller.flatMap { state.history(for: $0) }, now: now)
        var response: Response
        do {
            response = try await handler(request, context, caller)
        } catch let error as SandboxInputError {
            response = SandboxResponse.error(.badRequest, code: "InvalidInput", message: error.message, details: error.details)
        }
        if let rate, [200, 201, 202, 204, 400, 404].contains(response.status.code) {
            response.headers[Self.rateLimitHeader] = String(format: "%g", rate)
        }
        if response.status.code == 200, state.fault(\.malformedJSON, seller: seller, operation: operation) != nil {
            response.body = .init(byteBuffer: ByteBuffer(string: "{\"payload\": {\"Orders\": [{\"AmazonOrderId\": \"1"))
        }
        return response
    }

    func quotaExceeded() -> Response {
        SandboxResponse.error(.tooManyRequests, code: "QuotaExceeded", message: "You exceeded your quota for the requested resource.")
    }
}

struct SandboxInputError: Error {
    let message: String
    /// What the error body's `details` says: the field at fault, where one is.
    var details = ""
}
