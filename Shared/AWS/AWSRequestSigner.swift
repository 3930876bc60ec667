import Crypto
import Foundation

/// AWS Signature Version 4 (S3 for cost-docs' store, SQS for Amazon's notifications), written from AWS's description of the algorithm
/// ("Authenticating Requests: Using the Authorization Header") and checked against the examples
/// that page publishes.
///
/// The payload is always signed (`x-amz-content-sha256` is the body's SHA-256, which a
/// content-addressed store knows before sending), so the server rejects a body changed in flight.
public struct AWSRequestSigner: Sendable, CustomStringConvertible, CustomReflectable {
    public let accessKeyId: String
    private let secretAccessKey: String
    public let region: String
    public let service: String

    /// The SHA-256 of an empty body, the payload hash of every GET, HEAD and DELETE.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(accessKeyId: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// A request's headers with the three that sign it added: `x-amz-date`, `x-amz-content-sha256`
    /// and `authorization`.
    /// - Parameters:
    ///   - method: `GET`, `PUT`...
    ///   - path: The request path, not yet percent-encoded (`/bucket/key`); it is sent encoded with
    ///     `encodePath(_:)`, the same encoding the signature covers.
    ///   - query: The query parameters, not yet encoded, in any order.
    ///   - headers: Every header to sign, `host` included (names in any case).
    ///   - payloadSHA256: The body's SHA-256 in lowercase hex.
    ///   - date: The request's time; the server refuses one more than 15 minutes off its clock.
    public func sign(method: String, path: String, query: [(name: String, value: String)] = [],
                      headers: [(name: String, value: String)], payloadSHA256: String, date: Date) -> [(name: String, value: String)] {
        let timestamp = Self.timestamp(date)
        let allHeaders = headers + [("x-amz-content-sha256", payloadSHA256), ("x-amz-date", timestamp)]
        let canonical = canonicalRequest(method: method, path: path, query: query, headers: allHeaders, payloadSHA256: payloadSHA256)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(accessKeyId)/\(scope(timestamp: timestamp)),"
            + "SignedHeaders=\(canonical.signedHeaders),Signature=\(signature(canonicalRequest: canonical.request, timestamp: timestamp))"
        return allHeaders + [("authorization", authorization)]
    }

    /// The credential scope of a request made at `timestamp`: `day/region/service/aws4_request`.
    public func scope(timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The signature of a canonical request made at `timestamp` (`yyyyMMdd'T'HHmmss'Z'`), in
    /// lowercase hex: what `sign` puts in the header, and what a server recomputes to check one.
    public func signature(canonicalRequest: String, timestamp: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope(timestamp: timestamp),
                            lowercaseHex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        return lowercaseHex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: String(timestamp.prefix(8)))))
    }

    /// The canonical request (AWS's step 1) and its signed-header list.
    public func canonicalRequest(method: String, path: String, query: [(name: String, value: String)],
                                  headers: [(name: String, value: String)], payloadSHA256: String) -> (request: String, signedHeaders: String) {
        // Header names lowercased, values trimmed with inner runs of spaces made one; repeated
        // names joined by commas; sorted by name.
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            values[name.lowercased(), default: []].append(trimmed)
        }
        let names = values.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [method, Self.encodePath(path), Self.encodeQuery(query), canonicalHeaders, signedHeaders, payloadSHA256]
            .joined(separator: "\n")
        return (request, signedHeaders)
    }

    /// HMAC chain from the secret: date, region, service, "aws4_request".
    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    // MARK: Encoding

    /// A path with each segment percent-encoded once (S3 does not double-encode) and its slashes kept.
    public static func encodePath(_ path: String) -> String {
        path.isEmpty ? "/" : uriEncode(path, keepingSlashes: true)
    }

    /// The query sorted by encoded name, then value, each encoded with `/` too; `""` for none.
    public static func encodeQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { parameter in
            (uriEncode(parameter.name, keepingSlashes: false), uriEncode(parameter.value, keepingSlashes: false))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { parameter in "\(parameter.name)=\(parameter.value)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding as SigV4 defines it: `A-Z a-z 0-9 - . _ ~` kept, every other UTF-8 byte
    /// as `%XX` with uppercase hex (a space is `%20`, never `+`).
    public static func uriEncode(_ text: String, keepingSlashes: Bool) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepingSlashes:
                encoded.append("/")
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(digits[Int(byte >> 4)])
                encoded.unicodeScalars.append(digits[Int(byte & 0x0f)])
            }
        }
        return encoded
    }

    // MARK: Formatting

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }

    // MARK: Keeping the secret out of logs

    public var description: String {
        "AWSRequestSigner(accessKeyId: \(accessKeyId), secretAccessKey: <redacted>, region: \(region), service: \(service))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyId": accessKeyId, "region": region, "service": service])
    }
}

/// Bytes as lowercase hexadecimal, two characters a byte (hashes, signatures).
public func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var characters: [UInt8] = []
    for byte in bytes {
        characters.append(digits[Int(byte >> 4)])
        characters.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: characters, as: UTF8.self)
}
