package import ServiceLifecycle

/// A ``RuntimeServer`` serving one transport as a swift-service-lifecycle `Service`.
///
/// ``run()`` serves until the transport ends (standard input closed), the task is cancelled, or
/// the service group shuts down gracefully (SIGTERM, SIGINT); then it ends every session, so their
/// logs are complete and another server may take them over at once.
package struct RuntimeServerService: Service {
    /// Where the server listens.
    package enum Transport: Sendable {
        /// One client over standard input and output.
        case standardIO
        /// Any number of clients on `host:port` (port 0 picks a free one); `onListening` gets the bound port.
        case tcp(host: String, port: Int, onListening: @Sendable (Int) -> Void)
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
            try await cancelWhenGracefulShutdown {
                switch transport {
                case .standardIO: try await server.serveStandardIO()
                case .tcp(let host, let port, let onListening): try await server.serveTCP(host: host, port: port, onListening: onListening)
                }
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
