import COpenSSL

/// A signature algorithm, with Azure's JsonWebKeySignatureAlgorithm spellings.
///
/// Every algorithm signs a digest the caller already computed; kvfs never hashes the message.
/// - `RS*`: RSASSA-PKCS1-v1_5.
/// - `PS*`: RSASSA-PSS with MGF1 over the same hash and salt length = hash length.
/// - `ES*`: ECDSA on one curve each; signatures are raw `r ‖ s`, each left-padded to the curve size.
public enum SignatureAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    /// ECDSA on P-256 with a SHA-256 digest.
    case es256 = "ES256"
    /// ECDSA on P-256K (secp256k1) with a SHA-256 digest.
    case es256k = "ES256K"
    /// ECDSA on P-384 with a SHA-384 digest.
    case es384 = "ES384"
    /// ECDSA on P-521 with a SHA-512 digest.
    case es512 = "ES512"

    /// The key type the algorithm needs.
    public var keyType: KeyType {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: .rsa
        case .es256, .es256k, .es384, .es512: .ec
        }
    }

    /// The curve an ES* algorithm needs; nil for RSA algorithms.
    public var curve: EllipticCurve? {
        switch self {
        case .es256: .p256
        case .es256k: .p256k
        case .es384: .p384
        case .es512: .p521
        default: nil
        }
    }

    /// Bytes in the digest this algorithm signs (32, 48 or 64).
    public var digestLength: Int {
        switch self {
        case .rs256, .ps256, .es256, .es256k: 32
        case .rs384, .ps384, .es384: 48
        case .rs512, .ps512, .es512: 64
        }
    }

    /// The hash's name, for messages ("SHA-256").
    var hashName: String { "SHA-\(digestLength * 8)" }

    var isPSS: Bool { self == .ps256 || self == .ps384 || self == .ps512 }

    /// OpenSSL's digest for this algorithm (static, never freed).
    var messageDigest: OpaquePointer {
        switch digestLength {
        case 32: EVP_sha256()
        case 48: EVP_sha384()
        default: EVP_sha512()
        }
    }

    /// Parses an Azure `alg`.
    /// - Throws: `KeyCryptoError.invalidArgument` for an unknown or unsupported algorithm (such as RSNULL).
    public static func parse(_ alg: String) throws -> SignatureAlgorithm {
        guard let algorithm = SignatureAlgorithm(rawValue: alg) else {
            throw KeyCryptoError(.invalidArgument,
                                 "Unknown or unsupported signature algorithm '\(alg.prefix(32))'; use RS256/384/512, PS256/384/512, ES256, ES256K, ES384 or ES512.")
        }
        return algorithm
    }

    /// Throws unless the algorithm fits a key with `parameters` and the digest has the hash's length.
    func validate(for parameters: KeyParameters, digestCount: Int) throws {
        switch (keyType, parameters) {
        case (.rsa, .rsa): break
        case (.ec, .ec(let keyCurve)):
            if let curve, curve != keyCurve {
                throw KeyCryptoError(.algorithmMismatch,
                                     "\(rawValue) needs a \(curve.rawValue) key, but this key is on \(keyCurve.rawValue); use \(keyCurve.signatureAlgorithm.rawValue).")
            }
        default:
            throw KeyCryptoError(.algorithmMismatch,
                                 "\(rawValue) needs an \(keyType.rawValue) key, but this is an \(parameters.keyType.rawValue) key.")
        }
        guard digestCount == digestLength else {
            throw KeyCryptoError(.invalidDigest,
                                 "\(rawValue) takes a \(digestLength)-byte \(hashName) digest of the message, not \(digestCount) bytes; hash the message first.")
        }
    }
}
