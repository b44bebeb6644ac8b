import CopilotCore
import CopilotProtocol
import CopilotRuntime
import Foundation
import Logging
import Synchronization

/// The user's own MCP servers (`mcp.config.*`): added, updated, removed, enabled and disabled
/// through the server, and offered to every session it creates besides the servers the session
/// names itself (which win a name clash).
///
/// Kept in `mcp-config.json` beside the session store (`{"mcpServers": {…}, "disabledServers": […]}`,
/// the common file shape `--mcp-config` also reads), or only in memory when the server keeps no
/// files. Header and `env` values are secrets: they are kept in memory for the life of the process
/// and never written, so the file holds their names only.
final class MCPUserConfig: Sendable {
    private struct State {
        var servers: [String: [String: JSONValue]] = [:]
        var disabled: Set<String> = []
        var loaded = false
    }

    private let file: URL?
    private let logger: Logger
    private let state = Mutex(State())

    init(file: URL?, logger: Logger) {
        self.file = file
        self.logger = logger
    }

    /// Every server, by name, as it was given (the official serializable shape).
    var servers: [String: JSONValue] {
        withState { state in state.servers.mapValues { .object($0) } }
    }

    /// The enabled servers, ready for a session.
    var sessionServers: [String: MCPServerConfig] {
        withState { state in
            state.servers.reduce(into: [:]) { servers, entry in
                guard !state.disabled.contains(entry.key) else { return }
                do {
                    servers[entry.key] = try Self.config(entry.value, name: entry.key)
                } catch {
                    logger.warning("A user MCP server is not usable", metadata: ["server": "\(entry.key)", "error": "\(error)"])
                }
            }
        }
    }

    func add(_ name: String, _ config: JSONValue, replacing: Bool) throws {
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
            throw MCPUserConfigError("An MCP server's name may hold only letters, digits, `-`, `_` and `.`: `\(name.prefix(64))` does not.")
        }
        guard let fields = config.objectValue else { throw MCPUserConfigError("The config of MCP server `\(name)` must be an object.") }
        _ = try Self.config(fields, name: name)  // refused now, not when a session starts it
        try change { state in
            if replacing, state.servers[name] == nil { throw MCPUserConfigError("MCP server `\(name)` is not configured.") }
            if !replacing, state.servers[name] != nil { throw MCPUserConfigError("MCP server `\(name)` is already configured.") }
            state.servers[name] = fields
        }
    }

    /// The server a config object describes; header and env values not known (read back from the
    /// file, which keeps none) are left out.
    static func config(_ fields: [String: JSONValue], name: String) throws -> MCPServerConfig {
        var fields = fields
        for secret in ["headers", "env"] {
            if let values = fields[secret]?.objectValue { fields[secret] = .object(values.filter { $0.value != .null }) }
        }
        let wire: SessionCreateParams.MCPServerParams
        do {
            wire = try JSONValue.object(fields).decode(as: SessionCreateParams.MCPServerParams.self)
        } catch {
            throw MCPUserConfigError("The config of MCP server `\(name)` does not have the official shape (command/args/env/cwd or url/headers, tools, timeout).")
        }
        return try MCPServerConfig(wire: wire, name: name)
    }

    func remove(_ name: String) throws {
        try change { state in
            guard state.servers.removeValue(forKey: name) != nil else { throw MCPUserConfigError("MCP server `\(name)` is not configured.") }
            state.disabled.remove(name)
        }
    }

    func setEnabled(_ names: [String], _ enabled: Bool) throws {
        try change { state in
            for name in names {
                if enabled { state.disabled.remove(name) } else { state.disabled.insert(name) }
            }
        }
    }

    // MARK: The file

    private func withState<T>(_ body: (State) -> T) -> T {
        loadOnce()
        return state.withLock { body($0) }
    }

    private func change(_ body: (inout State) throws -> Void) throws {
        loadOnce()
        let snapshot = try state.withLock { state in
            try body(&state)
            return state
        }
        try save(snapshot)
    }

    private func loadOnce() {
        guard let file, !state.withLock({ $0.loaded }) else { return }
        var loaded = State(loaded: true)
        if let data = try? Data(contentsOf: file), let root = try? JSONValue(parsing: data) {
            for (name, config) in root["mcpServers"]?.objectValue ?? [:] {
                if let fields = config.objectValue { loaded.servers[name] = fields }
            }
            loaded.disabled = Set(root["disabledServers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        state.withLock { state in
            guard !state.loaded else { return }
            state = loaded
        }
    }

    private func save(_ state: State) throws {
        guard let file else { return }
        // Header and env values stay out of the file: only their names are written.
        let servers = state.servers.mapValues { fields -> JSONValue in
            var fields = fields
            for secret in ["headers", "env"] {
                if let values = fields[secret]?.objectValue { fields[secret] = .object(values.mapValues { _ in .null }) }
            }
            return .object(fields)
        }
        let root: JSONValue = ["mcpServers": .object(servers), "disabledServers": .array(state.disabled.sorted().map { .string($0) })]
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try Data(root.jsonString.utf8).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            throw MCPUserConfigError("Cannot write the MCP configuration to \(file.path): \(error.localizedDescription)")
        }
    }
}

struct MCPUserConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
