import COpenSSL

/// A vault key's private half (RSA 2048/3072/4096 or EC P-256/P-384/P-521/P-256K), held in an OpenSSL EVP_PKEY.
///
/// Private material lives only in the EVP_PKEY (freed in `deinit`) and in ``SecureBytes`` it hands out
/// (``privateDER()``, decrypted plaintexts). Safe to share across threads: the key is never mutated after
/// `init`, and every operation uses its own EVP_PKEY_CTX.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    let pkey: OpaquePointer
    /// The key's type and size or curve.
    public let parameters: KeyParameters
    /// The public half, as a separate key holding no private material.
    public let publicKey: PublicKey

    /// Takes ownership of `pkey` (freed here if it is not a supported key).
    init(owning pkey: OpaquePointer) throws {
        do {
            parameters = try KeyParameters.of(pkey)
            let spki = try OpenSSLKeyIO.der({ i2d_PUBKEY(pkey, $0) }, "public key")
            publicKey = try PublicKey(spkiDER: spki)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The Azure key type.
    public var keyType: KeyType { parameters.keyType }

    public var description: String { "PrivateKey(\(parameters), redacted)" }

    // MARK: Generation

    /// Generates an RSA key.
    /// - Parameters:
    ///   - bits: 2048, 3072 or 4096.
    ///   - exponent: the public exponent, odd and between 3 and 2³² − 1 (default 65537).
    /// - Throws: `KeyCryptoError.invalidArgument` for another size or exponent, `.operationFailed` if OpenSSL fails.
    public static func generate(rsa bits: Int, exponent: Int = RSAKeySize.defaultExponent) throws -> PrivateKey {
        try KeyRules.checkRSA(bits: bits, exponent: exponent)
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw KeyCryptoError.openSSL("create an RSA context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_keygen_init(ctx), "start RSA key generation")
        try checkKey(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)), "set the RSA key size")
        guard let e = BN_new() else { throw KeyCryptoError.openSSL("allocate a BIGNUM") }
        defer { BN_free(e) }
        try checkKey(BN_set_word(e, UInt(exponent)), "set the RSA public exponent")
        try checkKey(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e), "set the RSA public exponent")
        return try generate(ctx, "RSA")
    }

    /// Generates an EC key on `curve`.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public static func generate(curve: EllipticCurve) throws -> PrivateKey {
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw KeyCryptoError.openSSL("create an EC context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try checkKey(EVP_PKEY_keygen_init(ctx), "start EC key generation")
        try checkKey(EVP_PKEY_CTX_set_group_name(ctx, curve.openSSLGroup), "select curve \(curve.rawValue)")
        return try generate(ctx, "EC")
    }

    private static func generate(_ ctx: OpaquePointer, _ what: String) throws -> PrivateKey {
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else { throw KeyCryptoError.openSSL("generate an \(what) key") }
        return try PrivateKey(owning: pkey)
    }

    // MARK: Private encodings

    /// Reads an unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") and checks the key's consistency.
    /// Encrypted PKCS#8 and traditional ("BEGIN RSA/EC PRIVATE KEY") PEM are refused; convert them with
    /// `openssl pkcs8 -topk8 -nocrypt`.
    /// - Throws: `KeyCryptoError.invalidKey` for malformed or inconsistent keys, `.unsupportedKey` for other types, sizes or curves.
    public convenience init(pkcs8PEM pem: String) throws {
        try self.init(pkcs8PEM: SecureBytes(pem.utf8))
    }

    /// Reads an unencrypted PKCS#8 PEM held in wiped memory (an import request's text), as `init(pkcs8PEM:)`.
    /// - Throws: `KeyCryptoError.invalidKey` for malformed or inconsistent keys, `.unsupportedKey` for other types, sizes or curves.
    public convenience init(pkcs8PEM bytes: SecureBytes) throws {
        let info = try bytes.withUnsafeBytes { raw in
            try OpenSSLKeyIO.withMemoryBIO(raw) { bio in PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, nil, { _, _, _, _ in -1 }, nil) }
        }
        guard let info else {
            throw KeyCryptoError(.invalidKey,
                                 "Not an unencrypted PKCS#8 PEM ('-----BEGIN PRIVATE KEY-----'); convert with 'openssl pkcs8 -topk8 -nocrypt'.",
                                 cause: CryptoError("PEM_read_bio_PKCS8_PRIV_KEY_INFO"))
        }
        try self.init(pkcs8Info: info)
        try checkConsistency()
    }

    /// Reads the PKCS#8 DER that ``privateDER()`` wrote (from the sealed store). No consistency check: the
    /// store's AEAD already vouches for these bytes.
    /// - Throws: `KeyCryptoError.invalidKey` for malformed DER, `.unsupportedKey` for other types, sizes or curves.
    public convenience init(privateDER der: SecureBytes) throws {
        let info: OpaquePointer? = der.withUnsafeBytes { raw in
            let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var cursor: UnsafePointer<UInt8>? = start.map { UnsafePointer($0) }
            let parsed = d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, raw.count)
            if parsed != nil, cursor != start.map({ UnsafePointer($0) + raw.count }) { PKCS8_PRIV_KEY_INFO_free(parsed); return nil }
            return parsed
        }
        guard let info else {
            throw KeyCryptoError(.invalidKey, "Not a valid PKCS#8 DER private key.", cause: CryptoError("d2i_PKCS8_PRIV_KEY_INFO"))
        }
        try self.init(pkcs8Info: info)
    }

    /// Consumes (frees) a PKCS8_PRIV_KEY_INFO.
    private convenience init(pkcs8Info info: OpaquePointer) throws {
        let pkey = EVP_PKCS82PKEY(info)
        PKCS8_PRIV_KEY_INFO_free(info)
        guard let pkey else {
            throw KeyCryptoError(.invalidKey, "The PKCS#8 structure does not hold a usable private key.", cause: CryptoError("EVP_PKCS82PKEY"))
        }
        try self.init(owning: pkey)
    }

    /// The private key as unencrypted PKCS#8 DER, for sealing into the store.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func privateDER() throws -> SecureBytes {
        guard let info = EVP_PKEY2PKCS8(pkey) else { throw KeyCryptoError.openSSL("encode the private key as PKCS#8") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let length = i2d_PKCS8_PRIV_KEY_INFO(info, nil)
        guard length > 0 else { throw KeyCryptoError.openSSL("encode the private key as PKCS#8") }
        var written: Int32 = 0
        let der = SecureBytes(count: Int(length)) { raw in
            var cursor: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            written = i2d_PKCS8_PRIV_KEY_INFO(info, &cursor)
        }
        guard written == length else { throw KeyCryptoError.openSSL("encode the private key as PKCS#8") }
        return der
    }

    /// Throws `invalidKey` unless OpenSSL's full key check (public, private and pairwise) passes.
    func checkConsistency() throws {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_check(ctx) == 1 else {
            throw KeyCryptoError(.invalidKey, "The key's private and public parts are inconsistent (they do not belong to one key).",
                                 cause: CryptoError("EVP_PKEY_check"))
        }
    }

    // MARK: Public exports (forwarded)

    /// The public key as SubjectPublicKeyInfo PEM; see ``PublicKey/publicPEM()``.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func publicPEM() throws -> String { try publicKey.publicPEM() }

    /// The public key as a JWK (never with private fields); see ``PublicKey/publicJWK(kid:keyOps:)``.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func publicJWK(kid: String? = nil, keyOps: [KeyOperation]? = nil) throws -> PublicJWK {
        try publicKey.publicJWK(kid: kid, keyOps: keyOps)
    }
}
