import COpenSSL

extension PrivateKey {
    /// Signs a digest the caller computed (the vault never hashes).
    /// - Parameters:
    ///   - digest: exactly ``SignatureAlgorithm/digestLength`` bytes.
    ///   - algorithm: RS*/PS* for RSA keys; the ES* algorithm of the key's curve for EC keys.
    /// - Returns: RSA: a modulus-sized signature. ES*: raw `r ‖ s` (64, 96 or 132 bytes).
    /// - Throws: `KeyCryptoError.algorithmMismatch` if the algorithm does not fit the key or curve,
    ///   `.invalidDigest` if the digest length is wrong, `.operationFailed` if OpenSSL fails.
    public func sign(digest: [UInt8], algorithm: SignatureAlgorithm) throws -> [UInt8] {
        try algorithm.validate(for: parameters, digestCount: digest.count)
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_sign_init(ctx), "start signing")
        try algorithm.configure(ctx)
        var length = 0
        try checkKey(EVP_PKEY_sign(ctx, nil, &length, digest, digest.count), "size the signature")
        var signature = [UInt8](repeating: 0, count: length)
        try checkKey(EVP_PKEY_sign(ctx, &signature, &length, digest, digest.count), "sign with \(algorithm.rawValue)")
        signature.removeSubrange(length...)
        if case .ec(let curve) = parameters {
            return try ECDSASignature.raw(fromDER: signature, coordinateSize: curve.coordinateSize)
        }
        return signature
    }

    /// Verifies a signature with the public half; see ``PublicKey/verify(signature:digest:algorithm:)``.
    /// - Throws: as ``PublicKey/verify(signature:digest:algorithm:)``.
    public func verify(signature: [UInt8], digest: [UInt8], algorithm: SignatureAlgorithm) throws -> Bool {
        try publicKey.verify(signature: signature, digest: digest, algorithm: algorithm)
    }

    /// Encrypts one block to the public half; see ``PublicKey/encrypt(_:algorithm:)``.
    /// - Throws: as ``PublicKey/encrypt(_:algorithm:)``.
    public func encrypt(_ plaintext: [UInt8], algorithm: EncryptionAlgorithm) throws -> [UInt8] {
        try publicKey.encrypt(plaintext, algorithm: algorithm)
    }

    /// Wraps a symmetric key with the public half; see ``PublicKey/wrapKey(_:algorithm:)``.
    /// - Throws: as ``PublicKey/encrypt(_:algorithm:)``.
    public func wrapKey(_ key: SecureBytes, algorithm: EncryptionAlgorithm) throws -> [UInt8] {
        try publicKey.wrapKey(key, algorithm: algorithm)
    }

    /// Decrypts one RSA block.
    ///
    /// Every failure — wrong length, bad padding, wrong key or algorithm — throws the same
    /// `KeyCryptoError.decryptionFailed` with one fixed message and no cause, so the error says nothing
    /// that would help a padding oracle. (PKCS#1 v1.5 remains weak against timing oracles in OpenSSL 3.0;
    /// prefer RSA-OAEP-256.)
    /// - Returns: the plaintext in a wiped-on-free buffer.
    /// - Throws: `KeyCryptoError.algorithmMismatch` for an EC key; `.decryptionFailed` otherwise.
    public func decrypt(_ ciphertext: [UInt8], algorithm: EncryptionAlgorithm) throws -> SecureBytes {
        try algorithm.validate(for: parameters)
        guard ciphertext.count == publicKey.modulusBytes else { throw KeyCryptoError.decryptionFailed() }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_decrypt_init(ctx), "start decryption")
        try algorithm.configure(ctx)
        var capacity = 0
        guard EVP_PKEY_decrypt(ctx, nil, &capacity, ciphertext, ciphertext.count) == 1 else { throw KeyCryptoError.decryptionFailed() }
        var length = capacity
        var ok = false
        let buffer = SecureBytes(count: capacity) { raw in
            ok = EVP_PKEY_decrypt(ctx, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, ciphertext, ciphertext.count) == 1
        }
        guard ok, length <= capacity else { throw KeyCryptoError.decryptionFailed() }
        return buffer.withUnsafeBytes { SecureBytes($0.prefix(length)) }
    }

    /// Unwraps a symmetric key; the same primitive as ``decrypt(_:algorithm:)``.
    /// - Throws: as ``decrypt(_:algorithm:)``.
    public func unwrapKey(_ wrapped: [UInt8], algorithm: EncryptionAlgorithm) throws -> SecureBytes {
        try decrypt(wrapped, algorithm: algorithm)
    }
}
