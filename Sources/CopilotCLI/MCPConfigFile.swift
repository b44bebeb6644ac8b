import ArgumentParser
import CopilotRuntime
import Foundation

/// `--mcp-config FILE`: the MCP servers of a JSON config file.
enum MCPConfigFile {
    static func load(_ path: String) throws -> [String: MCPServerConfig] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--mcp-config: cannot read \(path).")
        }
        do {
            return try MCPServerConfig.servers(inConfigFile: data, named: path)
        } catch let error as CopilotError {
            throw ValidationError("--mcp-config: \(error.message)")
        }
    }
}
