import COpenSSL

/// The public half of a vault key: exports (PEM, JWK), signature verification and RSA encryption/wrapping.
///
/// Holds only public material. Safe to share across threads: the EVP_PKEY is never mutated after `init`, and
/// each operation uses its own EVP_PKEY_CTX (OpenSSL 3 permits concurrent use of a key that way).
public final class PublicKey: @unchecked Sendable {
    let pkey: OpaquePointer
    /// The key's type and size or curve.
    public let parameters: KeyParameters

    /// Takes ownership of `pkey` (freed here if it is not a supported key).
    init(owning pkey: OpaquePointer) throws {
        do { parameters = try KeyParameters.of(pkey) } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// The Azure key type.
    public var keyType: KeyType { parameters.keyType }

    /// Reads a SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
    /// - Throws: `KeyCryptoError.invalidKey` for malformed PEM, `.unsupportedKey` for a type, size or curve kvfs does not hold.
    public convenience init(pem: String) throws {
        let bytes = Array(pem.utf8)
        let pkey = try bytes.withUnsafeBytes { raw in
            try OpenSSLKeyIO.withMemoryBIO(raw) { bio in PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in -1 }, nil) }
        }
        guard let pkey else {
            throw KeyCryptoError(.invalidKey, "Not a valid public key PEM; expected '-----BEGIN PUBLIC KEY-----' (SubjectPublicKeyInfo).",
                                 cause: CryptoError("PEM_read_bio_PUBKEY"))
        }
        try self.init(owning: pkey)
    }

    /// Reads a DER SubjectPublicKeyInfo.
    /// - Throws: `KeyCryptoError.invalidKey` or `.unsupportedKey`.
    public convenience init(spkiDER der: [UInt8]) throws {
        let pkey: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let key = d2i_PUBKEY(nil, &cursor, buffer.count)
            if key != nil, cursor != buffer.baseAddress.map({ $0 + buffer.count }) { EVP_PKEY_free(key); return nil }
            return key
        }
        guard let pkey else {
            throw KeyCryptoError(.invalidKey, "Not a valid DER SubjectPublicKeyInfo.", cause: CryptoError("d2i_PUBKEY"))
        }
        try self.init(owning: pkey)
    }

    /// Builds a public key from a JWK's public fields (RSA `n`, `e`; EC `crv`, `x`, `y`).
    /// - Throws: `KeyCryptoError.invalidKey` for missing or malformed fields or a point not on the curve;
    ///   `.invalidArgument` for an unknown `kty` or `crv`; `.unsupportedKey` for an unsupported size.
    public convenience init(jwk: PublicJWK) throws {
        let (keyType, _) = try KeyType.parse(jwk.kty)
        let pkey: OpaquePointer
        switch keyType {
        case .rsa:
            let n = try JWKField.publicInteger(jwk.n, "n"), e = try JWKField.publicInteger(jwk.e, "e")
            pkey = try OpenSSLKeyIO.fromData(type: "RSA", selection: kvfs_selection_public_key()) { b in
                try n.withUnsafeBytes { try b.bignum("n", $0) }
                try e.withUnsafeBytes { try b.bignum("e", $0) }
            }
        case .ec:
            guard let curve = jwk.crv else { throw KeyCryptoError(.invalidKey, "EC JWK is missing 'crv'.") }
            let point = try JWKField.ecPoint(x: jwk.x, y: jwk.y, curve: curve)
            pkey = try OpenSSLKeyIO.fromData(type: "EC", selection: kvfs_selection_public_key()) { b in
                try b.utf8("group", curve.openSSLGroup)
                try b.octets("pub", point)
            }
        }
        try self.init(owning: pkey)
        try checkPublic()
    }

    /// Throws `invalidKey` unless OpenSSL's public-key check passes (point on curve; RSA n, e sane).
    func checkPublic() throws {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw KeyCryptoError.openSSL("create a key context") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_public_check(ctx) == 1 else {
            throw KeyCryptoError(.invalidKey, "The public key fails OpenSSL's validity check.", cause: CryptoError("EVP_PKEY_public_check"))
        }
    }

    /// The RSA modulus size in bytes (the length of every RSA signature and ciphertext); 0 for EC keys.
    public var modulusBytes: Int {
        if case .rsa(let bits) = parameters { return (bits + 7) / 8 }
        return 0
    }

    // MARK: Exports

    /// The SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----"), as `openssl pkey -pubout` writes it.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func publicPEM() throws -> String {
        try OpenSSLKeyIO.pem({ PEM_write_bio_PUBKEY($0, pkey) }, "public key")
    }

    /// The SubjectPublicKeyInfo as DER.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func spkiDER() throws -> [UInt8] {
        try OpenSSLKeyIO.der({ i2d_PUBKEY(pkey, $0) }, "public key")
    }

    /// The public key as a JWK: `kty`, `n`/`e` or `crv`/`x`/`y`, plus `kid` and `key_ops` if given.
    /// - Throws: `KeyCryptoError.operationFailed` if OpenSSL fails.
    public func publicJWK(kid: String? = nil, keyOps: [KeyOperation]? = nil) throws -> PublicJWK {
        switch parameters {
        case .rsa:
            return PublicJWK(kid: kid, kty: KeyType.rsa.rawValue, keyOps: keyOps,
                             n: Base64URL.encode(try OpenSSLKeyIO.bigEndian(pkey, "n")),
                             e: Base64URL.encode(try OpenSSLKeyIO.bigEndian(pkey, "e")))
        case .ec(let curve):
            return PublicJWK(kid: kid, kty: KeyType.ec.rawValue, keyOps: keyOps, crv: curve,
                             x: Base64URL.encode(try OpenSSLKeyIO.bigEndian(pkey, "qx", width: curve.coordinateSize)),
                             y: Base64URL.encode(try OpenSSLKeyIO.bigEndian(pkey, "qy", width: curve.coordinateSize)))
        }
    }
}

/// Decoding of JWK fields shared by the public and private importers.
enum JWKField {
    /// A required public integer, minimal big-endian.
    static func publicInteger(_ text: String?, _ name: String) throws -> [UInt8] {
        guard let text else { throw KeyCryptoError(.invalidKey, "JWK is missing '\(name)'.") }
        let bytes: [UInt8]
        do { bytes = try Base64URL.decode(text) } catch {
            throw KeyCryptoError(.invalidKey, "JWK field '\(name)' is not valid base64url.")
        }
        guard OpenSSLKeyIO.significantBytes(bytes).count > 0 else { throw KeyCryptoError(.invalidKey, "JWK field '\(name)' is zero.") }
        return bytes
    }

    /// The uncompressed point `04 ‖ x ‖ y`; `x` and `y` must be exactly the curve size.
    static func ecPoint(x: String?, y: String?, curve: EllipticCurve) throws -> [UInt8] {
        let size = curve.coordinateSize
        var point: [UInt8] = [0x04]
        for (name, text) in [("x", x), ("y", y)] {
            guard let text else { throw KeyCryptoError(.invalidKey, "EC JWK is missing '\(name)'.") }
            let bytes: [UInt8]
            do { bytes = try Base64URL.decode(text) } catch {
                throw KeyCryptoError(.invalidKey, "JWK field '\(name)' is not valid base64url.")
            }
            guard bytes.count == size else {
                throw KeyCryptoError(.invalidKey, "EC JWK '\(name)' must be \(size) bytes on \(curve.rawValue), not \(bytes.count).")
            }
            point += bytes
        }
        return point
    }
}
