import COpenSSL
import Glibc

extension SHA256Digest {
    /// The SHA-256 of what `fd` holds from its current offset to its end, read in 64 KiB pieces; `nil` when it
    /// holds more than `limit` bytes or a read fails (the file is then not hashed, never half-hashed).
    /// - Throws: `CryptoError` if OpenSSL fails.
    public static func hash(readingDescriptor fd: Int32, limit: Int) throws -> [UInt8]? {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError("SHA-256") }
        defer { EVP_MD_CTX_free(ctx) }
        try check(EVP_DigestInit_ex(ctx, EVP_sha256(), nil), "SHA-256")
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            total += count
            guard total <= limit else { return nil }
            try check(buffer.withUnsafeBytes { EVP_DigestUpdate(ctx, $0.baseAddress, count) }, "SHA-256")
        }
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        try check(EVP_DigestFinal_ex(ctx, &out, &length), "SHA-256")
        return out
    }
}
