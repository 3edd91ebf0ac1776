import Foundation

/// A parsed `alg`: a signature or an encryption algorithm.
enum KeyAlgorithm {
    case signature(SignatureAlgorithm)
    case encryption(EncryptionAlgorithm)

    var name: String {
        switch self {
        case .signature(let a): a.rawValue
        case .encryption(let a): a.rawValue
        }
    }

    /// Throws the crypto layer's `algorithmMismatch`/`invalidDigest` unless the algorithm fits the key
    /// (checked before any private key is unsealed).
    func validate(for parameters: KeyParameters, digest count: Int?) throws {
        switch self {
        case .signature(let a): try a.validate(for: parameters, digestCount: count ?? 0)
        case .encryption(let a): try a.validate(for: parameters)
        }
    }
}

/// The rules that decide whether a key operation may run, apart from role checks: algorithm × key type,
/// digest length, key_ops, enabled, nbf and exp. Every front-end's sign, verify, encrypt, decrypt, wrap and
/// unwrap goes through `KeyService.perform(_:vault:name:version:as:)`, which asks here.
enum KeyOperationRules {
    /// Azure's operationName for the audit line.
    static func operationName(_ op: KeyOperation) -> String {
        switch op {
        case .sign: "KeySign"
        case .verify: "KeyVerify"
        case .encrypt: "KeyEncrypt"
        case .decrypt: "KeyDecrypt"
        case .wrapKey: "KeyWrap"
        case .unwrapKey: "KeyUnwrap"
        case .import, .export: "KeyOperation"
        }
    }

    /// The data actions any one of which allows `op`.
    static func actions(for op: KeyOperation) -> [DataAction] {
        switch op {
        case .sign: [DataAction.Keys.sign]
        case .verify: [DataAction.Keys.verify, DataAction.Keys.read]
        case .encrypt: [DataAction.Keys.encrypt, DataAction.Keys.read]
        case .decrypt: [DataAction.Keys.decrypt]
        case .wrapKey: [DataAction.Keys.wrap, DataAction.Keys.read]
        case .unwrapKey: [DataAction.Keys.unwrap]
        case .import, .export: []
        }
    }

    /// Whether the operation needs the key to be within its nbf/exp window (Azure: sign, encrypt, wrapKey).
    static func isDateControlled(_ op: KeyOperation) -> Bool { op == .sign || op == .encrypt || op == .wrapKey }

    /// Checks the request's shape and parses its algorithm; touches no store.
    static func validate(_ request: KeyOperationRequest) throws -> KeyAlgorithm {
        guard KeyOperation.cryptographic.contains(request.op) else {
            throw VaultError.invalid("'\(request.op.rawValue)' is not a cryptographic operation; use sign, verify, encrypt, decrypt, wrapKey or unwrapKey.")
        }
        if request.iv != nil || request.aad != nil || request.tag != nil {
            throw VaultError.invalid("'iv', 'aad' and 'tag' belong to AES algorithms, which vault keys do not offer; leave them out.")
        }
        if request.op == .verify, request.digest == nil {
            throw VaultError.invalid("verify needs 'digest' (the hash of the message) and 'value' (the signature).")
        }
        if request.op != .verify, request.digest != nil {
            throw VaultError.invalid("'digest' belongs to verify only; for sign, give the digest as 'value'.")
        }
        switch request.op {
        case .sign, .verify:
            return .signature(try KeyRules.crypto { try SignatureAlgorithm.parse(request.alg) })
        default:
            return .encryption(try KeyRules.crypto { try EncryptionAlgorithm.parse(request.alg) })
        }
    }

    /// Refuses an operation the version's state does not allow: disabled, not in key_ops, or (for sign,
    /// encrypt, wrapKey) outside nbf/exp.
    static func checkUsable(_ op: KeyOperation, object: ObjectRecord, record: VersionRecord, details: KeyDetails, now: Date) throws {
        guard record.enabled else {
            throw VaultError(.disabled(.key), "Operation \(op.rawValue) is not allowed on a disabled key ('\(object.name)' version \(record.version)).")
        }
        guard details.operations.contains(op) else {
            let allowed = details.keyOps.isEmpty ? "none" : details.keyOps.joined(separator: ", ")
            throw VaultError(.keyOperationNotPermitted,
                             "Operation \(op.rawValue) is not permitted by the key_ops of '\(object.name)' version \(record.version) (\(allowed)); a Crypto Officer can change them with `kvfs key update --ops`.")
        }
        guard isDateControlled(op) else { return }
        if let notBefore = record.notBefore, now < notBefore {
            throw VaultError(.keyNotYetValid,
                             "Operation \(op.rawValue) is not allowed on key '\(object.name)' before its not-before date \(AuditChain.timestamp(notBefore)).")
        }
        if let expires = record.expires, now >= expires {
            throw VaultError(.keyExpired,
                             "Operation \(op.rawValue) is not allowed on an expired key ('\(object.name)' expired \(AuditChain.timestamp(expires))); decrypt, unwrapKey and verify still work.")
        }
    }
}
