import Foundation

/// What keys a vault holds: types, RSA sizes and exponents, curves and key_ops. The one home of these rules:
/// key requests, certificate policies, the crypto layer and the CLI all ask here.
public enum KeyRules {
    /// Sizes, exponents and curves a vault creates; checked before anything touches the store.
    static func validate(_ spec: KeySpec) throws {
        if case .rsa(let bits, let exponent) = spec {
            try crypto { try checkRSA(bits: bits, exponent: exponent) }
        }
    }

    /// Whether a vault holds RSA keys of this size (generated, imported, or read back from the store).
    static func supportsRSA(bits: Int) -> Bool { RSAKeySize.supported.contains(bits) }

    /// RSA keys are 2048, 3072 or 4096 bits with an odd public exponent from 3 to 2³² − 1.
    /// - Throws: `KeyCryptoError.invalidArgument` (the crypto layer's own error, so it can ask too).
    static func checkRSA(bits: Int, exponent: Int = RSAKeySize.defaultExponent) throws {
        guard supportsRSA(bits: bits) else {
            throw KeyCryptoError(.invalidArgument, "RSA key size must be 2048, 3072 or 4096 bits, not \(bits).")
        }
        guard exponent >= 3, exponent % 2 == 1, exponent <= Int(UInt32.max) else {
            throw KeyCryptoError(.invalidArgument, "RSA public exponent must be odd and between 3 and 4294967295 (usually 65537); got \(exponent).")
        }
    }

    /// The software key type an Azure `kty` names. kvfs holds every key in software, so the `-HSM` spellings
    /// (and symmetric `oct`) are refused, with one message wherever they come from.
    /// - Throws: `VaultError.invalidArgument`.
    public static func softwareKeyType(_ kty: String) throws -> KeyType {
        let (type, isHSM) = try crypto { try KeyType.parse(kty) }
        if isHSM {
            throw VaultError.invalid("kty '\(Names.printable(kty))' asks for an HSM-protected key; kvfs holds keys in software. Use '\(type.rawValue)'.")
        }
        return type
    }

    /// The key_ops a version gets: the given list without duplicates (every cryptographic entry must be one
    /// the key type can do; `import`/`export` are accepted and permit nothing), or all the type supports.
    static func operations(_ requested: [KeyOperation]?, for type: KeyType) throws -> [KeyOperation] {
        guard let requested else { return KeyOperation.supported(by: type) }
        var result: [KeyOperation] = []
        for op in requested where !result.contains(op) {
            if KeyOperation.cryptographic.contains(op), !op.supported(by: type) {
                throw VaultError.invalid("key_ops '\(op.rawValue)' is not possible with an \(type.rawValue) key; \(type.rawValue) keys support \(KeyOperation.supported(by: type).map(\.rawValue).joined(separator: ", ")).")
            }
            result.append(op)
        }
        return result
    }

    /// Runs crypto-layer code, turning its `KeyCryptoError` into a `VaultError` with the same message (messages
    /// of the crypto layer never carry key material).
    static func crypto<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KeyCryptoError {
            throw VaultError(keyCrypto: error)
        }
    }
}

extension VaultError {
    /// A crypto-layer failure as a vault error: bad material, algorithm, digest or input is `.invalidArgument`
    /// (Azure's BadParameter); an OpenSSL failure is `.storeFailure`.
    init(keyCrypto error: KeyCryptoError) {
        switch error.code {
        case .operationFailed:
            self.init(.cryptoFailure, error.message, cause: error.cause)
        case .algorithmMismatch, .invalidDigest:
            self.init(.invalidArgument, error.message)
        case .decryptionFailed:
            self.init(.invalidArgument, error.message)
        default:
            self.init(.invalidArgument, error.message, cause: error.cause)
        }
    }
}
