import Foundation
import HTTPTypes
import NIOCore
import OpsideCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refused (a header section or a URL over the limits, a
/// malformed request line) with the suite's error envelope, then closes the connection.
///
/// Hummingbird writes an empty 400 for these itself; this handler sits in the pipeline right
/// after the parser, so it sees the parser's error first and the client gets a body that says
/// what was wrong. The error goes no further, so only one response is ever written.
final class ParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private var answered = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let (status, body) = Self.answer(parserError)
        var head = HTTPResponse(status: status)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// The status and error envelope a request the parser refused gets.
    static func answer(_ error: HTTPParserError) -> (status: HTTPResponse.Status, body: Data) {
        let (status, code, message) = describe(error)
        let envelope = ErrorEnvelope(error: .init(code: code, message: message, details: [:], requestId: ""))
        return (status, (try? OpsideJSON.encode(envelope)) ?? Data())
    }

    static func describe(_ error: HTTPParserError) -> (HTTPResponse.Status, String, String) {
        switch error {
        case .headerOverflow:
            (.requestHeaderFieldsTooLarge, "headers_too_large",
             "the request line or headers are larger than this server accepts (80 KiB in all)")
        case .invalidURL:
            (.badRequest, "malformed_request", "the request URL is malformed")
        default:
            (.badRequest, "malformed_request", "the request is not valid HTTP/1.1")
        }
    }
}
