import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends when the process that started this one is gone, so that a runtime an SDK spawned over TCP
/// (`--headless --port N`) does not outlive it. Over standard input that needs no watching: the
/// input closes with the parent. Run it with `.gracefullyShutdownGroup` as its termination.
struct ParentWatch: Service {
    /// How often the parent is checked.
    var interval: Duration = .seconds(1)
    let logger: Logger

    func run() async throws {
        let parent = getppid()
        // A parent that is already gone (re-parented to init) is nothing to watch.
        guard parent > 1 else { return try await gracefulShutdown() }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            if getppid() != parent {
                logger.notice("the process that started this runtime has ended; shutting down", metadata: ["parent": "\(parent)"])
                return
            }
        }
    }
}
