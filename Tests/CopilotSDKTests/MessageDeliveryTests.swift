import CopilotRuntime
import CopilotProviders
import CopilotCore
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
            case "anthropic":
                // Without cache breakpoints, which would mark the last block (PromptCachingTests covers them).
                config.provider = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "ant-key-123")
                config.provider?.promptCaching = false
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
                #expect(body["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == [
                    ["type": "text", "text": "What is this?"], ["type": "image_url", "image_url": ["url": dataURL]],
                ])
            case "responses":
                #expect(body["input"]?.arrayValue?.last?["content"]?.withoutDatetime == [
                    ["type": "input_text", "text": "What is this?"], ["type": "input_image", "image_url": dataURL],
                ])
            default:
                #expect(body["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == [
                    ["type": "text", "text": "What is this?"],
                    ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": .string(Self.pixel)]],
                ])
            }
        }
    }

    @Test("a PDF reaches each wire format as a document with its title; on Anthropic with citations when the session enables them",
        arguments: ["completions", "responses", "anthropic", "anthropic+citations"])
    func documentOnEveryWire(wire: String) async throws {
        let pdf = Data("%PDF-1.4\n%%EOF\n".utf8)
        let encoded = JSONValue.string(pdf.base64EncodedString())
        try await withScriptedClient(turns: [.text("A tiny PDF.")]) { client, server in
            var config = scriptedConfig(server)
            switch wire {
            case "responses": config.provider = ProviderConfig(type: .openai, baseURL: server.baseURL, wireAPI: .responses)
            case "anthropic", "anthropic+citations":
                config.provider = ProviderConfig(type: .anthropic, baseURL: server.rootURL, apiKey: "ant-key-123")
                config.provider?.promptCaching = false
            default: break
            }
            config.enableCitations = wire == "anthropic+citations"
            // Documents need no vision.
            config.modelCapabilities = ModelCapabilities(supports: ModelSupports(vision: false))
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait(MessageOptions(
                prompt: "Summarize", attachments: [.blob(pdf, mimeType: "application/pdf", displayName: "report.pdf")]))
            let body = try #require(server.modelCalls.first?.json)
            let dataURL = JSONValue.string("data:application/pdf;base64,\(pdf.base64EncodedString())")
            switch wire {
            case "completions":
                #expect(body["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == [
                    ["type": "text", "text": "Summarize\nreport.pdf"], ["type": "file", "file": ["filename": "report.pdf", "file_data": dataURL]],
                ])
            case "responses":
                #expect(body["input"]?.arrayValue?.last?["content"]?.withoutDatetime == [
                    ["type": "input_text", "text": "Summarize\nreport.pdf"], ["type": "input_file", "filename": "report.pdf", "file_data": dataURL],
                ])
            default:
                var document: [String: JSONValue] = [
                    "type": "document", "title": "report.pdf", "source": ["type": "base64", "media_type": "application/pdf", "data": encoded],
                ]
                if config.enableCitations { document["citations"] = ["enabled": true] }
                #expect(body["messages"]?.arrayValue?.last?["content"]?.withoutDatetime == [["type": "text", "text": "Summarize\nreport.pdf"], .object(document)])
            }
        }
    }

    @Test("with the view tool, files and directories are tagged after the prompt and a selection goes before it, as the official runtime words them")
    func taggedAttachments() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-attach-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/docs", withIntermediateDirectories: true)
        try Data("one\ntwo\nthree\n".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/docs/a.md"))
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var config = scriptedConfig(server)
            config.workingDirectory = directory
            config.builtInTools = [.view]
            let session = try await client.createSession(config)
            let selection = Attachment.Selection(start: .init(line: 1, character: 0), end: .init(line: 2, character: 5))
            _ = try await session.sendAndWait(MessageOptions(prompt: "Explain", attachments: [
                .file("notes.txt"), .file("notes.txt", lines: .init(start: 2, end: 3)), .directory("docs"),
                .selection("two\nthree", in: directory + "/notes.txt", at: selection, displayName: "notes.txt"),
            ]))
            let text = server.modelCalls.first?.json?["messages"]?.arrayValue?.last?["content"]?.stringValue?.withoutDatetime
            let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
            #expect(text == """
                <ide_selection>
                The user has the following text selected in their IDE. This may or may not be related to their request.
                File: notes.txt (lines 2-3)
                ```
                two
                three
                ```
                </ide_selection>



                Explain



                <tagged_files>
                * \(root)/notes.txt (3 lines)
                * \(root)/notes.txt (lines 2-3 of 3 lines)
                * \(root)/docs (1 items)
                </tagged_files>
                """)
            let echoed = try await session.messages().compactMap { event -> [Attachment]? in
                if case .userMessage(let message) = event.payload { message.attachments } else { nil }
            }.first
            #expect(echoed?.last?.selection == selection, "user.message carries the attachments as sent")
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
            // Without the view tool the model cannot read the file itself: it is inlined.
            #expect(content.first?["text"]?.withoutDatetime == "Look\ndot.png\n\n<attachment path=\"main.rs\">\nfn main() {}\n\n</attachment>")
            #expect(content.last?["image_url"]?["url"] == .string("data:image/png;base64,\(Self.pixel)"))
        }
    }

    @Test("file attachments stay in the working directory: outside (/etc/passwd, a symlink out) needs an approved read; only regular files; size checked before reading")
    func attachmentsAreConfined() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-attach-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data("inside\n".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: "/etc/passwd")
        // Sparse: stat says 300 KB, and nothing is read to find that out.
        #expect(FileManager.default.createFile(atPath: directory + "/big.txt", contents: nil))
        let big = try #require(FileHandle(forWritingAtPath: directory + "/big.txt"))
        try big.truncate(atOffset: 300 * 1024)
        try big.close()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let asked = Mutex<[PermissionRequest]>([])
        func run(_ attachment: Attachment, handler: PermissionHandler?) async throws -> [SessionEvent] {
            try await withScriptedClient(turns: [.text("ok")]) { client, server in
                var config = scriptedConfig(server)
                config.workingDirectory = directory
                config.onPermissionRequest = handler
                let session = try await client.createSession(config)
                return try await runToIdle(session, "Read it", attachments: [attachment])
            }
        }
        func failure(_ events: [SessionEvent]) -> String? {
            events.compactMap { event -> String? in if case .sessionError(let error) = event.payload { error.message } else { nil } }.first
        }
        // No handler: nothing outside is read.
        for path in ["/etc/passwd", "link", "../\(URL(fileURLWithPath: directory).lastPathComponent)/../../etc/passwd"] {
            let events = try await run(.file(path), handler: nil)
            #expect(failure(events)?.contains("outside the working directory, and reading it was not approved") == true, "\(path)")
        }
        // A handler is asked with a read request for the resolved path, and its approval is honoured.
        let approving = PermissionHandler { request, _ in
            asked.withLock { $0.append(request) }
            return .approveOnce
        }
        #expect(failure(try await run(.file("link"), handler: approving)) == nil)
        let request = try #require(asked.withLock { $0 }.first)
        #expect(request.kind == .read && request.path == "/etc/passwd" && request.outsideWorkingDirectory == true)
        // Inside: read without asking; a directory and an oversized file are refused with the reason.
        #expect(failure(try await run(.file("notes.txt"), handler: nil)) == nil)
        #expect(failure(try await run(.file("sub"), handler: nil))?.contains("not a regular file") == true)
        #expect(failure(try await run(.file("big.txt"), handler: nil))?.contains("larger than 256 KB") == true)
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
            #expect(messages.last?["content"]?.withoutDatetime == "Also check the logs")
        }
    }
}

@Suite("Compaction")
struct CompactionTests {
    @Test("a long session is summarised before it reaches the model's limit, and every request stays under it")
    func longSessionStaysUnderLimit() async throws {
        let limit = 400  // prompt tokens
        let paragraph = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 8)  // ~360 characters
        let answers = (0..<6).map { ScriptedTurn.text("Answer \($0): " + paragraph) }
        let summarise: @Sendable (RecordedRequest) -> ScriptedTurn? = { request in
            let system = request.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
            return system.hasPrefix("You summarise") ? .text("SUMMARY: the user sent paragraphs about a fox.") : nil
        }
        try await withScriptedClient(turns: answers, responder: summarise) { client, server in
            var config = scriptedConfig(server)
            config.systemMessage = .replace("Be brief.")
            config.modelCapabilities = ModelCapabilities(limits: ModelLimits(maxPromptTokens: limit))
            let session = try await client.createSession(config)
            let everything = Mutex<[SessionEvent]>([])
            session.on { event in everything.withLock { $0.append(event) } }
            for index in 0..<6 {
                let reply = try await session.sendAndWait("Message \(index): " + paragraph)
                #expect(reply.content.hasPrefix("Answer"))
            }
            let types = everything.withLock { $0 }.map(\.type)
            #expect(types.contains("session.compaction_start"))
            #expect(types.filter { $0 == "session.compaction_complete" }.count == types.filter { $0 == "session.compaction_start" }.count)
            for call in server.modelCalls {
                let characters = call.json?["messages"]?.arrayValue?.reduce(0) { $0 + ($1["content"]?.stringValue?.count ?? 0) } ?? 0
                #expect(characters / 4 <= limit, "a request of about \(characters / 4) tokens exceeded the limit")
            }
            let last = try #require(server.modelCalls.last?.json?["messages"]?.arrayValue)
            #expect(last.contains { $0["content"]?.stringValue?.hasPrefix("Summary of the conversation so far:\nSUMMARY") == true })
            #expect(!last.contains { $0["content"]?.stringValue?.hasPrefix("Message 0:") == true }, "the oldest turn was summarised away")
            #expect(server.remainingTurns == 0)
        }
    }

    @Test("a single message larger than the model takes is refused, not sent")
    func tooLargeMessage() async throws {
        try await withScriptedClient(turns: [.text("unused")]) { client, server in
            var config = scriptedConfig(server)
            config.modelCapabilities = ModelCapabilities(limits: ModelLimits(maxPromptTokens: 100))
            let session = try await client.createSession(config)
            await #expect {
                try await session.sendAndWait(String(repeating: "word ", count: 400))
            } throws: { error in
                String(describing: error).contains("more than this model takes")
            }
            #expect(server.modelCalls.isEmpty)
        }
    }
}
