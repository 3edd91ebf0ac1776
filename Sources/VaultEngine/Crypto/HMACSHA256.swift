import COpenSSL

/// HMAC-SHA-256 through OpenSSL, used for the audit chain and for deriving subkeys from the master key.
public enum HMACSHA256 {
    /// The MAC of `message` under `key`.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func mac(key: SecureBytes, message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        guard result != nil else { throw CryptoError("HMAC-SHA-256") }
        return Array(out.prefix(Int(length)))
    }

    /// A 32-byte subkey of `key` for one named purpose (HMAC(key, "kvfs/" + purpose)).
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func deriveKey(from key: SecureBytes, purpose: String) throws -> SecureBytes {
        let derived = try mac(key: key, message: Array("kvfs/\(purpose)".utf8))
        return SecureBytes(derived)
    }
}

/// SHA-256 digests through OpenSSL.
public enum SHA256Digest {
    /// The SHA-256 of `data`.
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func hash(_ data: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        try check(EVP_Digest(data, data.count, &out, &length, EVP_sha256(), nil), "SHA-256")
        return out
    }
}

/// Constant-time comparison of two byte arrays.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
}
