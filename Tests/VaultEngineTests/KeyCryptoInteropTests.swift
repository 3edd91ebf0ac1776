import Foundation
import Testing
@testable import VaultEngine

@Suite("Vault keys interoperate with the openssl CLI")
struct KeyCryptoInteropTests {
    @Test("openssl verifies every kvfs signature", arguments: SignatureAlgorithm.allCases)
    func opensslVerifiesKvfs(algorithm: SignatureAlgorithm) throws {
        let tool = try OpenSSLTool()
        let key = KeyCryptoFixtures.key(for: algorithm)
        let digest = try KeyCryptoFixtures.digest(for: algorithm)
        let signature = try key.sign(digest: digest, algorithm: algorithm)
        let sigFile: String
        if let curve = algorithm.curve {
            #expect(signature.count == 2 * curve.coordinateSize)
            sigFile = try tool.derSignatureFile(fromRaw: signature, name: "sig.der")
        } else {
            #expect(signature.count == 256)
            sigFile = try tool.write("sig.bin", signature)
        }
        _ = try tool.write("pub.pem", try key.publicPEM())
        _ = try tool.write("digest.bin", digest)
        let verify = ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", sigFile]
            + KeyCryptoFixtures.pkeyopts(algorithm)
        let output = try tool.ok(verify)
        #expect(output.contains("Signature Verified Successfully"))

        // The same signature over another digest must fail in openssl too.
        var tampered = digest
        tampered[0] ^= 0x01
        _ = try tool.write("digest.bin", tampered)
        #expect(try tool.run(verify).status != 0)
    }

    @Test("kvfs verifies openssl signatures from an openssl-generated key", arguments: SignatureAlgorithm.allCases)
    func kvfsVerifiesOpenSSL(algorithm: SignatureAlgorithm) throws {
        let tool = try OpenSSLTool()
        let genpkey = algorithm.curve.map(KeyCryptoFixtures.opensslGenpkeyArgs(curve:))
            ?? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        try tool.ok(genpkey + ["-out", "key.pem"])
        try tool.ok(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"])
        let imported = try PrivateKey(pkcs8PEM: String(decoding: try tool.read("key.pem"), as: UTF8.self))
        let publicOnly = try PublicKey(pem: String(decoding: try tool.read("pub.pem"), as: UTF8.self))
        #expect(try imported.publicPEM() == String(decoding: try tool.read("pub.pem"), as: UTF8.self))

        let digest = try KeyCryptoFixtures.digest(for: algorithm)
        _ = try tool.write("digest.bin", digest)
        try tool.ok(["pkeyutl", "-sign", "-inkey", "key.pem", "-in", "digest.bin", "-out", "sig.bin"] + KeyCryptoFixtures.pkeyopts(algorithm))
        let opensslSignature = try tool.read("sig.bin")
        let signature = try algorithm.curve.map { try tool.rawSignature(fromDERFile: "sig.bin", size: $0.coordinateSize) } ?? opensslSignature

        #expect(try publicOnly.verify(signature: signature, digest: digest, algorithm: algorithm))
        #expect(try imported.verify(signature: signature, digest: digest, algorithm: algorithm))
        var tampered = digest
        tampered[tampered.count - 1] ^= 0x80
        #expect(try !publicOnly.verify(signature: signature, digest: tampered, algorithm: algorithm))
        if algorithm.curve != nil {
            // openssl's DER where kvfs expects raw r‖s: refused, not accepted.
            #expect(try !publicOnly.verify(signature: opensslSignature, digest: digest, algorithm: algorithm))
        }
        // And the imported key's own signatures verify in openssl.
        let own = try imported.sign(digest: digest, algorithm: algorithm)
        let ownFile = try algorithm.curve.map { _ in try tool.derSignatureFile(fromRaw: own, name: "own.der") } ?? tool.write("own.bin", own)
        try tool.ok(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", ownFile] + KeyCryptoFixtures.pkeyopts(algorithm))
    }

    static let paddings: [(EncryptionAlgorithm, [String])] = [
        (.rsa1_5, ["-pkeyopt", "rsa_padding_mode:pkcs1"]),
        (.rsaOAEP, ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1"]),
        (.rsaOAEP256, ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"]),
    ]

    @Test("kvfs decrypts what openssl encrypts, and openssl decrypts what kvfs encrypts", arguments: 0..<3)
    func encryptionInterop(index: Int) throws {
        let (algorithm, options) = Self.paddings[index]
        let tool = try OpenSSLTool()
        let key = KeyCryptoFixtures.rsa2048
        _ = try tool.write("pub.pem", try key.publicPEM())
        let plaintext = try SecureRandom.bytes(algorithm.maxPlaintextLength(modulusBytes: 256))
        _ = try tool.write("plain.bin", plaintext)
        try tool.ok(["pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "plain.bin", "-out", "ct.bin"] + options)
        let decrypted = try key.decrypt(try tool.read("ct.bin"), algorithm: algorithm)
        #expect(decrypted.bytes == plaintext)

        // Reverse direction: kvfs encrypts (and wraps) to its public key, openssl decrypts with the PKCS#8 DER.
        let wrapped = try key.wrapKey(SecureBytes(plaintext.prefix(32)), algorithm: algorithm)
        #expect(wrapped.count == 256)
        _ = try tool.write("key.der", try key.privateDER().bytes)
        _ = try tool.write("wrapped.bin", wrapped)
        try tool.ok(["pkeyutl", "-decrypt", "-inkey", "key.der", "-keyform", "DER", "-in", "wrapped.bin", "-out", "unwrapped.bin"] + options)
        #expect(try tool.read("unwrapped.bin") == Array(plaintext.prefix(32)))
        #expect(try key.unwrapKey(wrapped, algorithm: algorithm).bytes == Array(plaintext.prefix(32)))

        // RSA-OAEP-256 really uses MGF1-SHA-256: an OAEP ciphertext with MGF1-SHA-1 does not decrypt as RSA-OAEP-256.
        if algorithm == .rsaOAEP256 {
            try tool.ok(["pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "plain.bin", "-out", "mixed.bin",
                         "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha1"])
            #expect(throws: KeyCryptoError(.decryptionFailed, "")) { try key.decrypt(try tool.read("mixed.bin"), algorithm: .rsaOAEP256) }
        }
    }

    @Test("JWK import from openssl-derived values matches openssl's pkey -pubout", arguments: [nil] + EllipticCurve.allCases.map { Optional($0) })
    func jwkFromOpenSSL(curve: EllipticCurve?) throws {
        let tool = try OpenSSLTool()
        let genpkey = curve.map(KeyCryptoFixtures.opensslGenpkeyArgs(curve:)) ?? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        try tool.ok(genpkey + ["-out", "key.pem"])
        try tool.ok(["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"])
        let expectedPEM = String(decoding: try tool.read("pub.pem"), as: UTF8.self)
        let fields = try tool.keyFields("key.pem")
        let b64 = { (name: String) in Base64URL.encode(fields[name]!.drop { $0 == 0 }) }

        let json: String
        var expectedPublic: PublicJWK
        if let curve {
            let size = curve.coordinateSize
            let pub = fields["pub"]!
            #expect(pub.count == 1 + 2 * size && pub[0] == 0x04)
            let x = Base64URL.encode(pub[1...size]), y = Base64URL.encode(pub[(size + 1)...])
            let d = Array(fields["priv"]!.drop { $0 == 0 })
            let dPadded = [UInt8](repeating: 0, count: size - d.count) + d
            json = #"{"kty":"EC","crv":"\#(curve.rawValue)","x":"\#(x)","y":"\#(y)","d":"\#(Base64URL.encode(dPadded))"}"#
            expectedPublic = PublicJWK(kty: "EC", crv: curve, x: x, y: y)
        } else {
            json = """
            {"kty":"RSA-HSM","n":"\(b64("modulus"))","e":"\(b64("publicExponent"))","d":"\(b64("privateExponent"))",
             "p":"\(b64("prime1"))","q":"\(b64("prime2"))","dp":"\(b64("exponent1"))","dq":"\(b64("exponent2"))","qi":"\(b64("coefficient"))"}
            """
            expectedPublic = PublicJWK(kty: "RSA", n: b64("modulus"), e: b64("publicExponent"))
            #expect(expectedPublic.e == "AQAB")
        }
        let jwk = try JSONDecoder().decode(PrivateJWK.self, from: Data(json.utf8))
        if curve == nil { #expect(try KeyType.parse(jwk.kty) == (.rsa, true)) }
        let key = try PrivateKey(jwk: jwk)
        #expect(try key.publicPEM() == expectedPEM)
        #expect(try key.publicJWK() == expectedPublic)
        #expect(try PublicKey(jwk: expectedPublic).publicPEM() == expectedPEM)

        // The imported private key is the openssl key: its signatures verify against openssl's public.pem.
        let algorithm = curve?.signatureAlgorithm ?? .ps256
        let digest = try KeyCryptoFixtures.digest(for: algorithm)
        _ = try tool.write("digest.bin", digest)
        let signature = try key.sign(digest: digest, algorithm: algorithm)
        let sigFile = try curve.map { _ in try tool.derSignatureFile(fromRaw: signature, name: "sig.der") } ?? tool.write("sig.bin", signature)
        try tool.ok(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", sigFile] + KeyCryptoFixtures.pkeyopts(algorithm))
    }

    @Test("kvfs's PKCS#8 DER is what openssl reads, and matches the exported public parts", arguments: [nil] + EllipticCurve.allCases.map { Optional($0) })
    func privateDERInterop(curve: EllipticCurve?) throws {
        let tool = try OpenSSLTool()
        let key = curve.map { KeyCryptoFixtures.ec[$0]! } ?? KeyCryptoFixtures.rsa2048
        _ = try tool.write("key.der", try key.privateDER().bytes)
        try tool.ok(["pkey", "-inform", "DER", "-in", "key.der", "-check", "-noout"])
        let pub = try tool.ok(["pkey", "-inform", "DER", "-in", "key.der", "-pubout"])
        #expect(pub == (try key.publicPEM()))
        let reloaded = try PrivateKey(privateDER: try key.privateDER())
        #expect(try reloaded.publicJWK() == (try key.publicJWK()))
    }
}
