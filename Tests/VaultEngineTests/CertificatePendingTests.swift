import Foundation
import Testing
@testable import VaultEngine

/// Azure's DeletePendingCertificate: abandoning a pending creation.
@Suite("Certificate engine: pending operations")
struct CertificatePendingTests {
    @Test("abandoning a renewal's pending creation keeps the completed version current")
    func abandonKeepsCurrent() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "web", policy: policy(), as: f.admin)
        let completed = try e.certificates.get(vault: v, name: "web", as: f.admin)
        let op = try e.certificates.create(vault: v, name: "web", policy: policy(issuer: "Unknown"), as: f.admin)
        #expect(op.status == "inProgress")
        let abandoned = try e.certificates.deletePendingOperation(vault: v, name: "web", as: f.admin)
        #expect(abandoned.csr == op.csr && abandoned.requestId == op.requestId)
        #expect(throws: VaultError(.pendingCertificateNotFound, "")) { try e.certificates.pendingOperation(vault: v, name: "web", as: f.admin) }
        let current = try e.certificates.get(vault: v, name: "web", as: f.admin)
        #expect(current.id == completed.id && current.isCompleted)
        #expect(try e.objects(.certificate).versions(vault: v, name: "web", as: f.admin).count == 1)
        #expect(try e.secrets.get(vault: v, name: "web", as: f.admin).value.count > 0)
        // A new creation may start again.
        #expect(try e.certificates.create(vault: v, name: "web", policy: policy(issuer: "Unknown"), as: f.admin).status == "inProgress")
        #expect(throws: VaultError(.pendingCertificateNotFound, "")) { try e.certificates.deletePendingOperation(vault: v, name: "none", as: f.admin) }
    }

    @Test("abandoning a first creation removes the certificate; the name is free again; the audit says so")
    func abandonFirst() throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "csr", policy: policy(issuer: "Unknown"), as: f.admin)
        try e.certificates.deletePendingOperation(vault: v, name: "csr", as: f.admin)
        #expect(throws: VaultError(.objectNotFound(.certificate), "")) { try e.certificates.get(vault: v, name: "csr", as: f.admin) }
        #expect(try e.objects(.certificate).list(vault: v, as: f.admin).isEmpty)
        #expect(try e.objects(.certificate).listDeleted(vault: v, as: f.admin).isEmpty)
        #expect(throws: VaultError(.objectNotFound(.certificate), "")) { try e.certificates.deletePendingOperation(vault: v, name: "csr", as: f.admin) }
        #expect(try e.certificates.create(vault: v, name: "csr", policy: policy(), as: f.admin).status == "completed")
        let lines = try f.auditLines().filter { $0.contains("CertificatePendingDelete") }
        #expect(lines.count == 2)
        #expect(lines.first?.contains("the certificate is removed") == true)
        // A completed certificate has no pending operation to delete.
        #expect(throws: VaultError(.pendingCertificateNotFound, "")) { try e.certificates.deletePendingOperation(vault: v, name: "csr", as: f.admin) }
    }
}
