import Foundation
import Testing
@testable import VaultEngine

@Suite("Key engine: cryptographic operations and their refusals")
struct KeyEngineOperationTests {
    /// One request of each operation against key `k` (RSA), with the inputs each needs made by the admin.
    static func requests(_ f: KeyEngineFixture, version: String? = nil) throws -> [KeyOperation: () throws -> KeyOperationResult] {
        let digest = [UInt8](repeating: 3, count: 32)
        let signature = try f.engine.keys.sign(vault: f.vault, name: "k", version: version, algorithm: .rs256, digest: digest, as: f.admin).bytes!
        let ciphertext = try f.engine.keys.encrypt(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: f.admin).bytes!
        let wrapped = try f.engine.keys.wrapKey(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, key: SecureBytes([2]), as: f.admin).bytes!
        return [
            .sign: { try f.engine.keys.sign(vault: f.vault, name: "k", version: version, algorithm: .rs256, digest: digest, as: f.admin) },
            .verify: { try f.engine.keys.verify(vault: f.vault, name: "k", version: version, algorithm: .rs256, digest: digest, signature: signature, as: f.admin) },
            .encrypt: { try f.engine.keys.encrypt(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: f.admin) },
            .decrypt: { try f.engine.keys.decrypt(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, ciphertext: ciphertext, as: f.admin) },
            .wrapKey: { try f.engine.keys.wrapKey(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, key: SecureBytes([2]), as: f.admin) },
            .unwrapKey: { try f.engine.keys.unwrapKey(vault: f.vault, name: "k", version: version, algorithm: .rsaOAEP256, wrappedKey: wrapped, as: f.admin) },
        ]
    }

    @Test("key_ops restricts operations: KeyOperationForbidden for the rest", arguments: KeyOperation.cryptographic)
    func keyOpsRestriction(allowed: KeyOperation) throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let calls = try Self.requests(f)
        try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(keyOps: [allowed]), as: f.admin)
        for op in KeyOperation.cryptographic {
            let error = vaultError { _ = try calls[op]!() }
            if op == allowed {
                #expect(error == nil, "\(op) is in key_ops")
            } else {
                #expect(error?.code == .forbidden, "\(op)")
                #expect(error?.azureCode == "KeyOperationForbidden", "\(op)")
            }
        }
        // An empty key_ops (or only import/export) permits nothing.
        try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(keyOps: [.export]), as: f.admin)
        #expect(vaultError { _ = try calls[allowed]!() }?.azureCode == "KeyOperationForbidden")
    }

    @Test("a disabled key refuses every operation (KeyDisabled) but its public JWK stays readable")
    func disabled() throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let calls = try Self.requests(f)
        try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(attributes: AttributeUpdate(enabled: false)), as: f.admin)
        for op in KeyOperation.cryptographic {
            let error = vaultError { _ = try calls[op]!() }
            #expect(error?.code == .forbidden && error?.azureCode == "KeyDisabled", "\(op)")
        }
        #expect(try !f.engine.keys.get(vault: f.vault, name: "k", as: f.admin).properties.enabled)
        try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(attributes: AttributeUpdate(enabled: true)), as: f.admin)
        for op in KeyOperation.cryptographic { #expect(vaultError { _ = try calls[op]!() } == nil, "\(op)") }
    }

    @Test("outside nbf/exp, sign/encrypt/wrapKey are refused while verify/decrypt/unwrapKey still work")
    func dateRules() throws {
        let f = try KeyEngineFixture()
        let now = f.clock.now()
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let calls = try Self.requests(f)
        let controlled: Set<KeyOperation> = [.sign, .encrypt, .wrapKey]

        try f.engine.keys.update(vault: f.vault, name: "k", KeyUpdate(attributes: AttributeUpdate(notBefore: .some(now + 3600), expires: .some(now + 7200))), as: f.admin)
        for op in KeyOperation.cryptographic {
            let error = vaultError { _ = try calls[op]!() }
            if controlled.contains(op) {
                #expect(error?.code == .forbidden && error?.azureCode == "KeyNotYetValid", "\(op) before nbf")
            } else {
                #expect(error == nil, "\(op) before nbf")
            }
        }
        f.clock.advance(by: 3600)   // exactly nbf: valid
        for op in KeyOperation.cryptographic { #expect(vaultError { _ = try calls[op]!() } == nil, "\(op) at nbf") }
        f.clock.advance(by: 3600)   // exactly exp: expired
        for op in KeyOperation.cryptographic {
            let error = vaultError { _ = try calls[op]!() }
            if controlled.contains(op) {
                #expect(error?.code == .forbidden && error?.azureCode == "KeyExpired", "\(op) after exp")
            } else {
                #expect(error == nil, "\(op) after exp")
            }
        }
    }

    @Test("algorithms that do not fit the key, bad digests and oversize inputs are invalidArgument")
    func algorithmFit() throws {
        let f = try KeyEngineFixture()
        try f.engine.keys.create(vault: f.vault, name: "ec", KeyCreateOptions(.ec(.p384)), as: f.admin)
        try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let d32 = [UInt8](repeating: 1, count: 32), d48 = [UInt8](repeating: 1, count: 48)
        let cases: [(String, () throws -> Void)] = [
            ("ES256 on P-384", { _ = try f.engine.keys.sign(vault: f.vault, name: "ec", algorithm: .es256, digest: d32, as: f.admin) }),
            ("RS256 on EC", { _ = try f.engine.keys.sign(vault: f.vault, name: "ec", algorithm: .rs256, digest: d32, as: f.admin) }),
            ("ES384 on RSA", { _ = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: .es384, digest: d48, as: f.admin) }),
            ("RS256 with 48-byte digest", { _ = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: .rs256, digest: d48, as: f.admin) }),
            ("verify digest length", { _ = try f.engine.keys.verify(vault: f.vault, name: "ec", algorithm: .es384, digest: d32, signature: [1], as: f.admin) }),
            ("unknown alg", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .sign, alg: "RSNULL", value: d32), vault: f.vault, name: "k", as: f.admin) }),
            ("enc alg for sign", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .sign, alg: "RSA-OAEP", value: d32), vault: f.vault, name: "k", as: f.admin) }),
            ("AES alg", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .encrypt, alg: "A256GCM", value: d32), vault: f.vault, name: "k", as: f.admin) }),
            ("encrypt on EC", { _ = try f.engine.keys.encrypt(vault: f.vault, name: "ec", algorithm: .rsaOAEP256, plaintext: SecureBytes([1]), as: f.admin) }),
            ("plaintext too long", { _ = try f.engine.keys.encrypt(vault: f.vault, name: "k", algorithm: .rsaOAEP256, plaintext: SecureBytes([UInt8](repeating: 0, count: 191)), as: f.admin) }),
            ("garbage ciphertext", { _ = try f.engine.keys.decrypt(vault: f.vault, name: "k", algorithm: .rsaOAEP256, ciphertext: [UInt8](repeating: 5, count: 256), as: f.admin) }),
            ("short ciphertext", { _ = try f.engine.keys.unwrapKey(vault: f.vault, name: "k", algorithm: .rsa1_5, wrappedKey: [1, 2, 3], as: f.admin) }),
            ("import op", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .import, alg: "RS256", value: d32), vault: f.vault, name: "k", as: f.admin) }),
            ("verify without digest", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .verify, alg: "RS256", value: d32), vault: f.vault, name: "k", as: f.admin) }),
            ("sign with digest field", { _ = try f.engine.keys.perform(KeyOperationRequest(op: .sign, alg: "RS256", value: d32, digest: d32), vault: f.vault, name: "k", as: f.admin) }),
        ]
        for (label, body) in cases {
            let error = vaultError(of: body)
            #expect(error?.code == .invalidArgument, "\(label): \(String(describing: error))")
            #expect(error?.azureCode == "BadParameter", "\(label)")
        }
        // A wrong signature is a false verdict, not an error.
        let verdict = try f.engine.keys.verify(vault: f.vault, name: "ec", algorithm: .es384, digest: d48, signature: [UInt8](repeating: 1, count: 96), as: f.admin)
        #expect(verdict.isValid == false)
        #expect(vaultError { _ = try f.engine.keys.sign(vault: f.vault, name: "k", version: String(repeating: "0", count: 32), algorithm: .rs256, digest: d32, as: f.admin) }?.code == .notFound)
    }

    @Test("openssl verifies signatures made through the engine", arguments: SignatureAlgorithm.allCases)
    func opensslVerifies(algorithm: SignatureAlgorithm) throws {
        let f = try KeyEngineFixture()
        let spec: KeySpec = algorithm.curve.map { .ec($0) } ?? .rsa(bits: 2048)
        let bundle = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(spec), as: f.admin)
        let tool = try OpenSSLTool()
        _ = try tool.write("message.txt", "hello from kvfs")
        try tool.ok(["dgst", "-sha\(algorithm.digestLength * 8)", "-binary", "-out", "digest.bin", "message.txt"])
        let digest = try tool.read("digest.bin")
        let result = try f.engine.keys.sign(vault: f.vault, name: "k", algorithm: algorithm, digest: digest, as: f.admin)
        #expect(result.kid == bundle.kid)
        let signature = result.bytes!
        let sigFile = algorithm.curve == nil ? try tool.write("sig.bin", signature) : try tool.derSignatureFile(fromRaw: signature, name: "sig.der")
        _ = try tool.write("pub.pem", bundle.publicKeyPEM)
        let output = try tool.ok(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", sigFile]
                                 + KeyCryptoFixtures.pkeyopts(algorithm))
        #expect(output.contains("Signature Verified Successfully"))
        #expect(try f.engine.keys.verify(vault: f.vault, name: "k", algorithm: algorithm, digest: digest, signature: signature, as: f.admin).isValid == true)
    }

    @Test("openssl decrypts what the engine encrypts, and the engine unwraps what openssl wraps", arguments: EncryptionAlgorithm.allCases)
    func opensslEncryption(algorithm: EncryptionAlgorithm) throws {
        let f = try KeyEngineFixture()
        let bundle = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.rsa()), as: f.admin)
        let tool = try OpenSSLTool()
        _ = try tool.write("pub.pem", bundle.publicKeyPEM)
        let options: [String] = switch algorithm {
        case .rsa1_5: ["-pkeyopt", "rsa_padding_mode:pkcs1"]
        case .rsaOAEP: ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1", "-pkeyopt", "rsa_mgf1_md:sha1"]
        case .rsaOAEP256: ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"]
        }
        let cek = try SecureRandom.bytes(32)
        _ = try tool.write("cek.bin", cek)
        try tool.ok(["pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "cek.bin", "-out", "wrapped.bin"] + options)
        let unwrapped = try f.engine.keys.unwrapKey(vault: f.vault, name: "k", algorithm: algorithm, wrappedKey: try tool.read("wrapped.bin"), as: f.admin)
        #expect(unwrapped.bytes == cek)
    }

    @Test("a batch answers each request with its result or error; JSON uses Azure's field names")
    func batch() throws {
        let f = try KeyEngineFixture()
        let bundle = try f.engine.keys.create(vault: f.vault, name: "k", KeyCreateOptions(.ec(.p256)), as: f.admin)
        let digest = Base64URL.encode([UInt8](repeating: 4, count: 32))
        let json = #"[{"op":"sign","alg":"ES256","value":"\#(digest)"},{"op":"encrypt","alg":"RSA-OAEP","value":"AQ"},{"op":"sign","alg":"ES256","value":"AQ"}]"#
        let requests = try JSONDecoder().decode([KeyOperationRequest].self, from: Data(json.utf8))
        let responses = f.engine.keys.perform(requests, vault: f.vault, name: "k", as: f.admin)
        #expect(responses.count == 3)
        let signature = try responses[0].result.get()
        #expect(signature.kid == bundle.kid && signature.bytes?.count == 64)
        #expect(throws: VaultError(.invalidArgument, "")) { try responses[1].result.get() }
        #expect(throws: VaultError(.invalidArgument, "")) { try responses[2].result.get() }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(responses), as: UTF8.self)
        #expect(text.hasPrefix(#"[{"kid":"\#(bundle.kid)","value":""#))
        #expect(text.contains(#"{"error":{"code":"BadParameter","message":"#))

        // Verify through a request: {"value": true}.
        let verify = #"{"op":"verify","alg":"ES256","digest":"\#(digest)","value":"\#(Base64URL.encode(signature.bytes!))"}"#
        let request = try JSONDecoder().decode(KeyOperationRequest.self, from: Data(verify.utf8))
        let verdict = try f.engine.keys.perform(request, vault: f.vault, name: "k", as: f.admin)
        #expect(String(decoding: try encoder.encode(verdict), as: UTF8.self) == #"{"kid":"\#(bundle.kid)","value":true}"#)
        let decoded = try JSONDecoder().decode(KeyOperationResult.self, from: try encoder.encode(verdict))
        #expect(decoded.isValid == true)
        let roundTrip = try JSONDecoder().decode(KeyOperationRequest.self, from: try encoder.encode(request))
        #expect(roundTrip.value.bytes == request.value.bytes && roundTrip.digest == request.digest && roundTrip.op == .verify)
    }

    @Test("malformed request JSON fails to decode", arguments: [
        #"{"op":"import","alg":"RS256","value":"AQ"}"#,
        #"{"op":"Sign","alg":"RS256","value":"AQ"}"#,
        #"{"op":"sign","value":"AQ"}"#,
        #"{"op":"sign","alg":"RS256"}"#,
        #"{"op":"sign","alg":"RS256","value":"A+/="}"#,
        #"{"op":"verify","alg":"RS256","value":"AQ","digest":"*"}"#,
    ])
    func malformedRequests(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(KeyOperationRequest.self, from: Data(json.utf8)) }
    }
}
