import COpenSSL

/// What kind of asymmetric key an EVP_PKEY holds, in the terms kvfs supports.
public enum KeyParameters: Sendable, Hashable, CustomStringConvertible {
    /// An RSA key of `bits` bits (2048, 3072 or 4096).
    case rsa(bits: Int)
    /// An EC key on `curve`.
    case ec(EllipticCurve)

    /// The Azure key type.
    public var keyType: KeyType {
        switch self {
        case .rsa: .rsa
        case .ec: .ec
        }
    }

    /// The curve of an EC key, or nil.
    public var curve: EllipticCurve? {
        if case .ec(let curve) = self { return curve }
        return nil
    }

    public var description: String {
        switch self {
        case .rsa(let bits): "RSA-\(bits)"
        case .ec(let curve): "EC \(curve.rawValue)"
        }
    }

    /// Classifies a loaded key, rejecting types, sizes and curves a vault does not hold.
    static func of(_ pkey: OpaquePointer) throws -> KeyParameters {
        if EVP_PKEY_is_a(pkey, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(pkey))
            guard KeyRules.supportsRSA(bits: bits) else {
                throw KeyCryptoError(.unsupportedKey, "RSA keys must be 2048, 3072 or 4096 bits; this one has \(bits).")
            }
            return .rsa(bits: bits)
        }
        if EVP_PKEY_is_a(pkey, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else {
                ERR_clear_error()
                throw KeyCryptoError(.unsupportedKey, "EC keys must use a named curve (P-256, P-384, P-521 or P-256K), not explicit parameters.")
            }
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let curve = EllipticCurve(openSSLGroup: group) else {
                throw KeyCryptoError(.unsupportedKey, "EC curve '\(group)' is not supported; use P-256, P-384, P-521 or P-256K.")
            }
            return .ec(curve)
        }
        throw KeyCryptoError(.unsupportedKey, "Only RSA and EC keys are supported (RSA-PSS-only, Ed25519, X25519, DSA and DH keys are not).")
    }
}
