import Foundation
import Testing
@testable import VaultEngine

/// Runs a tool, returning its exit status and standard output.
@discardableResult
func runTool(_ path: String, _ arguments: [String], input: [UInt8] = [], in directory: String? = nil) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    stdin.fileHandleForWriting.write(Data(input))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

let openssl = "/usr/bin/openssl"

/// A scratch directory removed with the value.
final class Scratch {
    let path = NSTemporaryDirectory() + "kvfs-cert-\(UUID().uuidString)"
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))) }
}

func policy(_ subject: String = "CN=app.example.com", issuer: String = "Self", keyType: String = "RSA", curve: String? = nil,
            contentType: String = CertificatePolicy.pemContentType, exportable: Bool = true, reuseKey: Bool = false,
            months: Int = 12, actions: [CertificatePolicy.LifetimeAction] = []) -> CertificatePolicy {
    CertificatePolicy(issuerParameters: .init(name: issuer),
                      keyProperties: .init(keyType: keyType, keySize: keyType == "RSA" ? 2048 : nil, curve: curve, exportable: exportable, reuseKey: reuseKey),
                      secretProperties: .init(contentType: contentType),
                      x509CertificateProperties: .init(subject: subject,
                                                       subjectAlternativeNames: SubjectAlternativeNames(dnsNames: ["app.example.com", "localhost"],
                                                                                                        emails: ["ops@example.com"], upns: ["svc@example.com"]),
                                                       keyUsage: [.digitalSignature, .keyEncipherment], ekus: ["1.3.6.1.5.5.7.3.1"],
                                                       validityInMonths: months),
                      lifetimeActions: actions)
}

@Suite("Certificate engine")
struct CertificateEngineTests {
    @Test("a self-signed certificate: X.509 from the policy, managed key and secret, openssl reads both")
    func selfSigned() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let op = try e.certificates.create(vault: v, name: "web", policy: policy(), as: f.admin)
        #expect(op.status == "completed")
        let bundle = try e.certificates.get(vault: v, name: "web", as: f.admin)
        #expect(bundle.subject == "CN=app.example.com")
        #expect(bundle.properties.notBefore == f.clock.now())
        #expect(bundle.kid == "https://\(v).kvfs.localhost/keys/web/\(bundle.properties.version)")
        #expect(bundle.x5t.count == 27)
        let scratch = try Scratch()
        let cer = try scratch.write("cert.cer", bundle.cer)
        let (status, text) = try runTool(openssl, ["x509", "-inform", "DER", "-in", cer, "-noout", "-subject", "-ext", "subjectAltName,keyUsage,extendedKeyUsage"])
        #expect(status == 0)
        #expect(text.contains("CN = app.example.com") || text.contains("CN=app.example.com"))
        #expect(text.contains("DNS:localhost") && text.contains("email:ops@example.com") && text.contains("UPN"))
        #expect(text.contains("Digital Signature, Key Encipherment") && text.contains("TLS Web Server Authentication"))

        // The managed secret: PKCS#8 key then the certificate; openssl agrees they belong together.
        let secret = try e.secrets.get(vault: v, name: "web", as: f.admin)
        #expect(secret.properties.managed && secret.properties.contentType == CertificatePolicy.pemContentType)
        let pem = try scratch.write("web.pem", secret.value.bytes)
        let text2 = String(decoding: secret.value.bytes, as: UTF8.self)
        #expect(text2.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let (s1, modulusCert) = try runTool(openssl, ["x509", "-in", pem, "-noout", "-modulus"])
        let (s2, modulusKey) = try runTool(openssl, ["rsa", "-in", pem, "-noout", "-modulus"])
        #expect(s1 == 0 && s2 == 0 && modulusCert == modulusKey)

        // The managed key is a normal key version: it signs, and the certificate's public key verifies.
        let key = try e.keys.get(vault: v, name: "web", as: f.admin)
        #expect(key.properties.managed)
        #expect(Set(key.keyOps) == [.sign, .verify, .wrapKey, .unwrapKey])
        let digest = [UInt8](repeating: 7, count: 32)
        let signature = try e.keys.sign(vault: v, name: "web", algorithm: .rs256, digest: digest, as: f.admin)
        let verdict = try e.keys.verify(vault: v, name: "web", algorithm: .rs256, digest: digest, signature: try #require(signature.bytes), as: f.admin)
        #expect(verdict.isValid == true)
        #expect(code { try e.keys.encrypt(vault: v, name: "web", algorithm: .rsaOAEP256, plaintext: SecureBytes([1, 2]), as: f.admin) } == .forbidden)
    }

    @Test("PKCS#12 secrets: base64 PFX with the key only when exportable; openssl pkcs12 opens it")
    func pkcs12Secret() throws {
        let f = try KeyEngineFixture()
        let scratch = try Scratch()
        for exportable in [true, false] {
            let name = exportable ? "pfx" : "locked"
            try f.engine.certificates.create(vault: f.vault, name: name, policy: policy(keyType: "EC", curve: "P-256",
                                                                                  contentType: CertificatePolicy.pkcs12ContentType,
                                                                                  exportable: exportable), as: f.admin)
            let secret = try f.engine.secrets.get(vault: f.vault, name: name, as: f.admin)
            let der = try #require(Data(base64Encoded: Data(secret.value.bytes)))
            let file = try scratch.write("\(name).pfx", [UInt8](der))
            let (status, out) = try runTool(openssl, ["pkcs12", "-in", file, "-passin", "pass:", "-nodes"])
            #expect(status == 0)
            #expect(out.contains("BEGIN CERTIFICATE"))
            #expect(out.contains("PRIVATE KEY") == exportable)
        }
    }

    @Test("Unknown issuer: pending with a CSR until the CA-signed chain is merged")
    func pendingAndMerge() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let op = try e.certificates.create(vault: v, name: "ext", policy: policy(issuer: "Unknown"), as: f.admin)
        #expect(op.status == "inProgress")
        #expect(code { _ = try e.keys.get(vault: v, name: "ext", as: f.admin) } == .notFound)
        #expect(code { try e.certificates.create(vault: v, name: "ext", as: f.admin) } == .conflict)
        let pending = try e.certificates.pendingOperation(vault: v, name: "ext", as: f.admin)
        let scratch = try Scratch()
        let csrText = try #require(pending.csr)
        let csrDER = try #require(Data(base64Encoded: csrText))
        let csr = try scratch.write("req.der", [UInt8](csrDER))
        try runTool(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                              "-out", "ca.pem", "-subj", "/CN=Test CA", "-days", "30"], in: scratch.path)
        let (signed, _) = try runTool(openssl, ["x509", "-req", "-inform", "DER", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key",
                                                "-CAcreateserial", "-days", "20", "-copy_extensions", "copy", "-out", "leaf.pem"], in: scratch.path)
        #expect(signed == 0)
        let chain = String(decoding: try scratch.read("leaf.pem") + scratch.read("ca.pem"), as: UTF8.self)
        // A certificate for another key is refused.
        #expect(code { try e.certificates.merge(vault: v, name: "ext", pemChain: String(decoding: try scratch.read("ca.pem"), as: UTF8.self), as: f.admin) } == .invalidArgument)
        let merged = try e.certificates.merge(vault: v, name: "ext", pemChain: chain, as: f.admin)
        #expect(merged.isCompleted && merged.issuer == "CN=Test CA" && merged.chain.count == 1)
        let secret = String(decoding: try e.secrets.get(vault: v, name: "ext", as: f.admin).value.bytes, as: UTF8.self)
        #expect(secret.components(separatedBy: "BEGIN CERTIFICATE").count == 3)
        let file = try scratch.write("full.pem", Array(secret.utf8))
        let (verified, _) = try runTool(openssl, ["verify", "-CAfile", scratch.path + "/ca.pem", file])
        #expect(verified == 0)
        #expect(code { _ = try e.certificates.pendingOperation(vault: v, name: "ext", as: f.admin) } == .notFound)
    }

    @Test("import PEM and PFX: the leaf is the key's certificate, a policy is derived")
    func importFormats() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let scratch = try Scratch()
        try runTool(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", "/CN=imported/O=Acme",
                              "-addext", "subjectAltName=DNS:imported.example", "-days", "40"], in: scratch.path)
        let pem = try scratch.read("c.pem") + scratch.read("k.pem")
        let fromPEM = try e.certificates.import(vault: v, name: "pem", CertificateImport(value: SecureBytes(pem)), as: f.admin)
        #expect(fromPEM.subject == "CN=imported, O=Acme")
        #expect(fromPEM.policy.x509CertificateProperties.subjectAlternativeNames?.dnsNames == ["imported.example"])
        #expect(fromPEM.policy.secretProperties.contentType == CertificatePolicy.pemContentType)
        #expect(fromPEM.policy.issuerParameters.name == "Self")
        try runTool(openssl, ["pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-passout", "pass:hunter2", "-out", "b.pfx"], in: scratch.path)
        let pfx = try scratch.read("b.pfx")
        #expect(code { try e.certificates.import(vault: v, name: "pfx", CertificateImport(value: SecureBytes(pfx), password: "wrong"), as: f.admin) } == .invalidArgument)
        let fromPFX = try e.certificates.import(vault: v, name: "pfx", CertificateImport(value: SecureBytes(pfx), password: "hunter2"), as: f.admin)
        #expect(fromPFX.x5t == fromPEM.x5t)
        #expect(fromPFX.policy.secretProperties.contentType == CertificatePolicy.pkcs12ContentType)
        // A key without its certificate is refused, and nothing is stored.
        #expect(code { try e.certificates.import(vault: v, name: "bad", CertificateImport(value: SecureBytes(try scratch.read("k.pem"))), as: f.admin) } == .invalidArgument)
        #expect(code { _ = try e.certificates.get(vault: v, name: "bad", as: f.admin) } == .notFound)
    }

    @Test("a name held by a key or secret is a 409 Conflict; managed objects refuse writes and deletes")
    func namesAndManagedObjects() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.secrets.set(vault: v, name: "taken", value: [1], as: f.admin)
        try e.keys.create(vault: v, name: "taken-key", KeyCreateOptions(.ec(.p256)), as: f.admin)
        #expect(code { try e.certificates.create(vault: v, name: "taken", policy: policy(), as: f.admin) } == .conflict)
        #expect(code { try e.certificates.create(vault: v, name: "TAKEN-KEY", policy: policy(), as: f.admin) } == .conflict)
        try e.certificates.create(vault: v, name: "c", policy: policy(), as: f.admin)
        #expect(code { try e.secrets.set(vault: v, name: "c", value: [1], as: f.admin) } == .forbidden)
        #expect(code { try e.objects(.secret).delete(vault: v, name: "c", as: f.admin) } == .forbidden)
        #expect(code { try e.objects(.key).delete(vault: v, name: "c", as: f.admin) } == .forbidden)
        #expect(code { try e.keys.rotate(vault: v, name: "c", as: f.admin) } == .forbidden)
        #expect(code { try e.objects(.secret).update(vault: v, name: "c", AttributeUpdate(enabled: false), as: f.admin) } == .forbidden)
    }

    @Test("delete, recover and purge carry the managed key and secret along")
    func lifecycleCascade() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "c", policy: policy(), as: f.admin)
        try e.objects(.certificate).delete(vault: v, name: "c", as: f.admin)
        for kind in ObjectKind.allCases {
            #expect(try e.objects(kind).deleted(vault: v, name: "c", as: f.admin).properties.name == "c")
        }
        #expect(code { _ = try e.secrets.get(vault: v, name: "c", as: f.admin) } == .notFound)
        #expect(code { try e.objects(.key).recover(vault: v, name: "c", as: f.admin) } == .forbidden)
        #expect(code { try e.objects(.secret).purge(vault: v, name: "c", as: f.admin) } == .forbidden)
        try e.objects(.certificate).recover(vault: v, name: "c", as: f.admin)
        #expect(try e.secrets.get(vault: v, name: "c", as: f.admin).properties.managed)
        _ = try e.keys.get(vault: v, name: "c", as: f.admin)
        try e.objects(.certificate).delete(vault: v, name: "c", as: f.admin)
        try e.objects(.certificate).purge(vault: v, name: "c", as: f.admin)
        for kind in ObjectKind.allCases {
            #expect(code { _ = try e.objects(kind).deleted(vault: v, name: "c", as: f.admin) } == .notFound)
        }
        // The name is free again for a key.
        try e.keys.create(vault: v, name: "c", KeyCreateOptions(.ec(.p256)), as: f.admin)
    }

    @Test("update: enabled carries to the key and secret; nbf/exp are the X.509's; policy replace")
    func updates() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "c", policy: policy(), as: f.admin)
        try e.certificates.update(vault: v, name: "c", CertificateUpdate(attributes: AttributeUpdate(enabled: false, tags: ["env": "prod"])), as: f.admin)
        #expect(code { _ = try e.secrets.get(vault: v, name: "c", as: f.admin) } == .forbidden)
        #expect(code { _ = try e.keys.sign(vault: v, name: "c", algorithm: .rs256, digest: [UInt8](repeating: 1, count: 32), as: f.admin) } == .forbidden)
        #expect(try e.certificates.get(vault: v, name: "c", as: f.admin).properties.tags == ["env": "prod"])
        #expect(code { try e.certificates.update(vault: v, name: "c", CertificateUpdate(attributes: AttributeUpdate(expires: .some(nil))), as: f.admin) } == .invalidArgument)
        var p = try e.certificates.policy(vault: v, name: "c", as: f.admin)
        p.x509CertificateProperties.subject = "CN=renamed"
        try e.certificates.updatePolicy(vault: v, name: "c", p, as: f.admin)
        try e.certificates.create(vault: v, name: "c", as: f.admin)
        let bundle = try e.certificates.get(vault: v, name: "c", as: f.admin)
        #expect(bundle.subject == "CN=renamed")
        #expect(try e.objects(.certificate).versions(vault: v, name: "c", as: f.admin).count == 2)
        #expect(try e.objects(.key).versions(vault: v, name: "c", as: f.admin).count == 2)
        var bad = p
        bad.keyProperties.keyType = "RSA-HSM"
        #expect(code { try e.certificates.updatePolicy(vault: v, name: "c", bad, as: f.admin) } == .invalidArgument)
    }

    @Test("AutoRenew with a manual clock: a new version when the sweep sees the trigger, reusing the key if asked")
    func autoRenew() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let renewAt80 = CertificatePolicy.LifetimeAction(trigger: .init(lifetimePercentage: 80), action: .init(actionType: "AutoRenew"))
        let renew30Days = CertificatePolicy.LifetimeAction(trigger: .init(daysBeforeExpiry: 30), action: .init(actionType: "AutoRenew"))
        try e.certificates.create(vault: v, name: "pct", policy: policy(keyType: "EC", curve: "P-256", months: 10, actions: [renewAt80]), as: f.admin)
        try e.certificates.create(vault: v, name: "days", policy: policy(keyType: "EC", curve: "P-256", reuseKey: true, months: 2, actions: [renew30Days]), as: f.admin)
        let first = try e.certificates.get(vault: v, name: "pct", as: f.admin)
        let firstDays = try e.certificates.get(vault: v, name: "days", as: f.admin)
        f.clock.advance(days: 20)
        #expect(try e.housekeeping.renewDueCertificates().isEmpty)
        f.clock.advance(days: 15)   // 35 days in: the 2-month certificate is within 30 days of its end
        try e.housekeeping.run()
        let renewedDays = try e.certificates.get(vault: v, name: "days", as: f.admin)
        #expect(renewedDays.properties.version != firstDays.properties.version)
        #expect(renewedDays.properties.notBefore == f.clock.now())
        #expect(try e.keys.get(vault: v, name: "days", as: f.admin).key.x == (try e.keys.get(vault: v, name: "days", version: firstDays.properties.version, as: f.admin)).key.x)
        #expect(try e.certificates.get(vault: v, name: "pct", as: f.admin).properties.version == first.properties.version)
        f.clock.advance(days: 215)  // past 80 % of 10 months
        let renewed = try e.housekeeping.renewDueCertificates()
        #expect(renewed.contains("\(v)/pct"))
        let second = try e.certificates.get(vault: v, name: "pct", as: f.admin)
        #expect(second.properties.version != first.properties.version)
        #expect(try e.keys.get(vault: v, name: "pct", as: f.admin).key.x != (try e.keys.get(vault: v, name: "pct", version: first.properties.version, as: f.admin)).key.x)
        let audit = try f.auditLines().filter { $0.contains("\"CertificateRenew\"") }
        #expect(audit.count >= 2)
    }
}
