import Foundation
import Testing
@testable import VaultEngine

/// A vault's certificate contacts and issuers.
@Suite("Certificate engine: contacts and issuers")
struct CertificateSettingsTests {
    @Test("contacts: set, add (same e-mail replaces), remove, delete; per vault; ids in Azure's form")
    func contacts() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        #expect(try e.certificates.contacts(vault: v, as: f.admin).contacts.isEmpty)
        let set = try e.certificates.setContacts(vault: v, [CertificateContact(email: "a@example.com", name: "A")], as: f.admin)
        #expect(set.id == "https://\(v.lowercased()).kvfs.localhost/certificates/contacts")
        try e.certificates.addContact(vault: v, CertificateContact(email: "b@example.com", phone: "+1 555"), as: f.admin)
        try e.certificates.addContact(vault: v, CertificateContact(email: "A@example.com", name: "A2"), as: f.admin)
        #expect(try e.certificates.contacts(vault: v, as: f.admin).contacts
                == [CertificateContact(email: "A@example.com", name: "A2"), CertificateContact(email: "b@example.com", phone: "+1 555")])
        try e.certificates.removeContact(vault: v, email: "a@EXAMPLE.com", as: f.admin)
        #expect(try e.certificates.contacts(vault: v, as: f.admin).contacts.map(\.email) == ["b@example.com"])
        #expect(throws: VaultError(.notFound, "")) { try e.certificates.removeContact(vault: v, email: "a@example.com", as: f.admin) }
        #expect(throws: VaultError(.invalidArgument, "")) { try e.certificates.addContact(vault: v, CertificateContact(email: "not an address"), as: f.admin) }
        #expect(try e.certificates.deleteContacts(vault: v, as: f.admin).contacts.map(\.email) == ["b@example.com"])
        #expect(try e.certificates.contacts(vault: v, as: f.admin).contacts.isEmpty)
        #expect(throws: VaultError(.accessDenied, "")) { try e.certificates.contacts(vault: "nosuch", as: f.admin) }
        let names = try f.auditLines().compactMap { line in ["CertificateContactsGet", "CertificateContactsSet", "CertificateContactsDelete"].first { line.contains($0) } }
        #expect(Set(names) == ["CertificateContactsGet", "CertificateContactsSet", "CertificateContactsDelete"])
    }

    @Test("issuers: Self and Unknown kept, partner CAs and credentials refused, names case-insensitive")
    func issuers() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        let created = try e.certificates.setIssuer(vault: v, name: "MyCA", CertificateIssuerRequest(provider: "unknown", organizationID: "org-1"), as: f.admin)
        #expect(created.provider == "Unknown" && created.organizationID == "org-1" && created.enabled)
        #expect(created.id == "https://\(v.lowercased()).kvfs.localhost/certificates/issuers/MyCA")
        try e.certificates.setIssuer(vault: v, name: "self-signed", CertificateIssuerRequest(provider: "Self", enabled: false), as: f.admin)
        let replaced = try e.certificates.setIssuer(vault: v, name: "myca", CertificateIssuerRequest(provider: "Self"), as: f.admin)
        #expect(replaced.name == "MyCA" && replaced.provider == "Self" && replaced.created == created.created)
        #expect(try e.certificates.issuers(vault: v, as: f.admin).map(\.name) == ["MyCA", "self-signed"])
        #expect(try e.certificates.issuer(vault: v, name: "SELF-SIGNED", as: f.admin).enabled == false)
        for bad in [CertificateIssuerRequest(provider: "DigiCert"), CertificateIssuerRequest(provider: "Self", accountID: "acct"),
                    CertificateIssuerRequest(provider: "Unknown", password: SecureBytes(Array("pw".utf8)))] {
            #expect(throws: VaultError(.invalidArgument, "")) { try e.certificates.setIssuer(vault: v, name: "x", bad, as: f.admin) }
        }
        do {
            try e.certificates.setIssuer(vault: v, name: "dc", CertificateIssuerRequest(provider: "Unknown", password: SecureBytes(Array("hunter2".utf8))), as: f.admin)
        } catch let error as VaultError {
            #expect(!error.message.contains("hunter2"))
        }
        #expect(throws: VaultError(.invalidArgument, "")) { try e.certificates.setIssuer(vault: v, name: "bad_name", CertificateIssuerRequest(provider: "Self"), as: f.admin) }
        #expect(try e.certificates.deleteIssuer(vault: v, name: "myca", as: f.admin).name == "MyCA")
        #expect(throws: VaultError(.notFound, "")) { try e.certificates.issuer(vault: v, name: "MyCA", as: f.admin) }
        #expect(throws: VaultError(.notFound, "")) { try e.certificates.deleteIssuer(vault: v, name: "MyCA", as: f.admin) }
        #expect(try f.auditLines().allSatisfy { !$0.contains("hunter2") })
    }
}
