import Hummingbird
import NIOCore
import OpsideCore

/// Writes every handler's `ResponseEncodable` answer in the suite's JSON style (`OpsideJSON`):
/// lowercase UUIDs, ISO 8601 UTC dates, unescaped slashes.
public struct OpsideResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let bytes = try OpsideJSONEncoder().encodeToBytes(value)
        var headers = HTTPFields()
        headers.reserveCapacity(4)
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
