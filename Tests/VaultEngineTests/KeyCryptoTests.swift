import Foundation
import Testing
@testable import VaultEngine

@Suite("Vault key crypto: shapes, limits and refusals")
struct KeyCryptoTests {
    // MARK: Generation

    @Test("every RSA size generates, signs and verifies", arguments: [2048, 3072, 4096])
    func rsaSizes(bits: Int) throws {
        let clock = ContinuousClock()
        var key: PrivateKey!
        let elapsed = try clock.measure { key = try PrivateKey.generate(rsa: bits) }
        print("RSA-\(bits) generation: \(elapsed)")
        #expect(key.parameters == .rsa(bits: bits))
        let digest = try SecureRandom.bytes(64)
        let signature = try key.sign(digest: digest, algorithm: .ps512)
        #expect(signature.count == bits / 8)
        #expect(try key.publicKey.verify(signature: signature, digest: digest, algorithm: .ps512))
    }

    @Test("every curve generates, signs and verifies", arguments: EllipticCurve.allCases)
    func curves(curve: EllipticCurve) throws {
        let clock = ContinuousClock()
        var key: PrivateKey!
        let elapsed = try clock.measure { key = try PrivateKey.generate(curve: curve) }
        print("EC \(curve.rawValue) generation: \(elapsed)")
        #expect(key.parameters == .ec(curve))
        let algorithm = curve.signatureAlgorithm
        let digest = try SecureRandom.bytes(algorithm.digestLength)
        let signature = try key.sign(digest: digest, algorithm: algorithm)
        #expect(signature.count == 2 * curve.coordinateSize)
        #expect(try key.verify(signature: signature, digest: digest, algorithm: algorithm))
        let jwk = try key.publicJWK()
        #expect(try Base64URL.decode(jwk.x!).count == curve.coordinateSize)
        #expect(try Base64URL.decode(jwk.y!).count == curve.coordinateSize)
    }

    @Test("a non-default public exponent is used and exported")
    func exponent() throws {
        let key = try PrivateKey.generate(rsa: 2048, exponent: 3)
        #expect(try key.publicJWK().e == "Aw")
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try PrivateKey.generate(rsa: 2048, exponent: 65536) }
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try PrivateKey.generate(rsa: 1024) }
    }

    // MARK: Exports

    @Test("the public JWK never carries private fields")
    func jwkHasNoPrivateFields() throws {
        for key in [KeyCryptoFixtures.rsa2048] + EllipticCurve.allCases.map({ KeyCryptoFixtures.ec[$0]! }) {
            let jwk = try key.publicJWK(kid: "https://v.vault.azure.net/keys/k/0123", keyOps: KeyOperation.supported(by: key.keyType))
            let json = String(decoding: try JSONEncoder().encode(jwk), as: UTF8.self)
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            for field in ["d", "p", "q", "dp", "dq", "qi", "k"] { #expect(object[field] == nil, "\(field) in \(json)") }
            #expect(!json.contains("="), "base64url must be unpadded")
            #expect(object["key_ops"] as? [String] == KeyOperation.supported(by: key.keyType).map(\.rawValue))
            #expect(object["kty"] as? String == key.keyType.rawValue)
        }
        #expect(KeyCryptoFixtures.rsa2048.description.contains("redacted"))
    }

    @Test("the public PEM is SubjectPublicKeyInfo and round-trips")
    func publicPEM() throws {
        let pem = try KeyCryptoFixtures.rsa2048.publicPEM()
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        #expect(try PublicKey(pem: pem).publicJWK() == (try KeyCryptoFixtures.rsa2048.publicJWK()))
    }

    // MARK: Refusals

    @Test("an algorithm must fit the key type and curve")
    func wrongAlgorithm() throws {
        let rsa = KeyCryptoFixtures.rsa2048, p256 = KeyCryptoFixtures.ec[.p256]!, p384 = KeyCryptoFixtures.ec[.p384]!
        let d32 = try SecureRandom.bytes(32)
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try rsa.sign(digest: d32, algorithm: .es256) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p256.sign(digest: d32, algorithm: .rs256) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p384.sign(digest: d32, algorithm: .es256) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p256.sign(digest: d32, algorithm: .es256k) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p384.verify(signature: [UInt8](repeating: 1, count: 96), digest: d32, algorithm: .es256) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p256.encrypt([1, 2, 3], algorithm: .rsaOAEP256) }
        #expect(throws: KeyCryptoError(.algorithmMismatch, "")) { try p256.decrypt([1, 2, 3], algorithm: .rsaOAEP256) }
        do {
            _ = try p384.sign(digest: d32, algorithm: .es256)
        } catch let error as KeyCryptoError {
            #expect(error.message.contains("ES384"), "the message suggests the right algorithm: \(error.message)")
        }
    }

    @Test("a digest of the wrong length is an error, for sign and verify", arguments: SignatureAlgorithm.allCases)
    func wrongDigestLength(algorithm: SignatureAlgorithm) throws {
        let key = KeyCryptoFixtures.key(for: algorithm)
        let good = try SecureRandom.bytes(algorithm.digestLength)
        let signature = try key.sign(digest: good, algorithm: algorithm)
        for length in [0, 20, algorithm.digestLength - 1, algorithm.digestLength + 1, 1000] {
            let digest = [UInt8](repeating: 7, count: length)
            #expect(throws: KeyCryptoError(.invalidDigest, "")) { try key.sign(digest: digest, algorithm: algorithm) }
            #expect(throws: KeyCryptoError(.invalidDigest, "")) { try key.publicKey.verify(signature: signature, digest: digest, algorithm: algorithm) }
        }
    }

    @Test("bad signatures are false, not errors", arguments: SignatureAlgorithm.allCases)
    func badSignatures(algorithm: SignatureAlgorithm) throws {
        let key = KeyCryptoFixtures.key(for: algorithm)
        let digest = try SecureRandom.bytes(algorithm.digestLength)
        let signature = try key.sign(digest: digest, algorithm: algorithm)
        var flipped = signature
        flipped[flipped.count / 2] ^= 0x04
        #expect(try !key.verify(signature: flipped, digest: digest, algorithm: algorithm))
        #expect(try !key.verify(signature: Array(signature.dropLast()), digest: digest, algorithm: algorithm))
        #expect(try !key.verify(signature: signature + [0], digest: digest, algorithm: algorithm))
        #expect(try !key.verify(signature: [], digest: digest, algorithm: algorithm))
        #expect(try !key.verify(signature: [UInt8](repeating: 0, count: signature.count), digest: digest, algorithm: algorithm))
        if let curve = algorithm.curve {
            // kvfs's own signature in DER form is refused where raw r‖s is expected.
            let der = try ECDSASignature.der(fromRaw: signature, coordinateSize: curve.coordinateSize)!
            #expect(try !key.verify(signature: der, digest: digest, algorithm: algorithm))
        }
        // RS and PS are not interchangeable.
        if algorithm == .rs256 { #expect(try !key.verify(signature: signature, digest: digest, algorithm: .ps256)) }
    }

    @Test("RSA input limits are enforced with a clear error")
    func inputLimits() throws {
        let key = KeyCryptoFixtures.rsa2048
        for (algorithm, limit) in [(EncryptionAlgorithm.rsa1_5, 245), (.rsaOAEP, 214), (.rsaOAEP256, 190)] {
            #expect(algorithm.maxPlaintextLength(modulusBytes: 256) == limit)
            _ = try key.encrypt([UInt8](repeating: 1, count: limit), algorithm: algorithm)
            #expect(throws: KeyCryptoError(.inputTooLong, "")) { try key.encrypt([UInt8](repeating: 1, count: limit + 1), algorithm: algorithm) }
        }
    }

    @Test("every decryption failure has one generic message", arguments: EncryptionAlgorithm.allCases)
    func decryptFailures(algorithm: EncryptionAlgorithm) throws {
        let key = KeyCryptoFixtures.rsa2048
        let ciphertext = try key.encrypt(Array("a data key".utf8), algorithm: algorithm)
        var tampered = ciphertext
        tampered[10] ^= 0x01
        let other = EncryptionAlgorithm.allCases.first { $0 != algorithm }!
        let otherKey = try PrivateKey.generate(rsa: 2048)
        let attempts: [() throws -> SecureBytes] = [
            { try key.decrypt(tampered, algorithm: algorithm) },
            { try key.decrypt(Array(ciphertext.dropFirst()), algorithm: algorithm) },
            { try key.decrypt([], algorithm: algorithm) },
            { try key.decrypt(ciphertext, algorithm: other) },
            { try otherKey.decrypt(ciphertext, algorithm: algorithm) },
        ]
        for attempt in attempts {
            do {
                let plain = try attempt()
                // PKCS#1 v1.5 may, rarely, unpad garbage successfully; it must not be the plaintext.
                #expect(algorithm == .rsa1_5 || other == .rsa1_5)
                #expect(plain.bytes != Array("a data key".utf8))
            } catch let error as KeyCryptoError {
                #expect(error.code == .decryptionFailed)
                #expect(error.message == KeyCryptoError.decryptionFailedMessage)
                #expect(error.cause == nil)
            }
        }
        #expect(try key.decrypt(ciphertext, algorithm: algorithm).bytes == Array("a data key".utf8))
    }

    @Test("a JWK whose private parts belong to another key is rejected")
    func mismatchedJWK() throws {
        let tool = try OpenSSLTool()
        try tool.ok(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "a.pem"])
        try tool.ok(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "b.pem"])
        let a = try tool.keyFields("a.pem"), b = try tool.keyFields("b.pem")
        func jwk(_ pub: [String: [UInt8]], _ priv: [String: [UInt8]], dFrom: [String: [UInt8]]? = nil) throws -> PrivateJWK {
            let s = { (f: [String: [UInt8]], name: String) in SecureBytes(f[name]!.drop { $0 == 0 }) }
            return PrivateJWK(kty: "RSA", n: Base64URL.encode(pub["modulus"]!.drop { $0 == 0 }), e: "AQAB",
                              d: s(dFrom ?? priv, "privateExponent"), p: s(priv, "prime1"), q: s(priv, "prime2"),
                              dp: s(priv, "exponent1"), dq: s(priv, "exponent2"), qi: s(priv, "coefficient"))
        }
        _ = try PrivateKey(jwk: jwk(a, a))
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(jwk: jwk(a, b)) }
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(jwk: jwk(a, a, dFrom: b)) }
        var missing = try jwk(a, a)
        missing.qi = nil
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(jwk: missing) }

        // EC: d from another key on the same curve.
        let k1 = try PrivateKey.generate(curve: .p256).publicJWK()
        try tool.ok(KeyCryptoFixtures.opensslGenpkeyArgs(curve: .p256) + ["-out", "c.pem"])
        let c = try tool.keyFields("c.pem")
        let ec = PrivateJWK(kty: "EC", d: SecureBytes(c["priv"]!), crv: "P-256", x: k1.x, y: k1.y)
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(jwk: ec) }
        // A point that is not on the curve.
        let offCurve = PublicJWK(kty: "EC", crv: .p256, x: k1.x, y: Base64URL.encode([UInt8](repeating: 0x11, count: 32)))
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PublicKey(jwk: offCurve) }
        // Coordinates of the wrong size.
        let short = PublicJWK(kty: "EC", crv: .p384, x: k1.x, y: k1.y)
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PublicKey(jwk: short) }
    }

    @Test("malformed, encrypted and unsupported PEMs are rejected")
    func malformedPEM() throws {
        let tool = try OpenSSLTool()
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(pkcs8PEM: "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n") }
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(pkcs8PEM: "") }
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PublicKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") }
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PublicKey(pem: try KeyCryptoFixtures.rsa2048.publicPEM().replacingOccurrences(of: "PUBLIC", with: "PRIVATE")) }
        // A truncated body.
        var lines = try KeyCryptoFixtures.rsa2048.publicPEM().split(separator: "\n")
        lines.remove(at: 3)
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PublicKey(pem: lines.joined(separator: "\n") + "\n") }
        // Encrypted PKCS#8 is refused without prompting for a passphrase.
        try tool.ok(KeyCryptoFixtures.opensslGenpkeyArgs(curve: .p256) + ["-aes256", "-pass", "pass:x", "-out", "enc.pem"])
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(pkcs8PEM: String(decoding: try tool.read("enc.pem"), as: UTF8.self)) }
        // Ed25519 and P-224 are well-formed but unsupported.
        try tool.ok(["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"])
        #expect(throws: KeyCryptoError(.unsupportedKey, "")) { try PrivateKey(pkcs8PEM: String(decoding: try tool.read("ed.pem"), as: UTF8.self)) }
        try tool.ok(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp224r1", "-out", "p224.pem"])
        #expect(throws: KeyCryptoError(.unsupportedKey, "")) { try PrivateKey(pkcs8PEM: String(decoding: try tool.read("p224.pem"), as: UTF8.self)) }
        // Garbage DER.
        #expect(throws: KeyCryptoError(.invalidKey, "")) { try PrivateKey(privateDER: SecureBytes([0x30, 0x03, 0x02, 0x01, 0x00])) }
    }

    // MARK: Names and encodings

    @Test("Azure spellings parse, with HSM aliases reported")
    func names() throws {
        #expect(try KeyType.parse("RSA") == (.rsa, false))
        #expect(try KeyType.parse("RSA-HSM") == (.rsa, true))
        #expect(try KeyType.parse("EC-HSM") == (.ec, true))
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try KeyType.parse("oct") }
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try KeyType.parse("rsa") }
        #expect(try EllipticCurve.parse("P-256K") == .p256k)
        #expect(try SignatureAlgorithm.parse("ES256K") == .es256k)
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try SignatureAlgorithm.parse("RSNULL") }
        #expect(try EncryptionAlgorithm.parse("RSA-OAEP-256") == .rsaOAEP256)
        #expect(throws: KeyCryptoError(.invalidArgument, "")) { try EncryptionAlgorithm.parse("A256GCM") }
        #expect(try KeyOperation.parse("wrapKey") == .wrapKey)
        #expect(try KeyOperation.parse("unwrapkey") == .unwrapKey)
        #expect(try KeyOperation.parse("import") == .import)
        #expect(try JSONDecoder().decode([KeyOperation].self, from: Data(#"["export","sign"]"#.utf8)) == [.export, .sign])
        #expect(KeyOperation.supported(by: .ec) == [.sign, .verify])
        #expect(KeyOperation.supported(by: .rsa) == [.encrypt, .decrypt, .sign, .verify, .wrapKey, .unwrapKey])
        #expect(!KeyOperation.export.supported(by: .rsa))
    }

    @Test("base64url encodes without padding and decodes strictly")
    func base64url() throws {
        let cases: [([UInt8], String)] = [([], ""), ([0xff], "_w"), ([0xfb, 0xff], "-_8"), ([1, 0, 1], "AQAB"), (Array("hello?>".utf8), "aGVsbG8_Pg")]
        for (bytes, text) in cases {
            #expect(Base64URL.encode(bytes) == text)
            #expect(try Base64URL.decode(text) == bytes)
            #expect(try Base64URL.decodeSecure(text).bytes == bytes)
        }
        #expect(try Base64URL.decode("_w==") == [0xff])
        #expect(try Base64URL.decode("-_8=") == [0xfb, 0xff])
        for bad in ["_w=", "A", "AQAB=", "a+b/", "aGVs bG8", "aGVs\nbG8", "_x", "=AQAB", "AQ=B", "é"] {
            #expect(throws: KeyCryptoError(.invalidArgument, ""), "\(bad)") { try Base64URL.decode(bad) }
        }
        let random = try SecureRandom.bytes(1000)
        for length in 0..<40 { #expect(try Base64URL.decode(Base64URL.encode(random.prefix(length))) == Array(random.prefix(length))) }
    }

    @Test("a private JWK decodes its private parts into SecureBytes and never shows them")
    func privateJWKDescription() throws {
        let json = #"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"c2VjcmV0"}"#
        let jwk = try JSONDecoder().decode(PrivateJWK.self, from: Data(json.utf8))
        #expect(jwk.d?.bytes == Array("secret".utf8))
        #expect(!"\(jwk)".contains("secret") && !"\(jwk)".contains("c2VjcmV0"))
        // A component that is not base64url makes the document malformed, as any other bad field does.
        let error = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(PrivateJWK.self, from: Data(#"{"kty":"EC","d":"c2Vj*mV0"}"#.utf8))
        }
        #expect(!"\(String(describing: error))".contains("c2Vj"))
    }
}
