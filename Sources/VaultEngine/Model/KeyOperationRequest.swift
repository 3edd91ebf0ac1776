import Foundation

/// One cryptographic request on a key version, with Azure's KeyOperationsParameters / KeySignParameters /
/// KeyVerifyParameters field names plus `op`:
///
/// ```json
/// {"op": "sign", "alg": "ES256", "value": "<base64url digest>"}
/// {"op": "verify", "alg": "PS256", "digest": "<base64url digest>", "value": "<base64url signature>"}
/// {"op": "encrypt" | "decrypt" | "wrapKey" | "unwrapKey", "alg": "RSA-OAEP-256", "value": "<base64url>"}
/// ```
///
/// Binary fields are base64url, with or without padding on input. `op` must be one of the six cryptographic
/// operations; anything else fails decoding (a syntax error). The input bytes are held in ``SecureBytes``,
/// since a plaintext or a key to wrap is sensitive, and `description` never shows them.
public struct KeyOperationRequest: Codable, Sendable, CustomStringConvertible {
    /// `sign`, `verify`, `encrypt`, `decrypt`, `wrapKey` or `unwrapKey`.
    public var op: KeyOperation
    /// Azure's algorithm name: RS256…PS512, ES256, ES256K, ES384, ES512 for sign/verify; RSA1_5, RSA-OAEP,
    /// RSA-OAEP-256 for encrypt/decrypt/wrapKey/unwrapKey.
    public var alg: String
    /// The digest to sign, the signature to verify, the plaintext, ciphertext, key to wrap, or wrapped key.
    public var value: SecureBytes
    /// The digest a signature is verified against (verify only).
    public var digest: [UInt8]?
    /// Azure's AES-only fields; present only so a request carrying them is refused clearly.
    public var iv: [UInt8]?, aad: [UInt8]?, tag: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case op, alg, value, digest, iv, aad, tag
    }

    /// A request from raw bytes.
    public init(op: KeyOperation, alg: String, value: SecureBytes, digest: [UInt8]? = nil) {
        self.op = op
        self.alg = alg
        self.value = value
        self.digest = digest
    }

    /// A request from raw bytes (copied into a wiped-on-free buffer).
    public init(op: KeyOperation, alg: String, value: [UInt8], digest: [UInt8]? = nil) {
        self.init(op: op, alg: alg, value: SecureBytes(value), digest: digest)
    }

    /// Decodes a request.
    /// - Throws: `DecodingError` for a missing field, a non-cryptographic `op`, or a field that is not base64url.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = try c.decode(KeyOperation.self, forKey: .op)
        guard KeyOperation.cryptographic.contains(op) else {
            throw DecodingError.dataCorruptedError(forKey: .op, in: c,
                                                   debugDescription: "'op' must be sign, verify, encrypt, decrypt, wrapKey or unwrapKey.")
        }
        alg = try c.decode(String.self, forKey: .alg)
        var text = try c.decode(String.self, forKey: .value)
        defer { SensitiveText.overwrite(&text) }
        do { value = try Base64URL.decodeSecure(text) } catch {
            throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: "'value' is not valid base64url.")
        }
        func bytes(_ key: CodingKeys) throws -> [UInt8]? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            do { return try Base64URL.decode(text) } catch {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(key.rawValue)' is not valid base64url.")
            }
        }
        digest = try bytes(.digest)
        iv = try bytes(.iv)
        aad = try bytes(.aad)
        tag = try bytes(.tag)
    }

    /// Encodes the request with base64url (unpadded) binary fields.
    /// - Throws: `EncodingError` from the encoder.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        try c.encode(alg, forKey: .alg)
        try c.encode(value.withUnsafeBytes { Base64URL.encode($0) }, forKey: .value)
        try c.encodeIfPresent(digest.map { Base64URL.encode($0) }, forKey: .digest)
        try c.encodeIfPresent(iv.map { Base64URL.encode($0) }, forKey: .iv)
        try c.encodeIfPresent(aad.map { Base64URL.encode($0) }, forKey: .aad)
        try c.encodeIfPresent(tag.map { Base64URL.encode($0) }, forKey: .tag)
    }

    public var description: String { "KeyOperationRequest(\(op.rawValue), \(alg.prefix(32)), \(value.count) bytes redacted)" }
}

/// The answer to one cryptographic request, as Azure's KeyOperationResult (`{kid, value}`, value base64url)
/// or, for verify, KeyVerifyResult (`{value: true|false}`; kvfs adds the `kid` that verified).
public struct KeyOperationResult: Codable, Sendable, CustomStringConvertible {
    /// The key version that did the work, `/vaults/V/keys/N/VERSION`.
    public var kid: String
    /// Output bytes, or the verification verdict.
    public var value: Value

    /// What an operation returns.
    public enum Value: Sendable {
        /// A signature, ciphertext, plaintext, wrapped or unwrapped key (wiped from memory when released).
        case bytes(SecureBytes)
        /// Whether the signature verified.
        case verified(Bool)
    }

    enum CodingKeys: String, CodingKey { case kid, value }

    /// Makes a result.
    public init(kid: String, value: Value) {
        self.kid = kid
        self.value = value
    }

    /// The output bytes (a copy), or nil for a verify result.
    public var bytes: [UInt8]? {
        if case .bytes(let b) = value { return b.bytes }
        return nil
    }

    /// The verdict of a verify, or nil for other operations.
    public var isValid: Bool? {
        if case .verified(let ok) = value { return ok }
        return nil
    }

    /// Decodes `{kid, value}` where value is base64url text or a boolean.
    /// - Throws: `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kid = try c.decodeIfPresent(String.self, forKey: .kid) ?? ""
        if let verdict = try? c.decode(Bool.self, forKey: .value) {
            value = .verified(verdict)
        } else {
            let text = try c.decode(String.self, forKey: .value)
            do { value = .bytes(try Base64URL.decodeSecure(text)) } catch {
                throw DecodingError.dataCorruptedError(forKey: .value, in: c, debugDescription: "'value' is not valid base64url.")
            }
        }
    }

    /// Encodes `{kid, value}` with value as unpadded base64url or a boolean.
    /// - Throws: `EncodingError` from the encoder.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kid, forKey: .kid)
        switch value {
        case .bytes(let b): try c.encode(b.withUnsafeBytes { Base64URL.encode($0) }, forKey: .value)
        case .verified(let ok): try c.encode(ok, forKey: .value)
        }
    }

    public var description: String {
        switch value {
        case .bytes(let b): "KeyOperationResult(\(kid), \(b.count) bytes redacted)"
        case .verified(let ok): "KeyOperationResult(\(kid), verified: \(ok))"
        }
    }
}

/// One entry of a batch answer: a result, or Azure's error shape `{"error": {"code": ..., "message": ...}}`.
public enum KeyOperationResponse: Encodable, Sendable {
    case success(KeyOperationResult)
    case failure(VaultError)

    /// The response as a Swift `Result`.
    public var result: Result<KeyOperationResult, VaultError> {
        switch self {
        case .success(let r): .success(r)
        case .failure(let e): .failure(e)
        }
    }

    private struct ErrorBody: Encodable {
        var code: String
        var message: String
    }

    private enum CodingKeys: String, CodingKey { case error }

    /// Encodes the result's fields, or `{"error": {"code": azureCode, "message": message}}`.
    /// - Throws: `EncodingError` from the encoder.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .success(let result):
            try result.encode(to: encoder)
        case .failure(let error):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(ErrorBody(code: error.azureCode, message: error.message), forKey: .error)
        }
    }
}
