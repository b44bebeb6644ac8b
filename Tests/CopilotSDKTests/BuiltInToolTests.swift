import CopilotRuntime
import CopilotProviders
import CopilotCore
import CopilotSDK
import CopilotTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Built-in tools")
struct BuiltInToolTests {
    /// A fresh scratch directory holding `files`.
    func scratch(_ files: [String: String] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copilot-builtins-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return directory
    }

    func config(_ server: ScriptedProviderServer, directory: String, permission: PermissionHandler?) -> SessionConfig {
        var config = scriptedConfig(server, permission: permission)
        config.builtInTools = BuiltInTool.all
        config.workingDirectory = directory
        return config
    }

    func toolMessages(_ server: ScriptedProviderServer) -> [String] {
        server.modelCalls.flatMap { call in
            (call.json?["messages"]?.arrayValue ?? []).filter { $0["role"] == "tool" }.compactMap { $0["content"]?.stringValue }
        }
    }

    @Test("every built-in tool is registered once, under the official name, in the official order; another name is no built-in tool")
    func registration() {
        #expect(BuiltInTool.allCases.map(\.rawValue) == [
            "bash", "read_bash", "write_bash", "stop_bash", "list_bash", "view", "create", "edit", "glob", "grep", "web_fetch", "report_intent",
            "task",
        ])
        for tool in BuiltInTool.allCases {
            #expect(BuiltInTool(rawValue: tool.rawValue) == tool)
            // `task` declares the agent tools (with a session's own agents, see SubAgentTests).
            let names = tool.definitions.map(\.name)
            #expect(names == (tool == .task ? ["task", "read_agent", "list_agents"] : [tool.rawValue]))
            for definition in tool.definitions {
                #expect(definition.parameters["type"] == "object", "\(definition.name) declares an object schema")
                #expect(!definition.description.isEmpty)
            }
        }
        #expect(BuiltInTool(rawValue: "rm_rf") == nil)
        #expect(BuiltInTool(rawValue: "ask_user") == nil, "ask_user is a tool of the session's user-input source, not a built-in")
        #expect(BuiltInTool.defaults == BuiltInTool.all.subtracting([.reportIntent]))
    }

    @Test("an approved edit changes the file; a rejected one leaves it unchanged; each asks a write permission with a diff")
    func editApprovedAndRejected() async throws {
        let directory = try scratch(["notes.txt": "alpha\nbeta\n"])
        let turns: [ScriptedTurn] = [
            .toolCalls([("edit", #"{"path":"notes.txt","old_str":"beta","new_str":"gamma"}"#)]), .text("Edited."),
            .toolCalls([("edit", #"{"path":"notes.txt","old_str":"alpha","new_str":"omega"}"#)]),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let requests = Mutex<[PermissionRequest]>([])
            let permission = PermissionHandler { request, _ in
                requests.withLock { $0.append(request) }
                return request.diff?.contains("+gamma") == true ? .approveOnce : .reject(feedback: "keep alpha")
            }
            let session = try await client.createSession(config(server, directory: directory, permission: permission))
            _ = try await session.sendAndWait("Change beta to gamma")
            #expect(try String(contentsOfFile: directory + "/notes.txt", encoding: .utf8) == "alpha\ngamma\n")
            let events = try await runToIdle(session, "Now change alpha")
            #expect(try String(contentsOfFile: directory + "/notes.txt", encoding: .utf8) == "alpha\ngamma\n", "the rejected edit changed nothing")
            #expect(requests.withLock { $0 }.map(\.kind) == [.write, .write])
            #expect(requests.withLock { $0 }.first?.diff == "--- notes.txt\n+++ notes.txt\n-beta\n+gamma")
            #expect(server.modelCalls.count == 3, "a rejection ends the turn")
            #expect(events.types.last == "session.idle")
        }
    }

    @Test("create, view with a line range, glob and grep")
    func readAndCreate() async throws {
        let directory = try scratch(["Sources/a.swift": "let x = 1\nlet y = 2\nlet z = 3\n", "README.md": "hello\n"])
        let turns: [ScriptedTurn] = [
            .toolCalls([
                ("create", #"{"path":"Sources/b.swift","file_text":"let answer = 42\n"}"#),
                ("view", #"{"path":"Sources/a.swift","view_range":[2,3]}"#),
                ("glob", #"{"pattern":"**/*.swift"}"#),
                ("grep", #"{"pattern":"let [xz]","glob":"**/*.swift","output_mode":"content","-n":true}"#),
            ]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: .approveAll))
            _ = try await session.sendAndWait("Look around")
            #expect(try String(contentsOfFile: directory + "/Sources/b.swift", encoding: .utf8) == "let answer = 42\n")
            let results = toolMessages(server)
            #expect(results.count == 4)
            // The official runtime's wording and ripgrep's layout.
            let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
            #expect(results[0] == "Created file \(root)/Sources/b.swift with 16 characters")
            #expect(results[1] == "2. let y = 2\n3. let z = 3")
            #expect(results[2].hasPrefix("./Sources/a.swift"), "paths as ripgrep shows them (the create runs beside it)")
            #expect(results[3] == "Sources/a.swift:1:let x = 1\nSources/a.swift:3:let z = 3")
        }
    }

    @Test("paths that leave the working directory are asked about as such, and refused without approval", arguments: ["../outside.txt", "/etc/hostname", "link/secret.txt"])
    func pathEscape(path: String) async throws {
        let outside = try scratch(["secret.txt": "top secret\n"])
        let directory = try scratch()
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: outside)
        let turns: [ScriptedTurn] = [.toolCalls([("view", #"{"path":"\#(path)"}"#)]), .text("Could not.")]
        try await withScriptedClient(turns: turns) { client, server in
            let seen = Mutex<[PermissionRequest]>([])
            let permission = PermissionHandler { request, _ in
                seen.withLock { $0.append(request) }
                return request.outsideWorkingDirectory == true ? .reject(feedback: "stay inside") : .approveOnce
            }
            let session = try await client.createSession(config(server, directory: directory, permission: permission))
            _ = try await runToIdle(session, "Read it")
            #expect(seen.withLock { $0 }.first?.outsideWorkingDirectory == true)
            #expect(toolMessages(server).allSatisfy { !$0.contains("top secret") })
        }
        // Without any handler, reads outside are refused too (inside ones are allowed).
        let turnsNoHandler: [ScriptedTurn] = [.toolCalls([("view", #"{"path":"\#(path)"}"#)]), .text("Could not.")]
        try await withScriptedClient(turns: turnsNoHandler) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: nil))
            _ = try await session.sendAndWait("Read it")
            #expect(toolMessages(server).first == "Permission denied and could not request permission from user")
        }
    }

    @Test("a dangling symlink inside the folder is its target: create asks for that real path, outside, and writes nothing when refused")
    func danglingSymlink() async throws {
        let outside = try scratch()
        let directory = try scratch()
        try FileManager.default.createSymbolicLink(atPath: directory + "/dang", withDestinationPath: outside + "/planted.txt")
        let turns: [ScriptedTurn] = [.toolCalls([("create", #"{"path":"dang","file_text":"owned\n"}"#)]), .text("Could not.")]
        try await withScriptedClient(turns: turns) { client, server in
            let seen = Mutex<[PermissionRequest]>([])
            let permission = PermissionHandler { request, _ in
                seen.withLock { $0.append(request) }
                return request.outsideWorkingDirectory == true ? .reject(feedback: "stay inside") : .approveOnce
            }
            let session = try await client.createSession(config(server, directory: directory, permission: permission))
            _ = try await runToIdle(session, "Create it")
            let request = try #require(seen.withLock { $0 }.first)
            #expect(request.outsideWorkingDirectory == true && request.canOfferSessionApproval == false)
            #expect(request.fileName == URL(fileURLWithPath: outside).resolvingSymlinksInPath().path + "/planted.txt")
            #expect(!FileManager.default.fileExists(atPath: outside + "/planted.txt"))
        }
    }

    @Test("outside the folder, create and edit reveal nothing about the target before the permission")
    func nothingRevealedOutside() async throws {
        let outside = try scratch(["exists.txt": "private line\n"])
        let directory = try scratch()
        let turns: [ScriptedTurn] = [
            .toolCalls([
                ("create", #"{"path":"\#(outside)/exists.txt","file_text":"x"}"#),
                ("edit", #"{"path":"\#(outside)/exists.txt","old_str":"no such text","new_str":"y"}"#),
                ("edit", #"{"path":"\#(outside)/missing.txt","old_str":"a","new_str":"b"}"#),
            ]),
            .text("Could not."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            // Denied without ending the turn, so every call's result reaches the model.
            let session = try await client.createSession(config(server, directory: directory, permission: PermissionHandler { _, _ in .userNotAvailable }))
            _ = try await runToIdle(session, "Try")
            let results = toolMessages(server)
            #expect(results.count == 3)
            for result in results {
                #expect(!result.contains("already exists") && !result.contains("No match") && !result.contains("does not exist"), "\(result)")
            }
        }
    }

    @Test("grep and glob do not follow a symlink inside the folder to a file outside it")
    func searchSkipsLinks() async throws {
        let outside = try scratch(["secret.txt": "needle outside\n"])
        let directory = try scratch(["inside.txt": "needle inside\n"])
        try FileManager.default.createSymbolicLink(atPath: directory + "/linked.txt", withDestinationPath: outside + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: directory + "/linkdir", withDestinationPath: outside)
        let turns: [ScriptedTurn] = [
            .toolCalls([("grep", #"{"pattern":"needle","output_mode":"content"}"#), ("glob", #"{"pattern":"**/*.txt"}"#)]), .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: .approveAll))
            _ = try await session.sendAndWait("Search")
            let results = toolMessages(server)
            #expect(results.first == "inside.txt:needle inside")
            #expect(results.last == "./inside.txt")
        }
    }

    #if os(Linux)
    @Test("view of a FIFO is refused at once, and a huge file is read only up to the limit")
    func fifoAndHugeFiles() async throws {
        let directory = try scratch()
        #expect(mkfifo(directory + "/pipe", 0o600) == 0)
        let huge = FileManager.default.createFile(atPath: directory + "/huge.txt", contents: nil)
        #expect(huge)
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/huge.txt"))
        try handle.truncate(atOffset: 400 * 1024 * 1024)
        try handle.close()
        let turns: [ScriptedTurn] = [
            .toolCalls([("view", #"{"path":"pipe"}"#), ("view", #"{"path":"huge.txt","view_range":[1,1]}"#), ("grep", #"{"pattern":"x"}"#)]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: .approveAll))
            let started = ContinuousClock.now
            _ = try await session.sendAndWait("Look", timeout: .seconds(20))
            #expect(ContinuousClock.now - started < .seconds(15))
            let results = toolMessages(server)
            #expect(results.first?.contains("not a regular file") == true)
            #expect(results.dropFirst().first?.contains("[file truncated at") == true)
            #expect(results.last == "No matches found.")
        }
    }
    #endif

    @Test("a path with a NUL byte is refused before anything is read or written: the kernel would see only the part before it")
    func nulBytePath() async throws {
        let directory = try scratch()
        try "secret".write(toFile: directory + "/a", atomically: true, encoding: .utf8)
        let turns: [ScriptedTurn] = [
            .toolCalls([("view", #"{"path":"a\u0000.png"}"#), ("create", #"{"path":"a\u0000b","file_text":"x"}"#)]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: .approveAll))
            _ = try await session.sendAndWait("Look", timeout: .seconds(20))
            let results = toolMessages(server)
            #expect(results.count == 2 && results.allSatisfy { $0.contains("contains a NUL byte") }, "\(results)")
            #expect(try String(contentsOfFile: directory + "/a", encoding: .utf8) == "secret", "the file before the NUL is untouched")
        }
    }

    @Test("bash: output and exit code; a command still running after initial_wait goes on, and list_bash, stop_bash, write_bash reach it")
    func shell() async throws {
        let directory = try scratch(["data.txt": "x\n"])
        let turns: [ScriptedTurn] = [
            .toolCalls([("bash", #"{"command":"cat data.txt; echo oops >&2; exit 3","description":"Show data"}"#)]),
            .toolCalls([("bash", #"{"command":"echo started; sleep 600","description":"Wait","initial_wait":1}"#)]),
            .toolCalls([("list_bash", "{}")]),
            .toolCalls([("stop_bash", #"{"shellId":"2"}"#)]),
            .toolCalls([("bash", #"{"command":"printf 'name? '; read n; echo hello $n","description":"Ask","mode":"async"}"#)]),
            .toolCalls([("write_bash", #"{"shellId":"3","input":"world\n","delay":10}"#)]),
            .toolCalls([("read_bash", #"{"shellId":"9"}"#)]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let requests = Mutex<[PermissionRequest]>([])
            let permission = PermissionHandler { request, _ in
                requests.withLock { $0.append(request) }
                return .approveOnce
            }
            let session = try await client.createSession(config(server, directory: directory, permission: permission))
            let started = ContinuousClock.now
            _ = try await session.sendAndWait("Run things")
            // Far below the sleep, with room for a loaded machine: nothing waited for it.
            #expect(started.duration(to: .now) < .seconds(120), "nothing waited for the 10-minute sleep")
            let results = (server.modelCalls.last?.json?["messages"]?.arrayValue ?? []).filter { $0["role"] == "tool" }
                .compactMap { $0["content"]?.stringValue }
            try #require(results.count == 7)
            #expect(results[0] == "x\noops\n<exited with exit code 3>", "standard output and error in the order written, then the exit code")
            #expect(results[1].hasPrefix("started\n<command with shellId: 2 is still running after 1 seconds."))
            #expect(results[2].contains("shellId: 2 (running): echo started; sleep 600"))
            #expect(results[2].contains("shellId: 1 (exited with exit code 3)"))
            #expect(results[3] == "<shellId: 2 stopped>")
            #expect(results[4] == "<command started in background with shellId: 3>")
            #expect(results[5] == "name? hello world\n<shellId: 3 completed with exit code 0>")
            #expect(results[6].hasPrefix("There is no shell with shellId 9"))
            // Only commands ask: `bash` three times, with the description as the intention.
            #expect(requests.withLock { $0 }.map(\.kind) == [.shell, .shell, .shell])
            #expect(requests.withLock { $0 }.first?.intention == "Show data")
            #expect(requests.withLock { $0 }.first?.fullCommandText == "cat data.txt; echo oops >&2; exit 3")
        }
    }

    @Test("without a permission handler nothing writes or runs")
    func noHandlerNoWrites() async throws {
        let directory = try scratch()
        let turns: [ScriptedTurn] = [
            .toolCalls([("create", #"{"path":"x.txt","file_text":"x"}"#), ("bash", #"{"command":"touch y.txt"}"#)]), .text("No."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: nil))
            _ = try await session.sendAndWait("Write")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test("abort during a running shell command kills it; session.idle follows and the next send works")
    func abortShell() async throws {
        let directory = try scratch()
        let turns: [ScriptedTurn] = [.toolCalls([("bash", #"{"command":"sleep 20; touch late.txt"}"#)]), .text("Fresh.")]
        try await withScriptedClient(turns: turns) { client, server in
            let session = try await client.createSession(config(server, directory: directory, permission: .approveAll))
            let subscription = session.on(.toolExecutionStart) { _ in
                Task {
                    try? await Task.sleep(for: .milliseconds(300))
                    await session.abort()
                }
            }
            let started = ContinuousClock.now
            let events = try await runToIdle(session, "Sleep")
            subscription.cancel()
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(Array(events.types.suffix(2)) == ["abort", "session.idle"])
            #expect(try await session.sendAndWait("Again?").content == "Fresh.")
            let interrupted = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }
            #expect(interrupted?["content"] == "The execution of this tool, or a previous tool was interrupted.")
            try await Task.sleep(for: .milliseconds(200))
            #expect(!FileManager.default.fileExists(atPath: directory + "/late.txt"))
        }
    }

    @Test("availableTools and excludedTools decide what the model is offered")
    func toolFilters() async throws {
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var config = config(server, directory: try scratch(), permission: .approveAll)
            config.tools = [Tool(name: "mine", description: "Mine") { _ in "m" }]
            config.availableTools = ["mine", "view", "bash"]
            config.excludedTools = ["bash"]
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("hi")
            let offered = server.modelCalls.first?.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
            #expect(offered == ["view", "mine"], "built-in tools come first, as the official runtime lists them")
        }
    }

    @Test("the official selectors: builtin:NAME, custom:NAME, and * after a prefix")
    func toolSelectors() async throws {
        try await withScriptedClient(turns: [.text("ok")]) { client, server in
            var config = config(server, directory: try scratch(), permission: .approveAll)
            config.builtInTools = [.view, .grep, .bash]
            config.tools = [Tool(name: "mine", description: "Mine") { _ in "m" }, Tool(name: "view2", description: "Other") { _ in "o" }]
            config.availableTools = ["custom:*", "builtin:view", "builtin:grep", "mcp:*"]
            config.excludedTools = ["builtin:grep", "custom:view2"]
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("hi")
            let offered = server.modelCalls.first?.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
            #expect(offered == ["view", "mine"], "built-in tools come first, as the official runtime lists them")
        }
    }
}

@Suite("Permission decisions")
struct PermissionDecisionTests {
    @Test("approve-for-session covers the same tool (or built-in request kind) for the rest of the session")
    func approveForSession() async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("ping", "{}")]), .toolCalls([("ping", "{}")]), .text("Pinged twice."),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            let asked = Mutex(0)
            let permission = PermissionHandler { _, _ in
                asked.withLock { $0 += 1 }
                return .approveForSession
            }
            let ping = Tool(name: "ping", description: "Ping") { _ in "pong" }
            let session = try await client.createSession(scriptedConfig(server, tools: [ping], permission: permission))
            #expect(try await session.sendAndWait("Ping twice").content == "Pinged twice.")
            #expect(asked.withLock { $0 } == 1)
            let results = server.modelCalls.last?.json?["messages"]?.arrayValue?.filter { $0["role"] == "tool" }.map { $0["content"] }
            #expect(results == ["pong", "pong"])
        }
    }
}

@Suite("Built-in tools: the web, intents, and replacing a built-in")
struct BuiltInToolExtrasTests {
    @Test("web_fetch asks a url permission and returns the page; report_intent emits assistant.intent; a non-http URL is refused without asking")
    func webFetchAndIntent() async throws {
        let server = try await ScriptedProviderServer.start(models: ["fetched-model-7"])
        let page = "\(server.baseURL)/models"
        let turns: [ScriptedTurn] = [
            .toolCalls([("report_intent", #"{"intent":"Checking the models"}"#), ("web_fetch", #"{"url":"\#(page)"}"#)]),
            .toolCalls([("web_fetch", #"{"url":"file:///etc/passwd"}"#)]),
            .text("Done."),
        ]
        try await withScriptedClient(turns: turns) { client, provider in
            let asked = Mutex<[PermissionRequest]>([])
            var config = scriptedConfig(provider, permission: PermissionHandler { request, _ in
                asked.withLock { $0.append(request) }
                return .approveOnce
            })
            config.builtInTools = [.webFetch, .reportIntent]
            let session = try await client.createSession(config)
            let intents = Mutex<[String]>([])
            let subscription = session.on(.assistantIntent) { data in intents.withLock { $0.append(data.intent) } }
            _ = try await session.sendAndWait("Look it up")
            subscription.cancel()
            let results = (provider.modelCalls.last?.json?["messages"]?.arrayValue ?? []).filter { $0["role"] == "tool" }
                .compactMap { $0["content"]?.stringValue }
            try #require(results.count == 3)
            #expect(results[0] == "Intent logged")
            #expect(results[1].hasPrefix("Contents of \(page):\n") && results[1].contains("fetched-model-7"))
            #expect(results[2] == "file:///etc/passwd is not an http or https URL.")
            #expect(intents.withLock { $0 } == ["Checking the models"])
            #expect(asked.withLock { $0 }.map(\.kind) == [.url] && asked.withLock { $0 }.first?.url == page)
        }
        try await server.shutdown()
    }

    @Test("web_fetch follows a redirect within the approved origin only; one to another host or port is asked again, naming it")
    func webFetchRedirects() async throws {
        let target = try await ScriptedProviderServer.start(models: ["behind-the-redirect"])
        let redirect = try RedirectServer(location: "\(target.baseURL)/models")
        defer { redirect.stop() }
        let start = "http://127.0.0.1:\(redirect.port)/start"
        for approveRedirect in [false, true] {
            let turns: [ScriptedTurn] = [.toolCalls([("web_fetch", #"{"url":"\#(start)"}"#)]), .text("Done.")]
            try await withScriptedClient(turns: turns) { client, provider in
                let asked = Mutex<[String]>([])
                var config = scriptedConfig(provider, permission: PermissionHandler { request, _ in
                    asked.withLock { $0.append(request.url ?? "") }
                    return request.url == start || approveRedirect ? .approveOnce : .userNotAvailable
                })
                config.builtInTools = [.webFetch]
                let session = try await client.createSession(config)
                _ = try await session.sendAndWait("Fetch it")
                let result = (provider.modelCalls.last?.json?["messages"]?.arrayValue ?? []).filter { $0["role"] == "tool" }
                    .compactMap { $0["content"]?.stringValue }.first ?? ""
                #expect(asked.withLock { $0 } == [start, "\(target.baseURL)/models"])
                #expect(result.contains("behind-the-redirect") == approveRedirect, "\(result)")
            }
        }
        try await target.shutdown()
    }

    @Test("a running command's output is reported as it comes (tool.execution_partial_result), and all of it is the result")
    func partialOutput() async throws {
        let turns: [ScriptedTurn] = [
            .toolCalls([("bash", #"{"command":"echo one; sleep 6; echo two","description":"Count","initial_wait":20}"#)]), .text("ok"),
        ]
        try await withScriptedClient(turns: turns) { client, server in
            var config = scriptedConfig(server)
            config.builtInTools = [.bash]
            let session = try await client.createSession(config)
            // The event stream is in order (the partial results come before the idle), whereas an
            // `on` handler may still be running when sendAndWait returns. Output is looked at each
            // second; the six seconds between the lines leave a starved machine room for a look.
            let events = try await runToIdle(session, "Count", timeout: .seconds(60))
            let partial = events.compactMap { event -> String? in
                if case .toolExecutionPartialResult(let data) = event.payload { data.partialOutput } else { nil }
            }
            #expect(partial.first == "one\n")
            let result = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }?["content"]
            #expect(result == "one\ntwo\n<exited with exit code 0>")
        }
    }

    @Test("an app tool with a built-in's name is refused unless it says overridesBuiltInTool; then it replaces the built-in")
    func overridingABuiltIn() async throws {
        try await withScriptedClient(turns: [.toolCalls([("grep", #"{"query":"x"}"#)]), .text("ok")]) { client, server in
            var config = scriptedConfig(server)
            config.builtInTools = [.grep, .view]
            config.tools = [Tool(name: "grep", description: "Mine") { _ in "MINE" }]
            await #expect(throws: CopilotError.self) { _ = try await client.createSession(config) }
            config.tools = [Tool(name: "grep", description: "Mine", overridesBuiltInTool: true) { _ in "MINE" }]
            let session = try await client.createSession(config)
            _ = try await session.sendAndWait("Search")
            let offered = server.modelCalls.first?.json?["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue }
            #expect(offered == ["view", "grep"])
            let result = server.modelCalls.last?.json?["messages"]?.arrayValue?.first { $0["role"] == "tool" }?["content"]
            #expect(result == "MINE")
        }
    }
}

/// A loopback HTTP server that answers every request with a 302 to `location`, on a thread of its own.
final class RedirectServer: Sendable {
    let port: Int
    private let listener: Int32

    init(location: String) throws {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, stream, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard descriptor >= 0, bound, listen(descriptor, 8) == 0 else { throw CocoaError(.fileWriteUnknown) }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let answer = Array("HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        Thread.detachNewThread {
            while true {
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &buffer, buffer.count)
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
    }

    /// Stops accepting: the thread's `accept` fails and it ends.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
