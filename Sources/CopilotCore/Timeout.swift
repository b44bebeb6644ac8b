/// Runs `body`, racing it against `timeout` measured on `clock`.
///
/// - Returns: what `body` returned, or `nil` when `timeout` passed first (`body` is then cancelled
///   and awaited, so nothing it started outlives this call).
/// - Throws: what `body` threw, or `CancellationError` when the calling task is cancelled.
package func withTimeout<Result: Sendable>(
    _ timeout: Duration, clock: any Clock<Duration>, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result? {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await clock.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
