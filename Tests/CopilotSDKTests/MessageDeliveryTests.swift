import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

@Suite("Attachments and steering")
struct MessageDeliveryTests {
    static let pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

    @Test("an image reaches each wire format's request body as vision content", arguments: ["completions", "responses", "anthropic"])
    func imageOnEveryWire(wire: String) async throws {
        try await withScriptedClient(turns: [.text("A single pixel.")]) { client, server in
            var config = scriptedConfig(server)
            switch wire {
            case "responses": config.provider = ProviderConfig(type: .openai, baseURL: server.baseURL, wireAPI: .responses)
            case "anthropic": config.provider = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "ant-key-123")
            default: break
            }
            let session = try await client.createSession(config)
            let reply = try await session.sendAndWait(MessageOptions(
                prompt: "What is this?", attachments: [.image(base64: Self.pixel, mimeType: "image/png")]))
            #expect(reply.content == "A single pixel.")
            let body = try #require(server.modelCalls.first?.json)
            let dataURL = JSONValue.string("data:image/png;base64,\(Self.pixel)")
            switch wire {
            case "completions":
                #expect(body["messages"]?.arrayValue?.last?["content"] == [
                    ["type": "text", "text": "What is this?"], ["type": "image_url", "image_url": ["url": dataURL]],
                ])
            case "responses":
                #expect(body["input"]?.arrayValue?.last?["content"] == [
                    ["type": "input_text", "text": "What is this?"], ["type": "input_image", "image_url": dataURL],
                ])
            default:
                #expect(body["messages"]?.arrayValue?.last?["content"] == [
                    ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": .string(Self.pixel)]],
                    ["type": "text", "text": "What is this?"],
                ])
            }
        }
    }

    @Test("image and text files by path: the image as vision content, the text inlined")
    func filesByPath() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-attach-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(base64Encoded: Self.pixel)!.write(to: URL(fileURLWithPath: directory + "/dot.png"))
        try Data("fn main() {}\n".utf8).write(to: URL(fileURLWithPath: directory + "/main.rs"))
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var config = scriptedConfig(server)
            config.workingDirectory = directory
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait(MessageOptions(prompt: "Look", attachments: [.file("dot.png"), .file("main.rs")]))
            let content = try #require(server.modelCalls.first?.json?["messages"]?.arrayValue?.last?["content"]?.arrayValue)
            #expect(content.first?["text"] == "Look\n\n<attachment path=\"main.rs\">\nfn main() {}\n\n</attachment>")
            #expect(content.last?["image_url"]?["url"] == .string("data:image/png;base64,\(Self.pixel)"))
        }
    }

    @Test("a model without vision gets a clear error instead of a provider 400; the provider is not called")
    func noVision() async throws {
        try await withScriptedClient(turns: [.text("unused")]) { client, server in
            var config = scriptedConfig(server)
            config.modelCapabilities = ModelCapabilities(supports: ModelSupports(vision: false))
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Plain text still works")
            await #expect {
                try await session.sendAndWait(MessageOptions(prompt: "And this?", attachments: [.image(base64: Self.pixel, mimeType: "image/png")]))
            } throws: { error in
                String(describing: error).contains("does not accept images")
            }
            #expect(server.modelCalls.count == 1, "only the text message reached the provider")
        }
    }

    @Test("an immediate message joins the running interaction before its next model call")
    func steering() async throws {
        let turns: [ScriptedTurn] = [.toolCalls([("wait_a_bit", "{}")]), .text("Noted both.")]
        try await withScriptedClient(turns: turns) { client, server in
            let gate = Barrier(count: 2)
            let tool = Tool(name: "wait_a_bit", description: "Waits") { _ in
                try await gate.arrive()
                return "waited"
            }
            let session = try await client.createSession(scriptedConfig(server, tools: [tool]))
            let stream = session.events
            let first = try await session.send("Start working")
            while server.modelCalls.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            let steer = try await session.send(MessageOptions(prompt: "Also check the logs", mode: .immediate))
            try await gate.arrive()
            var users: [(String, String?)] = []
            var idles = 0
            for await event in stream {
                if case .userMessage(let message) = event.payload { users.append((message.messageId ?? "", message.delivery)) }
                if case .sessionIdle = event.payload { idles += 1; break }
            }
            #expect(idles == 1, "one interaction answered both")
            #expect(users.map(\.0) == [first, steer])
            #expect(users.last?.1 == "steering")
            let messages = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(messages.suffix(2).map { $0["role"] } == ["tool", "user"])
            #expect(messages.last?["content"] == "Also check the logs")
        }
    }
}
