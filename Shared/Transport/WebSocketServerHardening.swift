import Foundation
import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import OpsideCore

/// The WebSocket-capable server (`HTTP1WebSocketUpgradeChannel`) reads a connection's first request
/// with an upgrade pipeline of its own, and installs Hummingbird's handlers (the idle timeout,
/// `ParserErrorResponder`) only once that request turns out not to be an upgrade. Before that, a
/// connection that says nothing would be held open for good, and a request line or headers past
/// the limits would be answered by a closed connection. This wrapper puts back both guarantees of
/// the plain server: a connection must start its first request within the idle timeout, and a
/// request the parser refuses gets the error envelope.
struct HardenedWebSocketChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let firstRequestTimeout: TimeAmount?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            if let firstRequestTimeout {
                try channel.pipeline.syncOperations.addHandler(FirstRequestDeadline(timeout: firstRequestTimeout), position: .first)
            }
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // After the upgrade pipeline's decoder: its parse errors reach this first.
            try channel.pipeline.syncOperations.addHandler(RawParserErrorResponder())
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes a connection whose first bytes do not arrive within `timeout`; gone once they do (the
/// idle timeout between requests, and the WebSocket's pings, take over).
final class FirstRequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }
}

/// `ParserErrorResponder` for the stage where requests are still NIOHTTP1's own parts.
final class RawParserErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundOut = HTTPServerResponsePart
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answered else { return }
        answered = true
        let (status, body) = ParserErrorResponder.answer(parserError)
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status.code), headers: [
            "content-type": "application/json; charset=utf-8", "content-length": String(body.count), "connection": "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}
