import CopilotCore
import CopilotRuntime
import CopilotProviders
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

@Suite("Lifetimes")
struct LifetimeTests {
    @Test("a disconnected session and its client are released, not kept alive by their own events or handlers")
    func sessionsAreReleased() async throws {
        weak var weakSession: CopilotSession?
        weak var weakClient: CopilotClient?
        let server = try await ScriptedProviderServer.start(turns: [.text("one"), .text("two")])
        do {
            let client = CopilotClient(options: .init(retryPolicy: .none))
            let session = try await client.createSession(scriptedConfig(server, streaming: true))
            session.on(.assistantMessageDelta) { _ in }
            _ = try await session.sendAndWait("hi")
            let stream = session.events
            _ = try await session.sendAndWait("again")
            _ = stream
            weakSession = session
            weakClient = client
            await session.disconnect()
            try await client.stop()
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(weakSession == nil, "the session outlived its client")
        #expect(weakClient == nil, "the client outlived stop()")
        try await server.shutdown()
    }

    @Test("disconnect called from inside an event loop and from a handler's task, mid-message, returns; in-process and through the runtime",
        arguments: [false, true])
    func disconnectFromInsideHandlers(remote: Bool) async throws {
        let server = try await ScriptedProviderServer.start(turns: [.text("one"), .text("two")])
        let client = CopilotClient(options: .init(retryPolicy: .none, runtime: remote ? .spawn(path: try copilotSwiftBinary()) : .inProcess))
        // From the body of a `for await` over the session's events, when the answer arrives (before `session.idle`).
        let looping = try await client.createSession(scriptedConfig(server))
        let stream = looping.events
        let loop = Task {
            for await event in stream {
                if case .assistantMessage = event.payload { await looping.disconnect() }
            }
        }
        try await looping.send(MessageOptions(prompt: "first"))
        let ended: Void? = try await withTimeout(.seconds(10), clock: ContinuousClock()) { await loop.value }
        #expect(ended != nil, "disconnect from inside the event loop did not return")

        // From a task an `on` handler starts.
        let handled = try await client.createSession(scriptedConfig(server))
        let (done, finished) = AsyncStream.makeStream(of: Void.self)
        let subscription = handled.on(.assistantMessage) { _ in
            Task {
                await handled.disconnect()
                finished.yield()
            }
        }
        try await handled.send(MessageOptions(prompt: "second"))
        let disconnected = try await withTimeout(.seconds(10), clock: ContinuousClock()) {
            var iterator = done.makeAsyncIterator()
            return await iterator.next() != nil
        }
        #expect(disconnected == true, "disconnect from a handler's task did not return")
        subscription.cancel()
        try await client.stop()
        try await server.shutdown()
    }
}
