/// The largest body and how many at once one tenant may stream through a route.
public struct UploadLimit: Sendable, Equatable {
    public let maxBytes: Int
    public let perTenant: Int
    /// How long the upload may take to reach the owner and be accepted.
    public let timeout: Duration
    /// What to do instead when a file is over `maxBytes`, appended to the 413's message.
    public let tooLargeAdvice: String

    public init(maxBytes: Int, perTenant: Int, timeout: Duration, tooLargeAdvice: String) {
        self.maxBytes = maxBytes
        self.perTenant = perTenant
        self.timeout = timeout
        self.tooLargeAdvice = tooLargeAdvice
    }
}
