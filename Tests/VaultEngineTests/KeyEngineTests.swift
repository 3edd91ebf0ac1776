import Foundation
import Testing
@testable import VaultEngine

/// A fresh store with one vault `v1`, a manual clock, and helpers to make callers holding a role.
final class KeyEngineFixture: @unchecked Sendable {
    let directory: String
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
    let engine: VaultEngine
    let owner = Caller(uid: getuid(), gid: getgid(), pid: getpid())
    /// Key Vault Administrator at vault scope: sets things up.
    let admin: Caller
    let vault = "kv1"
    private var nextUID: UInt32 = 70_000

    init(purgeProtection: Bool = false) throws {
        directory = NSTemporaryDirectory() + "kvfs-keyengine-\(UUID().uuidString)"
        engine = try VaultEngine.initialize(at: StoreLocation(directory: directory), clock: clock)
        try engine.vaults.create(named: vault, options: VaultCreateOptions(purgeProtection: purgeProtection), as: owner)
        admin = Caller(uid: 60_000, gid: 60_000, pid: 1)
        try engine.access.createPrincipal(named: "admin", kind: .user, unixID: admin.uid, as: owner)
        try engine.access.assign(principal: "admin", role: .administrator, scope: Scope(vault: vault), as: owner)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A new caller holding `role` at `scope` (vault scope by default), or no role at all.
    func caller(_ role: BuiltInRole?, scope: Scope? = nil) throws -> Caller {
        nextUID += 1
        let caller = Caller(uid: nextUID, gid: nextUID, pid: 2)
        try engine.access.createPrincipal(named: "p\(nextUID)", kind: .user, unixID: nextUID, as: owner)
        if let role {
            try engine.access.assign(principal: "p\(nextUID)", role: role, scope: scope ?? Scope(vault: vault), as: owner)
        }
        return caller
    }

    /// Every audit line so far.
    func auditLines() throws -> [String] { try engine.audit.records(as: owner) }
}


@Suite("Key engine: create, read, update, rotate, lifecycle")
struct KeyEngineTests {
    @Test("create RSA keys of every size: public JWK, kid, default key_ops, public PEM", arguments: RSAKeySize.supported)
    func createRSA(bits: Int) throws {
        let f = try KeyEngineFixture()
        let bundle = try f.engine.keys.create(vault: f.vault, name: "rsa", KeyCreateOptions(.rsa(bits: bits)), as: f.admin)
        #expect(bundle.parameters == .rsa(bits: bits))
        #expect(bundle.kid == "https://kv1.kvfs.localhost/keys/rsa/\(bundle.properties.version)")
        #expect(bundle.key.kty == "RSA")
        #expect(bundle.key.e == "AQAB")
        #expect(try Base64URL.decode(bundle.key.n!).count == bits / 8)
        #expect(bundle.keyOps == [.encrypt, .decrypt, .sign, .verify, .wrapKey, .unwrapKey])
        #expect(bundle.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(try PublicKey(pem: bundle.publicKeyPEM).publicJWK() == PublicJWK(kty: "RSA", n: bundle.key.n, e: bundle.key.e))
        let read = try f.engine.keys.get(vault: f.vault, name: "RSA", as: f.admin)
        #expect(read == bundle)
    }

    @Test("create EC keys on every curve", arguments: EllipticCurve.allCases)
    func createEC(curve: EllipticCurve) throws {
        let f = try KeyEngineFixture()
        let bundle = try f.engine.keys.create(vault: f.vault, name: "ec", KeyCreateOptions(.ec(curve)), as: f.admin)
        #expect(bundle.parameters == .ec(curve))
        #expect(bundle.key.kty == "EC" && bundle.key.crv == curve)
        #expect(try Base64URL.decode(bundle.key.x!).count == curve.coordinateSize)
        #expect(try Base64URL.decode(bundle.key.y!).count == curve.coordinateSize)
        #expect(bundle.key.n == nil && bundle.key.e == nil)
        #expect(bundle.keyOps == [.sign, .verify])
    }

    @Test("a given public exponent, key_ops, attributes and tags are kept")
    func createWithOptions() throws {
        let f = try KeyEngineFixture()
        let nbf = f.clock.now().addingTimeInterval(-60), exp = f.clock.now().addingTimeInterval(86_400)
        let options = KeyCreateOptions(.rsa(bits: 2048, exponent: 3), keyOps: [.sign, .verify, .sign],
                                       attributes: NewVersionAttributes(enabled: true, notBefore: nbf, expires: exp, tags: ["team": "pay"]))
        let bundle = try f.engine.keys.create(vault: f.vault, name: "k", options, as: f.admin)
        #expect(bundle.key.e == "Aw")
        #expect(bundle.keyOps == [.sign, .verify])
        #expect(bundle.properties.notBefore == nbf && bundle.properties.expires == exp)
        #expect(bundle.properties.tags == ["team": "pay"])
        #expect(bundle.properties.valueLength == 0)
    }

    @Test("creating an existing name adds a version with the new parameters; versions list both")
    func createAddsVersion() throws {
        let f = try KeyEngineFixture()
        let first = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let second = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa(bits: 3072)), as: f.admin)
        #expect(first.properties.version != second.properties.version)
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin).parameters == .rsa(bits: 3072))
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", version: first.properties.version, as: f.admin).parameters == .ec(.p256))
        let versions = try f.engine.objects(.key).versions(vault: f.vault, name: "k", as: f.admin)
        #expect(Set(versions.map(\.version)) == [first.properties.version, second.properties.version])
        #expect(try f.engine.objects(.key).list(vault: f.vault, as: f.admin).map(\.version) == [second.properties.version])
    }

    @Test("rotate keeps type, size, exponent, key_ops and tags; the old version still decrypts")
    func rotate() throws {
        let f = try KeyEngineFixture()
        let first = try f.engine.keys.create(vault: f.vault, name: "k",
                                           KeyCreateOptions(.rsa(bits: 3072, exponent: 65539), keyOps: [.encrypt, .decrypt],
                                                            attributes: NewVersionAttributes(tags: ["a": "b"])), as: f.admin)
        let plaintext = SecureBytes(Array("data key".utf8))
        let sealed = try f.engine.keys.encrypt(vault: f.vault, name: "k", algorithm: .rsaOAEP256, plaintext: plaintext, as: f.admin)
        #expect(sealed.kid == first.kid)
        let rotated = try f.engine.keys.rotate(vault: f.vault, name: "k", as: f.admin)
        #expect(rotated.properties.version != first.properties.version)
        #expect(rotated.parameters == .rsa(bits: 3072))
        #expect(rotated.key.e == first.key.e && rotated.key.n != first.key.n)
        #expect(rotated.keyOps == [.encrypt, .decrypt])
        #expect(rotated.properties.tags == ["a": "b"])
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin).kid == rotated.kid)

        let old = try f.engine.keys.decrypt(vault: f.vault, name: "k", version: first.properties.version, algorithm: .rsaOAEP256,
                                       ciphertext: sealed.bytes!, as: f.admin)
        #expect(old.bytes == plaintext.bytes)
        #expect(old.kid == first.kid)
        // The current version is another key: the old ciphertext does not decrypt under it.
        let error = vaultError { _ = try f.engine.keys.decrypt(vault: f.vault, name: "k", algorithm: .rsaOAEP256, ciphertext: sealed.bytes!, as: f.admin) }
        #expect(error?.code == .invalidArgument)

        let ec = try f.engine.keys.create(vault: f.vault, name: "e", KeyCreateOptions(.ec(.p256k)), as: f.admin)
        #expect(try f.engine.keys.rotate(vault: f.vault, name: "e", as: f.admin).parameters == ec.parameters)
        #expect(vaultError { _ = try f.engine.keys.rotate(vault: f.vault, name: "missing", as: f.admin) }?.code == .notFound)
    }

    @Test("update changes key_ops, enabled, dates and tags of one version, never the material")
    func update() throws {
        let f = try KeyEngineFixture()
        let first = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let exp = f.clock.now().addingTimeInterval(3600)
        let updated = try f.engine.keys.update(vault: f.vault, name: "k",
                                             KeyUpdate(keyOps: [.verify], attributes: AttributeUpdate(enabled: false, expires: .some(exp), tags: ["x": "1"])),
                                             as: f.admin)
        #expect(updated.keyOps == [.verify])
        #expect(!updated.properties.enabled && updated.properties.expires == exp && updated.properties.tags == ["x": "1"])
        #expect(updated.key.n == first.key.n && updated.kid == first.kid)
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin) == updated)

        // Impossible key_ops and content types are refused and change nothing.
        let ec = try f.engine.keys.create(vault: f.vault, name: "e", KeyCreateOptions(.ec(.p384)), as: f.admin)
        #expect(vaultError { _ = try f.engine.keys.update(vault: f.vault, name: "e", KeyUpdate(keyOps: [.encrypt]), as: f.admin) }?.code == .invalidArgument)
        #expect(vaultError {
            _ = try f.engine.keys.update(vault: f.vault, name: "e", KeyUpdate(attributes: AttributeUpdate(contentType: .some("x"))), as: f.admin)
        }?.code == .invalidArgument)
        #expect(try f.engine.keys.get(vault: f.vault, name: "e", as: f.admin) == ec)
    }

    @Test("soft delete, recover and purge follow the generic lifecycle; a deleted name cannot be reused")
    func lifecycle() throws {
        let f = try KeyEngineFixture()
        let created = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let deleted = try f.engine.objects(.key).delete(vault: f.vault, name: "k", as: f.admin)
        #expect(deleted.recoveryID == "https://kv1.kvfs.localhost/deletedkeys/k")
        #expect(deleted.scheduledPurgeDate == f.clock.now().addingTimeInterval(90 * 86_400))
        #expect(vaultError { _ = try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin) }?.code == .notFound)
        let digest = [UInt8](repeating: 1, count: 32)
        #expect(vaultError { _ = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: .es256, digest: digest, as: f.admin) }?.code == .notFound)
        #expect(vaultError { _ = try f.engine.keys.create(vault: f.vault, name: "K", KeyCreateOptions(.ec(.p256)), as: f.admin) }?.code == .deletedButRecoverable)
        #expect(try f.engine.objects(.key).listDeleted(vault: f.vault, as: f.admin).map(\.properties.name) == ["k"])

        try f.engine.objects(.key).recover(vault: f.vault, name: "k", as: f.admin)
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin) == created)
        let signature = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: .es256, digest: digest, as: f.admin)
        #expect(try f.engine.keys.verify(vault: f.vault, name: "k", algorithm: .es256, digest: digest, signature: signature.bytes!, as: f.admin).isValid == true)

        try f.engine.objects(.key).delete(vault: f.vault, name: "k", as: f.admin)
        try f.engine.objects(.key).purge(vault: f.vault, name: "k", as: f.admin)
        #expect(try f.engine.objects(.key).listDeleted(vault: f.vault, as: f.admin).isEmpty)
        #expect(try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin).kid != created.kid)
    }

    @Test("purge protection refuses purging a deleted key")
    func purgeProtection() throws {
        let f = try KeyEngineFixture(purgeProtection: true)
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        try f.engine.objects(.key).delete(vault: f.vault, name: "k", as: f.admin)
        #expect(vaultError { try f.engine.objects(.key).purge(vault: f.vault, name: "k", as: f.admin) }?.code == .purgeProtected)
    }

    @Test("bad input is refused with invalidArgument and changes nothing")
    func badInputChangesNothing() throws {
        let f = try KeyEngineFixture()
        let existing = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let cases: [(String, () throws -> Void)] = [
            ("RSA 1024", { _ = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa(bits: 1024)), as: f.admin) }),
            ("even exponent", { _ = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa(bits: 2048, exponent: 65536)), as: f.admin) }),
            ("bad name", { _ = try f.engine.keys.create(vault: f.vault, name: "k_1", KeyCreateOptions(.ec(.p256)), as: f.admin) }),
            ("EC encrypt op", { _ = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256), keyOps: [.encrypt]), as: f.admin) }),
            ("content type", {
                _ = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256), attributes: NewVersionAttributes(contentType: "x")), as: f.admin)
            }),
            ("exp before nbf", {
                let now = f.clock.now()
                _ = try f.engine.keys.create(vault: f.vault, name: "k",
                                           KeyCreateOptions(.ec(.p256), attributes: NewVersionAttributes(notBefore: now, expires: now - 1)), as: f.admin)
            }),
            ("16 tags", {
                let tags = Dictionary(uniqueKeysWithValues: (0..<16).map { ("t\($0)", "v") })
                _ = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256), attributes: NewVersionAttributes(tags: tags)), as: f.admin)
            }),
            ("garbage PEM", { _ = try f.engine.keys.import(vault: f.vault, name: "k", .pkcs8PEM(SecureBytes("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8)), as: f.admin) }),
            ("public PEM as private", { _ = try f.engine.keys.import(vault: f.vault, name: "k", .pkcs8PEM(SecureBytes(existing.publicKeyPEM.utf8)), as: f.admin) }),
            ("malformed EC JWK", {
                let jwk = PrivateJWK(kty: "EC", crv: "P-256", x: existing.key.n, y: existing.key.n)
                _ = try f.engine.keys.import(vault: f.vault, name: "k", .jwk(jwk), as: f.admin)
            }),
            ("HSM JWK", { _ = try f.engine.keys.import(vault: f.vault, name: "k", .jwk(PrivateJWK(kty: "RSA-HSM")), as: f.admin) }),
            ("oct JWK", { _ = try f.engine.keys.import(vault: f.vault, name: "k", .jwk(PrivateJWK(kty: "oct")), as: f.admin) }),
        ]
        for (label, body) in cases {
            let error = vaultError(of: body)
            #expect(error?.code == .invalidArgument, "\(label): \(String(describing: error))")
        }
        #expect(try f.engine.objects(.key).versions(vault: f.vault, name: "k", as: f.admin).map(\.version) == [existing.properties.version])
        #expect(try f.engine.objects(.key).list(vault: f.vault, as: f.admin).count == 1)
        #expect(try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin) == existing)
        #expect(try f.engine.audit.verify(as: f.owner).isIntact)
    }

    @Test("every key operation is audited with Azure's operationName and the algorithm")
    func auditNames() throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let digest = [UInt8](repeating: 7, count: 32)
        let signature = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: .ps256, digest: digest, as: f.admin).bytes!
        _ = try f.engine.keys.verify(vault: f.vault, name: "k", algorithm: .ps256, digest: digest, signature: signature, as: f.admin)
        let c = try f.engine.keys.encrypt(vault: f.vault, name: "k", algorithm: .rsa1_5, plaintext: SecureBytes([1, 2, 3]), as: f.admin).bytes!
        _ = try f.engine.keys.decrypt(vault: f.vault, name: "k", algorithm: .rsa1_5, ciphertext: c, as: f.admin)
        let w = try f.engine.keys.wrapKey(vault: f.vault, name: "k", algorithm: .rsaOAEP, key: SecureBytes([UInt8](repeating: 9, count: 32)), as: f.admin).bytes!
        _ = try f.engine.keys.unwrapKey(vault: f.vault, name: "k", algorithm: .rsaOAEP, wrappedKey: w, as: f.admin)
        _ = try f.engine.keys.get(vault: f.vault, name: "k", as: f.admin)
        _ = try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(attributes: AttributeUpdate(tags: [:])), as: f.admin)
        _ = try f.engine.keys.rotate(vault: f.vault, name: "k", as: f.admin)
        _ = try f.engine.objects(.key).list(vault: f.vault, as: f.admin)
        _ = try f.engine.objects(.key).versions(vault: f.vault, name: "k", as: f.admin)
        let records = try f.auditLines().map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
            .filter { $0.collection == "keys" }
        #expect(records.map(\.operationName) == ["KeyCreate", "KeySign", "KeyVerify", "KeyEncrypt", "KeyDecrypt", "KeyWrap", "KeyUnwrap",
                                                 "KeyGet", "KeyUpdate", "KeyRotate", "KeyList", "KeyListVersions"])
        #expect(records.compactMap(\.algorithm) == ["PS256", "PS256", "RSA1_5", "RSA1_5", "RSA-OAEP", "RSA-OAEP"])
        #expect(records.allSatisfy { $0.resultType == "Success" && $0.role == "Key Vault Administrator" })
        #expect(records[1].version != nil)
        #expect(try f.engine.audit.verify(as: f.owner).isIntact)
    }
}
