import COpenSSL

/// An Ed25519 signing key (the audit checkpoints' key), held in an OpenSSL EVP_PKEY made from a 32-byte seed.
/// The seed is never kept outside the EVP_PKEY, which OpenSSL wipes when it is freed.
final class Ed25519SigningKey: @unchecked Sendable, CustomStringConvertible {
    // @unchecked: the EVP_PKEY is never mutated after init; each signature uses its own EVP_MD_CTX.
    private let pkey: OpaquePointer
    /// The public half.
    let publicKey: Ed25519PublicKey

    /// - Throws: `CryptoError` for a seed that is not 32 bytes or if OpenSSL fails.
    init(seed: SecureBytes) throws {
        guard seed.count == 32 else { throw CryptoError("Ed25519 key from a \(seed.count)-byte seed") }
        let made = seed.withUnsafeBytes { raw in
            EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard let made else { throw CryptoError("Ed25519 key from a seed") }
        pkey = made
        do {
            var length = 32
            var raw = [UInt8](repeating: 0, count: 32)
            try check(EVP_PKEY_get_raw_public_key(made, &raw, &length), "Ed25519 public key")
            publicKey = try Ed25519PublicKey(raw: Array(raw.prefix(length)))
        } catch {
            EVP_PKEY_free(made)
            throw error
        }
    }

    deinit { EVP_PKEY_free(pkey) }

    var description: String { "Ed25519SigningKey(\(publicKey.fingerprint.prefix(16))…, redacted)" }

    /// The 64-byte Ed25519 signature of `message` (pure Ed25519: the message itself is signed, no prehash).
    /// - Throws: `CryptoError` if OpenSSL fails.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError("Ed25519 context") }
        defer { EVP_MD_CTX_free(ctx) }
        try check(EVP_DigestSignInit_ex(ctx, nil, nil, nil, nil, pkey, nil), "Ed25519 sign init")
        var length = 64
        var signature = [UInt8](repeating: 0, count: 64)
        try check(EVP_DigestSign(ctx, &signature, &length, message, message.count), "Ed25519 sign")
        return Array(signature.prefix(length))
    }
}

/// An Ed25519 public key: the form an auditor pins (SubjectPublicKeyInfo PEM) and checks signatures with.
public final class Ed25519PublicKey: @unchecked Sendable, Equatable {
    // @unchecked: the EVP_PKEY is never mutated after init; each check uses its own EVP_MD_CTX.
    private let pkey: OpaquePointer
    /// The 32 raw public key bytes.
    public let raw: [UInt8]

    /// - Throws: `CryptoError` unless `raw` is a 32-byte Ed25519 public key.
    public init(raw: [UInt8]) throws {
        guard raw.count == 32, let made = EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, raw, raw.count) else {
            throw CryptoError("Ed25519 public key from \(raw.count) bytes")
        }
        pkey = made
        self.raw = raw
    }

    /// Reads a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`) holding an Ed25519 key.
    /// - Throws: `CryptoError` for anything else.
    public convenience init(pem: String) throws {
        let bytes = Array(pem.utf8)
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        guard let parsed else { throw CryptoError("reading an Ed25519 public key PEM") }
        defer { EVP_PKEY_free(parsed) }
        guard EVP_PKEY_is_a(parsed, "ED25519") == 1 else { throw CryptoError("the PEM holds no Ed25519 public key") }
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        try check(EVP_PKEY_get_raw_public_key(parsed, &raw, &length), "Ed25519 public key")
        try self.init(raw: Array(raw.prefix(length)))
    }

    deinit { EVP_PKEY_free(pkey) }

    public static func == (a: Ed25519PublicKey, b: Ed25519PublicKey) -> Bool { a.raw == b.raw }

    /// SubjectPublicKeyInfo PEM.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public func pem() throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError("memory BIO") }
        defer { BIO_free(bio) }
        try check(PEM_write_bio_PUBKEY(bio, pkey), "writing an Ed25519 public key PEM")
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = kvfs_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { throw CryptoError("writing an Ed25519 public key PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// `sha256:` and the hex SHA-256 of the 32 raw key bytes: how a checkpoint names its key.
    public var fingerprint: String {
        "sha256:" + ((try? SHA256Digest.hash(raw)) ?? []).hexString
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    public func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64, let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit_ex(ctx, nil, nil, nil, nil, pkey, nil) == 1 else { return false }
        let ok = EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
        ERR_clear_error()
        return ok
    }
}
