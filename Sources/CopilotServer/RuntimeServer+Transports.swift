import CopilotProtocol
import CopilotProviders
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RuntimeServer {
    /// Serves one client over standard input and output until input ends. Nothing but protocol frames
    /// is ever written to standard output.
    package func serveStandardIO() async throws {
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptors(input: STDIN_FILENO, output: STDOUT_FILENO) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            await serve(
                RPCConnection(clock: providerContext.clock), input: inbound.map { Array($0.readableBytesView) },
                write: { try await outbound.write(ByteBuffer(bytes: $0)) })
        }
    }

    /// Listens on `host:port` (port 0 picks a free one), reports the bound port, and serves every
    /// connection until the task is cancelled.
    package func serveTCP(host: String, port: Int, onListening: @Sendable (Int) -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        onListening(server.channel.localAddress?.port ?? port)
        // Cancelling stops listening and closes every connection (NIO's sequences end on close).
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask {
                            await withTaskCancellationHandler {
                                try? await connection.executeThenClose { inbound, outbound in
                                    await self.serve(
                                        RPCConnection(clock: self.providerContext.clock), input: inbound.map { Array($0.readableBytesView) },
                                        write: { try await outbound.write(ByteBuffer(bytes: $0)) })
                                }
                            } onCancel: {
                                connection.channel.close(promise: nil)
                            }
                        }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }
}
