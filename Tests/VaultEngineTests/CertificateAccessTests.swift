import Foundation
import Testing
@testable import VaultEngine

/// Who may do what with certificates and their managed key and secret.
@Suite("Certificate engine: role × operation table")
struct CertificateAccessTests {
    enum Op: String, CaseIterable, Sendable {
        case create, importPEM, get, list, listVersions, update, policyGet, policyUpdate, delete, recover, purge
        case readSecret, readKey, sign
        case pendingGet, pendingDelete
        case contactsGet, contactsSet, contactAdd, contactRemove, contactsDelete, issuerSet, issuerGet, issuerList, issuerDelete
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var label: String
        var role: BuiltInRole?
        var allowed: Set<Op>
        var testDescription: String { label }
    }

    static let certificateOps: Set<Op> = [.create, .importPEM, .get, .list, .listVersions, .update, .policyGet, .policyUpdate,
                                          .delete, .recover, .purge, .pendingGet, .pendingDelete,
                                          .contactsGet, .contactsSet, .contactAdd, .contactRemove, .contactsDelete,
                                          .issuerSet, .issuerGet, .issuerList, .issuerDelete]
    static let rows: [Row] = [
        Row(label: "no role", role: nil, allowed: []),
        Row(label: "Administrator", role: .administrator, allowed: Set(Op.allCases)),
        Row(label: "Certificates Officer", role: .certificatesOfficer, allowed: certificateOps),
        Row(label: "Certificate User", role: .certificateUser, allowed: [.get, .list, .listVersions, .policyGet, .pendingGet, .readSecret, .readKey]),
        Row(label: "Secrets User", role: .secretsUser, allowed: [.readSecret]),
        Row(label: "Reader", role: .reader, allowed: [.get, .list, .listVersions, .policyGet, .pendingGet, .readKey, .issuerGet, .issuerList]),
        Row(label: "Crypto User", role: .cryptoUser, allowed: [.readKey, .sign]),
        Row(label: "Secrets Officer", role: .secretsOfficer, allowed: [.readSecret]),
    ]

    @Test("each role may do exactly its operations; everything else is accessDenied", arguments: rows)
    func table(row: Row) throws {
        let f = try KeyEngineFixture()
        let e = f.engine, v = f.vault
        try e.certificates.create(vault: v, name: "c", policy: policy(), as: f.admin)
        try e.certificates.create(vault: v, name: "gone", policy: policy(keyType: "EC", curve: "P-256"), as: f.admin)
        try e.objects(.certificate).delete(vault: v, name: "gone", as: f.admin)
        try e.certificates.create(vault: v, name: "gone2", policy: policy(keyType: "EC", curve: "P-256"), as: f.admin)
        try e.objects(.certificate).delete(vault: v, name: "gone2", as: f.admin)
        try e.certificates.create(vault: v, name: "pending", policy: policy(issuer: "Unknown", keyType: "EC", curve: "P-256"), as: f.admin)
        try e.certificates.setContacts(vault: v, [CertificateContact(email: "ops@example.com"), CertificateContact(email: "gone@example.com")], as: f.admin)
        try e.certificates.setIssuer(vault: v, name: "ca", CertificateIssuerRequest(provider: "Unknown"), as: f.admin)
        try e.certificates.setIssuer(vault: v, name: "old", CertificateIssuerRequest(provider: "Self"), as: f.admin)
        let caller = try f.caller(row.role)
        let scratch = try Scratch()
        try runTool(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem",
                              "-out", "c.pem", "-subj", "/CN=imp", "-days", "5"], in: scratch.path)
        let pem = try scratch.read("c.pem") + scratch.read("k.pem")
        for op in Op.allCases {
            let result = code {
                switch op {
                case .create: try e.certificates.create(vault: v, name: "new", policy: policy(keyType: "EC", curve: "P-256"), as: caller)
                case .importPEM: try e.certificates.import(vault: v, name: "imp", CertificateImport(value: SecureBytes(pem)), as: caller)
                case .get: _ = try e.certificates.get(vault: v, name: "c", as: caller)
                case .list: _ = try e.objects(.certificate).list(vault: v, as: caller)
                case .listVersions: _ = try e.objects(.certificate).versions(vault: v, name: "c", as: caller)
                case .update: try e.certificates.update(vault: v, name: "c", CertificateUpdate(attributes: AttributeUpdate(tags: ["a": "b"])), as: caller)
                case .policyGet: _ = try e.certificates.policy(vault: v, name: "c", as: caller)
                case .policyUpdate: try e.certificates.updatePolicy(vault: v, name: "c", policy(), as: caller)
                case .delete: try e.objects(.certificate).delete(vault: v, name: "c", as: caller)
                case .recover: try e.objects(.certificate).recover(vault: v, name: "gone", as: caller)
                case .purge: try e.objects(.certificate).purge(vault: v, name: "gone2", as: caller)
                case .readSecret: _ = try e.secrets.get(vault: v, name: "c", as: caller)
                case .readKey: _ = try e.keys.get(vault: v, name: "c", as: caller)
                case .pendingGet: _ = try e.certificates.pendingOperation(vault: v, name: "pending", as: caller)
                case .pendingDelete: try e.certificates.deletePendingOperation(vault: v, name: "pending", as: caller)
                case .contactsGet: _ = try e.certificates.contacts(vault: v, as: caller)
                case .contactsSet: try e.certificates.setContacts(vault: v, [CertificateContact(email: "ops@example.com"), CertificateContact(email: "gone@example.com")], as: caller)
                case .contactAdd: try e.certificates.addContact(vault: v, CertificateContact(email: "new@example.com"), as: caller)
                case .contactRemove: try e.certificates.removeContact(vault: v, email: "gone@example.com", as: caller)
                case .contactsDelete: try e.certificates.deleteContacts(vault: v, as: caller)
                case .issuerSet: try e.certificates.setIssuer(vault: v, name: "ca", CertificateIssuerRequest(provider: "Unknown"), as: caller)
                case .issuerGet: _ = try e.certificates.issuer(vault: v, name: "ca", as: caller)
                case .issuerList: _ = try e.certificates.issuers(vault: v, as: caller)
                case .issuerDelete: try e.certificates.deleteIssuer(vault: v, name: "old", as: caller)
                case .sign: _ = try e.keys.sign(vault: v, name: "c", algorithm: .rs256, digest: [UInt8](repeating: 1, count: 32), as: caller)
                }
            }
            if row.allowed.contains(op) {
                #expect(result == nil, "\(row.label) should be allowed to \(op.rawValue)")
            } else {
                #expect(result == .accessDenied, "\(row.label) should be denied \(op.rawValue), got \(String(describing: result))")
            }
            // Undo what a delete or recover changed so the next operations see the same state.
            if op == .delete, result == nil { try e.objects(.certificate).recover(vault: v, name: "c", as: f.admin) }
        }
        // Identical refusals (two operations audited under one name) fold into one line with a count.
        let denied = try f.auditLines().filter { $0.contains("\"Certificate") && $0.contains("ForbiddenByRbac") }
        let requests = try denied.map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)).count ?? 1 }.reduce(0, +)
        #expect(requests == Int64(certificateOpsDenied(row)))
    }

    private func certificateOpsDenied(_ row: Row) -> Int {
        CertificateAccessTests.certificateOps.subtracting(row.allowed).count
    }
}
