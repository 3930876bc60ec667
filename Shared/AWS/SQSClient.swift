import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore

/// One message received from a queue.
public struct SQSMessage: Sendable, Equatable {
    public let messageId: String
    /// What deletes the message, or changes its visibility; a new one comes with every receipt.
    public let receiptHandle: String
    public let body: String
    /// The MD5 of the body as SQS computed it when the message was sent.
    public let md5OfBody: String
    /// System attributes (`ApproximateReceiveCount`, `SentTimestamp`...).
    public let attributes: [String: String]

    public init(messageId: String, receiptHandle: String, body: String, md5OfBody: String, attributes: [String: String] = [:]) {
        self.messageId = messageId
        self.receiptHandle = receiptHandle
        self.body = body
        self.md5OfBody = md5OfBody
        self.attributes = attributes
    }

    /// Whether the body is the one SQS stored: its MD5 matches `md5OfBody` (the check AWS's SDKs make).
    public var bodyIsIntact: Bool { SQSMessage.md5(body) == md5OfBody.lowercased() }

    /// How many times the message was received, this time included (1 on a first delivery).
    public var receiveCount: Int { attributes["ApproximateReceiveCount"].flatMap(Int.init) ?? 1 }

    /// The lowercase hex MD5 of a body's UTF-8 bytes, as SQS reports it.
    public static func md5(_ body: String) -> String {
        lowercaseHex(Insecure.MD5.hash(data: Data(body.utf8)))
    }
}

/// An error SQS answered, or a failure to reach it.
public struct SQSError: Error, CustomStringConvertible, Sendable {
    /// The error's name (`QueueDoesNotExist`, `InvalidSignatureException`...), or `Unreachable`.
    public let code: String
    public let message: String
    /// The HTTP status, nil when no answer came.
    public let status: Int?

    public init(code: String, message: String, status: Int?) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// Worth trying again later: SQS unreachable, throttling or a server-side error. A refused
    /// signature or a missing queue is not (the configuration must change first).
    public var isTransient: Bool {
        guard let status else { return true }
        return status >= 500 || status == 429 || ["RequestThrottled", "ThrottlingException", "ServiceUnavailable"].contains(code)
    }

    public var description: String { "SQS \(code)\(status.map { " (HTTP \($0))" } ?? ""): \(message)" }
}

/// Amazon SQS over its JSON protocol (`application/x-amz-json-1.0`, one `X-Amz-Target` per
/// operation, SigV4-signed), written from the service's published model: the operations
/// a notification reader needs, and the few that set up or feed a queue.
///
/// No retries here: the reader's loop decides when to try again (`SQSError.isTransient`).
public struct SQSClient: Sendable {
    public let endpoint: URL
    private let signer: AWSRequestSigner
    private let httpClient: HTTPClient
    /// What signs requests: SQS refuses a signature more than 15 minutes off its own clock, so this
    /// is the wall clock in production.
    private let now: @Sendable () -> Date

    /// - Parameter endpoint: `https://sqs.<region>.amazonaws.com` for AWS (`defaultEndpoint`), or an
    ///   SQS-compatible server.
    public init(endpoint: URL, region: String, accessKeyId: String, secretAccessKey: String, httpClient: HTTPClient,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.endpoint = endpoint
        self.signer = AWSRequestSigner(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, region: region, service: "sqs")
        self.httpClient = httpClient
        self.now = now
    }

    /// AWS's regional endpoint.
    public static func defaultEndpoint(region: String) -> URL {
        URL(string: "https://sqs.\(region).amazonaws.com")!
    }

    // MARK: Operations

    /// Up to `maxMessages` (1-10) messages, waiting up to `waitSeconds` (0-20) for the first
    /// (long polling); each is hidden from other readers for the queue's visibility timeout, or
    /// `visibilityTimeout` seconds, until deleted.
    public func receiveMessages(queueURL: String, maxMessages: Int = 10, waitSeconds: Int = 20,
                                visibilityTimeout: Int? = nil) async throws -> [SQSMessage] {
        struct Request: Encodable {
            let QueueUrl: String
            let MaxNumberOfMessages: Int
            let WaitTimeSeconds: Int
            let VisibilityTimeout: Int?
            let MessageSystemAttributeNames: [String]
        }
        struct Result: Decodable {
            struct Message: Decodable {
                let MessageId: String
                let ReceiptHandle: String
                let MD5OfBody: String
                let Body: String
                let Attributes: [String: String]?
            }
            let Messages: [Message]?
        }
        let result = try await call("ReceiveMessage", Request(QueueUrl: queueURL, MaxNumberOfMessages: min(10, max(1, maxMessages)),
                                                              WaitTimeSeconds: min(20, max(0, waitSeconds)),
                                                              VisibilityTimeout: visibilityTimeout,
                                                              MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"]),
                                    as: Result.self, timeout: .seconds(Int64(waitSeconds) + 15))
        return (result.Messages ?? []).map {
            SQSMessage(messageId: $0.MessageId, receiptHandle: $0.ReceiptHandle, body: $0.Body, md5OfBody: $0.MD5OfBody,
                       attributes: $0.Attributes ?? [:])
        }
    }

    public func deleteMessage(queueURL: String, receiptHandle: String) async throws {
        struct Request: Encodable {
            let QueueUrl: String
            let ReceiptHandle: String
        }
        _ = try await call("DeleteMessage", Request(QueueUrl: queueURL, ReceiptHandle: receiptHandle), as: Empty.self)
    }

    /// Hides a received message for `seconds` more from now (0 makes it visible again at once).
    public func changeMessageVisibility(queueURL: String, receiptHandle: String, seconds: Int) async throws {
        struct Request: Encodable {
            let QueueUrl: String
            let ReceiptHandle: String
            let VisibilityTimeout: Int
        }
        _ = try await call("ChangeMessageVisibility", Request(QueueUrl: queueURL, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds),
                           as: Empty.self)
    }

    /// - Returns: the new message's id.
    @discardableResult
    public func sendMessage(queueURL: String, body: String) async throws -> String {
        struct Request: Encodable {
            let QueueUrl: String
            let MessageBody: String
        }
        struct Result: Decodable {
            let MessageId: String
            let MD5OfMessageBody: String
        }
        let result = try await call("SendMessage", Request(QueueUrl: queueURL, MessageBody: body), as: Result.self)
        guard result.MD5OfMessageBody.lowercased() == SQSMessage.md5(body) else {
            throw SQSError(code: "MD5Mismatch", message: "SQS stored a body other than the one sent (message \(result.MessageId))", status: nil)
        }
        return result.MessageId
    }

    /// - Returns: the queue's URL (the queue is made if missing; an existing one is returned as is).
    public func createQueue(name: String) async throws -> String {
        struct Request: Encodable { let QueueName: String }
        struct Result: Decodable { let QueueUrl: String }
        return try await call("CreateQueue", Request(QueueName: name), as: Result.self).QueueUrl
    }

    public func queueURL(name: String) async throws -> String {
        struct Request: Encodable { let QueueName: String }
        struct Result: Decodable { let QueueUrl: String }
        return try await call("GetQueueUrl", Request(QueueName: name), as: Result.self).QueueUrl
    }

    /// Queue attributes by name (`QueueArn`, `ApproximateNumberOfMessages`...).
    public func queueAttributes(queueURL: String, names: [String]) async throws -> [String: String] {
        struct Request: Encodable {
            let QueueUrl: String
            let AttributeNames: [String]
        }
        struct Result: Decodable { let Attributes: [String: String]? }
        return try await call("GetQueueAttributes", Request(QueueUrl: queueURL, AttributeNames: names), as: Result.self).Attributes ?? [:]
    }

    // MARK: The wire

    private struct Empty: Decodable {}

    private func call<Body: Encodable, Result: Decodable>(_ operation: String, _ body: Body, as: Result.Type,
                                                           timeout: TimeAmount = .seconds(30)) async throws -> Result {
        let payload = try JSONEncoder().encode(body)
        let host = endpoint.port.map { "\(endpoint.host ?? ""):\($0)" } ?? (endpoint.host ?? "")
        let path = endpoint.path.isEmpty ? "/" : endpoint.path
        var request = HTTPClientRequest(url: endpoint.absoluteString.hasSuffix("/") || !endpoint.path.isEmpty
                                        ? endpoint.absoluteString : endpoint.absoluteString + "/")
        request.method = .POST
        let headers = signer.sign(method: "POST", path: path,
                                  headers: [("host", host), ("content-type", "application/x-amz-json-1.0"),
                                            ("x-amz-target", "AmazonSQS.\(operation)")],
                                  payloadSHA256: lowercaseHex(SHA256.hash(data: payload)), date: now())
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response: HTTPClientResponse
        let answer: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: timeout)
            answer = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw SQSError(code: "Unreachable", message: "\(endpoint.host ?? endpoint.absoluteString): \(error)", status: nil)
        }
        let data = Data(answer.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Self.error(status: Int(response.status.code), data: data)
        }
        if data.isEmpty, let empty = Empty() as? Result { return empty }
        do {
            return try JSONDecoder().decode(Result.self, from: data)
        } catch {
            throw SQSError(code: "MalformedResponse", message: "\(operation) answered what its model does not describe: \(error)",
                           status: Int(response.status.code))
        }
    }

    /// `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."}`: the name after `#`.
    static func error(status: Int, data: Data) -> SQSError {
        struct Body: Decodable {
            let __type: String?
            let message: String?
            let Message: String?
        }
        let body = try? JSONDecoder().decode(Body.self, from: data)
        let type = body?.__type ?? "HTTP\(status)"
        let code = type.split(separator: "#").last.map(String.init) ?? type
        return SQSError(code: code, message: body?.message ?? body?.Message ?? String(decoding: data.prefix(300), as: UTF8.self), status: status)
    }
}
