import Foundation

/// Removes known secrets from text before it reaches an error, a log line or an event.
///
/// Providers sometimes echo the credential they rejected; this is the last line of defence.
package struct SecretRedactor: Sendable, Hashable {
    private var secrets: [String]

    /// The replacement text for a secret.
    package static let placeholder = "<redacted>"

    /// A redactor for the credentials in `config` and any extra values (tokens fetched at run time).
    /// Every custom header value counts as a credential, whatever the header's name (`X-Custom-Auth`),
    /// and so do the user-info of the base URL and its password alone.
    package init(config: ProviderConfig?, extra: [String] = []) {
        var values = extra
        if let config {
            values.append(contentsOf: [config.apiKey, config.bearerToken].compactMap { $0 })
            values.append(contentsOf: (config.headers ?? [:]).values)
            if let (user, password) = config.baseURLCredentials {
                values.append(contentsOf: ["\(user):\(password)", password])
                if let raw = URLComponents(string: config.baseURL)?.percentEncodedPassword { values.append(raw) }
            }
        }
        // Short strings would redact ordinary words; real credentials are longer than this.
        secrets = values.filter { $0.count >= 6 }.sorted { $0.count > $1.count }
    }

    /// A redactor for exactly these values.
    package init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 6 }.sorted { $0.count > $1.count }
    }

    /// Adds a value learned later, such as a freshly fetched bearer token.
    package mutating func add(_ secret: String) {
        guard secret.count >= 6, !secrets.contains(secret) else { return }
        secrets.append(secret)
        secrets.sort { $0.count > $1.count }
    }

    /// `text` with every known secret replaced by ``placeholder``.
    package func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.placeholder)
        }
        return result
    }
}
