import Foundation
import Hummingbird
import NIOCore
import OpsideCore
import OpsideTransport

/// integrations' FBA inbound workflow endpoints, for one connection of the token's tenant.
/// main-api serves them to sellers under `/api/v1/amazon/connections/{connectionId}/inbound-workflows…`.
struct InboundWorkflowsController {
    let workflows: InboundWorkflows

    struct WorkflowAnswer: ResponseEncodable {
        let workflow: InboundWorkflowView
    }

    struct WorkflowList: ResponseEncodable {
        let workflows: [InboundWorkflowView]
    }

    /// Label sheets Amazon prints (v0 getLabels `PageType`).
    static let pageTypes: Set<String> = ["PackageLabel_Letter_2", "PackageLabel_Letter_4", "PackageLabel_Letter_6", "PackageLabel_Letter_6_CarrierLeft",
                                         "PackageLabel_A4_2", "PackageLabel_A4_4", "PackageLabel_Plain_Paper", "PackageLabel_Plain_Paper_CarrierBottom",
                                         "PackageLabel_Thermal", "PackageLabel_Thermal_Unified", "PackageLabel_Thermal_NonPCP",
                                         "PackageLabel_Thermal_No_Carrier_Rotation"]

    func addRoutes(to router: Router<OpsideRequestContext>) {
        let group = router.group("/internal/amazon/connections/{connectionId}/inbound-workflows")
        group.post { request, context -> EditedResponse<WorkflowAnswer> in
            let body = try await request.decode(as: NewInboundWorkflow.self, context: context)
            let (workflow, created) = try await withIntegrationsErrors {
                try await workflows.create(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(), body)
            }
            return EditedResponse(status: created ? .accepted : .ok, response: WorkflowAnswer(workflow: workflow))
        }
        group.get { request, context in
            let limit = try QueryParameters.integer(request, "limit", in: 1...100, default: 20)
            return WorkflowList(workflows: try await withIntegrationsErrors {
                try await workflows.recent(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(), limit: limit)
            })
        }
        group.get("/{workflowId}") { _, context in
            WorkflowAnswer(workflow: try await withIntegrationsErrors {
                try await workflows.workflow(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(),
                                             id: try workflowID(context))
            })
        }
        action(group, "/packing", InboundPackingChoice.self) { try await workflows.choosePacking(tenantID: $0, connectionID: $1, id: $2, $3) }
        action(group, "/boxes", InboundBoxes.self) { try await workflows.setBoxes(tenantID: $0, connectionID: $1, id: $2, $3) }
        action(group, "/placement", InboundPlacementChoice.self) { try await workflows.choosePlacement(tenantID: $0, connectionID: $1, id: $2, $3) }
        action(group, "/shipping-details", InboundShippingDetails.self) {
            try await workflows.setShippingDetails(tenantID: $0, connectionID: $1, id: $2, $3)
        }
        action(group, "/carriers", InboundCarrierChoice.self) { try await workflows.chooseCarriers(tenantID: $0, connectionID: $1, id: $2, $3) }
        action(group, "/tracking", InboundTracking.self) { try await workflows.giveTracking(tenantID: $0, connectionID: $1, id: $2, $3) }
        group.post("/{workflowId}/cancel") { _, context -> EditedResponse<WorkflowAnswer> in
            let workflow = try await withIntegrationsErrors {
                try await workflows.cancel(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(), id: try workflowID(context))
            }
            return EditedResponse(status: .accepted, response: WorkflowAnswer(workflow: workflow))
        }
        group.get("/{workflowId}/shipments/{shipment}/labels") { request, context -> Response in
            let pageType = request.uri.queryParameters.get("pageType") ?? "PackageLabel_Letter_6"
            guard Self.pageTypes.contains(pageType) else {
                throw APIError.validation("pageType is one of \(Self.pageTypes.sorted().joined(separator: ", "))")
            }
            let shipment = try context.parameters.require("shipment")
            let pdf = try await withIntegrationsErrors {
                try await workflows.labels(tenantID: try context.requireCallerTenant(), connectionID: try context.amazonConnectionID(),
                                           id: try workflowID(context), shipmentID: shipment, pageType: pageType)
            }
            let filename = shipment.filter { $0.isLetter || $0.isNumber || $0 == "-" }
            return Response(status: .ok, headers: [.contentType: "application/pdf",
                                                   .contentDisposition: "attachment; filename=\"labels-\(filename).pdf\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
        }
    }

    /// A seller's action on one workflow: 202 with the workflow as it now stands (working).
    private func action<Body: Decodable & Sendable>(_ group: RouterGroup<OpsideRequestContext>, _ path: String, _ type: Body.Type,
                                                    _ body: @escaping @Sendable (UUID, UUID, UUID, Body) async throws -> InboundWorkflowView) {
        group.post("/{workflowId}\(path)") { request, context -> EditedResponse<WorkflowAnswer> in
            let decoded = try await request.decode(as: Body.self, context: context)
            let workflow = try await withIntegrationsErrors {
                try await body(try context.requireCallerTenant(), try context.amazonConnectionID(), try workflowID(context), decoded)
            }
            return EditedResponse(status: .accepted, response: WorkflowAnswer(workflow: workflow))
        }
    }

    func workflowID(_ context: OpsideRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("workflowId")) else { throw InboundWorkflowError.notFound }
        return id
    }
}
