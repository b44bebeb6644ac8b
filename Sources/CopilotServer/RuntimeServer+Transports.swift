import CopilotProtocol
import CopilotProviders
import CopilotRuntime
import Logging
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
        if let problem = Self.standardIOProblem() { throw CopilotError(code: .invalidConfiguration, message: problem) }
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

    /// Why standard input and output cannot carry the protocol, or nil when they can: each must be a
    /// pipe, a socket or a terminal (what an SDK gives its runtime). A file or a device such as
    /// /dev/null cannot be watched for readiness, and NIO would trap on it.
    package static func standardIOProblem() -> String? {
        for (descriptor, name) in [(STDIN_FILENO, "standard input"), (STDOUT_FILENO, "standard output")] {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { return "\(name) is closed; start copilot-swift with pipes, as the official SDKs do." }
            let kind = status.st_mode & S_IFMT
            if kind == S_IFIFO || kind == S_IFSOCK || isatty(descriptor) == 1 { continue }
            let what = kind == S_IFREG ? "a file" : kind == S_IFCHR ? "a device such as /dev/null" : "neither a pipe nor a socket"
            return "\(name) is \(what); the protocol needs a pipe, a socket or a terminal there (an official SDK starts copilot-swift with pipes)."
        }
        return nil
    }

    /// Listens on `host:port` (port 0 picks a free one), reports the bound port, and serves every
    /// connection until the task is cancelled.
    ///
    /// At most `maxConnections` are served at once. When they are all taken, a new connection takes
    /// the place of the one that has been idle longest (``isIdle(_:)``: no session, no request), so
    /// a flood of idle sockets cannot lock clients out; when none is idle, the new one is closed as
    /// soon as it is accepted. With `idleTimeout`, idle connections are closed after that long.
    package func serveTCP(
        host: String, port: Int, maxConnections: Int = 1024, idleTimeout: Duration? = nil, onListening: @Sendable (Int) -> Void
    ) async throws {
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
                let served = ServedConnections()
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        let channel = connection.channel
                        let rpc = RPCConnection(clock: providerContext.clock) { channel.close(promise: nil) }
                        guard admit(rpc, into: served, limit: maxConnections) else {
                            // Closed through the async channel, which must finish its writer itself.
                            group.addTask { try? await connection.executeThenClose { _, _ in } }
                            continue
                        }
                        group.addTask {
                            defer { served.remove(rpc) }
                            await withTaskCancellationHandler {
                                try? await connection.executeThenClose { inbound, outbound in
                                    await self.serve(
                                        rpc, input: inbound.map { Array($0.readableBytesView) }, idleTimeout: idleTimeout,
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

    /// Adds `connection` to those `served`, making room by closing the longest-idle one when all
    /// `limit` places are taken; false when none can go.
    private func admit(_ connection: RPCConnection, into served: ServedConnections, limit: Int) -> Bool {
        let outcome = served.state.withLock { served -> (admitted: Bool, evicted: RPCConnection?) in
            var evicted: RPCConnection?
            if served.connections.count >= limit {
                evicted = served.oldestSilent() ?? longestIdle(among: served.connections.values)
                guard let evicted else { return (false, nil) }
                served.connections.removeValue(forKey: ObjectIdentifier(evicted))
            }
            served.connections[ObjectIdentifier(connection)] = connection
            served.appendSilent(connection)
            return (true, evicted)
        }
        if let evicted = outcome.evicted {
            logger.info("closing the longest-idle connection to admit a new one", metadata: ["connection": "\(evicted.id)"])
            evicted.close()
        }
        return outcome.admitted
    }

    /// The idle connection whose peer sent its last frame longest ago (one pass over the sessions,
    /// one over the connections).
    private func longestIdle(among connections: some Sequence<RPCConnection>) -> RPCConnection? {
        let listening = connectionsWithSessions()
        return connections
            .compactMap { candidate -> (RPCConnection, UInt64)? in
                let activity = candidate.activity
                return activity.busy || listening.contains(ObjectIdentifier(candidate)) ? nil : (candidate, activity.lastFrame)
            }
            .min { $0.1 < $1.1 }?.0
    }
}

/// The TCP connections being served, by identity.
private final class ServedConnections: Sendable {
    struct State {
        var connections: [ObjectIdentifier: RPCConnection] = [:]
        /// Admitted connections in order, from `head` on, among them every one whose peer has not
        /// sent a frame yet: a flood of silent sockets is turned away in constant time each.
        var silent: [RPCConnection] = []
        var head = 0

        mutating func appendSilent(_ connection: RPCConnection) {
            silent.append(connection)
            // Connections that left or spoke are dropped now and then, so the line stays about as
            // long as the number served, however many come and go.
            if silent.count - head > 2 * connections.count + 64 {
                silent = silent[head...].filter { connections[ObjectIdentifier($0)] === $0 && $0.activity.lastFrame == $0.createdAt }
                head = 0
            }
        }

        /// The oldest served connection whose peer has sent nothing (so it holds no session and
        /// awaits nothing); those that have spoken, or left, are dropped from the line on the way.
        mutating func oldestSilent() -> RPCConnection? {
            defer {
                if head > 1024, head * 2 > silent.count {
                    silent.removeFirst(head)
                    head = 0
                }
            }
            while head < silent.count {
                let candidate = silent[head]
                head += 1
                if connections[ObjectIdentifier(candidate)] === candidate, candidate.activity.lastFrame == candidate.createdAt {
                    return candidate
                }
            }
            return nil
        }
    }

    let state = Mutex(State())

    func remove(_ connection: RPCConnection) {
        state.withLock { state in
            let key = ObjectIdentifier(connection)
            if state.connections[key] === connection { state.connections.removeValue(forKey: key) }
        }
    }
}
