import Foundation
import Testing
@testable import VaultEngine

/// A PKCS#12 certificate's secret in its decoded forms (`SecretForm`): read with the secret's own right and
/// audited as SecretGet; sized for `stat` only for a caller who may know the value's length.
@Suite struct SecretFormTests {
    @Test func formsOfAPKCS12CertificateSecret() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        for exportable in [true, false] {
            let name = exportable ? "pfx" : "locked"
            try e.certificates.create(vault: v, name: name, policy: policy(keyType: "EC", curve: "P-256",
                                                                           contentType: CertificatePolicy.pkcs12ContentType,
                                                                           exportable: exportable), as: f.admin)
            let stored = try e.secrets.get(vault: v, name: name, as: f.admin)
            let pfx = try e.secrets.get(vault: v, name: name, form: .pfx, as: f.admin)
            #expect(pfx.value.bytes == [UInt8](try #require(Data(base64Encoded: Data(stored.value.bytes)))))
            let pem = String(decoding: try e.secrets.get(vault: v, name: name, form: .pem, as: f.admin).value.bytes, as: UTF8.self)
            let certificate = try e.certificates.get(vault: v, name: name, as: f.admin)
            #expect(pem.hasPrefix(exportable ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN CERTIFICATE-----"))
            #expect(pem.components(separatedBy: "-----BEGIN PRIVATE KEY-----").count == (exportable ? 2 : 1))
            #expect(pem.hasSuffix(certificate.pemChain), "the leaf (and chain) follow the key")
            // stat's size is the rendered length, for a caller who may know it.
            let inspected = try e.access.inspectSecretForm(.pem, vault: v, name: name, as: f.admin)
            #expect(inspected.formLength == pem.utf8.count)
        }
    }

    @Test func theSecretsRightDecides() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "web", policy: policy(contentType: CertificatePolicy.pkcs12ContentType), as: f.admin)
        let secretsUser = try f.caller(.secretsUser, scope: Scope(vault: v, object: (.secret, "web")))
        let reader = try f.caller(.reader)
        let certificatesOfficer = try f.caller(.certificatesOfficer)
        let nobody = try f.caller(nil)
        #expect(try e.secrets.get(vault: v, name: "web", form: .pem, as: secretsUser).value.count > 0)
        for caller in [reader, certificatesOfficer, nobody] {
            #expect(code { _ = try e.secrets.get(vault: v, name: "web", form: .pem, as: caller) } == .accessDenied)
        }
        #expect(try e.access.inspectSecretForm(.pfx, vault: v, name: "web", as: reader).formLength == nil)
        #expect(code { _ = try e.access.inspectSecretForm(.pfx, vault: v, name: "web", as: nobody) } == .accessDenied)
        let lines = try f.auditLines().compactMap { try? decodeAudit($0) }
            .filter { $0.operationName == "SecretGet" && $0.object == "web" }
        // The three refused reads, and the refused inspection of the caller with no role at all.
        #expect(lines.map(\.resultType) == ["Success", "Failure", "Failure", "Failure", "Failure"])
        #expect(lines.first?.caller.uid == secretsUser.uid)
    }

    @Test func onlyCertificatePKCS12SecretsHaveForms() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        // A secret a user wrote with the PKCS#12 content type is the user's bytes, not a certificate's.
        try e.secrets.set(vault: v, name: "lookalike", value: Array("not a pfx".utf8),
                          attributes: NewVersionAttributes(contentType: CertificatePolicy.pkcs12ContentType), as: f.admin)
        try e.certificates.create(vault: v, name: "plain", policy: policy(), as: f.admin)
        for name in ["lookalike", "plain"] {
            let error = vaultError { _ = try e.secrets.get(vault: v, name: name, form: .pem, as: f.admin) }
            #expect(error?.reason == .objectNotFound(.secret), "\(name)")
            #expect(try e.access.inspectSecretForm(.pem, vault: v, name: name, as: f.admin).properties == nil)
        }
    }
}
