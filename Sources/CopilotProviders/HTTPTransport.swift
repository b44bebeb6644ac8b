/// Sends one HTTP request and hands back the response head with a streaming body.
///
/// The providers talk to the network only through this protocol, so tests and other platforms can
/// swap the implementation. AsyncHTTPClient is the default on every platform.
public protocol HTTPTransport: Sendable {
    /// Sends `request`. Throws ``ProviderError`` for connection failures and timeouts; an HTTP error
    /// status is a normal response.
    func execute(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse
}

/// Header fields in order, looked up case-insensitively.
public struct HeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [Field]

    /// One header line.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ fields: [Field] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field named `name`.
    public mutating func remove(name: String) {
        let lowered = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lowered }
    }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}

/// A request for ``HTTPTransport``.
public struct HTTPTransportRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: HeaderFields
    public var body: [UInt8]?
    /// For a model call: the agent it is for.
    public var origin: ModelCallOrigin?

    public init(method: String, url: String, headers: HeaderFields = [:], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Which agent a model call is for: the session's main agent, or a sub-agent it started. A
/// transport that hands calls on (a client carrying model calls, as the official protocol lets it)
/// passes this along.
public struct ModelCallOrigin: Sendable, Hashable {
    /// The agent's id: the session's id for its main agent.
    public var agentId: String
    /// The agent that started it, for a sub-agent.
    public var parentAgentId: String?
    /// `conversation-agent` for the main agent, `conversation-subagent` for a sub-agent.
    public var interactionType: String

    public init(agentId: String, parentAgentId: String? = nil, interactionType: String) {
        self.agentId = agentId
        self.parentAgentId = parentAgentId
        self.interactionType = interactionType
    }
}

/// A response from ``HTTPTransport``: status, headers and a body to read as it arrives.
public struct HTTPTransportResponse: Sendable {
    public var status: Int
    public var headers: HeaderFields
    public var body: HTTPResponseBody

    public init(status: Int, headers: HeaderFields, body: HTTPResponseBody) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A response body as an asynchronous sequence of byte chunks, in the order they arrived.
public struct HTTPResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// Iterates the chunks; each call to `next()` waits for the next one.
    public struct AsyncIterator: AsyncIteratorProtocol {
        fileprivate var nextChunk: () async throws -> [UInt8]?
        public mutating func next() async throws -> [UInt8]? { try await nextChunk() }
    }

    private let makeNext: @Sendable () -> () async throws -> [UInt8]?

    /// Wraps a closure that creates a fresh "next chunk" function per iteration.
    public init(makeNext: @escaping @Sendable () -> () async throws -> [UInt8]?) {
        self.makeNext = makeNext
    }

    /// A body that yields the given chunks.
    public init(chunks: [[UInt8]]) {
        self.makeNext = {
            var iterator = chunks.makeIterator()
            return { iterator.next() }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(nextChunk: makeNext()) }

    /// Reads the whole body, stopping after `limit` bytes (the rest is discarded).
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var result: [UInt8] = []
        for try await chunk in self {
            result.append(contentsOf: chunk.prefix(limit - result.count))
            if result.count >= limit { break }
        }
        return result
    }
}
