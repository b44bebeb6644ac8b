package import CopilotCore

/// A JSON-RPC 2.0 error, as sent in a response's `error` member.
package struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    package var code: Int
    package var message: String
    package var data: JSONValue?
    /// Whether the connection closes once this error has been sent (not part of the message).
    package var closesConnection = false

    package init(code: Int, message: String, data: JSONValue? = nil, closesConnection: Bool = false) {
        self.code = code
        self.message = message
        self.data = data
        self.closesConnection = closesConnection
    }

    package static func parseError(_ detail: String) -> RPCError { RPCError(code: -32700, message: "Parse error: \(detail)") }
    package static func invalidRequest(_ detail: String) -> RPCError { RPCError(code: -32600, message: "Invalid request: \(detail)") }
    /// The wording the official runtime uses, which the SDKs recognise.
    package static func methodNotFound(_ method: String) -> RPCError { RPCError(code: -32601, message: "Unhandled method \(method)") }
    package static func invalidParams(_ detail: String) -> RPCError { RPCError(code: -32602, message: "Invalid params: \(detail)") }
    /// A runtime failure, worded as the official runtime does: `Request <method> failed with message: <detail>`.
    package static func internalError(method: String, _ detail: String) -> RPCError {
        RPCError(code: -32603, message: "Request \(method) failed with message: \(detail)")
    }

    /// A `connect` without the right token, or any other call before it. The official SDKs and their
    /// tests look for `AUTHENTICATION_FAILED` in the message; the code must not be -32601, which they
    /// take for an old runtime without `connect`.
    package static func authenticationFailed(_ detail: String) -> RPCError {
        RPCError(code: -32001, message: "AUTHENTICATION_FAILED: \(detail)")
    }
    /// A feature this runtime does not have (remote sessions, the Copilot CLI's own settings): the
    /// official runtime's failed-request form, so an SDK shows the reason; never -32601, which
    /// would say the method is unknown.
    package static func unavailable(method: String, _ reason: String) -> RPCError {
        internalError(method: method, "Not available: \(reason)")
    }
    /// A session id this runtime does not hold (the SDKs match on "Session not found").
    package static func sessionNotFound(method: String, _ id: String) -> RPCError {
        internalError(method: method, "Session not found: \(id)")
    }

    package var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    package var description: String { "JSON-RPC error \(code): \(message)" }
}

/// One incoming JSON-RPC message.
package enum RPCMessage: Sendable, Hashable {
    /// A call that wants an answer.
    case request(id: JSONValue, method: String, params: JSONValue)
    /// A call that wants no answer.
    case notification(method: String, params: JSONValue)
    /// The answer to a request we sent.
    case response(id: JSONValue, result: Result<JSONValue, RPCError>)

    /// A frame that is not a valid message: the error to send back, under the request's id when it
    /// has a usable one (`null` otherwise).
    package struct Invalid: Error, Sendable, Hashable {
        package var id: JSONValue
        package var error: RPCError
    }

    /// Parses a frame body. Throws what to send back when it is not a valid JSON-RPC 2.0 message.
    package init(frame: [UInt8]) throws(Invalid) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: frame)
        } catch {
            throw Invalid(id: .null, error: .parseError("the frame is not valid JSON"))
        }
        guard case .object(let object) = value else {
            throw Invalid(id: .null, error: .invalidRequest("a message must be a JSON object"))
        }
        // An id the answer can carry: a string or an integer (JSON-RPC 2.0), else `null`.
        let id: JSONValue =
            switch object["id"] {
            case .string(let text)?: .string(text)
            case .int(let number)?: .int(number)
            default: .null
            }
        guard object["jsonrpc"] == "2.0" else {
            throw Invalid(id: id, error: .invalidRequest("`jsonrpc` must be \"2.0\""))
        }
        do {
            self = try Self.parse(object)
        } catch {
            throw Invalid(id: id, error: error)
        }
    }

    private static func parse(_ object: [String: JSONValue]) throws(RPCError) -> RPCMessage {
        if let method = object["method"] {
            guard case .string(let name) = method else { throw .invalidRequest("method must be a string") }
            let params = object["params"] ?? .object([:])
            if let id = object["id"], id != .null { return .request(id: id, method: name, params: params) }
            return .notification(method: name, params: params)
        }
        guard let id = object["id"] else { throw .invalidRequest("a message needs a method or an id") }
        if let error = object["error"], error != .null {
            return .response(
                id: id,
                result: .failure(RPCError(
                    code: error["code"]?.intValue ?? -32603, message: error["message"]?.stringValue ?? "unknown error", data: error["data"])))
        } else if let result = object["result"] {
            return .response(id: id, result: .success(result))
        } else {
            throw .invalidRequest("a response needs a result or an error")
        }
    }

    /// The JSON body for this message.
    package var json: JSONValue {
        switch self {
        case .request(let id, let method, let params):
            ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params]
        case .notification(let method, let params):
            ["jsonrpc": "2.0", "method": .string(method), "params": params]
        case .response(let id, .success(let result)):
            ["jsonrpc": "2.0", "id": id, "result": result]
        case .response(let id, .failure(let error)):
            ["jsonrpc": "2.0", "id": id, "error": error.json]
        }
    }
}
