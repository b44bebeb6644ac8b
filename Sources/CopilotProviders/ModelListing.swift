import CopilotCore
import Foundation

extension ProviderConfig {
    /// The models this provider serves, from its own listing endpoint.
    ///
    /// OpenAI-compatible servers: `GET {baseURL}/models`. Azure: `GET {host}/openai/v1/models` (or
    /// `/openai/models?api-version=…`), which lists base models rather than deployments. Anthropic:
    /// `GET /v1/models`, following its pagination. Listings carry no capability data, so the
    /// capabilities are left unknown.
    package func listModels(context: ProviderContext) async throws -> [ModelInfo] {
        let base = try ProviderEndpoint.validatedBaseURL(displayBaseURL)
        let token = try await bearerTokenProvider?.token()
        var redactor = SecretRedactor(config: self)
        if let token { redactor.add(token) }
        let headers = ProviderEndpoint.authHeaders(config: self, bearerToken: token)

        switch resolvedType {
        case .openai, .azure:
            let url: String
            if resolvedType == .azure {
                url = azure?.apiVersion.map { base + "/openai/models?api-version=" + $0 } ?? base + "/openai/v1/models"
            } else {
                url = base + "/models"
            }
            let page = try await fetchJSON(url: url, headers: headers, redactor: redactor, context: context)
            guard let entries = page["data"]?.arrayValue else {
                throw ProviderError(code: .malformedResponse, message: "The model list from \(url) has no `data` array.", url: url)
            }
            return entries.compactMap { entry in
                entry["id"]?.stringValue.map { ModelInfo(id: $0, name: entry["name"]?.stringValue ?? $0) }
            }
        case .anthropic:
            let root = base.hasSuffix("/v1") ? String(base.dropLast(3)) : base
            var models: [ModelInfo] = []
            var after: String?
            // Bounded: a server that always says `has_more` cannot keep us here forever.
            for _ in 0..<100 {
                var url = root + "/v1/models?limit=100"
                if let after { url += "&after_id=" + (after.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? after) }
                let page = try await fetchJSON(url: url, headers: headers, redactor: redactor, context: context)
                let entries = page["data"]?.arrayValue ?? []
                models += entries.compactMap { entry in
                    entry["id"]?.stringValue.map { ModelInfo(id: $0, name: entry["display_name"]?.stringValue ?? $0) }
                }
                guard page["has_more"] == true, let last = page["last_id"]?.stringValue ?? entries.last?["id"]?.stringValue else { break }
                after = last
            }
            return models
        }
    }

    private func fetchJSON(url: String, headers: HeaderFields, redactor: SecretRedactor, context: ProviderContext) async throws -> JSONValue {
        var headers = headers
        headers.replaceOrAdd(name: "Accept", value: "application/json")
        let response = try await context.transport.execute(HTTPTransportRequest(method: "GET", url: url, headers: headers))
        let body = try await response.body.collect(upTo: 8 * 1024 * 1024)
        guard (200..<300).contains(response.status) else {
            throw ProviderError.fromHTTPResponse(status: response.status, headers: response.headers, body: body, url: url, redactor: redactor)
        }
        do {
            return try JSONValue(parsing: Data(body))
        } catch {
            throw ProviderError(code: .malformedResponse, message: "The model list from \(url) is not JSON.", url: url)
        }
    }
}
