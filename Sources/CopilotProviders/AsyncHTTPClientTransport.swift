import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The default ``HTTPTransport``: AsyncHTTPClient, which streams response bodies on Linux and macOS.
///
/// Owns its `HTTPClient`: call ``shutdown()`` when done with one made by ``init(timeouts:maxConnectionsPerHost:)``.
/// ``shared(timeouts:)`` is the process-wide pool for those timeouts, which nobody shuts down (as
/// AsyncHTTPClient's own `HTTPClient.shared`), so a `CopilotClient` owns no pool and a client that is
/// dropped without `stop()` leaves nothing running and nothing to clean up.
package final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    private let timeouts: HTTPTimeouts

    /// Creates a transport with its own connection pool and the given timeouts.
    ///
    /// - Parameter maxConnectionsPerHost: how many HTTP/1.1 connections may be open to one host at
    ///   once; more concurrent streams than this wait for a free connection.
    package init(timeouts: HTTPTimeouts = .default, maxConnectionsPerHost: Int = 64) {
        self.timeouts = timeouts
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnectionsPerHost
        configuration.timeout = HTTPClient.Configuration.Timeout(
            connect: TimeAmount(timeouts.connect), read: TimeAmount(timeouts.idle))
        // A refused connection should fail at once with its real cause; retrying is the caller's policy.
        configuration.connectionPool.retryConnectionEstablishment = false
        // A redirect is the caller's to follow or not: web_fetch asks before it leaves the approved
        // origin, and a provider's redirect is an answer to report, not a place to send the key.
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private static let sharedPools = Mutex<[HTTPTimeouts: AsyncHTTPClientTransport]>([:])

    /// The process-wide transport for `timeouts`, made on first use and never shut down.
    package static func shared(timeouts: HTTPTimeouts) -> AsyncHTTPClientTransport {
        sharedPools.withLock { pools in
            if let pool = pools[timeouts] { return pool }
            let pool = AsyncHTTPClientTransport(timeouts: timeouts)
            pools[timeouts] = pool
            return pool
        }
    }

    /// Closes pooled connections. Requests must not be sent afterwards.
    package func shutdown() async throws {
        try await client.shutdown()
    }

    package func execute(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        // AsyncHTTPClient traps on a port it cannot put in a socket address: every request is checked here
        // (the URL itself stays out of the message: it may carry credentials).
        if let problem = ProviderEndpoint.urlProblem(request.url) {
            throw ProviderError(code: .invalidConfiguration, message: "Cannot send the request: the URL's \(problem).")
        }
        // A value with a line break would split the request (AsyncHTTPClient refuses it with the value
        // in its error text, which for a key or token would print a secret): refused here by name only.
        for field in request.headers where Self.hasControlCharacter(field.name) || Self.hasControlCharacter(field.value) {
            let which = Self.hasControlCharacter(field.name) ? "A header's name" : "The value of the header `\(field.name)`"
            throw ProviderError(
                code: .invalidConfiguration,
                message: "\(which) has a line break or another control character; remove it (a key or token copied with its newline?).")
        }
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers { outgoing.headers.add(name: field.name, value: field.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }

        let response: HTTPClientResponse
        do {
            // The deadline covers connecting and waiting for the response head, so it is both budgets.
            response = try await client.execute(outgoing, timeout: TimeAmount(timeouts.connect + timeouts.idle))
        } catch {
            throw Self.mapError(error, url: request.url)
        }

        var headers = HeaderFields()
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let body = response.body
        let url = request.url
        return HTTPTransportResponse(
            status: Int(response.status.code), headers: headers,
            body: HTTPResponseBody {
                var iterator = body.makeAsyncIterator()
                return {
                    do {
                        guard let buffer = try await iterator.next() else { return nil }
                        return Array(buffer.readableBytesView)
                    } catch {
                        throw Self.mapError(error, url: url)
                    }
                }
            })
    }

    /// Whether `text` has a character no header may hold (controls other than tab).
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }
    }

    /// Turns AsyncHTTPClient and NIO errors into ``ProviderError`` with a message a user can act on.
    static func mapError(_ error: any Error, url: String) -> any Error {
        if error is CancellationError { return error }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .cancelled:
                return CancellationError()
            case .readTimeout:
                return ProviderError(
                    code: .timeout, message: "The provider at \(url) sent nothing for too long (idle timeout); the stream was abandoned.",
                    url: url)
            case .deadlineExceeded:
                return ProviderError(
                    code: .timeout, message: "The provider at \(url) did not start answering in time (connect + idle timeout).", url: url)
            case .connectTimeout:
                return ProviderError(
                    code: .timeout, message: "Timed out connecting to the provider at \(url). \(hint(for: url))", url: url)
            case .remoteConnectionClosed:
                return ProviderError(
                    code: .streamEndedEarly, message: "The provider at \(url) closed the connection before the response was complete.",
                    url: url)
            default:
                break
            }
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") {
            return ProviderError(
                code: .connectionFailed, message: "Connection refused at \(url). \(hint(for: url))", url: url)
        }
        return ProviderError(
            code: .connectionFailed, message: "Could not reach the provider at \(url) (\(text)). \(hint(for: url))", url: url)
    }

    /// Advice for an unreachable URL: the usual local servers and how to start or find them.
    static func hint(for url: String) -> String {
        guard let parsed = URL(string: url), let host = parsed.host?.lowercased() else {
            return "Check the base URL."
        }
        let isLocal = host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        if parsed.port == 11434 {
            return "Is Ollama running? Start it with `ollama serve`."
        }
        if isLocal {
            return "Is the local model server running on that port? Foundry Local picks a dynamic port: `foundry service status` shows the current one."
        }
        return "Check the base URL and your network connection."
    }
}
