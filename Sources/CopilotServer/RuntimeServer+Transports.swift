import CopilotProtocol
import CopilotProviders
import NIOCore
import NIOPosix
import Synchronization

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
        let pipe = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            await serve(
                RPCConnection(clock: providerContext.clock) { pipe.close(promise: nil) }, input: inbound.map { Array($0.readableBytesView) },
                write: { try await outbound.write(ByteBuffer(bytes: $0)) })
        }
    }

    /// Listens on `host:port` (port 0 picks a free one), reports the bound port, and serves every
    /// connection until the task is cancelled. At most `maxConnections` are served at once; one
    /// more is closed as soon as it is accepted, so a flood of idle sockets cannot stall the rest.
    package func serveTCP(host: String, port: Int, maxConnections: Int = 1024, onListening: @Sendable (Int) -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 4096)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        onListening(server.channel.localAddress?.port ?? port)
        // Cancelling stops listening and closes every connection (NIO's sequences end on close).
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                let open = ConnectionCount()
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        guard open.value.add(1, ordering: .relaxed).newValue <= maxConnections else {
                            open.value.subtract(1, ordering: .relaxed)
                            // Closed through the async channel, which must finish its writer itself.
                            group.addTask { try? await connection.executeThenClose { _, _ in } }
                            continue
                        }
                        group.addTask {
                            defer { open.value.subtract(1, ordering: .relaxed) }
                            let channel = connection.channel
                            await withTaskCancellationHandler {
                                try? await connection.executeThenClose { inbound, outbound in
                                    await self.serve(
                                        RPCConnection(clock: self.providerContext.clock) { channel.close(promise: nil) },
                                        input: inbound.map { Array($0.readableBytesView) },
                                        write: { try await outbound.write(ByteBuffer(bytes: $0)) })
                                }
                            } onCancel: {
                                channel.close(promise: nil)
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

/// The TCP connections being served.
private final class ConnectionCount: Sendable {
    let value = Atomic<Int>(0)
}
