import Foundation
import Synchronization

/// The engine's input paths that take bytes from a caller or from the store, each one function of bytes: what
/// the libFuzzer binary (`fuzz/`, `scripts/fuzz.sh`) runs, and what the corpus replay and the seeded mutation
/// pass of the tests (`FuzzCorpusTests`) run, so that both exercise exactly the same code.
///
/// An entry point returns when kvfs took the input or refused it with a clear, typed error; it throws a
/// `FuzzFinding` when kvfs answered with anything else (an error a front-end can only report as `EIO`).
/// A crash or a hang is a finding too, of the fuzzer.
package enum EngineFuzzEntryPoints {
    /// Every engine target by name (`scripts/fuzz.sh --list`; `fuzz/corpus/<name>/`).
    package static let targets: [String: @Sendable (FuzzWorld, [UInt8]) throws -> Void] = [
        "key-request": keyRequest,
        "key-operation": keyOperation,
        "certificate-request": certificateRequest,
        "certificate-policy": certificatePolicy,
        "rotation-policy": rotationPolicy,
        "backup-blob": backupBlob,
        "vault-backup": vaultBackup,
        "names": names,
        "secret-form": secretForm,
    ]

    /// A `keys/.ops` request (create, import — JWK or PKCS#8 PEM —, rotate) as JSON.
    static func keyRequest(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        try world.expectTypedErrors {
            let request = try JSONDecoder().decode(KeyManagementRequest.self, from: Data(bytes))
            _ = try world.engine.keys.perform(request, vault: FuzzWorld.vault, as: world.caller)
        }
    }

    /// A key's `ops` request on the RSA key (first byte even) or the EC key (odd): one operation, or a batch.
    static func keyOperation(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard let selector = bytes.first else { return }
        let name = selector & 1 == 0 ? FuzzWorld.rsaKey : FuzzWorld.ecKey
        let body = Data(bytes.dropFirst())
        try world.expectTypedErrors {
            if body.first == UInt8(ascii: "[") {
                let batch = try JSONDecoder().decode([KeyOperationRequest].self, from: body)
                for response in world.engine.keys.perform(batch, vault: FuzzWorld.vault, name: name, as: world.caller) {
                    if case .failure(let error) = response { try FuzzWorld.requireClear(error) }
                }
            } else {
                let request = try JSONDecoder().decode(KeyOperationRequest.self, from: body)
                _ = try world.engine.keys.perform(request, vault: FuzzWorld.vault, name: name, as: world.caller)
            }
        }
    }

    /// A `certificates/.ops` request (create with a policy in either spelling, import of PEM or PKCS#12, merge).
    static func certificateRequest(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        try world.expectTypedErrors {
            let request = try JSONDecoder().decode(CertificateManagementRequest.self, from: Data(bytes))
            _ = try world.engine.certificates.perform(request, vault: FuzzWorld.vault, as: world.caller)
        }
    }

    /// A certificate policy document (either spelling), as `kvfs certificate set-policy` and `policy.json` take it,
    /// set on the existing certificate.
    static func certificatePolicy(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        try world.expectTypedErrors {
            let policy = try CertificatePolicy(json: Data(bytes))
            _ = try world.engine.certificates.updatePolicy(vault: FuzzWorld.vault, name: FuzzWorld.certificate, policy,
                                                           as: world.caller)
        }
    }

    /// A key rotation policy as JSON, set on the EC key, then read back (its stored form is parsed again).
    static func rotationPolicy(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        try world.expectTypedErrors {
            let policy = try JSONDecoder().decode(KeyRotationPolicy.self, from: Data(bytes))
            _ = try world.engine.keys.updateRotationPolicy(vault: FuzzWorld.vault, name: FuzzWorld.ecKey, policy, as: world.caller)
            _ = try world.engine.keys.rotationPolicy(vault: FuzzWorld.vault, name: FuzzWorld.ecKey, as: world.caller)
        }
    }

    /// A backup blob's bytes (the file of `kvfs secret|key|certificate restore`; a restore request on a control
    /// file carries them as base64url) restored as a secret, key or certificate (first byte modulo 3).
    static func backupBlob(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard let selector = bytes.first else { return }
        let kind = ObjectKind.allCases[Int(selector) % ObjectKind.allCases.count]
        let blob = BackupBlob(bytes: Array(bytes.dropFirst()))
        try world.expectTypedErrors {
            if kind == .key {
                _ = try world.engine.backups.restoreKey(vault: FuzzWorld.vault, blob: blob, as: world.caller)
            } else {
                _ = try world.engine.backups.restore(kind, vault: FuzzWorld.vault, blob: blob, as: world.caller)
            }
        }
    }

    /// A vault backup directory's manifest, restored into a new vault: as given (first byte even), or sealed
    /// under this realm's key first (odd), which reaches the parsing behind the manifest's MAC.
    static func vaultBackup(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard let selector = bytes.first else { return }
        var manifest = Array(bytes.dropFirst())
        if selector & 1 == 1 {
            let key = try VaultBackupDirectory.manifestKey(world.engine.context.realmMembership)
            let body = String(decoding: manifest, as: UTF8.self)
            let mac = try HMACSHA256.mac(key: key, message: Array(body.utf8)).hexString
            manifest = Array((body.hasSuffix("}") ? String(body.dropLast()) + ",\"mac\":\"\(mac)\"}" : body).utf8)
        }
        let directory = world.scratch + "/backup"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(manifest).write(to: URL(fileURLWithPath: directory + "/" + VaultBackupManifest.fileName))
        try world.expectTypedErrors {
            _ = try world.engine.backups.restoreVault(named: "restored", fromDirectory: directory, as: world.caller)
        }
    }

    /// A name or scope as the CLI and the mount take them: vault, object and principal names, role scopes.
    static func names(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        try world.expectTypedErrors { try Names.validateVault(text) }
        for kind in ObjectKind.allCases { try world.expectTypedErrors { try Names.validateObject(text, kind: kind) } }
        try world.expectTypedErrors { try Names.validatePrincipal(text) }
        try world.expectTypedErrors { _ = try Scope(parsing: text) }
        _ = Names.key(text)
    }

    /// A secret value of a PKCS#12 or PEM content type (first byte even: PKCS#12) read in its decoded forms
    /// (`secrets/<name>.pem`, `.pfx`): the engine parses bytes that come from the store.
    static func secretForm(_ world: FuzzWorld, _ bytes: [UInt8]) throws {
        guard let selector = bytes.first else { return }
        let contentType = selector & 1 == 0 ? "application/x-pkcs12" : "application/x-pem-file"
        try world.expectTypedErrors {
            _ = try world.engine.secrets.set(vault: FuzzWorld.vault, name: FuzzWorld.formSecret, value: Array(bytes.dropFirst()),
                                             attributes: NewVersionAttributes(contentType: contentType), as: world.caller)
        }
        for form in SecretForm.allCases {
            try world.expectTypedErrors {
                _ = try world.engine.secrets.get(vault: FuzzWorld.vault, name: FuzzWorld.formSecret, form: form, as: world.caller)
            }
        }
    }
}

/// An input that made kvfs answer with something other than a clear error: the kind of error (never its
/// message, which might quote the input).
package struct FuzzFinding: Error, CustomStringConvertible {
    package var description: String
    package init(description: String) { self.description = description }
}

/// A store for fuzzing, in its own temporary directory: one vault with an RSA key, an EC key, a self-signed
/// certificate and a secret, and a caller with Key Vault Administrator on it.
///
/// `@unchecked Sendable`: its fields are set once, in `init`.
package final class FuzzWorld: @unchecked Sendable {
    package static let vault = "fuzz"
    package static let rsaKey = "rsa"
    package static let ecKey = "ec"
    package static let certificate = "cert"
    package static let secret = "plain"
    package static let formSecret = "forms"

    package let engine: VaultEngine
    /// Holds Key Vault Administrator on the vault.
    package let caller = Caller(uid: 7100, gid: 7100, pid: 7101, executable: "/usr/bin/fuzz")
    /// The store's Owner.
    package let owner: Caller
    /// The temporary directory of the store, and of the scratch files of the targets.
    package let scratch: String

    package init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kvfs-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        owner = Caller(uid: getuid(), gid: getgid(), pid: getpid())
        engine = try VaultEngine.initialize(at: StoreLocation(directory: scratch + "/store"))
        try engine.vaults.create(named: Self.vault, as: owner)
        try engine.access.createPrincipal(named: "fuzzer", kind: .user, unixID: caller.uid, as: owner)
        try engine.access.assign(principal: "fuzzer", role: .administrator, scope: Scope(vault: Self.vault), as: owner)
        _ = try engine.keys.create(vault: Self.vault, name: Self.rsaKey, KeyCreateOptions(.rsa(bits: 2048)), as: caller)
        _ = try engine.keys.create(vault: Self.vault, name: Self.ecKey, KeyCreateOptions(.ec(.p256)), as: caller)
        _ = try engine.certificates.create(vault: Self.vault, name: Self.certificate, policy: .default, as: caller)
        _ = try engine.secrets.set(vault: Self.vault, name: Self.secret, value: Array("fuzz".utf8), as: caller)
    }

    /// What a front-end's targets keep with this store (the mount's tree), made on first use.
    private let attachment = Mutex<(any Sendable)?>(nil)

    /// The front-end state of type `T` kept with this store, made by `make` the first time.
    package func attached<T: Sendable>(_ make: () -> T) -> T {
        attachment.withLock { slot in
            if let kept = slot as? T { return kept }
            let made = make()
            slot = made
            return made
        }
    }

    private static let sharedWorld = Mutex<FuzzWorld?>(nil)

    /// One world for the whole process (the fuzz binary's, and the tests' that only need a clear answer), made on
    /// first use and removed when the process exits.
    /// - Throws: when the store cannot be made.
    package static func shared() throws -> FuzzWorld {
        try sharedWorld.withLock { slot in
            if let world = slot { return world }
            let world = try FuzzWorld()
            slot = world
            atexit { FuzzWorld.sharedWorld.withLock { $0?.remove() } }
            return world
        }
    }

    /// Removes the store.
    package func remove() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// Runs `body`, which may refuse its input with a `VaultError` that is clear about it (or, for JSON that is
    /// not the request, a `DecodingError`: the front-ends answer `EINVAL`).
    /// - Throws: `FuzzFinding` for any other error.
    package func expectTypedErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as VaultError {
            try Self.requireClear(error)
        } catch is DecodingError {
            return
        } catch let finding as FuzzFinding {
            throw finding
        } catch {
            throw FuzzFinding(description: "an untyped \(type(of: error))")
        }
    }

    /// A refusal of a caller's input is about the input: a store or crypto failure (`EIO` on the mount) is not.
    /// - Throws: `FuzzFinding` for those.
    package static func requireClear(_ error: VaultError) throws {
        switch error.reason {
        case .storeFailure, .cryptoFailure:
            throw FuzzFinding(description: "a \(error.reason) refusal (\(error.cause.map { "\(type(of: $0))" } ?? "no cause"))")
        default:
            return
        }
    }
}
