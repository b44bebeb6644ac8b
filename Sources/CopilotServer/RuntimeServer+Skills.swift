import CopilotCore
import CopilotProtocol
import CopilotRuntime
import Foundation

/// The skills methods (`session.skills.*`), the plugin methods (a session's plugins, a client's
/// trusted plugin folders), and the extension methods, which answer for a runtime that runs none.
extension RuntimeServer {
    static func addSkillMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        router.on(RPC.sessionSkillsList, sessionsOf: server) { _, call in
            SkillListResult(skills: call.engine.skills.skills)
        }
        for (method, enabled) in [(RPC.sessionSkillsEnable, true), (RPC.sessionSkillsDisable, false)] {
            router.on(method, sessionsOf: server) { params, call in
                guard call.engine.skills.setEnabled(params.name, enabled) else {
                    throw RPCError(code: -32000, message: "Skill not found: \(params.name)")
                }
                return EmptyResult()
            }
        }
        router.on(RPC.sessionSkillsReload, sessionsOf: server) { _, call in
            call.engine.skills.reload()
        }
        router.on(RPC.sessionSkillsEnsureLoaded, sessionsOf: server) { _, call in
            call.engine.skills.ensureLoaded()
            return EmptyResult()
        }
        router.on(RPC.sessionSkillsGetInvoked, sessionsOf: server) { _, call in
            InvokedSkillsResult(skills: call.engine.skills.invoked)
        }
        router.on(RPC.sessionPluginsList, sessionsOf: server) { _, call in PluginListResult(plugins: call.engine.plugins) }
        router.on(RPC.pluginsBuiltinSet) { [unowned server] params, connection in
            try server.setBuiltinPlugins(params.paths, for: connection)
            return EmptyResult()
        }
        router.on(RPC.sessionExtensionsList, sessionsOf: server) { _, _ in
            return ExtensionListResult(extensions: [])
        }
        for method in [RPC.sessionExtensionsEnable, RPC.sessionExtensionsDisable] {
            router.on(method, sessionsOf: server) { _, _ in
                throw Self.extensionsUnavailable
            }
        }
        router.on(RPC.sessionExtensionsReload, sessionsOf: server) { _, _ in
            throw Self.extensionsUnavailable
        }
    }

    /// The official runtime's answer when it runs no extensions.
    static let extensionsUnavailable = RPCError(code: -32000, message: "Extensions not available: this runtime does not run extensions.")
}
