package import CopilotCore

/// Dispatches incoming requests to typed handlers registered by ``RPCMethod``.
///
/// A method nobody registered is answered -32601 (also `session.*` ones, with or without a
/// `sessionId`); params that do not decode as the method's params type are answered -32602, naming
/// the field; a handler's ``RPCError`` is sent as is.
package struct RPCRouter: Sendable {
    package typealias Handler = @Sendable (_ params: JSONValue, _ connection: RPCConnection) async throws -> JSONValue
    private var handlers: [String: Handler] = [:]

    package init() {}

    /// Handles `method` with `body`; registering a method twice is a programming error.
    package mutating func on<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ body: @escaping @Sendable (Params, RPCConnection) async throws -> Result
    ) {
        precondition(handlers[method.name] == nil, "\(method.name) is registered twice")
        handlers[method.name] = { params, connection in
            let decoded = try RPCError.decodeParams(Params.self, from: params, method: method.name)
            return try JSONValue(encoding: try await body(decoded, connection))
        }
    }

    /// Whether `name` has a handler.
    package func handles(_ name: String) -> Bool { handlers[name] != nil }

    /// Runs the handler for `method`.
    package func dispatch(_ method: String, _ params: JSONValue, on connection: RPCConnection) async throws -> JSONValue {
        guard let handler = handlers[method] else { throw RPCError.methodNotFound(method) }
        return try await handler(params, connection)
    }
}

extension RPCError {
    /// `params` as `Params`, or -32602 saying which field has the wrong shape.
    package static func decodeParams<Params: Decodable>(_: Params.Type, from params: JSONValue, method: String) throws(RPCError) -> Params {
        // JSON-RPC allows params to be left out; the methods that take none take `{}`.
        let params = params == .null ? [:] : params
        guard params.objectValue != nil else { throw .invalidParams("\(method): params must be an object") }
        do {
            return try params.decode(as: Params.self)
        } catch let error as DecodingError {
            throw .invalidParams("\(method): \(describe(error))")
        } catch {
            throw .invalidParams("\(method): \(error)")
        }
    }

    /// A decoding failure in words (which field, what it must be), never the raw `DecodingError` dump.
    package static func describe(_ error: DecodingError, root: String = "params") -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? root : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "`\(path(context.codingPath))` must be \(describeType(type))"
        case .valueNotFound(let type, let context): return "`\(path(context.codingPath))` must be \(describeType(type)), not null"
        case .keyNotFound(let key, let context): return "`\(path(context.codingPath + [key]))` is required"
        case .dataCorrupted(let context): return "`\(path(context.codingPath))`: \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func describeType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: String(describing: type).contains("Array") ? "an array" : "an object"
        }
    }
}

extension RPCConnection {
    /// Calls `method` on the peer and decodes its result.
    package func call<Params, Result>(
        _ method: RPCMethod<Params, Result>, _ params: Params, timeout: Duration = .seconds(120)
    ) async throws -> Result {
        let answer = try await request(method.name, try JSONValue(encoding: params), timeout: timeout)
        do {
            return try answer.decode(as: Result.self)
        } catch let error as DecodingError {
            throw RPCError(
                code: -32603, message: "The peer answered \(method.name) with a result of the wrong shape: \(RPCError.describe(error, root: "result"))")
        } catch {
            throw RPCError(code: -32603, message: "The peer answered \(method.name) with a result of the wrong shape: \(error)")
        }
    }

    /// Sends `notification` to the peer.
    package func notify<Params>(_ notification: RPCNotification<Params>, _ params: Params) {
        guard let json = try? JSONValue(encoding: params) else { return }
        notify(notification.name, json)
    }
}
