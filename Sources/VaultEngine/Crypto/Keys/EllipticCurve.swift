/// An elliptic curve, with Azure's `crv` (JsonWebKeyCurveName) spellings.
public enum EllipticCurve: String, Sendable, Hashable, Codable, CaseIterable {
    /// NIST P-256 (secp256r1, prime256v1).
    case p256 = "P-256"
    /// NIST P-384 (secp384r1).
    case p384 = "P-384"
    /// NIST P-521 (secp521r1).
    case p521 = "P-521"
    /// SECG secp256k1 (Azure's "P-256K").
    case p256k = "P-256K"

    /// The OpenSSL group name used to generate and import keys on this curve.
    var openSSLGroup: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        case .p256k: "secp256k1"
        }
    }

    /// Bytes in one field element: the size of a JWK `x`, `y` or `d`, and of `r` or `s` in a raw signature.
    public var coordinateSize: Int {
        switch self {
        case .p256, .p256k: 32
        case .p384: 48
        case .p521: 66
        }
    }

    /// The one signature algorithm Azure pairs with this curve.
    public var signatureAlgorithm: SignatureAlgorithm {
        switch self {
        case .p256: .es256
        case .p384: .es384
        case .p521: .es512
        case .p256k: .es256k
        }
    }

    /// The curve for an OpenSSL group name (as `EVP_PKEY_get_group_name` reports it), or nil.
    init?(openSSLGroup name: String) {
        switch name {
        case "prime256v1", "P-256", "secp256r1": self = .p256
        case "secp384r1", "P-384": self = .p384
        case "secp521r1", "P-521": self = .p521
        case "secp256k1": self = .p256k
        default: return nil
        }
    }

    /// Parses an Azure `crv`.
    /// - Throws: `KeyCryptoError.invalidArgument` for an unknown curve name.
    public static func parse(_ crv: String) throws -> EllipticCurve {
        guard let curve = EllipticCurve(rawValue: crv) else {
            throw KeyCryptoError(.invalidArgument, "Unknown curve '\(crv.prefix(32))'; use P-256, P-384, P-521 or P-256K.")
        }
        return curve
    }
}
