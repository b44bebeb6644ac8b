/// One Server-Sent Event, as dispatched by ``SSEParser``.
package struct SSEEvent: Sendable, Hashable {
    /// The `event:` field, or `nil` when the event had none (the spec's default type "message").
    package var event: String?
    /// The `data:` lines joined with "\n".
    package var data: String
    /// The last event ID seen so far in the stream.
    package var id: String?
    /// A `retry:` reconnection time in milliseconds, if this event carried one.
    package var retry: Int?

    package init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// An incremental Server-Sent Events decoder (WHATWG "event stream interpretation").
///
/// Feed it bytes in chunks of any size and it returns the events completed so far. It accepts
/// CR, LF and CRLF line ends (also when a CRLF is split across chunks), a leading UTF-8 BOM,
/// comments, multi-line data, `id` and `retry`. It allocates per line, not per byte. One event
/// (its lines and data together) may hold at most `eventLimit` bytes: past that the parser stops,
/// drops what it held and says so (``overflowed``), so a peer cannot grow it without bound.
package struct SSEParser: Sendable {
    /// The largest event a parser made with ``init()`` holds.
    package static let defaultEventLimit = 16 * 1024 * 1024
    private let eventLimit: Int
    /// Set once an event grew past the limit; nothing more is read.
    package private(set) var overflowed = false
    private var pendingLine: [UInt8] = []
    private var lastByteWasCR = false
    private var atStreamStart = true
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var lastEventID: String?
    private var retry: Int?

    package init(eventLimit: Int = SSEParser.defaultEventLimit) {
        self.eventLimit = eventLimit
    }

    /// Consumes the next chunk of the stream and returns every event it completed.
    package mutating func feed(_ bytes: some Collection<UInt8>) -> [SSEEvent] {
        guard !overflowed else { return [] }
        var events: [SSEEvent] = []
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            scan(buffer, into: &events)
        }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { scan($0, into: &events) }
        }
        return events
    }

    /// Ends the stream. A final line or event that lacks its terminating blank line is still
    /// dispatched, because several OpenAI-compatible servers end their streams that way.
    package mutating func finish() -> [SSEEvent] {
        guard !overflowed else { return [] }
        var events: [SSEEvent] = []
        if !pendingLine.isEmpty {
            let line = pendingLine
            pendingLine.removeAll()
            line.withUnsafeBufferPointer { process(line: UnsafeBufferPointer(rebasing: $0[...]), into: &events) }
        }
        dispatch(into: &events)
        return events
    }

    private mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        var start = 0
        var index = 0
        let count = buffer.count
        if lastByteWasCR, count > 0 {
            lastByteWasCR = false
            if buffer[0] == UInt8(ascii: "\n") {
                start = 1
                index = 1
            }
        }
        while index < count, !overflowed {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                let slice = UnsafeBufferPointer(rebasing: buffer[start..<index])
                if pendingLine.isEmpty {
                    process(line: slice, into: &events)
                } else {
                    pendingLine.append(contentsOf: slice)
                    let line = pendingLine
                    pendingLine.removeAll(keepingCapacity: true)
                    line.withUnsafeBufferPointer { process(line: UnsafeBufferPointer(rebasing: $0[...]), into: &events) }
                }
                if byte == UInt8(ascii: "\r") {
                    if index + 1 < count {
                        if buffer[index + 1] == UInt8(ascii: "\n") { index += 1 }
                    } else {
                        lastByteWasCR = true
                    }
                }
                start = index + 1
            }
            index += 1
        }
        if start < count, !overflowed {
            pendingLine.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<count]))
        }
        checkLimit()
    }

    /// Stops the parser when the event being read has grown past the limit.
    private mutating func checkLimit() {
        guard !overflowed, pendingLine.count + data.count > eventLimit else { return }
        overflowed = true
        pendingLine = []
        data = []
        hasData = false
    }

    private mutating func process(line rawLine: UnsafeBufferPointer<UInt8>, into events: inout [SSEEvent]) {
        var line = rawLine
        if atStreamStart {
            atStreamStart = false
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
        }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // comment

        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        var valueStart = colon < line.count ? colon + 1 : line.count
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart..<line.count])

        if Self.equals(name, "data") {
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
            checkLimit()
        } else if Self.equals(name, "event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if Self.equals(name, "id") {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if Self.equals(name, "retry") {
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                retry = Int(String(decoding: value, as: UTF8.self))
            }
        }
    }

    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
            retry = nil
        }
        guard hasData else { return }
        let type = (eventType?.isEmpty ?? true) ? nil : eventType
        events.append(SSEEvent(event: type, data: String(decoding: data, as: UTF8.self), id: lastEventID, retry: retry))
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let pointer = text.utf8Start
        for offset in 0..<bytes.count where bytes[offset] != pointer[offset] { return false }
        return true
    }
}
