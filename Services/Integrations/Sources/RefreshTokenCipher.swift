import Crypto
import Foundation

/// Why a key list from configuration was refused. The message never contains key material.
public struct RefreshTokenKeyRingError: Error, CustomStringConvertible {
    public let description: String
}

/// Why a sealed refresh token did not open.
public enum RefreshTokenCipherError: Error, CustomStringConvertible, Equatable {
    /// The token was sealed with a key that is no longer configured.
    case unknownKey(String)
    /// Authentication failed: the bytes were altered, or belong to another connection.
    case tampered(keyID: String)

    public var description: String {
        switch self {
        case .unknownKey(let id): "the refresh token was sealed with key '\(id)', which security.tokenEncryptionKeys no longer lists"
        case .tampered(let id): "the refresh token sealed with key '\(id)' failed authentication"
        }
    }
}

/// The encryption keys for refresh tokens: the first seals, every one opens.
///
/// Rotation without a big-bang migration: put the new key first, keep the old ones; tokens sealed
/// under an old key still open, and are re-sealed under the current key the next time they are
/// used. Once none are left under an old key, drop it from the list.
public struct RefreshTokenKeyRing: Sendable {
    public let currentKeyID: String
    private let keys: [String: SymmetricKey]
    public var keyIDs: [String] { Array(keys.keys).sorted() }

    /// Parses `keyid:base64(32 bytes)[,keyid:base64…]`.
    /// - Throws: `RefreshTokenKeyRingError` for an empty list, a malformed entry, a key that is not
    ///   32 bytes, or a repeated id.
    public init(parsing text: String) throws(RefreshTokenKeyRingError) {
        var ordered: [(String, SymmetricKey)] = []
        for (index, entry) in text.split(separator: ",").enumerated() {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty,
                  parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                throw RefreshTokenKeyRingError(description: "entry \(index + 1) must be keyid:base64 with a key id of letters, digits, - _ or .")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw RefreshTokenKeyRingError(description: "key '\(parts[0])' must be 32 bytes in base64 (openssl rand -base64 32)")
            }
            guard !ordered.contains(where: { $0.0 == parts[0] }) else {
                throw RefreshTokenKeyRingError(description: "key id '\(parts[0])' appears twice")
            }
            ordered.append((parts[0], SymmetricKey(data: bytes)))
        }
        guard let first = ordered.first else {
            throw RefreshTokenKeyRingError(description: "lists no key")
        }
        currentKeyID = first.0
        keys = Dictionary(uniqueKeysWithValues: ordered)
    }

    func key(_ id: String) -> SymmetricKey? { keys[id] }
}

/// A refresh token as stored: which key sealed it and AES-GCM's combined nonce | ciphertext | tag.
public struct SealedRefreshToken: Sendable, Equatable {
    public let keyID: String
    public let sealed: [UInt8]

    public init(keyID: String, sealed: [UInt8]) {
        self.keyID = keyID
        self.sealed = sealed
    }
}

/// Seals and opens refresh tokens with AES-256-GCM.
///
/// The associated data names the connection and tenant, so a sealed token moved to another row
/// (by a bug or by someone with write access to the table) fails to open instead of authorizing
/// the wrong seller.
public struct RefreshTokenCipher: Sendable {
    public let keyRing: RefreshTokenKeyRing

    public init(keyRing: RefreshTokenKeyRing) { self.keyRing = keyRing }

    /// Which Amazon API a refresh token authorizes: part of the associated data, so a connection's
    /// Ads token copied over its SP-API token (or back) does not open either.
    public enum Purpose: String, Sendable {
        case sellingPartnerAPI = "opside.amazon-refresh-token.v1"
        case advertising = "opside.amazon-ads-refresh-token.v1"
    }

    static func associatedData(connectionID: UUID, tenantID: UUID, purpose: Purpose = .sellingPartnerAPI) -> Data {
        Data("\(purpose.rawValue)|\(connectionID.uuidString.lowercased())|\(tenantID.uuidString.lowercased())".utf8)
    }

    /// Seals under the current key.
    public func seal(_ refreshToken: String, connectionID: UUID, tenantID: UUID,
                     purpose: Purpose = .sellingPartnerAPI) throws -> SealedRefreshToken {
        guard let key = keyRing.key(keyRing.currentKeyID) else { throw RefreshTokenCipherError.unknownKey(keyRing.currentKeyID) }
        let box = try AES.GCM.seal(Data(refreshToken.utf8), using: key,
                                   authenticating: Self.associatedData(connectionID: connectionID, tenantID: tenantID, purpose: purpose))
        guard let combined = box.combined else { throw RefreshTokenCipherError.tampered(keyID: keyRing.currentKeyID) }
        return SealedRefreshToken(keyID: keyRing.currentKeyID, sealed: Array(combined))
    }

    /// Opens with whichever configured key sealed it.
    /// - Throws: `RefreshTokenCipherError`.
    public func open(_ token: SealedRefreshToken, connectionID: UUID, tenantID: UUID,
                     purpose: Purpose = .sellingPartnerAPI) throws(RefreshTokenCipherError) -> String {
        guard let key = keyRing.key(token.keyID) else { throw .unknownKey(token.keyID) }
        do {
            let box = try AES.GCM.SealedBox(combined: Data(token.sealed))
            let plain = try AES.GCM.open(box, using: key,
                                         authenticating: Self.associatedData(connectionID: connectionID, tenantID: tenantID, purpose: purpose))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw .tampered(keyID: token.keyID)
        }
    }

    /// Whether a token should be re-sealed under the current key.
    public func needsResealing(_ token: SealedRefreshToken) -> Bool { token.keyID != keyRing.currentKeyID }
}
