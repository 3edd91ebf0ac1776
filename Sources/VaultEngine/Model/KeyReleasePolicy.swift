import Foundation

/// Azure's KeyReleasePolicy: the rules under which an exportable key may be released to a trusted execution
/// environment, as the REST API carries it — `{"contentType": …, "data": <base64url policy>, "immutable": …}`.
///
/// `data` is the policy document itself (Azure's release-policy grammar, JSON; see `KeyReleaseRules`). An
/// immutable policy can never be changed or replaced. The policy is public: it names attestation authorities and
/// claims, never key material.
public struct KeyReleasePolicy: Codable, Sendable, Equatable {
    /// The only content type Azure Key Vault's release policies use, and the default when none is given.
    public static let jsonContentType = "application/json; charset=utf-8"

    /// How `data` is encoded; always `application/json; charset=utf-8`.
    public var contentType: String
    /// The policy document's bytes (UTF-8 JSON).
    public var data: [UInt8]
    /// Whether the policy can never be changed again.
    public var immutable: Bool

    /// A policy from its document's bytes.
    public init(data: [UInt8], contentType: String? = nil, immutable: Bool = false) {
        self.contentType = contentType ?? Self.jsonContentType
        self.data = data
        self.immutable = immutable
    }

    /// The policy document as text.
    public var document: String { String(decoding: data, as: UTF8.self) }

    private enum CodingKeys: String, CodingKey { case contentType, data, immutable }

    /// Decodes the REST shape; `data` is base64url (padding accepted), `contentType` and `immutable` optional.
    /// - Throws: `DecodingError` when `data` is missing or not base64url.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .data)
        guard let bytes = try? Base64URL.decode(text) else {
            throw DecodingError.dataCorruptedError(forKey: .data, in: c, debugDescription: "release_policy.data is not base64url.")
        }
        self.init(data: bytes, contentType: try c.decodeIfPresent(String.self, forKey: .contentType),
                  immutable: try c.decodeIfPresent(Bool.self, forKey: .immutable) ?? false)
    }

    /// Encodes the REST shape, `data` as unpadded base64url.
    /// - Throws: `EncodingError`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(contentType, forKey: .contentType)
        try c.encode(Base64URL.encode(data), forKey: .data)
        try c.encode(immutable, forKey: .immutable)
    }
}
