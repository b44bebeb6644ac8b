import CopilotCore
import CopilotProtocol
import CopilotRuntime

/// The skills methods (`session.skills.*`), and the plugin and extension methods, which answer for
/// a runtime that loads neither.
extension RuntimeServer {
    static func addSkillMethods(to router: inout RPCRouter, _ server: RuntimeServer) {
        router.on(RPC.sessionSkillsList) { [unowned server] params, _ in
            SkillListResult(skills: try server.liveEngine(params.sessionId, RPC.sessionSkillsList.name).skills.skills)
        }
        for (method, enabled) in [(RPC.sessionSkillsEnable, true), (RPC.sessionSkillsDisable, false)] {
            router.on(method) { [unowned server] params, _ in
                guard try server.liveEngine(params.sessionId, method.name).skills.setEnabled(params.name, enabled) else {
                    throw RPCError(code: -32000, message: "Skill not found: \(params.name)")
                }
                return EmptyResult()
            }
        }
        router.on(RPC.sessionSkillsReload) { [unowned server] params, _ in
            try server.liveEngine(params.sessionId, RPC.sessionSkillsReload.name).skills.reload()
        }
        router.on(RPC.sessionSkillsEnsureLoaded) { [unowned server] params, _ in
            try server.liveEngine(params.sessionId, RPC.sessionSkillsEnsureLoaded.name).skills.ensureLoaded()
            return EmptyResult()
        }
        router.on(RPC.sessionSkillsGetInvoked) { [unowned server] params, _ in
            InvokedSkillsResult(skills: try server.liveEngine(params.sessionId, RPC.sessionSkillsGetInvoked.name).skills.invoked)
        }
        router.on(RPC.sessionPluginsList) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionPluginsList.name)
            return PluginListResult(plugins: [])
        }
        router.on(RPC.sessionExtensionsList) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionExtensionsList.name)
            return ExtensionListResult(extensions: [])
        }
        for method in [RPC.sessionExtensionsEnable, RPC.sessionExtensionsDisable] {
            router.on(method) { [unowned server] params, _ in
                _ = try server.liveEngine(params.sessionId, method.name)
                throw Self.extensionsUnavailable
            }
        }
        router.on(RPC.sessionExtensionsReload) { [unowned server] params, _ in
            _ = try server.liveEngine(params.sessionId, RPC.sessionExtensionsReload.name)
            throw Self.extensionsUnavailable
        }
    }

    /// The official runtime's answer when it runs no extensions.
    static let extensionsUnavailable = RPCError(code: -32000, message: "Extensions not available: this runtime does not run extensions.")
}
