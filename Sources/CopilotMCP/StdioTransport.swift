package import CopilotRuntime
package import Foundation
package import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ``MCPTransport`` to a server this runtime starts: newline-delimited JSON-RPC messages on its
/// standard input and output.
///
/// The server starts through ``ProcessOwner`` like every child (its own process group, the
/// harmless part of the environment plus its configured `env`, marked so it can always be found)
/// and is ended, with whatever it started, on ``disconnect()``. Its standard error is kept as a
/// short tail that failures quote. When its output ends, ``receive()``'s stream ends with
/// ``MCPServerExited``, so a waiting call learns at once that no answer will come.
package actor StdioTransport: MCPTransport {
    package nonisolated let logger: Logger
    private let configuration: ChildProcess.Configuration
    private let scope: String
    private var child: ChildProcess?
    /// The last write, which the next one waits for.
    private var lastWrite: Task<Bool, Never>?
    private nonisolated let stream: AsyncThrowingStream<Data, any Error>
    private nonisolated let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private nonisolated let errors = ErrorTail()
    private nonisolated let ending = Ending()

    /// The longest message a server may send (16 MB).
    package static let messageLimit = 16 * 1024 * 1024

    /// - Parameters:
    ///   - configuration: the server's command, arguments, environment and folder.
    ///   - scope: the process scope the server runs in (ended on ``disconnect()``).
    package init(_ configuration: ChildProcess.Configuration, scope: String, logger: Logger) {
        self.configuration = configuration
        self.scope = scope
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
    }

    /// What the server last wrote to its standard error (at most a few lines).
    package nonisolated var errorTail: String { errors.text }

    package func connect() async throws {
        guard child == nil else { return }
        let child = try ProcessOwner.shared.spawn(configuration, scope: scope)
        self.child = child
        let errors = errors
        let logger = logger
        child.forwardErrorLines { line in
            errors.append(line)
            logger.debug("MCP server: \(line)")
        }
        let continuation = continuation
        let output = child.stdoutFD
        let ending = ending
        Thread.detachNewThread {
            var splitter = LineSplitter(limit: Self.messageLimit)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var failure: (any Error)?
            while failure == nil {
                let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                do {
                    for message in try splitter.feed(buffer[0..<count]) { continuation.yield(message) }
                } catch {
                    failure = error
                }
            }
            if failure == nil, let last = splitter.finish() { continuation.yield(last) }
            close(output)
            let status = child.waitForExitBlocking()
            let reason = failure.map { MCPServerExited.overflow(String(describing: $0)) } ?? MCPServerExited.exited(status: status, errors: errors.text)
            ending.end(reason.description)
            continuation.finish(throwing: reason)
        }
    }

    /// Whether the server's output has ended (it exited, or was ended).
    package nonisolated var hasEnded: Bool { ending.reason != nil }

    /// Why the server's output ended, once it has.
    package nonisolated var endReason: String { ending.reason ?? "the server is running" }

    /// Returns once the server's output has ended, or the caller is cancelled.
    package nonisolated func waitUntilEnded() async { await ending.wait() }

    package func disconnect() async {
        guard let child else { return }
        child.closeInput()
        // Its output closes as it ends, and the reading thread ends the stream.
        await ProcessOwner.shared.end(scope: scope)
    }

    package func send(_ data: Data) async throws {
        guard let child else { throw MCPServerExited.notStarted }
        var bytes = Array(data) + [UInt8(ascii: "\n")]
        // With no write waiting, what fits in the server's input goes out at once; the rest may
        // block (a server that stops reading), so it goes on a thread of its own, never on the
        // concurrency pool's. Writes go out one after the other, in the order they were sent.
        if lastWrite == nil {
            guard let written = child.writeWithoutWaiting(bytes: bytes) else { throw MCPServerExited.exited(status: nil, errors: errors.text) }
            if written == bytes.count { return }
            bytes.removeFirst(written)
        }
        let previous = lastWrite
        let remaining = bytes
        let write = Task {
            guard await previous?.value != false else { return false }
            return await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: child.write(bytes: remaining)) }
            }
        }
        lastWrite = write
        let sent = await write.value
        // The last write done, the next may go out at once again.
        if lastWrite == write { lastWrite = nil }
        guard sent else { throw MCPServerExited.exited(status: nil, errors: errors.text) }
    }

    package nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }
}

/// Why an MCP server's connection ended.
package enum MCPServerExited: Error, CustomStringConvertible {
    /// The server was never started.
    case notStarted
    /// The server exited (status 128+N when a signal N ended it), or closed its output.
    case exited(status: Int32?, errors: String)
    /// The server sent a message longer than the limit.
    case overflow(String)

    package var description: String {
        switch self {
        case .notStarted: "the server was not started"
        case .exited(let status, let errors):
            (status.map { "the server exited with status \($0)" } ?? "the server closed its connection")
                + (errors.isEmpty ? "" : "; it wrote: \(errors)")
        case .overflow(let what): "the server sent \(what)"
        }
    }
}
