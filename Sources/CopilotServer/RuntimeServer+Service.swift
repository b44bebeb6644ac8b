import ServiceLifecycle

/// A ``RuntimeServer`` serving one transport as a swift-service-lifecycle `Service`.
///
/// ``run()`` serves until the transport ends (standard input closed), the task is cancelled, or
/// the service group shuts down gracefully (SIGTERM, SIGINT). On a graceful shutdown the sessions
/// end first, while the clients still listen (a running message is aborted: they get `abort` and
/// `session.idle`), then serving stops. Either way every session's log is complete, so another
/// server may take it over at once.
package struct RuntimeServerService: Service {
    /// Where the server listens.
    package enum Transport: Sendable {
        /// One client over standard input and output.
        case standardIO
        /// Up to `maxConnections` clients at once on `host:port` (port 0 picks a free one), idle
        /// ones closed after `idleTimeout` (see ``RuntimeServer/serveTCP(host:port:maxConnections:idleTimeout:onListening:)``);
        /// `onListening` gets the bound port.
        case tcp(host: String, port: Int, maxConnections: Int = 1024, idleTimeout: Duration? = nil, onListening: @Sendable (Int) -> Void)
    }

    package let server: RuntimeServer
    package let transport: Transport

    package init(server: RuntimeServer, transport: Transport) {
        self.server = server
        self.transport = transport
    }

    package func run() async throws {
        let (server, transport) = (server, transport)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    switch transport {
                    case .standardIO: try await server.serveStandardIO()
                    case .tcp(let host, let port, let maxConnections, let idleTimeout, let onListening):
                        try await server.serveTCP(
                            host: host, port: port, maxConnections: maxConnections, idleTimeout: idleTimeout, onListening: onListening)
                    }
                }
                group.addTask {
                    try await gracefulShutdown()
                    await server.shutdown()
                }
                // Serving ended by itself, or the sessions were ended for a graceful shutdown.
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch is CancellationError {
            // Stopped from outside: the sessions still end cleanly below.
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
