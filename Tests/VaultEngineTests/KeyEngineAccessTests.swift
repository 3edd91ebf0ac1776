import Foundation
import Testing
@testable import VaultEngine

/// Who may do what with keys: Azure's built-in roles, and the keys/read rule for public-key operations.
@Suite("Key engine: role × operation table")
struct KeyEngineAccessTests {
    enum Op: String, CaseIterable, Sendable {
        case create, importKey, get, list, listVersions, update, rotate
        case sign, verify, encrypt, decrypt, wrap, unwrap, delete, recover, purge
    }

    /// A role case: the role (nil = none), whether it is assigned on key `k` only, and the operations it may do.
    struct Row: Sendable, CustomTestStringConvertible {
        var label: String
        var role: BuiltInRole?
        var objectScope = false
        var allowed: Set<Op>
        var testDescription: String { label }
    }

    static let all = Set(Op.allCases)
    static let rows: [Row] = [
        Row(label: "no role", role: nil, allowed: []),
        Row(label: "Secrets Officer", role: .secretsOfficer, allowed: []),
        Row(label: "Reader", role: .reader, allowed: [.get, .list, .listVersions, .verify, .encrypt, .wrap]),
        Row(label: "Crypto User", role: .cryptoUser,
            allowed: [.get, .list, .listVersions, .update, .sign, .verify, .encrypt, .decrypt, .wrap, .unwrap]),
        Row(label: "Crypto Service Encryption User", role: .cryptoServiceEncryptionUser,
            allowed: [.get, .list, .listVersions, .verify, .encrypt, .wrap, .unwrap]),
        Row(label: "Crypto Service Release User", role: .cryptoServiceReleaseUser, allowed: []),
        Row(label: "Crypto Officer", role: .cryptoOfficer, allowed: all),
        Row(label: "Administrator", role: .administrator, allowed: all),
        // Object scope: the key itself, never the collection (no list, no new names).
        Row(label: "Crypto Officer on key k", role: .cryptoOfficer, objectScope: true,
            allowed: all.subtracting([.create, .importKey, .list])),
        Row(label: "Crypto User on key k", role: .cryptoUser, objectScope: true,
            allowed: [.get, .listVersions, .update, .sign, .verify, .encrypt, .decrypt, .wrap, .unwrap]),
        Row(label: "Crypto Officer on another key", role: .cryptoOfficer, objectScope: true, allowed: []),
    ]

    @Test("each role may do exactly its operations; everything else is accessDenied (ForbiddenByRbac)", arguments: rows)
    func table(row: Row) throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.keys.create(vault: v, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let scope = row.objectScope ? Scope(vault: v, object: (.key, row.label.hasSuffix("another key") ? "other" : "k")) : nil
        if row.label.hasSuffix("another key") { try e.keys.create(vault: v, name: "other", KeyCreateOptions(.ec(.p256)), as: f.admin) }
        let c = try f.caller(row.role, scope: scope)
        let digest = [UInt8](repeating: 1, count: 32)
        let signature = try e.keys.sign(vault: v, name: "k", algorithm: .rs256, digest: digest, as: f.admin).bytes!
        let ciphertext = try e.keys.encrypt(vault: v, name: "k", algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: f.admin).bytes!
        let pem = try f.makePKCS8PEM()

        let calls: [(Op, () throws -> Void)] = [
            (.create, { _ = try e.keys.create(vault: v, name: "new", KeyCreateOptions(.ec(.p256)), as: c) }),
            (.importKey, { _ = try e.keys.import(vault: v, name: "imported", .pkcs8PEM(SecureBytes(pem.utf8)), as: c) }),
            (.get, { _ = try e.keys.get(vault: v, name: "k", as: c) }),
            (.list, { _ = try e.objects(.key).list(vault: v, as: c) }),
            (.listVersions, { _ = try e.objects(.key).versions(vault: v, name: "k", as: c) }),
            (.update, { _ = try e.keys.update(vault: v, name: "k", KeyUpdate(attributes: AttributeUpdate(tags: ["t": "1"])), as: c) }),
            (.rotate, { _ = try e.keys.rotate(vault: v, name: "k", as: c) }),
            (.sign, { _ = try e.keys.sign(vault: v, name: "k", algorithm: .rs256, digest: digest, as: c) }),
            (.verify, {
                let verdict = try e.keys.verify(vault: v, name: "k", version: firstVersion(e, f), algorithm: .rs256, digest: digest, signature: signature, as: c)
                if verdict.isValid != true { Issue.record("\(row.label): a good signature did not verify") }
            }),
            (.encrypt, { _ = try e.keys.encrypt(vault: v, name: "k", algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: c) }),
            // Verify, decrypt and unwrap name the first version explicitly: a role that may rotate has made a new current one.
            (.decrypt, { _ = try e.keys.decrypt(vault: v, name: "k", version: firstVersion(e, f), algorithm: .rsaOAEP256, ciphertext: ciphertext, as: c) }),
            (.wrap, { _ = try e.keys.wrapKey(vault: v, name: "k", algorithm: .rsaOAEP256, key: SecureBytes([2]), as: c) }),
            (.unwrap, { _ = try e.keys.unwrapKey(vault: v, name: "k", version: firstVersion(e, f), algorithm: .rsaOAEP256, wrappedKey: ciphertext, as: c) }),
            (.delete, { _ = try e.objects(.key).delete(vault: v, name: "k", as: c) }),
            (.recover, {
                if (try? e.keys.get(vault: v, name: "k", as: f.admin)) != nil { try e.objects(.key).delete(vault: v, name: "k", as: f.admin) }
                _ = try e.objects(.key).recover(vault: v, name: "k", as: c)
            }),
            (.purge, {
                if (try? e.keys.get(vault: v, name: "k", as: f.admin)) != nil { try e.objects(.key).delete(vault: v, name: "k", as: f.admin) }
                try e.objects(.key).purge(vault: v, name: "k", as: c)
            }),
        ]
        #expect(calls.map(\.0) == Op.allCases)
        for (op, call) in calls {
            let error = vaultError(of: call)
            if row.allowed.contains(op) {
                #expect(error == nil, "\(row.label) should \(op.rawValue): \(String(describing: error))")
            } else {
                #expect(error?.code == .accessDenied, "\(row.label) must not \(op.rawValue): \(String(describing: error))")
                #expect(error?.azureCode == "ForbiddenByRbac")
            }
        }
        // Every decision is in the audit log, allowed or denied; the chain is intact.
        let records = try f.auditLines().map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
            .filter { $0.caller.uid == c.uid }
        #expect(records.count == Op.allCases.count)
        #expect(records.filter { $0.resultSignature == "ForbiddenByRbac" }.count == Op.allCases.count - row.allowed.count)
        #expect(try e.audit.verify(as: f.owner).isIntact)
    }

    private func firstVersion(_ e: VaultEngine, _ f: KeyEngineFixture) throws -> String {
        try e.objects(.key).versions(vault: f.vault, name: "k", as: f.admin).min { $0.created < $1.created }!.version
    }

    @Test("a denied caller learns nothing: a missing key and an existing one give the same accessDenied")
    func noExistenceOracle() throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let c = try f.caller(.secretsUser)
        let digest = [UInt8](repeating: 1, count: 32)
        for name in ["k", "missing"] {
            #expect(vaultError { _ = try f.engine.keys.get(vault: f.vault, name: name, as: c) }?.code == .accessDenied)
            #expect(vaultError { _ = try f.engine.keys.sign(vault: f.vault, name: name, algorithm: .es256, digest: digest, as: c) }?.code == .accessDenied)
        }
    }
}

extension KeyEngineFixture {
    /// A fresh unencrypted PKCS#8 PEM (P-256) from the openssl CLI.
    func makePKCS8PEM(_ genpkey: [String] = KeyCryptoFixtures.opensslGenpkeyArgs(curve: .p256)) throws -> String {
        let tool = try OpenSSLTool()
        try tool.ok(genpkey + ["-out", "key.pem"])
        return String(decoding: try tool.read("key.pem"), as: UTF8.self)
    }
}
