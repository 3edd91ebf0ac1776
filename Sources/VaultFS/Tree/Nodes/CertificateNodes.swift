import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// `<vault>/certificates/<name>/` (or one version under `.versions/`): `cert.pem` (leaf then chain),
/// `cert.cer` (DER leaf), `policy.json` and, while a creation is pending, `csr.pem`. The private part is
/// reachable only through the linked secret, `secrets/<name>`.
struct CertificateNode: ObjectDirectoryNode {
    let object: ObjectAddress

    init(_ object: ObjectAddress) { self.object = object }

    func child(_ name: String) throws(FileSystemError) -> any TreeNode {
        guard let file = CertificateFileNode.File(rawValue: name) else { throw .noSuchEntry }
        return CertificateFileNode(certificate: object, which: file)
    }

    func entries(for caller: Caller, in tree: TreeContext) throws -> [Listed] {
        try CertificateNode.files(of: object, caller: caller, in: tree).map {
            Listed(name: $0.rawValue, node: CertificateFileNode(certificate: object, which: $0))
        }
    }

    /// The files a certificate directory shows: the certificate files once it has its X.509, `csr.pem` while
    /// pending; `policy.json` only in the certificate's own directory (one policy per certificate). Like a key's
    /// directory, listing it or a `stat` of its files writes no audit line (the public record answers); a
    /// caller who may not read the certificate is refused by the engine (`CertificateGet`, audited).
    static func files(of object: ObjectAddress, caller: Caller, in tree: TreeContext) throws -> [CertificateFileNode.File] {
        let inspection = try tree.inspectPublicView(object, caller: caller)
        guard inspection.properties != nil else { throw FileSystemError.noSuchEntry }
        guard case .certificate(let bundle) = inspection.publicView else {
            _ = try tree.engine.certificates.get(vault: object.vault, name: object.name, version: object.version, as: caller)
            throw FileSystemError.accessDenied
        }
        var files: [CertificateFileNode.File] = bundle.isCompleted ? [.pem, .cer] : [.csr]
        if object.version == nil {
            files.append(.policy)
            if bundle.isCompleted, inspection.hasPendingCreation { files.append(.csr) }
        }
        return files
    }

    func metadata(for caller: Caller, in tree: TreeContext) throws -> [String: String] {
        try tree.requireInFilter(object.vault)
        let bundle = try tree.engine.certificates.get(vault: object.vault, name: object.name, version: object.version, as: caller)
        var values = Rendering.values(bundle.properties, id: bundle.id)
        values["kid"] = bundle.kid
        values["sid"] = bundle.sid
        values["status"] = bundle.status
        values["subject"] = bundle.subject
        if bundle.isCompleted {
            values["x5t"] = bundle.x5t
            values["issuer"] = bundle.issuer
            values["serial_number"] = bundle.serialNumber
        }
        return values
    }

    func updatableObject() throws(FileSystemError) -> ObjectAddress { object }

    func unlink(as caller: Caller, in tree: TreeContext) throws { throw FileSystemError.isDirectory }

    /// `rmdir certificates/c` soft-deletes the certificate with its versions (and its managed key and secret).
    func rmdir(as caller: Caller, in tree: TreeContext) throws {
        guard object.version == nil else { throw FileSystemError.notPermitted }
        try tree.requireInFilter(object.vault)
        _ = try tree.engine.objects(.certificate).delete(vault: object.vault, name: object.name, as: caller)
    }
}

/// One of a certificate's files: read-only, for a caller with read.
struct CertificateFileNode: TreeNode {
    enum File: String, CaseIterable, Sendable {
        case pem = "cert.pem"
        case cer = "cert.cer"
        case policy = "policy.json"
        case csr = "csr.pem"
    }

    let certificate: ObjectAddress
    let which: File

    var path: String { certificate.path + "/" + which.rawValue }
    var isDirectory: Bool { false }

    /// A file the certificate does not have now (`csr.pem` of a completed one) is `ENOENT` for a reader.
    /// The size is the exact length of the content for a caller who may read it (`cert.pem`, `cert.cer`,
    /// `policy.json`), from the certificate's public record; `csr.pem` shows 0.
    func attributes(for caller: Caller, in tree: TreeContext) throws -> FileAttributes {
        let (can, properties, view) = try tree.existingWithPublicView(certificate, caller: caller)
        let mode = ModeBits.objectFile(can)
        if can.contains(.read),
           !(try CertificateNode.files(of: certificate, caller: caller, in: tree).contains(which)) {
            throw FileSystemError.noSuchEntry
        }
        var size: UInt64 = 0
        if case .certificate(let bundle) = view, which != .csr { size = UInt64(try content(of: bundle).count) }
        return file(mode, for: caller, size: size, modified: which == .policy ? properties.updated : properties.created,
                    changed: properties.updated)
    }

    /// The bytes of `cert.pem`, `cert.cer` or `policy.json` (the policy is the certificate's, one per
    /// certificate): what `open` serves and `stat` measures.
    func content(of bundle: CertificateBundle) throws -> [UInt8] {
        switch which {
        case .pem: Array(bundle.pemChain.utf8)
        case .cer: bundle.cer
        case .policy: try Rendering.json(bundle.policy.spelled(.rest), pretty: true)
        case .csr: []
        }
    }

    func open(flags: Int32, caller: Caller, in tree: TreeContext) throws -> OpenHandle {
        guard flags & O_ACCMODE == O_RDONLY else { throw FileSystemError.accessDenied }
        let (vault, name, version) = (certificate.vault, certificate.name, certificate.version)
        try tree.requireInFilter(vault)
        let content: [UInt8]
        switch which {
        case .pem, .cer:
            let bundle = try tree.engine.certificates.get(vault: vault, name: name, version: version, as: caller)
            guard bundle.isCompleted else { throw FileSystemError.noSuchEntry }
            content = try self.content(of: bundle)
        case .policy:
            guard version == nil else { throw FileSystemError.noSuchEntry }
            let policy = try tree.engine.certificates.policy(vault: vault, name: name, as: caller)
            content = try Rendering.json(policy.spelled(.rest), pretty: true)
        case .csr:
            let operation = try tree.engine.certificates.pendingOperation(vault: vault, name: name, as: caller)
            guard let csr = operation.csr else { throw FileSystemError.noSuchEntry }
            content = Array(Rendering.pemBlock("CERTIFICATE REQUEST", base64: csr).utf8)
        }
        return OpenHandle(node: self, purpose: .staticContent, caller: caller, writable: false,
                          content: ValueBuffer(taking: content))
    }

    /// As for keys: accepted without effect for a caller who may delete the certificate (`rm -r`).
    func unlink(as caller: Caller, in tree: TreeContext) throws {
        guard certificate.version == nil else { throw FileSystemError.notPermitted }
        try tree.requireInFilter(certificate.vault)
        try tree.engine.objects(.certificate).checkDelete(vault: certificate.vault, name: certificate.name, as: caller)
    }
}
