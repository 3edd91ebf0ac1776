import Foundation
import Testing
@testable import VaultEngine

@Suite("Key engine: import, and private material never comes back out")
struct KeyEngineImportTests {
    /// An openssl-generated key as a private JWK (JSON text), its `d` (base64url) and its public PEM.
    static func opensslJWK(curve: EllipticCurve?, tool: OpenSSLTool) throws -> (json: String, d: String, pem: String) {
        let genpkey = curve.map(KeyCryptoFixtures.opensslGenpkeyArgs(curve:)) ?? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        try tool.ok(genpkey + ["-out", "key.pem"])
        try tool.ok(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"])
        let fields = try tool.keyFields("key.pem")
        let b64 = { (name: String) in Base64URL.encode(fields[name]!.drop { $0 == 0 }) }
        let pem = String(decoding: try tool.read("pub.pem"), as: UTF8.self)
        if let curve {
            let size = curve.coordinateSize, pub = fields["pub"]!
            let x = Base64URL.encode(pub[1...size]), y = Base64URL.encode(pub[(size + 1)...])
            let raw = Array(fields["priv"]!.drop { $0 == 0 })
            let d = Base64URL.encode([UInt8](repeating: 0, count: size - raw.count) + raw)
            return (#"{"kty":"EC","crv":"\#(curve.rawValue)","x":"\#(x)","y":"\#(y)","d":"\#(d)","key_ops":["sign"]}"#, d, pem)
        }
        let d = b64("privateExponent")
        let json = """
        {"kty":"RSA","n":"\(b64("modulus"))","e":"\(b64("publicExponent"))","d":"\(d)","p":"\(b64("prime1"))","q":"\(b64("prime2"))",
         "dp":"\(b64("exponent1"))","dq":"\(b64("exponent2"))","qi":"\(b64("coefficient"))"}
        """
        return (json, d, pem)
    }

    @Test("import a JWK, then no output, error, audit line or database byte holds its private parts",
          arguments: [nil] + EllipticCurve.allCases.map { Optional($0) })
    func importJWK(curve: EllipticCurve?) throws {
        let f = try KeyEngineFixture()
        let tool = try OpenSSLTool()
        let (json, d, pem) = try Self.opensslJWK(curve: curve, tool: tool)
        let jwk = try JSONDecoder().decode(PrivateJWK.self, from: Data(json.utf8))
        let imported = try f.engine.keys.import(vault: f.vault, name: "imp", .jwk(jwk), as: f.admin)
        #expect(imported.publicKeyPEM == pem)
        #expect(imported.keyOps == (curve == nil ? KeyOperation.supported(by: .rsa) : [.sign]))   // the JWK's own key_ops when given

        var outputs: [String] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func collect(_ bundle: KeyBundle) throws {
            outputs.append(String(decoding: try encoder.encode(bundle.key), as: UTF8.self))
            outputs.append(bundle.publicKeyPEM)
            outputs.append("\(bundle)")
        }
        try collect(imported)
        try collect(try f.engine.keys.get(vault: f.vault, name: "imp", as: f.admin))
        try collect(try f.engine.keys.update(vault: f.vault, name: "imp", KeyUpdate(attributes: AttributeUpdate(tags: ["a": "b"])), as: f.admin))
        outputs.append("\(try f.engine.objects(.key).list(vault: f.vault, as: f.admin))")
        outputs.append("\(try f.engine.objects(.key).versions(vault: f.vault, name: "imp", as: f.admin))")
        let alg: SignatureAlgorithm = curve?.signatureAlgorithm ?? .rs256
        let signed = try f.engine.keys.sign(vault: f.vault, name: "imp", algorithm: alg, digest: [UInt8](repeating: 1, count: alg.digestLength), as: f.admin)
        outputs.append(String(decoding: try encoder.encode(signed), as: UTF8.self))
        outputs.append("\(signed)")
        for error in [
            vaultError { _ = try f.engine.keys.sign(vault: f.vault, name: "imp", algorithm: alg, digest: [1], as: f.admin) },
            vaultError { _ = try f.engine.keys.decrypt(vault: f.vault, name: "imp", algorithm: .rsaOAEP256, ciphertext: [UInt8](repeating: 0, count: 256), as: f.admin) },
            vaultError { _ = try f.engine.keys.import(vault: f.vault, name: "imp2", .jwk(PrivateJWK(kty: jwk.kty, n: jwk.n, e: jwk.e, d: jwk.d, crv: jwk.crv, x: jwk.y, y: jwk.x)), as: f.admin) },
        ] {
            #expect(error != nil)
            outputs.append("\(String(describing: error)) \(String(describing: error?.cause))")
        }
        outputs.append("\(jwk)")
        outputs.append("\(KeyImportMaterial.jwk(jwk))")
        let deleted = try f.engine.objects(.key).delete(vault: f.vault, name: "imp", as: f.admin)
        outputs.append("\(deleted)")
        outputs.append("\(try f.engine.objects(.key).listDeleted(vault: f.vault, as: f.admin))")
        outputs += try f.auditLines()

        #expect(outputs.count > 15)
        for text in outputs {
            #expect(!text.contains(d), "private d leaked into: \(text.prefix(200))")
        }
        // Nor is it anywhere on disk in clear (the database and its WAL).
        let dBytes = try Base64URL.decode(d)
        for file in try FileManager.default.contentsOfDirectory(atPath: f.directory) {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: f.directory + "/" + file)))
            #expect(!data.containsKeyBytes(dBytes), "d found in \(file)")
            #expect(!String(decoding: data, as: UTF8.self).contains(d), "d (base64url) found in \(file)")
        }
    }

    @Test("import a PKCS#8 PEM (RSA and EC); signatures verify with openssl against the original key")
    func importPEM() throws {
        let f = try KeyEngineFixture()
        for (name, genpkey) in [("rsa", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"]),
                                ("ec", KeyCryptoFixtures.opensslGenpkeyArgs(curve: .p521))] {
            let tool = try OpenSSLTool()
            try tool.ok(genpkey + ["-out", "key.pem"])
            try tool.ok(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"])
            let pem = String(decoding: try tool.read("key.pem"), as: UTF8.self)
            let bundle = try f.engine.keys.import(vault: f.vault, name: name, .pkcs8PEM(SecureBytes(pem.utf8)), keyOps: [.sign, .verify], as: f.admin)
            #expect(bundle.publicKeyPEM == String(decoding: try tool.read("pub.pem"), as: UTF8.self))
            #expect(bundle.keyOps == [.sign, .verify])
            let alg: SignatureAlgorithm = name == "rsa" ? .ps512 : .es512
            let digest = try SecureRandom.bytes(64)
            _ = try tool.write("digest.bin", digest)
            let signature = try f.engine.keys.sign(vault: f.vault, name: name, algorithm: alg, digest: digest, as: f.admin).bytes!
            let sigFile = name == "rsa" ? try tool.write("sig.bin", signature) : try tool.derSignatureFile(fromRaw: signature, name: "sig.der")
            let out = try tool.ok(["pkeyutl", "-verify", "-inkey", "key.pem", "-in", "digest.bin", "-sigfile", sigFile] + KeyCryptoFixtures.pkeyopts(alg))
            #expect(out.contains("Signature Verified Successfully"))
            // key_ops given at import are enforced.
            #expect(vaultError { _ = try f.engine.keys.encrypt(vault: f.vault, name: "rsa", algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: f.admin) }?.azureCode == "KeyOperationForbidden")
        }
        // Importing onto an existing name adds a version.
        let tool = try OpenSSLTool()
        try tool.ok(KeyCryptoFixtures.opensslGenpkeyArgs(curve: .p256) + ["-out", "key.pem"])
        try f.engine.keys.import(vault: f.vault, name: "ec", .pkcs8PEM(SecureBytes(try tool.read("key.pem"))), as: f.admin)
        #expect(try f.engine.objects(.key).versions(vault: f.vault, name: "ec", as: f.admin).count == 2)
        #expect(try f.engine.keys.get(vault: f.vault, name: "ec", as: f.admin).parameters == .ec(.p256))
    }

    @Test("unsupported or inconsistent material is refused and stores nothing")
    func refusedMaterial() throws {
        let f = try KeyEngineFixture()
        let tool = try OpenSSLTool()
        try tool.ok(["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"])
        try tool.ok(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "small.pem"])
        try tool.ok(["pkey", "-in", "small.pem", "-traditional", "-out", "traditional.pem"])
        for file in ["ed.pem", "small.pem", "traditional.pem"] {
            let pem = String(decoding: try tool.read(file), as: UTF8.self)
            #expect(vaultError { _ = try f.engine.keys.import(vault: f.vault, name: "k", .pkcs8PEM(SecureBytes(pem.utf8)), as: f.admin) }?.code == .invalidArgument, "\(file)")
        }
        // An EC JWK whose d belongs to another key fails the pairwise check.
        let a = try Self.opensslJWK(curve: .p256, tool: try OpenSSLTool()), b = try Self.opensslJWK(curve: .p256, tool: try OpenSSLTool())
        let mixed = a.json.replacingOccurrences(of: a.d, with: b.d)
        let jwk = try JSONDecoder().decode(PrivateJWK.self, from: Data(mixed.utf8))
        let error = vaultError { _ = try f.engine.keys.import(vault: f.vault, name: "k", .jwk(jwk), as: f.admin) }
        #expect(error?.code == .invalidArgument)
        #expect(error.map { !$0.message.contains(a.d) && !$0.message.contains(b.d) } == true)
        #expect(try f.engine.objects(.key).list(vault: f.vault, as: f.admin).isEmpty)
    }
}

extension Array where Element == UInt8 {
    func containsKeyBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { i in self[i..<(i + needle.count)].elementsEqual(needle) }
    }
}
