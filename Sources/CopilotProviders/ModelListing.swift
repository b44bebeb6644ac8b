import CopilotCore
import Foundation

extension ProviderConfig {
    /// The models this provider serves, from its own listing endpoint.
    ///
    /// OpenAI-compatible servers: `GET {baseURL}/models`. Azure: `GET {host}/openai/v1/models` (or
    /// `/openai/models?api-version=…`), which lists base models rather than deployments. Anthropic:
    /// `GET /v1/models` and Gemini `GET …/models`, following their pages. Only Gemini's listing
    /// says what a model can take; the others' capabilities are left unknown.
    package func listModels(context: ProviderContext) async throws -> [ModelInfo] {
        let base = try ProviderEndpoint.validatedBaseURL(displayBaseURL)
        let token = try await bearerTokenProvider?.token()
        var redactor = SecretRedactor(config: self)
        if let token { redactor.add(token) }
        let headers = ProviderEndpoint.authHeaders(config: self, bearerToken: token)

        return try await family.listModels(base: base, config: self) { url in
            try await fetchJSON(url: url, headers: headers, redactor: redactor, context: context)
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
