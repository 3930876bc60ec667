import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on NIO's blocking thread pool: a hash at cost 12 takes a quarter second of CPU,
/// which must not stall Swift's cooperative threads.
public struct PasswordHasher: Sendable {
    /// `security.bcryptCost` (12; 4 to 31).
    public let cost: UInt8

    public init(cost: UInt8) { self.cost = min(max(cost, 4), 31) }

    /// bcrypt reads its input as a C string and would hash only what comes before a NUL.
    public struct NULInPassword: Error {}

    public func hash(_ password: String) async throws -> String {
        guard !password.utf8.contains(0) else { throw NULInPassword() }
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        guard !password.utf8.contains(0) else { return false }
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
