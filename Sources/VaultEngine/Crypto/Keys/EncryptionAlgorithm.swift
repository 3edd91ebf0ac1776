import COpenSSL

/// An RSA encryption (and key-wrapping) algorithm, with Azure's JsonWebKeyEncryptionAlgorithm spellings.
///
/// `wrapKey`/`unwrapKey` use the same primitives as `encrypt`/`decrypt`. Each call handles one RSA block.
public enum EncryptionAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// RSAES-PKCS1-v1_5 (Azure: "not recommended").
    case rsa1_5 = "RSA1_5"
    /// RSAES-OAEP with SHA-1 and MGF1-SHA-1 (Azure: "not recommended").
    case rsaOAEP = "RSA-OAEP"
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    case rsaOAEP256 = "RSA-OAEP-256"

    /// The key type every algorithm here needs.
    public var keyType: KeyType { .rsa }

    /// The longest plaintext this algorithm encrypts under a key of `modulusBytes` bytes
    /// (k − 11 for PKCS#1 v1.5, k − 2·hLen − 2 for OAEP).
    public func maxPlaintextLength(modulusBytes k: Int) -> Int {
        switch self {
        case .rsa1_5: k - 11
        case .rsaOAEP: k - 2 * 20 - 2
        case .rsaOAEP256: k - 2 * 32 - 2
        }
    }

    /// Parses an Azure `alg`.
    /// - Throws: `KeyCryptoError.invalidArgument` for an unknown algorithm or one kvfs does not offer (AES algorithms).
    public static func parse(_ alg: String) throws -> EncryptionAlgorithm {
        guard let algorithm = EncryptionAlgorithm(rawValue: alg) else {
            throw KeyCryptoError(.invalidArgument,
                                 "Unknown or unsupported encryption algorithm '\(alg.prefix(32))'; use RSA-OAEP-256, RSA-OAEP or RSA1_5.")
        }
        return algorithm
    }

    /// Throws unless the algorithm fits a key with `parameters`.
    func validate(for parameters: KeyParameters) throws {
        guard case .rsa = parameters else {
            throw KeyCryptoError(.algorithmMismatch,
                                 "\(rawValue) needs an RSA key; EC keys only sign and verify.")
        }
    }

    /// Sets padding and digests on an encrypt- or decrypt-initialised context.
    func configure(_ ctx: OpaquePointer) throws {
        switch self {
        case .rsa1_5:
            try checkKey(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), "set PKCS#1 v1.5 padding")
        case .rsaOAEP, .rsaOAEP256:
            let md = self == .rsaOAEP ? EVP_sha1() : EVP_sha256()
            try checkKey(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), "set OAEP padding")
            try checkKey(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md), "set the OAEP digest")
            try checkKey(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md), "set the MGF1 digest")
        }
    }
}
