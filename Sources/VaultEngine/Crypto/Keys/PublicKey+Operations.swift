import COpenSSL

extension PublicKey {
    /// Verifies a signature over a digest.
    ///
    /// - Parameters:
    ///   - signature: RSA: exactly the modulus size. ES*: raw `r ‖ s` (64, 96 or 132 bytes), not DER.
    ///   - digest: the hash of the message, exactly ``SignatureAlgorithm/digestLength`` bytes.
    /// - Returns: `true` only for a valid signature. A wrong signature, a signature of the wrong length
    ///   (including a DER ECDSA signature where raw is expected) or an out-of-range `r`/`s` all return `false`.
    /// - Throws: `KeyCryptoError.algorithmMismatch` if the algorithm does not fit the key,
    ///   `.invalidDigest` if the digest length is wrong, `.operationFailed` if OpenSSL fails to set up.
    public func verify(signature: [UInt8], digest: [UInt8], algorithm: SignatureAlgorithm) throws -> Bool {
        try algorithm.validate(for: parameters, digestCount: digest.count)
        let encoded: [UInt8]
        switch parameters {
        case .ec(let curve):
            guard let der = try ECDSASignature.der(fromRaw: signature, coordinateSize: curve.coordinateSize) else { return false }
            encoded = der
        case .rsa:
            guard signature.count == modulusBytes else { return false }
            encoded = signature
        }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_verify_init(ctx), "start verification")
        try algorithm.configure(ctx)
        let result = EVP_PKEY_verify(ctx, encoded, encoded.count, digest, digest.count)
        ERR_clear_error()
        return result == 1
    }

    /// Encrypts one RSA block to this key.
    /// - Returns: a ciphertext of exactly ``modulusBytes`` bytes.
    /// - Throws: `KeyCryptoError.algorithmMismatch` for an EC key, `.inputTooLong` when the plaintext exceeds
    ///   ``EncryptionAlgorithm/maxPlaintextLength(modulusBytes:)``, `.operationFailed` if OpenSSL fails.
    public func encrypt(_ plaintext: [UInt8], algorithm: EncryptionAlgorithm) throws -> [UInt8] {
        try plaintext.withUnsafeBytes { try encrypt($0, algorithm: algorithm) }
    }

    /// Wraps (encrypts) a symmetric key to this key; the same primitive as ``encrypt(_:algorithm:)``.
    /// - Throws: as ``encrypt(_:algorithm:)``.
    public func wrapKey(_ key: SecureBytes, algorithm: EncryptionAlgorithm) throws -> [UInt8] {
        try key.withUnsafeBytes { try encrypt($0, algorithm: algorithm) }
    }

    func encrypt(_ plaintext: UnsafeRawBufferPointer, algorithm: EncryptionAlgorithm) throws -> [UInt8] {
        try algorithm.validate(for: parameters)
        let limit = algorithm.maxPlaintextLength(modulusBytes: modulusBytes)
        guard plaintext.count <= limit else {
            throw KeyCryptoError(.inputTooLong,
                                 "\(algorithm.rawValue) encrypts at most \(limit) bytes with a \(modulusBytes * 8)-bit key; the input has \(plaintext.count). Encrypt a symmetric key instead.")
        }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_encrypt_init(ctx), "start encryption")
        try algorithm.configure(ctx)
        let input = plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var length = 0
        try checkKey(EVP_PKEY_encrypt(ctx, nil, &length, input, plaintext.count), "size the ciphertext")
        var out = [UInt8](repeating: 0, count: length)
        try checkKey(EVP_PKEY_encrypt(ctx, &out, &length, input, plaintext.count), "encrypt")
        return Array(out.prefix(length))
    }
}

extension SignatureAlgorithm {
    /// Sets digest, padding and PSS parameters on a sign- or verify-initialised context.
    func configure(_ ctx: OpaquePointer) throws {
        if keyType == .rsa {
            let padding = isPSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING
            try checkKey(EVP_PKEY_CTX_set_rsa_padding(ctx, padding), "set \(rawValue) padding")
        }
        try checkKey(EVP_PKEY_CTX_set_signature_md(ctx, messageDigest), "set the \(hashName) digest")
        if isPSS {
            try checkKey(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST), "set the PSS salt length")
            try checkKey(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, messageDigest), "set the MGF1 digest")
        }
    }
}
