import OpsideTransport

/// evidence-engine's public routes, served by main-api's gateway: uploads (several files at once),
/// the documents with what was read and the seller's corrections, matches, prompts and their
/// answers, proof packets.
public enum EvidenceEngineRoutes {
    /// Roles that may answer a prompt or correct a document: an answer files a claim.
    public static let deciders: Set<String> = ["owner", "admin"]
    /// A whole request of documents; each file's own limit is evidence-engine's (`documents.maxFileBytes`).
    public static let upload = UploadLimit(maxBytes: 256 << 20, perTenant: 3, timeout: .seconds(600),
                                           tooLargeAdvice: "send fewer files at once, or split a long scan into several files")

    public static let table = GatewayRouteTable(service: .evidenceEngine, [
        .post("/api/v1/documents", to: "/internal/documents", body: .upload(upload)),
        .get("/api/v1/documents", to: "/internal/documents"),
        .get("/api/v1/documents/limits", to: "/internal/documents/limits"),
        .get("/api/v1/documents/{documentId}", to: "/internal/documents/{documentId}"),
        .get("/api/v1/documents/{documentId}/file", to: "/internal/documents/{documentId}/file"),
        .get("/api/v1/documents/{documentId}/pages", to: "/internal/documents/{documentId}/pages"),
        .put("/api/v1/documents/{documentId}/corrections", to: "/internal/documents/{documentId}/corrections", roles: deciders,
             body: .collectedWithSessionUser),
        .post("/api/v1/documents/{documentId}/parse", to: "/internal/documents/{documentId}/parse", access: .roles(deciders)),
        .get("/api/v1/matches", to: "/internal/matches"),
        .get("/api/v1/prompts", to: "/internal/prompts"),
        .post("/api/v1/prompts/{promptId}/answer", to: "/internal/prompts/{promptId}/answer", access: .roles(deciders),
              body: .collectedWithSessionUser),
        .get("/api/v1/proof-packets", to: "/internal/proof-packets"),
        .get("/api/v1/proof-packets/{packetId}", to: "/internal/proof-packets/{packetId}"),
        .get("/api/v1/proof-packets/{packetId}/download", to: "/internal/proof-packets/{packetId}/download"),
    ])
}
