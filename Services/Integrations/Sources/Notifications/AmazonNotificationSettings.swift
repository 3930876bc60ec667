import Configuration
import Foundation
import OpsideAWS
import OpsideCore

/// How Amazon's notifications reach integrations (issue 16).
///
/// Amazon delivers them only to an SQS queue or an EventBridge bus (`amazon-spapi.md` §8); we read
/// an SQS queue. In production that is a queue in our AWS account whose policy lets Amazon's
/// notifications principal send to it; locally it is the Amazon sandbox's queue, read by the same
/// code. Keys:
/// - `notifications.transport` [`NOTIFICATIONS_TRANSPORT`]: `sqs` or `off` (default: no subscriptions are
///   made and nothing is read; the syncs alone keep the data current).
/// - `notifications.sqs.queueUrl` [`NOTIFICATIONS_SQS_QUEUE_URL`]: the queue (required with `sqs`; an https URL
///   off this machine in the production profile, as is the endpoint).
/// - `notifications.sqs.region`: default `us-east-1`.
/// - `notifications.sqs.endpoint`: default `https://sqs.<region>.amazonaws.com`; the sandbox's base URL locally.
/// - `notifications.sqs.accessKeyId`, `notifications.sqs.secretAccessKey` (secret): the AWS key that may
///   read and delete the queue's messages (required with `sqs`).
/// - `notifications.sqs.waitSeconds`: long-polling wait of each receive, 0-20; default 20.
/// - `notifications.types`: the notification types each connected seller is subscribed to; default
///   REPORT_PROCESSING_FINISHED, FBA_INVENTORY_AVAILABILITY_CHANGES, ORDER_CHANGE.
/// - `notifications.destinationName`: the name of the destination made for the queue; default `opside`.
public struct AmazonNotificationSettings: Sendable, CustomStringConvertible, CustomReflectable {
    public enum Transport: String, Sendable { case sqs, off }

    public var transport: Transport
    public var queueURL: String
    public var region: String
    public var endpoint: URL
    public var accessKeyID: String
    public var secretAccessKey: String
    public var waitSeconds: Int
    public var types: [String]
    public var destinationName: String

    /// The types we read, with the payload version each is subscribed at (the versions of the
    /// payload schemas in the models repo).
    public static let payloadVersions = ["REPORT_PROCESSING_FINISHED": "2020-09-04", "FBA_INVENTORY_AVAILABILITY_CHANGES": "1.0",
                                         "ORDER_CHANGE": "1.0"]

    public init(transport: Transport = .off, queueURL: String = "", region: String = "us-east-1", endpoint: URL? = nil,
                accessKeyID: String = "", secretAccessKey: String = "", waitSeconds: Int = 20,
                types: [String] = ["REPORT_PROCESSING_FINISHED", "FBA_INVENTORY_AVAILABILITY_CHANGES", "ORDER_CHANGE"],
                destinationName: String = "opside") {
        self.transport = transport
        self.queueURL = queueURL
        self.region = region
        self.endpoint = endpoint ?? SQSClient.defaultEndpoint(region: region)
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.waitSeconds = min(20, max(0, waitSeconds))
        self.types = types
        self.destinationName = destinationName
    }

    /// Everything but the secret, which stays out of logs and error descriptions.
    public var description: String {
        "AmazonNotificationSettings(transport: \(transport.rawValue), queueURL: \(queueURL), region: \(region), endpoint: \(endpoint), "
            + "accessKeyID: \(accessKeyID), secretAccessKey: <redacted>, waitSeconds: \(waitSeconds), types: \(types))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["transport": transport, "queueURL": queueURL, "region": region, "endpoint": endpoint,
                                "accessKeyID": accessKeyID, "waitSeconds": waitSeconds, "types": types])
    }

    /// - Throws: `ConfigurationError` for an unknown transport, a type we cannot read, or `sqs`
    ///   without its queue or key.
    public init(reader: ConfigReader) throws {
        let transportText = reader.string(forKey: "notifications.transport", default: "off")
        guard let transport = Transport(rawValue: transportText) else {
            throw ConfigurationError(key: "notifications.transport", reason: "must be sqs or off, not \(transportText)")
        }
        let region = reader.string(forKey: "notifications.sqs.region", default: "us-east-1")
        let endpointText = reader.string(forKey: "notifications.sqs.endpoint")
        guard endpointText.map({ URL(string: $0)?.host != nil }) ?? true else {
            throw ConfigurationError(key: "notifications.sqs.endpoint", reason: "must be an http(s) URL")
        }
        self.init(transport: transport, queueURL: reader.string(forKey: "notifications.sqs.queueUrl", default: ""), region: region,
                  endpoint: endpointText.flatMap { URL(string: $0) },
                  accessKeyID: reader.string(forKey: "notifications.sqs.accessKeyId", default: ""),
                  secretAccessKey: reader.string(forKey: "notifications.sqs.secretAccessKey", isSecret: true, default: ""),
                  waitSeconds: reader.int(forKey: "notifications.sqs.waitSeconds", default: 20),
                  types: reader.stringArray(forKey: "notifications.types",
                                            default: ["REPORT_PROCESSING_FINISHED", "FBA_INVENTORY_AVAILABILITY_CHANGES", "ORDER_CHANGE"]),
                  destinationName: reader.string(forKey: "notifications.destinationName", default: "opside"))
        for type in types where Self.payloadVersions[type] == nil {
            throw ConfigurationError(key: "notifications.types", reason: "\(type) is not a type integrations reads (\(Self.payloadVersions.keys.sorted()))")
        }
        if transport == .sqs {
            for (key, value) in [("notifications.sqs.queueUrl", queueURL), ("notifications.sqs.accessKeyId", accessKeyID),
                                 ("notifications.sqs.secretAccessKey", secretAccessKey)] where value.isEmpty {
                throw ConfigurationError(key: key, reason: "is required when notifications.transport is sqs")
            }
            // A deployed suite reads AWS's queue, never a local sandbox's.
            if try DeploymentProfile(reader: reader) == .production {
                try DeploymentProfile.requireRealEndpoint(queueURL, key: "notifications.sqs.queueUrl")
                try DeploymentProfile.requireRealEndpoint(endpoint.absoluteString, key: "notifications.sqs.endpoint")
            }
        }
    }
}
