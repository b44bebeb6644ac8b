package import CopilotCore
import CopilotProviders
import Foundation
import Synchronization

/// Values no session log may hold (a client's `secrets.addFilterValues`): each is replaced by
/// `<redacted>` in every event before the event is written to the store.
package final class SecretFilter: Sendable {
    private let redactor = Mutex<SecretRedactor?>(nil)

    package init() {}

    /// Adds values to filter; values shorter than six characters are ignored, as they would
    /// redact ordinary words.
    package func add(_ values: [String]) {
        redactor.withLock { redactor in
            var updated = redactor ?? SecretRedactor(secrets: [])
            for value in values {
                updated.add(value)
                // As it appears inside a JSON string, where quotes, backslashes and controls are escaped.
                if let escaped = Self.jsonEscaped(value), escaped != value { updated.add(escaped) }
            }
            redactor = updated
        }
    }

    /// `event` without any filtered value; the same event when it holds none.
    package func scrub(_ event: SessionEvent) -> SessionEvent {
        guard let redactor = redactor.withLock({ $0 }),
            let encoded = try? JSONEncoder().encode(event), let text = String(data: encoded, encoding: .utf8)
        else { return event }
        let scrubbed = redactor.scrub(text)
        guard scrubbed != text else { return event }
        return (try? JSONDecoder().decode(SessionEvent.self, from: Data(scrubbed.utf8))) ?? event
    }

    private static func jsonEscaped(_ value: String) -> String? {
        guard let data = try? JSONEncoder().encode(value), let quoted = String(data: data, encoding: .utf8) else { return nil }
        return String(quoted.dropFirst().dropLast())
    }
}
