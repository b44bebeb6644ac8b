import CopilotRuntime
import CopilotProviders
import Testing

@Suite("SSE parser")
struct SSEParserTests {
    static let fixture = Array(
        """
        \u{FEFF}: a comment line
        event: message_start
        data: {"a":1}

        data: first line
        data: second line
        id: 42

        retry: 1500
        data:no-space
        data:  two-spaces

        event: ping
        data:

        :keep-alive

        data: [DONE]


        """.utf8)

    static let expected: [SSEEvent] = [
        SSEEvent(event: "message_start", data: #"{"a":1}"#),
        SSEEvent(data: "first line\nsecond line", id: "42"),
        SSEEvent(data: "no-space\n two-spaces", id: "42", retry: 1500),
        SSEEvent(event: "ping", data: "", id: "42"),
        SSEEvent(data: "[DONE]", id: "42"),
    ]

    private func parse(_ chunks: [[UInt8]]) -> [SSEEvent] {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for chunk in chunks { events += parser.feed(chunk) }
        events += parser.finish()
        return events
    }

    @Test("an event that grows past the limit stops the parser, however the bytes arrive; smaller events before it are kept")
    func eventLimit() {
        let stream = Array("data: small\n\n".utf8) + Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 300)
        for chunkSize in [1, 7, 64, stream.count] {
            var parser = SSEParser(eventLimit: 100)
            var events: [SSEEvent] = []
            var index = 0
            while index < stream.count {
                events += parser.feed(stream[index..<min(index + chunkSize, stream.count)])
                index += chunkSize
            }
            #expect(events.map(\.data) == ["small"], "chunks of \(chunkSize)")
            #expect(parser.overflowed, "chunks of \(chunkSize)")
            #expect(parser.feed(Array("\n\ndata: after\n\n".utf8)).isEmpty && parser.finish().isEmpty)
        }
        // Many data lines of one event count together.
        var parser = SSEParser(eventLimit: 100)
        _ = parser.feed(Array(String(repeating: "data: 0123456789\n", count: 20).utf8))
        #expect(parser.overflowed)
        var roomy = SSEParser(eventLimit: 100)
        #expect(roomy.feed(Array("data: fits\n\n".utf8)).map(\.data) == ["fits"] && !roomy.overflowed)
    }

    @Test("whole fixture in one chunk")
    func wholeFixture() {
        #expect(parse([Self.fixture]) == Self.expected)
    }

    @Test("fixture split at every byte boundary gives the same events")
    func everySplit() {
        for split in 0...Self.fixture.count {
            let events = parse([Array(Self.fixture[..<split]), Array(Self.fixture[split...])])
            #expect(events == Self.expected, "split at \(split)")
        }
    }

    @Test("fixture fed one byte at a time")
    func byteByByte() {
        #expect(parse(Self.fixture.map { [$0] }) == Self.expected)
    }

    @Test("every pair of split points, with CRLF line ends", arguments: ["\r\n", "\r", "\n"])
    func lineEndings(_ ending: String) {
        let text = "data: one\(ending)data: two\(ending)\(ending)event: x\(ending)data: three\(ending)\(ending)"
        let bytes = Array(text.utf8)
        let expected = [SSEEvent(data: "one\ntwo"), SSEEvent(event: "x", data: "three")]
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let chunks = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                #expect(parse(chunks) == expected, "splits \(first), \(second)")
            }
        }
    }

    @Test("a final event without its blank line is still delivered at the end of the stream")
    func unterminatedFinalEvent() {
        #expect(parse([Array("data: {\"x\":1}\n\ndata: [DONE]".utf8)]) == [SSEEvent(data: #"{"x":1}"#), SSEEvent(data: "[DONE]")])
    }

    @Test("multi-byte UTF-8 split across chunks survives")
    func utf8Split() {
        let bytes = Array("data: héllo 🌍\n\n".utf8)
        for split in 0...bytes.count {
            #expect(parse([Array(bytes[..<split]), Array(bytes[split...])]) == [SSEEvent(data: "héllo 🌍")])
        }
    }
}
