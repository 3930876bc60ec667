import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OpsideAWS

/// One SQS queue of the sandbox.
struct SandboxQueue: Sendable {
    let name: String
    var messages: [SandboxQueuedMessage] = []
    /// Seconds a received message stays hidden unless the receive asks otherwise (SQS's default, 30).
    var visibilityTimeout = 30
}

/// A message in a queue. Visibility runs on real time, as SQS's does: it is the transport, not
/// Amazon's business clock.
struct SandboxQueuedMessage: Sendable {
    let id: String
    let body: String
    let sentAt: Date
    var visibleAt: Date
    var receiveCount = 0
    /// The handle of the latest receipt; an older one no longer deletes the message.
    var receiptHandle: String?
    var firstReceivedAt: Date?
}

/// Amazon SQS's JSON protocol on `POST /` (`X-Amz-Target: AmazonSQS.<Operation>`), enough of it
/// for Notifications v1 destinations: what a notification reader calls (ReceiveMessage,
/// DeleteMessage, ChangeMessageVisibility, GetQueueAttributes, GetQueueUrl) and what sets up or
/// feeds a queue (CreateQueue, SendMessage).
///
/// Requests must carry an AWS Signature Version 4 made with the sandbox's key
/// (`sandbox.sqs.accessKeyId`); a wrong secret, another key or a stale date is refused with the
/// error AWS gives, so a client that signs badly fails here as it would against AWS. Before a
/// receive, Amazon's notifications due to the queue are delivered (`SandboxNotificationFeed`).
struct SandboxQueues: Sendable {
    let state: SandboxState
    let feed: SandboxNotificationFeed
    static let targetHeader = HTTPField.Name("x-amz-target")!
    static let queryErrorHeader = HTTPField.Name("x-amzn-query-error")!
    /// The largest body SQS takes (256 KiB).
    static let maximumMessageBytes = 262_144

    func register(on router: Router<BasicRequestContext>) {
        router.post("/") { request, _ in try await handle(request) }
    }

    /// `arn:aws:sqs:<region>:<account>:<name>` of a queue.
    func arn(_ name: String) -> String { "arn:aws:sqs:\(state.settings.sqsRegion):\(state.settings.sqsAccountID):\(name)" }

    /// The queue an ARN names, when it is one of the sandbox's.
    func queueName(arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "sqs", String(parts[4]) == state.settings.sqsAccountID else { return nil }
        return String(parts[5])
    }

    struct SQSFailure: Error {
        let status: HTTPResponse.Status
        let type: String
        /// The older Query protocol's code, which SDKs in query-compatible mode report.
        let queryCode: String?
        let message: String

        static func queueMissing(_ url: String) -> SQSFailure {
            SQSFailure(status: .badRequest, type: "QueueDoesNotExist", queryCode: "AWS.SimpleQueueService.NonExistentQueue",
                       message: "The specified queue does not exist: \(url)")
        }

        static func invalid(_ message: String) -> SQSFailure {
            SQSFailure(status: .badRequest, type: "InvalidParameterValue", queryCode: "InvalidParameterValue", message: message)
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maximumMessageBytes + 65_536)
        let bytes = Data(body.readableBytesView)
        do {
            try verifySignature(request, body: bytes)
            guard let target = request.headers[Self.targetHeader], target.hasPrefix("AmazonSQS.") else {
                throw SQSFailure(status: .badRequest, type: "UnknownOperationException", queryCode: nil,
                                 message: "X-Amz-Target must name an AmazonSQS operation")
            }
            guard let input = (try? JSONSerialization.jsonObject(with: bytes.isEmpty ? Data("{}".utf8) : bytes)) as? [String: Any] else {
                throw SQSFailure(status: .badRequest, type: "SerializationException", queryCode: nil, message: "The body is not a JSON object")
            }
            let base = "http://\(request.head.authority ?? "\(state.settings.host):\(state.settings.port)")"
            return try await perform(String(target.dropFirst("AmazonSQS.".count)), input, base: base)
        } catch let failure as SQSFailure {
            var headers: HTTPFields = [:]
            if let code = failure.queryCode { headers[Self.queryErrorHeader] = "\(code);Sender" }
            let type = failure.type.contains("Exception") && failure.queryCode == nil
                ? "com.amazon.coral.service#\(failure.type)" : "com.amazonaws.sqs#\(failure.type)"
            var response = SandboxResponse.json(["__type": type, "message": failure.message], status: failure.status, headers: headers)
            response.headers[.contentType] = "application/x-amz-json-1.0"
            return response
        }
    }

    func perform(_ operation: String, _ input: [String: Any], base: String) async throws -> Response {
        switch operation {
        case "CreateQueue":
            let name = try string(input, "QueueName")
            guard (1...80).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw SQSFailure.invalid("A queue name is 1 to 80 letters, digits, hyphens or underscores")
            }
            state.withLock { inner in if inner.queues[name] == nil { inner.queues[name] = SandboxQueue(name: name) } }
            return answer(["QueueUrl": url(base: base, name)])
        case "GetQueueUrl":
            let name = try string(input, "QueueName")
            guard state.withLock({ $0.queues[name] }) != nil else { throw SQSFailure.queueMissing(name) }
            return answer(["QueueUrl": url(base: base, name)])
        case "GetQueueAttributes":
            let name = try queue(input)
            await feed.deliverDue(to: name, queues: self)
            let (visible, hidden) = state.withLock { inner -> (Int, Int) in
                let now = Date()
                let messages = inner.queues[name]?.messages ?? []
                return (messages.count { $0.visibleAt <= now }, messages.count { $0.visibleAt > now })
            }
            let all: [String: String] = ["QueueArn": arn(name), "ApproximateNumberOfMessages": String(visible),
                                         "ApproximateNumberOfMessagesNotVisible": String(hidden), "VisibilityTimeout": "30"]
            let wanted = input["AttributeNames"] as? [String] ?? []
            return answer(["Attributes": wanted.contains("All") ? all : all.filter { wanted.contains($0.key) }])
        case "SendMessage":
            let name = try queue(input)
            let body = try string(input, "MessageBody")
            guard !body.isEmpty, body.utf8.count <= Self.maximumMessageBytes else {
                throw SQSFailure.invalid("MessageBody must be 1 byte to 256 KiB")
            }
            let id = enqueue(body, in: name)
            return answer(["MessageId": id, "MD5OfMessageBody": SQSMessage.md5(body)])
        case "ReceiveMessage":
            // SQS leaves `Messages` out when there is none (SDKs test for the key).
            let messages = try await receive(input)
            return answer(messages.isEmpty ? [:] : ["Messages": messages])
        case "DeleteMessage":
            let name = try queue(input)
            let handle = try string(input, "ReceiptHandle")
            let found = state.withLock { inner -> Bool in
                guard let index = inner.queues[name]?.messages.firstIndex(where: { $0.receiptHandle == handle }) else { return false }
                inner.queues[name]?.messages.remove(at: index)
                return true
            }
            // SQS accepts the handle of a message already deleted; a handle it never issued is refused.
            guard found || handle.hasPrefix("sandbox-receipt-") else {
                throw SQSFailure(status: .badRequest, type: "ReceiptHandleIsInvalid", queryCode: "ReceiptHandleIsInvalid",
                                 message: "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
            }
            return answer([:])
        case "ChangeMessageVisibility":
            let name = try queue(input)
            let handle = try string(input, "ReceiptHandle")
            guard let seconds = (input["VisibilityTimeout"] as? NSNumber)?.intValue, (0...43_200).contains(seconds) else {
                throw SQSFailure.invalid("VisibilityTimeout must be 0 to 43200 seconds")
            }
            let changed = state.withLock { inner -> Bool in
                guard let index = inner.queues[name]?.messages.firstIndex(where: { $0.receiptHandle == handle }),
                      inner.queues[name]!.messages[index].visibleAt > Date() else { return false }
                inner.queues[name]!.messages[index].visibleAt = Date().addingTimeInterval(TimeInterval(seconds))
                return true
            }
            guard changed else {
                throw SQSFailure(status: .badRequest, type: "MessageNotInflight", queryCode: "AWS.SimpleQueueService.MessageNotInflight",
                                 message: "The message referred to is not in flight.")
            }
            return answer([:])
        default:
            throw SQSFailure(status: .badRequest, type: "InvalidAction", queryCode: "InvalidAction",
                             message: "The action \(operation) is not valid for this endpoint.")
        }
    }

    /// Puts a message at the end of a queue. - Returns: its id.
    @discardableResult
    func enqueue(_ body: String, in name: String) -> String {
        let message = SandboxQueuedMessage(id: UUID().uuidString.lowercased(), body: body, sentAt: Date(), visibleAt: Date())
        state.withLock { $0.queues[name]?.messages.append(message) }
        return message.id
    }

    /// Long polling: waits up to `WaitTimeSeconds` for a visible message, delivering Amazon's due
    /// notifications first and then every quarter second.
    func receive(_ input: [String: Any]) async throws -> [[String: Any]] {
        let name = try queue(input)
        let maximum = (input["MaxNumberOfMessages"] as? NSNumber)?.intValue ?? 1
        guard (1...10).contains(maximum) else { throw SQSFailure.invalid("MaxNumberOfMessages must be 1 to 10") }
        let wait = (input["WaitTimeSeconds"] as? NSNumber)?.intValue ?? 0
        guard (0...20).contains(wait) else { throw SQSFailure.invalid("WaitTimeSeconds must be 0 to 20") }
        let visibility = (input["VisibilityTimeout"] as? NSNumber)?.intValue
        let attributeNames = Set((input["MessageSystemAttributeNames"] as? [String] ?? []) + (input["AttributeNames"] as? [String] ?? []))
        let deadline = Date().addingTimeInterval(TimeInterval(wait))
        while true {
            await feed.deliverDue(to: name, queues: self)
            let taken = state.withLock { inner -> [SandboxQueuedMessage] in
                guard var queue = inner.queues[name] else { return [] }
                let now = Date()
                var taken: [SandboxQueuedMessage] = []
                for index in queue.messages.indices where taken.count < maximum && queue.messages[index].visibleAt <= now {
                    queue.messages[index].receiveCount += 1
                    queue.messages[index].receiptHandle = "sandbox-receipt-\(UUID().uuidString.lowercased())"
                    queue.messages[index].firstReceivedAt = queue.messages[index].firstReceivedAt ?? now
                    queue.messages[index].visibleAt = now.addingTimeInterval(TimeInterval(visibility ?? queue.visibilityTimeout))
                    taken.append(queue.messages[index])
                }
                inner.queues[name] = queue
                return taken
            }
            if !taken.isEmpty || Date() >= deadline {
                return taken.map { message in
                    var attributes: [String: String] = [
                        "ApproximateReceiveCount": String(message.receiveCount),
                        "SentTimestamp": String(Int64(message.sentAt.timeIntervalSince1970 * 1000)),
                        "ApproximateFirstReceiveTimestamp": String(Int64((message.firstReceivedAt ?? message.sentAt).timeIntervalSince1970 * 1000)),
                        "SenderId": state.settings.sqsAccountID,
                    ]
                    if !attributeNames.contains("All") { attributes = attributes.filter { attributeNames.contains($0.key) } }
                    var json: [String: Any] = ["MessageId": message.id, "ReceiptHandle": message.receiptHandle ?? "",
                                               "MD5OfBody": SQSMessage.md5(message.body), "Body": message.body]
                    if !attributes.isEmpty { json["Attributes"] = attributes }
                    return json
                }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    // MARK: Inputs

    func string(_ input: [String: Any], _ key: String) throws -> String {
        guard let value = input[key] as? String else {
            throw SQSFailure(status: .badRequest, type: "MissingParameter", queryCode: "MissingParameter",
                             message: "The request must contain the parameter \(key).")
        }
        return value
    }

    /// The queue `QueueUrl` names (`<base>/<account>/<name>`), which must exist.
    func queue(_ input: [String: Any]) throws -> String {
        let url = try string(input, "QueueUrl")
        let parts = url.split(separator: "/")
        guard parts.count >= 2, String(parts[parts.count - 2]) == state.settings.sqsAccountID,
              state.withLock({ $0.queues[String(parts[parts.count - 1])] }) != nil else { throw SQSFailure.queueMissing(url) }
        return String(parts[parts.count - 1])
    }

    func url(base: String, _ name: String) -> String { "\(base)/\(state.settings.sqsAccountID)/\(name)" }

    func answer(_ object: [String: Any]) -> Response {
        var response = SandboxResponse.json(object)
        response.headers[.contentType] = "application/x-amz-json-1.0"
        return response
    }

    // MARK: Signature Version 4

    /// Recomputes the request's signature with the sandbox's secret, as AWS does.
    func verifySignature(_ request: Request, body: Data) throws {
        func refuse(_ type: String, _ message: String) -> SQSFailure {
            SQSFailure(status: .badRequest, type: type, queryCode: nil, message: message)
        }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("AWS4-HMAC-SHA256 ") else {
            throw refuse("MissingAuthenticationTokenException", "Request is missing Authentication Token")
        }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw refuse("IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature.")
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, scope[3] == "sqs", scope[4] == "aws4_request" else {
            throw refuse("IncompleteSignatureException", "Credential should be scoped to a valid region and the sqs service: \(credential)")
        }
        guard scope[0] == state.settings.sqsAccessKeyID else {
            throw refuse("UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        guard let timestamp = request.headers[HTTPField.Name("x-amz-date")!], timestamp.hasPrefix(scope[1]),
              let date = Self.date(timestamp) else {
            throw refuse("IncompleteSignatureException", "x-amz-date must be the request's time, on the credential's day")
        }
        guard abs(date.timeIntervalSinceNow) <= 900 else {
            throw refuse("InvalidSignatureException", "Signature expired: \(timestamp) is more than 15 minutes from the server's time.")
        }
        var headers: [(name: String, value: String)] = []
        for name in signedHeaders.split(separator: ";").map(String.init) {
            if name == "host" {
                headers.append((name, request.head.authority ?? ""))
            } else if let fieldName = HTTPField.Name(name) {
                headers.append(contentsOf: request.headers[values: fieldName].map { (name, $0) })
            }
        }
        let payloadSHA256 = request.headers[HTTPField.Name("x-amz-content-sha256")!] ?? lowercaseHex(SHA256.hash(data: body))
        let query: [(name: String, value: String)] = (request.uri.query ?? "").split(separator: "&").map { item in
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (pair[0], pair.count > 1 ? pair[1] : "")
        }
        let signer = AWSRequestSigner(accessKeyId: scope[0], secretAccessKey: state.settings.sqsSecretAccessKey, region: scope[2], service: "sqs")
        let canonical = signer.canonicalRequest(method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                                                payloadSHA256: payloadSHA256)
        guard canonical.signedHeaders == signedHeaders, signer.signature(canonicalRequest: canonical.request, timestamp: timestamp) == signature else {
            throw refuse("InvalidSignatureException", """
                The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key \
                and signing method.
                """)
        }
    }

    /// `yyyyMMdd'T'HHmmss'Z'`.
    static func date(_ timestamp: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.date(from: timestamp)
    }
}
