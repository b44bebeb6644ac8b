package import CopilotProviders
package import Foundation
package import Logging

/// MCP's older HTTP+SSE transport (`type: "sse"`, protocol 2024-11-05), over AsyncHTTPClient and
/// our SSE parser.
///
/// A GET opens an event stream whose first event (`endpoint`) names where to POST messages; every
/// message from the server then arrives on that stream as a `message` event. The POST address
/// must be on the server's own origin, since the configured headers (its credentials) go there.
/// The stream's end is the connection's end.
package actor SSETransport: MCPTransport {
    package nonisolated let logger: Logger
    private let url: String
    private let headers: [String: String]
    private let http: any HTTPTransport
    private var endpoint: String?
    private var endpointWaiter: CheckedContinuation<String, any Error>?
    private var reader: Task<Void, Never>?
    private nonisolated let stream: AsyncThrowingStream<Data, any Error>
    private nonisolated let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private nonisolated let ending = Ending()

    package init(url: String, headers: [String: String], http: any HTTPTransport, logger: Logger) {
        self.url = url
        self.headers = headers
        self.http = http
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    package nonisolated var hasEnded: Bool { ending.reason != nil }
    package nonisolated var endReason: String { ending.reason ?? "the connection is open" }
    package nonisolated func waitUntilEnded() async { await ending.wait() }
    package nonisolated var errorTail: String { "" }
    package nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    private func fields() -> HeaderFields {
        var fields = HeaderFields()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.add(name: name, value: value) }
        return fields
    }

    /// Opens the event stream and waits for the server to name its POST address.
    package func connect() async throws {
        guard reader == nil else { return }
        if let problem = MCPURL.problem(url) { throw MCPTransportError("The MCP server's URL cannot be used: \(problem).") }
        var request = HTTPTransportRequest(method: "GET", url: url, headers: fields())
        request.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
        let response: HTTPTransportResponse
        do {
            response = try await http.execute(request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw MCPTransportError("could not reach the server at \(MCPURL.shown(url)): \(StreamableHTTPTransport.cause(error))")
        }
        guard (200..<300).contains(response.status) else {
            throw MCPTransportError.status(response.status, url: url, challenge: response.headers["WWW-Authenticate"])
        }
        guard response.headers["Content-Type"]?.lowercased().hasPrefix("text/event-stream") == true else {
            throw MCPTransportError("The MCP server at \(MCPURL.shown(url)) did not answer with an event stream.")
        }
        reader = Task { await self.read(response.body) }
        endpoint = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { waiter in
                if let reason = ending.reason {
                    waiter.resume(throwing: MCPTransportError(reason))
                } else {
                    endpointWaiter = waiter
                }
            }
        } onCancel: {
            Task { await self.end("the connection was abandoned") }
        }
    }

    private func read(_ body: HTTPResponseBody) async {
        var parser = SSEParser(eventLimit: StdioTransport.messageLimit)
        do {
            for try await chunk in body {
                for event in parser.feed(chunk) { take(event) }
                if parser.overflowed {
                    throw MCPTransportError("the server sent an event longer than \(StdioTransport.messageLimit) bytes")
                }
            }
            for event in parser.finish() { take(event) }
            end("the server closed its event stream")
        } catch {
            end(Task.isCancelled ? "the connection was closed" : "the server's event stream broke: \(StreamableHTTPTransport.cause(error))")
        }
    }

    private func take(_ event: SSEEvent) {
        switch event.event {
        case "endpoint":
            guard let waiter = endpointWaiter else { return }
            endpointWaiter = nil
            guard let address = URL(string: event.data, relativeTo: URL(string: url))?.absoluteURL, Self.sameOrigin(address, url)
            else {
                waiter.resume(throwing: MCPTransportError("The MCP server named a message address outside its own origin."))
                return
            }
            waiter.resume(returning: address.absoluteString)
        case nil, "message":
            if !event.data.isEmpty { continuation.yield(Data(event.data.utf8)) }
        default:
            break
        }
    }

    static func sameOrigin(_ address: URL, _ base: String) -> Bool {
        guard let base = URL(string: base) else { return false }
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
        return address.scheme?.lowercased() == base.scheme?.lowercased() && address.host?.lowercased() == base.host?.lowercased()
            && port(address) == port(base)
    }

    package func send(_ data: Data) async throws {
        if let reason = ending.reason { throw MCPTransportError(reason) }
        guard let endpoint else { throw MCPTransportError("The MCP server has not named its message address yet.") }
        var request = HTTPTransportRequest(method: "POST", url: endpoint, headers: fields(), body: Array(data))
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        let response: HTTPTransportResponse
        do {
            response = try await http.execute(request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let reason = "could not reach the server at \(MCPURL.shown(url)): \(StreamableHTTPTransport.cause(error))"
            end(reason)
            throw MCPTransportError(reason)
        }
        // The answer comes on the event stream; the POST's own body says nothing more.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status) else {
            throw MCPTransportError.status(response.status, url: url, challenge: response.headers["WWW-Authenticate"])
        }
    }

    package func disconnect() async {
        reader?.cancel()
        end("the connection was closed")
    }

    private func end(_ reason: String) {
        guard ending.end(reason) else { return }
        endpointWaiter?.resume(throwing: MCPTransportError(reason))
        endpointWaiter = nil
        continuation.finish(throwing: MCPTransportError(reason))
    }
}
