/// Something a test starts and must stop however the test ends (a sandbox, a server).
public protocol ShutsDown: Sendable {
    func shutdown() async throws
}

extension ShutsDown {
    /// Runs `body` with this and always shuts it down, also when `body` throws (then the body's
    /// error is the one reported).
    public func use<T>(_ body: (Self) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            try await shutdown()
            return result
        } catch {
            try? await shutdown()
            throw error
        }
    }
}
