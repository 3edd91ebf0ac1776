import COpenSSL

/// PKCS#12 (PFX) files: what a certificate's secret holds when its content type is `application/x-pkcs12`,
/// and one of the two formats an import takes.
enum PKCS12Archive {
    /// A PFX holding `key` (when given), the leaf certificate and its chain, protected by `password`
    /// (empty by default, as Azure writes them), with OpenSSL 3's default algorithms (AES-256-CBC, PBKDF2,
    /// SHA-256 MAC).
    /// - Throws: `KeyCryptoError.operationFailed` when OpenSSL fails.
    static func make(key: PrivateKey?, leaf: X509Certificate, chain: [X509Certificate], password: String = "",
                     friendlyName: String? = nil) throws -> SecureBytes {
        guard let stack = kvfs_x509_stack_new() else { throw KeyCryptoError.openSSL("allocate a certificate list") }
        defer { kvfs_x509_stack_free_shallow(stack) }
        for certificate in chain {
            guard kvfs_x509_stack_push(stack, certificate.x509) > 0 else { throw KeyCryptoError.openSSL("collect the chain") }
        }
        guard let p12 = PKCS12_create(password, friendlyName, key?.pkey, leaf.x509, stack, 0, 0, 0, 0, 0) else {
            throw KeyCryptoError.openSSL("create the PKCS#12 file")
        }
        defer { PKCS12_free(p12) }
        let length = i2d_PKCS12(p12, nil)
        guard length > 0 else { throw KeyCryptoError.openSSL("encode the PKCS#12 file") }
        var written: Int32 = 0
        let out = SecureBytes(count: Int(length)) { raw in
            var cursor: UnsafeMutablePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            written = i2d_PKCS12(p12, &cursor)
        }
        guard written == length else { throw KeyCryptoError.openSSL("encode the PKCS#12 file") }
        return out
    }

    /// The private key, leaf certificate and other certificates of a PFX.
    /// - Throws: `KeyCryptoError.invalidArgument` when the bytes are not PKCS#12, the password is wrong, or
    ///   the file lacks a private key or certificate; `.unsupportedKey` for key types kvfs cannot hold.
    static func parse(_ bytes: SecureBytes, password: String) throws -> (key: PrivateKey, leaf: X509Certificate, chain: [X509Certificate]) {
        let contents = try open(bytes, password: password)
        guard let key = contents.key else {
            throw KeyCryptoError(.invalidArgument, "The PFX holds no private key; import needs the certificate's private key.")
        }
        return (key, contents.leaf, contents.chain)
    }

    /// What a PFX holds: the private key when there is one (a certificate whose key is not exportable has
    /// none), the leaf certificate and the other certificates.
    /// - Throws: `KeyCryptoError.invalidArgument` when the bytes are not PKCS#12, the password is wrong, or
    ///   the file holds no certificate; `.unsupportedKey` for key types kvfs cannot hold.
    static func open(_ bytes: SecureBytes, password: String) throws -> (key: PrivateKey?, leaf: X509Certificate, chain: [X509Certificate]) {
        let p12: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = UnsafePointer(base)
            return d2i_PKCS12(nil, &cursor, raw.count)
        }
        guard let p12 else {
            ERR_clear_error()
            throw KeyCryptoError(.invalidArgument, "The value is not a PKCS#12 (PFX) file.")
        }
        defer { PKCS12_free(p12) }
        var pkey: OpaquePointer? = nil
        var leaf: OpaquePointer? = nil
        var others: OpaquePointer? = nil
        guard PKCS12_parse(p12, password, &pkey, &leaf, &others) == 1 else {
            ERR_clear_error()
            throw KeyCryptoError(.invalidArgument, "The PFX does not open with the given password (or is damaged).")
        }
        var chain: [X509Certificate] = []
        if let others {
            for i in 0..<kvfs_x509_stack_count(others) {
                if let x = kvfs_x509_stack_value(others, i), X509_up_ref(x) == 1 { chain.append(X509Certificate(owning: x)) }
            }
            kvfs_x509_stack_free_all(others)
        }
        if leaf == nil, pkey == nil, !chain.isEmpty {
            // No key to tell the leaf by (a certificate whose key is not exportable): the leaf is the one
            // certificate that issued none of the others.
            let index = chain.indices.first { i in !chain.indices.contains { j in j != i && chain[j].isSigned(by: chain[i]) } } ?? 0
            return (nil, chain.remove(at: index), chain)
        }
        guard let leaf else {
            if let pkey { EVP_PKEY_free(pkey) }
            throw KeyCryptoError(.invalidArgument, "The PFX holds no certificate for its private key.")
        }
        let certificate = X509Certificate(owning: leaf)
        guard let pkey else { return (nil, certificate, chain) }
        return (try PrivateKey(owning: pkey), certificate, chain)
    }
}
