import Foundation

/// Cryptographic operations with vault keys, by Azure's rules:
///
/// - Rights: sign, decrypt, unwrapKey need `keys/sign`, `keys/decrypt`, `keys/unwrap`. The public-key
///   operations verify, encrypt and wrapKey need `keys/verify`, `keys/encrypt`, `keys/wrap` — or `keys/read`,
///   which Azure documents as including "the ability to perform public key algorithms such as encrypt and
///   verify signature".
/// - Fit: an algorithm the key's type or curve cannot use, or a digest of the wrong length, is
///   `.invalidArgument` (checked first, from public metadata).
/// - State, checked in this order: a disabled version refuses everything (`KeyDisabled`); an operation not in
///   the version's key_ops is refused (`KeyOperationForbidden`); sign, encrypt and wrapKey are refused before
///   nbf (`KeyNotYetValid`) and from exp on (`KeyExpired`), while verify, decrypt and unwrapKey keep working so
///   that old data stays readable. All of these are `.forbidden`.
/// - Public-key operations never unseal the private key. Private ones unseal it for the call and free it
///   before returning; nothing private is cached.
extension KeyService {
    /// Signs a digest (the vault never hashes). RSA signatures are modulus-sized; ES* signatures are raw `r ‖ s`.
    /// - Throws: `.invalidArgument` (algorithm not fitting the key, digest length), `.forbidden`, `.notFound`,
    ///   `.accessDenied`.
    public func sign(vault: String, name: String, version: String? = nil, algorithm: SignatureAlgorithm, digest: [UInt8],
                     as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .sign, alg: algorithm.rawValue, value: digest),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Verifies a signature over a digest; the result's value is the verdict (a bad signature is `false`,
    /// not an error). Needs `keys/verify` or `keys/read`.
    /// - Throws: `.invalidArgument`, `.forbidden`, `.notFound`, `.accessDenied`.
    public func verify(vault: String, name: String, version: String? = nil, algorithm: SignatureAlgorithm, digest: [UInt8],
                       signature: [UInt8], as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .verify, alg: algorithm.rawValue, value: signature, digest: digest),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Encrypts one RSA block. Needs `keys/encrypt` or `keys/read`.
    /// - Throws: `.invalidArgument` (EC key, input too long), `.forbidden`, `.notFound`, `.accessDenied`.
    public func encrypt(vault: String, name: String, version: String? = nil, algorithm: EncryptionAlgorithm, plaintext: SecureBytes,
                        as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .encrypt, alg: algorithm.rawValue, value: plaintext),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Decrypts one RSA block; any decryption failure is one generic `.invalidArgument`.
    /// - Throws: `.invalidArgument`, `.forbidden`, `.notFound`, `.accessDenied`, `.corrupted`.
    public func decrypt(vault: String, name: String, version: String? = nil, algorithm: EncryptionAlgorithm, ciphertext: [UInt8],
                        as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .decrypt, alg: algorithm.rawValue, value: ciphertext),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Wraps a symmetric key. Needs `keys/wrap` or `keys/read`.
    /// - Throws: `.invalidArgument`, `.forbidden`, `.notFound`, `.accessDenied`.
    public func wrapKey(vault: String, name: String, version: String? = nil, algorithm: EncryptionAlgorithm, key: SecureBytes,
                        as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .wrapKey, alg: algorithm.rawValue, value: key),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Unwraps a wrapped symmetric key.
    /// - Throws: `.invalidArgument`, `.forbidden`, `.notFound`, `.accessDenied`, `.corrupted`.
    public func unwrapKey(vault: String, name: String, version: String? = nil, algorithm: EncryptionAlgorithm, wrappedKey: [UInt8],
                          as caller: Caller) throws -> KeyOperationResult {
        try perform(KeyOperationRequest(op: .unwrapKey, alg: algorithm.rawValue, value: wrappedKey),
                                vault: vault, name: name, version: version, as: caller)
    }

    /// Performs one request on the current version of `name`, or on `version`. Audited as KeySign, KeyVerify,
    /// KeyEncrypt, KeyDecrypt, KeyWrap or KeyUnwrap, with the algorithm.
    /// - Throws: `.invalidArgument` (unknown or unfitting algorithm, AES-only fields, digest length, input
    ///   length, a ciphertext that does not decrypt), `.forbidden` (disabled, key_ops, nbf/exp), `.notFound`,
    ///   `.accessDenied`, `.corrupted`.
    public func perform(_ request: KeyOperationRequest, vault: String, name: String, version: String? = nil,
                                    as caller: Caller) throws -> KeyOperationResult {
        var algorithm = KeyAlgorithm.signature(.rs256)
        return try context.run(.keyOperation(request.op), caller, vault: vault, name: name, version: version, checking: {
            algorithm = try KeyOperationRules.validate(request)
        }) { step in
            step.draft.algorithm = algorithm.name
            let details = try KeyDetails.decode(step.record.details)
            let parameters = try details.parameters()
            try KeyRules.crypto {
                try algorithm.validate(for: parameters, digest: request.op == .sign ? request.value.count : request.digest?.count)
            }
            try KeyOperationRules.checkUsable(request.op, object: step.object, record: step.record, details: details, now: context.clock.now())
            let target = KeyTarget(vault: step.vault, object: step.object, record: step.record, details: details)
            let kid = context.id(.key, vault: target.vault.name, name: target.object.name, version: target.record.version).description
            let value: KeyOperationResult.Value
            switch (request.op, algorithm) {
            case (.sign, .signature(let alg)):
                let privateKey = try context.privateKey(of: target.object, target.record, in: target.vault)
                let signature = try KeyRules.crypto { try request.value.withUnsafeBytes { try privateKey.sign(digest: Array($0), algorithm: alg) } }
                value = .bytes(SecureBytes(signature))
            case (.verify, .signature(let alg)):
                let publicKey = try context.keyMaterial.publicKey("\(target.vault.id)/\(target.record.version)") { try target.details.publicKey() }
                let ok = try KeyRules.crypto {
                    try publicKey.verify(signature: request.value.bytes, digest: request.digest ?? [], algorithm: alg)
                }
                value = .verified(ok)
            case (.encrypt, .encryption(let alg)), (.wrapKey, .encryption(let alg)):
                let publicKey = try context.keyMaterial.publicKey("\(target.vault.id)/\(target.record.version)") { try target.details.publicKey() }
                value = .bytes(SecureBytes(try KeyRules.crypto { try publicKey.wrapKey(request.value, algorithm: alg) }))
            case (.decrypt, .encryption(let alg)), (.unwrapKey, .encryption(let alg)):
                let privateKey = try context.privateKey(of: target.object, target.record, in: target.vault)
                value = .bytes(try KeyRules.crypto { try privateKey.decrypt(request.value.bytes, algorithm: alg) })
            default:
                throw VaultError.invalid("'\(request.op.rawValue)' is not a cryptographic operation.")
            }
            return KeyOperationResult(kid: kid, value: value)
        }
    }

    /// Performs each request in order, as `performKeyOperation`, and answers each with its result or its error;
    /// one failing request does not stop the others. Every request is decided on its own; the batch's audit
    /// lines are folded (`AuditBatch`): one line per operation, algorithm and outcome, with its count.
    public func perform(_ requests: [KeyOperationRequest], vault: String, name: String, version: String? = nil,
                                     as caller: Caller) -> [KeyOperationResponse] {
        // Never interrupted, so never throws.
        (try? perform(requests, vault: vault, name: name, version: version, as: caller, unless: { false })) ?? []
    }

    /// Performs each request in order as above, asking `interrupted` before each one: once it answers true
    /// (the caller was signalled and will never read the answer), the batch stops there. The requests already
    /// run keep their results and audit lines; the rest are neither run nor audited.
    /// - Throws: `VaultError.interrupted`, saying how many of the requests ran.
    public func perform(_ requests: [KeyOperationRequest], vault: String, name: String, version: String? = nil,
                        as caller: Caller, unless interrupted: () -> Bool) throws -> [KeyOperationResponse] {
        try context.auditQueue.batch {
            var responses: [KeyOperationResponse] = []
            responses.reserveCapacity(requests.count)
            for request in requests {
                if interrupted() {
                    context.logger.notice("key operation batch stopped: its caller was interrupted",
                                          metadata: ["vault": "\(vault)", "key": "\(name)", "ran": "\(responses.count)",
                                                     "skipped": "\(requests.count - responses.count)", "pid": "\(caller.pid)"])
                    throw VaultError(.interrupted, "The batch on key '\(Names.printable(name))' stopped after \(responses.count) of \(requests.count) operations: its caller was interrupted.")
                }
                do {
                    responses.append(.success(try perform(request, vault: vault, name: name, version: version, as: caller)))
                } catch let error as VaultError {
                    responses.append(.failure(error))
                } catch {
                    responses.append(.failure(VaultError(.storeFailure, "The operation failed.", cause: error)))
                }
            }
            return responses
        }
    }
}

/// The rows one operation works on.
struct KeyTarget {
    var vault: VaultRecord
    var object: ObjectRecord
    var record: VersionRecord
    var details: KeyDetails
}
