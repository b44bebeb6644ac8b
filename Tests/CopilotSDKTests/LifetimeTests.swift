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
}
