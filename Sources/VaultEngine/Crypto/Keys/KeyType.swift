/// A vault key's type, with Azure's `kty` (JsonWebKeyType) spellings.
///
/// kvfs keeps every key in software; the `-HSM` spellings are accepted as aliases by ``parse(_:)``, which
/// reports that the caller asked for an HSM so the layer above can say so (or refuse).
public enum KeyType: String, Sendable, Hashable, Codable, CaseIterable {
    /// RSA (`kty` "RSA"; "RSA-HSM" accepted as an alias).
    case rsa = "RSA"
    /// Elliptic curve (`kty` "EC"; "EC-HSM" accepted as an alias).
    case ec = "EC"

    /// Parses an Azure `kty`, accepting the `-HSM` aliases.
    /// - Returns: the key type and whether the caller used an HSM spelling.
    /// - Throws: `KeyCryptoError.invalidArgument` for `oct`, `oct-HSM` or an unknown name.
    public static func parse(_ kty: String) throws -> (keyType: KeyType, isHSMAlias: Bool) {
        switch kty {
        case "RSA": return (.rsa, false)
        case "RSA-HSM": return (.rsa, true)
        case "EC": return (.ec, false)
        case "EC-HSM": return (.ec, true)
        case "oct", "oct-HSM":
            throw KeyCryptoError(.invalidArgument, "Key type '\(kty)' (symmetric) is not supported in vaults; use RSA or EC.")
        default:
            throw KeyCryptoError(.invalidArgument, "Unknown key type '\(kty.prefix(32))'; use RSA or EC.")
        }
    }
}

/// RSA key sizes a vault generates and imports.
public enum RSAKeySize {
    /// 2048, 3072 and 4096 bits, as in Azure Key Vault.
    public static let supported: [Int] = [2048, 3072, 4096]
    /// The public exponent used when none is given.
    public static let defaultExponent = 65537
}
