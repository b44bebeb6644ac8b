import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Testing

/// The README's Swift example (`Examples/ReadmeExample`, checked identical to the README by
/// `scripts/check-public-api.sh`) runs as an app would, against a scripted Responses server.
@Suite("The README's Swift example")
struct ReadmeExampleTests {
    @Test("runs: the tool is called, the answer is printed by the callback and by sendAndWait")
    func runsAgainstAScriptedServer() async throws {
        let binary = URL(fileURLWithPath: try copilotSwiftBinary()).deletingLastPathComponent().appendingPathComponent("ReadmeExample").path
        let answer = "It is 18°C and cloudy in Paris."
        let server = try await ScriptedProviderServer.start(turns: [
            ScriptedTurn(toolCalls: [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)]),
            .text(answer),
            .text("Oslo is colder."),
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        var environment = ProcessInfo.processInfo.environment
        environment["FOUNDRY_BASE_URL"] = server.baseURL
        environment["FOUNDRY_API_KEY"] = "sk-readme-example"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status == 0)
        #expect(printed.components(separatedBy: answer).count - 1 >= 2, "callback and print: \(printed)")
        let calls = server.modelCalls
        #expect(calls.first?.path.hasSuffix("/responses") == true)
        #expect(calls.first?.headers["authorization"] == "Bearer sk-readme-example")
        #expect(calls.count >= 2)

        try await server.shutdown()
    }
}
