import COpenSSL

/// A failure of a vault-key operation: a stable `code`, a message that says what went wrong and how to fix it,
/// and an optional underlying cause (usually a `CryptoError` carrying OpenSSL's reason text).
///
/// Messages name algorithms, sizes and curves but never carry key material, plaintext or digests.
/// Equality compares codes only, so tests can build the expected error directly.
public struct KeyCryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case invalidKey, unsupportedKey, algorithmMismatch, invalidDigest, inputTooLong
            case decryptionFailed, invalidArgument, operationFailed
        }
        let value: Value
        /// Key material that does not parse or is inconsistent (malformed PEM/DER/JWK, mismatched private parts).
        public static let invalidKey = Code(value: .invalidKey)
        /// A well-formed key of a type, size or curve kvfs does not support (Ed25519, P-224, RSA-1024, …).
        public static let unsupportedKey = Code(value: .unsupportedKey)
        /// The algorithm does not fit the key's type or curve (ES256 on a P-384 key, RSA-OAEP on an EC key).
        public static let algorithmMismatch = Code(value: .algorithmMismatch)
        /// The digest given to sign or verify is not as long as the algorithm's hash.
        public static let invalidDigest = Code(value: .invalidDigest)
        /// The plaintext is longer than the RSA padding allows for this key size.
        public static let inputTooLong = Code(value: .inputTooLong)
        /// Decryption (or unwrap) failed. Deliberately one generic case with one message, whatever the reason.
        public static let decryptionFailed = Code(value: .decryptionFailed)
        /// A malformed argument: bad base64url, an unknown algorithm or operation name, an invalid option.
        public static let invalidArgument = Code(value: .invalidArgument)
        /// OpenSSL failed where it should not have; `cause` holds its reason.
        public static let operationFailed = Code(value: .operationFailed)

        public var description: String { value.rawValue }
    }

    /// The kind of failure; switch on this.
    public var code: Code
    /// What went wrong and how to fix it. Never contains key material or plaintext.
    public var message: String
    /// The underlying error, if any (a `CryptoError` with OpenSSL's reasons).
    public var cause: (any Error)?

    /// Makes an error from a code, a message and an optional cause.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }

    public static func == (lhs: KeyCryptoError, rhs: KeyCryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension KeyCryptoError {
    /// The one message every decryption failure carries, so callers cannot tell padding errors apart.
    static let decryptionFailedMessage = "Decryption failed: the ciphertext does not decrypt under this key with this algorithm."

    static func decryptionFailed() -> KeyCryptoError {
        ERR_clear_error()
        return KeyCryptoError(.decryptionFailed, decryptionFailedMessage)
    }

    /// Wraps an OpenSSL failure (drains the error queue into the cause).
    static func openSSL(_ operation: String) -> KeyCryptoError {
        KeyCryptoError(.operationFailed, "OpenSSL failed to \(operation).", cause: CryptoError(operation))
    }
}

/// Throws `KeyCryptoError.operationFailed` unless OpenSSL reported success (1).
@inline(__always)
func checkKey(_ result: Int32, _ operation: @autoclosure () -> String) throws {
    if result != 1 { throw KeyCryptoError.openSSL(operation()) }
}
