import Crypto
import Foundation

/// Stripe's webhook signature, both ways (`../shared/docs/queues-and-stripe.md` B.1): the sandbox
/// signs its deliveries with it and payments verifies them.
///
/// Header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`; each v1 is
/// HMAC-SHA256(secret, "<t>.<raw body>"). Stripe sends one v1 per live secret, so while a rolled
/// secret overlaps the old one an event carries two; the verifier takes every secret it trusts.
public enum StripeWebhookSignature {
    /// Stripe's SDKs refuse events older than this (stripe-go `DefaultTolerance`).
    public static let defaultTolerance: TimeInterval = 300

    /// The header for a payload signed at `timestamp` with each of `secrets`.
    public static func header(payload: some DataProtocol, secrets: [String], timestamp: Int) -> String {
        (["t=\(timestamp)"] + secrets.map { "v1=\(signature(payload: payload, secret: $0, timestamp: timestamp))" })
            .joined(separator: ",")
    }

    /// HMAC-SHA256 over `"<timestamp>.<payload>"`, hex.
    public static func signature(payload: some DataProtocol, secret: String, timestamp: Int) -> String {
        var signed = Data("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a delivery the way Stripe's SDKs do: every part splits on `=`, `t` is the timestamp,
    /// each `v1` a candidate (other schemes such as `v0` ignored), compared in constant time against
    /// every secret; the timestamp may be no older than `tolerance` (future timestamps pass, as in
    /// stripe-go).
    /// - Parameters:
    ///   - payload: the body exactly as received; re-serialised JSON would not match.
    ///   - secrets: the endpoint's secrets in use (several while one is being rolled).
    /// - Returns: the signed timestamp.
    /// - Throws: `StripeWebhookSignatureError` saying what was wrong, for the log and the 400.
    @discardableResult
    public static func verify(payload: some DataProtocol, header: String?, secrets: [String],
                              tolerance: TimeInterval = defaultTolerance, now: Date) throws(StripeWebhookSignatureError) -> Int {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var timestamp: Int?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw .malformedHeader }
            let scheme = pieces[0].trimmingCharacters(in: .whitespaces)
            let value = String(pieces[1]).trimmingCharacters(in: .whitespaces)
            switch scheme {
            case "t":
                guard let seconds = Int(value) else { throw .malformedHeader }
                timestamp = seconds
            case "v1":
                if let bytes = hexBytes(value) { candidates.append(bytes) }
            default:
                continue
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !candidates.isEmpty else { throw .noSignature }
        var signed = Data("\(timestamp).".utf8)
        signed.append(contentsOf: payload)
        let matched = secrets.contains { secret in
            let key = SymmetricKey(data: Data(secret.utf8))
            return candidates.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key) }
        }
        guard matched else { throw .noMatch }
        if tolerance > 0, now.timeIntervalSince1970 - Double(timestamp) > tolerance {
            throw .timestampOutsideTolerance(timestamp)
        }
        return timestamp
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

public enum StripeWebhookSignatureError: Error, Equatable, CustomStringConvertible {
    case missingHeader
    case malformedHeader
    case noSignature
    case noMatch
    case timestampOutsideTolerance(Int)

    public var description: String {
        switch self {
        case .missingHeader: "The Stripe-Signature header is missing"
        case .malformedHeader: "The Stripe-Signature header is malformed"
        case .noSignature: "The Stripe-Signature header carries no v1 signature"
        case .noMatch: "No v1 signature matches the payload with any of the endpoint's secrets"
        case .timestampOutsideTolerance(let timestamp): "The signature's timestamp (\(timestamp)) is outside the tolerance"
        }
    }
}
