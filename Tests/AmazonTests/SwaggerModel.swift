import Foundation
import OpsideTesting
import OpsideAmazonSPAPI
import OpsideSchemaValidation

/// One of Amazon's Swagger 2.0 models, read to find each operation's response schema.
struct SwaggerModel: Sendable {
    let document: JSONValue
    let validator: JSONSchemaValidator

    /// The folder holding Amazon's models: `OPSIDE_SPAPI_MODELS`, else `shared/spapi-models` beside
    /// the repository (where the project keeps the official copies).
    static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["OPSIDE_SPAPI_MODELS"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/spapi-models")
    }

    /// Loads `<api>.json` (the `api` of an `SPAPIOperation`, e.g. `reports_2021-06-30`).
    init(api: String) throws {
        let url = Self.directory.appendingPathComponent("\(api).json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw HarnessError("model \(url.path) is missing: set OPSIDE_SPAPI_MODELS to the folder of Amazon's models")
        }
        document = try JSONDecoder().decode(JSONValue.self, from: data)
        guard case .object(let definitions)? = document["definitions"] else { throw HarnessError("\(api).json has no definitions") }
        validator = JSONSchemaValidator(definitions: definitions)
    }

    /// The declared responses of an operation by status code ("200", "202"…).
    func responses(operationID: String) -> [String: JSONValue]? {
        guard case .object(let paths)? = document["paths"] else { return nil }
        for case .object(let methods) in paths.values {
            for case .object(let operation) in methods.values where operation["operationId"] == .string(operationID) {
                if case .object(let responses)? = operation["responses"] { return responses }
            }
        }
        return nil
    }
}
