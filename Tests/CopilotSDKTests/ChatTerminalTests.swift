import CopilotChat
import CopilotSDK
import Testing

@Suite("The chat's terminal: keys, the line editor, streamed Markdown")
struct ChatTerminalTests {
    @Test("an MCP tool's permission request names the server, the tool and its arguments, and says when it only reads")
    func mcpPermissionText() {
        var request = PermissionRequest(kind: .mcp, toolName: "describe_process", args: ["names": ["HOME"]])
        request.serverName = "test"
        request.toolTitle = "Describe the process"
        request.readOnly = true
        let text = PermissionText.describe(request)
        #expect(text.contains("MCP test: Describe the process (describe_process)"))
        #expect(text.contains(#"{"names":["HOME"]}"#))
        #expect(text.contains("only reads"))
    }

    @Test("/mcp lists each server's status, what went wrong and its tools; none says how to add one")
    func mcpListing() {
        let text = ChatApp.mcpText([
            MCPServerStatus(name: "files", status: "connected", tools: ["read_file", "list_directory"]),
            MCPServerStatus(name: "issues", status: "failed", error: "the server exited with status 1"),
        ])
        #expect(text == "files  connected\n    read_file, list_directory\nissues  failed  the server exited with status 1\n")
        #expect(ChatApp.mcpText([]).contains("--mcp-config"))
    }

    @Test("key bytes decode the same however a read splits them: arrows, Alt-Enter, UTF-8, bracketed paste")
    func keysDecode() {
        let bytes = Array("a\u{1B}[D\u{1B}\r\u{1B}[3~é\u{1B}[200~two\r\nlines\u{1B}[201~\r\u{03}\u{1B}[1;5C".utf8)
        let expected: [Key] = [
            .character("a"), .left, .newline, .delete, .character("é"), .paste("two\nlines"), .enter, .control("c"), .wordRight,
        ]
        var whole = KeyDecoder()
        #expect(whole.feed(bytes) == expected)
        for split in 1..<bytes.count {
            var decoder = KeyDecoder()
            let keys = decoder.feed(bytes[..<split]) + decoder.feed(bytes[split...])
            #expect(keys == expected, "split at \(split)")
        }
    }

    @Test("the editor inserts at the cursor, moves by character, word and line, deletes, and submits")
    func editing() {
        var editor = LineEditor()
        for key in "hello world".map(Key.character) { _ = editor.handle(key) }
        _ = editor.handle(.wordLeft)
        _ = editor.handle(.control("k"))
        #expect(editor.string == "hello ")
        _ = editor.handle(.home)
        _ = editor.handle(.character(">"))
        _ = editor.handle(.end)
        _ = editor.handle(.backspace)
        _ = editor.handle(.newline)
        for key in "line two".map(Key.character) { _ = editor.handle(key) }
        #expect(editor.layout.lines == [">hello", "line two"] && editor.layout.row == 1 && editor.layout.column == 8)
        _ = editor.handle(.up)
        #expect(editor.layout.row == 0 && editor.layout.column == 6, "up moves within the message before the history")
        _ = editor.handle(.control("w"))
        #expect(editor.string == ">\nline two")
        #expect(editor.handle(.enter) == .submit(">\nline two"))
        #expect(editor.string.isEmpty)
        #expect(editor.handle(.control("d")) == .endOfInput)
        #expect(editor.handle(.control("c")) == .interrupt)
    }

    @Test("a trailing backslash continues the message on a new line")
    func backslashContinues() {
        var editor = LineEditor()
        for key in "first\\".map(Key.character) { _ = editor.handle(key) }
        #expect(editor.handle(.enter) == .edited)
        for key in "second".map(Key.character) { _ = editor.handle(key) }
        #expect(editor.handle(.enter) == .submit("first\nsecond"))
    }

    @Test("history: up recalls earlier entries, down comes back to the draft; repeats and blanks are not kept; it is bounded")
    func history() {
        var editor = LineEditor(history: ["one", "two"], historyLimit: 3)
        for key in "dr".map(Key.character) { _ = editor.handle(key) }
        _ = editor.handle(.up)
        #expect(editor.string == "two")
        _ = editor.handle(.up)
        #expect(editor.string == "one")
        #expect(editor.handle(.up) == .ignored)
        _ = editor.handle(.down)
        _ = editor.handle(.down)
        #expect(editor.string == "dr")
        _ = editor.handle(.enter)
        editor.set("dr")
        _ = editor.handle(.enter)
        editor.set("   ")
        _ = editor.handle(.enter)
        editor.set("three")
        _ = editor.handle(.enter)
        #expect(editor.history == ["two", "dr", "three"])
    }

    @Test("Markdown renders as it streams, the same however the text is split: headings, bullets, fences, inline code and bold")
    func markdown() {
        let source = "# Title\nSome **bold** and `code`.\n- item\n```swift\nlet x = 1 * 2\n```\n> quoted\n3 * 4 = 12\n"
        let plain = "Title\nSome bold and code.\n• item\n```swift\nlet x = 1 * 2\n```\n│ quoted\n3 * 4 = 12\n"
        func render(_ chunks: [String], colors: Bool) -> String {
            var stream = MarkdownStream(rendered: true, colors: colors)
            return chunks.map { stream.feed($0) }.joined() + stream.finish()
        }
        #expect(render([source], colors: false) == plain)
        let characters = source.map(String.init)
        #expect(render(characters, colors: false) == plain)
        let styled = render([source], colors: true)
        #expect(render(characters, colors: true) == styled)
        #expect(styled.contains(Style.bold + "Title") && styled.contains(Style.code + "code" + Style.reset))
        var raw = MarkdownStream(rendered: false, colors: false)
        #expect(raw.feed(source) + raw.finish() == source, "off a terminal the text is left as it is")
    }
}
