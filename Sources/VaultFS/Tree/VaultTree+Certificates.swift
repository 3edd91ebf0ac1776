import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Certificates in the tree: `certificates/<name>/` holds `cert.pem` (leaf then chain), `cert.cer` (DER leaf),
/// `policy.json` and, while a creation is pending, `csr.pem`; `certificates/.ops` creates, imports and
/// merges. The private part is reachable only through the linked secret, `secrets/<name>`.
extension VaultTree {
    func certificateAttributes(of node: Node, inode: UInt64, caller: Caller) throws -> FileAttributes {
        switch node {
        case .certificate(let v, let name, let version):
            let inspection = try inspect(.certificate, v, name, version, caller: caller)
            guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
            let readable = inspection.rights.contains(DataAction.Certificates.read)
            return FileAttributes(inode: inode, type: .directory, permissions: readable ? 0o500 : 0o100, uid: caller.uid,
                                  gid: caller.gid, modificationTime: props.created, changeTime: props.updated)
        case .certificateFile(let v, let name, let version, let file):
            let inspection = try inspect(.certificate, v, name, version, caller: caller)
            guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
            let readable = inspection.rights.contains(DataAction.Certificates.read)
            if readable, !(try certificateFiles(v, name, version, caller: caller).contains(file)) {
                throw FileSystemError.noSuchEntry
            }
            return FileAttributes(inode: inode, type: .regularFile, permissions: readable ? 0o400 : 0, uid: caller.uid,
                                  gid: caller.gid, modificationTime: file == .policy ? props.updated : props.created,
                                  changeTime: props.updated)
        case .control(let v, let kind):
            let rights = try collectionRights(v, kind, caller: caller)
            let manages = rights.contains(DataAction.Certificates.create) || rights.contains(DataAction.Certificates.import)
            return FileAttributes(inode: inode, type: .regularFile, permissions: manages ? 0o600 : 0, uid: caller.uid,
                                  gid: caller.gid, modificationTime: started)
        default:
            throw FileSystemError.noSuchEntry
        }
    }

    /// The files a certificate directory shows: the certificate files once it has its X.509, `csr.pem` while
    /// pending; `policy.json` only in the certificate's own directory (one policy per certificate).
    func certificateFiles(_ vault: String, _ name: String, _ version: String?, caller: Caller) throws -> [Node.CertificateFile] {
        try requireInFilter(vault)
        let bundle = try engine.certificates.get(vault: vault, name: name, version: version, as: caller)
        var files: [Node.CertificateFile] = bundle.isCompleted ? [.pem, .cer] : [.csr]
        if version == nil {
            files.append(.policy)
            if bundle.isCompleted, (try? engine.certificates.pendingOperation(vault: vault, name: name, as: caller)) != nil {
                files.append(.csr)
            }
        }
        return files
    }

    func openCertificateFile(_ node: Node, flags: Int32, caller: Caller) throws -> OpenHandle {
        guard case .certificateFile(let v, let name, let version, let file) = node else { throw FileSystemError.isDirectory }
        guard flags & O_ACCMODE == O_RDONLY else { throw FileSystemError.accessDenied }
        try requireInFilter(v)
        let content: [UInt8]
        switch file {
        case .pem, .cer:
            let bundle = try engine.certificates.get(vault: v, name: name, version: version, as: caller)
            guard bundle.isCompleted else { throw FileSystemError.noSuchEntry }
            content = file == .pem ? Array(bundle.pemChain.utf8) : bundle.cer
        case .policy:
            guard version == nil else { throw FileSystemError.noSuchEntry }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            content = Array(try encoder.encode(try engine.certificates.policy(vault: v, name: name, as: caller))) + [0x0a]
        case .csr:
            let operation = try engine.certificates.pendingOperation(vault: v, name: name, as: caller)
            guard let csr = operation.csr else { throw FileSystemError.noSuchEntry }
            content = Array(VaultTree.pemBlock("CERTIFICATE REQUEST", base64: csr).utf8)
        }
        return OpenHandle(node: node, purpose: .staticContent, caller: caller, writable: false, append: false, content: content, dirty: false)
    }

    func certificateMetadata(_ vault: String, _ name: String, _ version: String?, caller: Caller) throws -> [String: String] {
        try requireInFilter(vault)
        let bundle = try engine.certificates.get(vault: vault, name: name, version: version, as: caller)
        var values = VaultTree.values(bundle.properties, id: bundle.id)
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

    func certificateManagement(_ request: [UInt8], vault: String, caller: Caller) throws -> ([UInt8], Bool) {
        guard let parsed = try? JSONDecoder().decode(CertificateManagementRequest.self, from: Data(request)) else {
            throw FileSystemError.invalidArgument
        }
        do {
            return (try VaultTree.json(try engine.certificates.perform(parsed, vault: vault, as: caller)), false)
        } catch let error as VaultError {
            return (try VaultTree.json(KeyOperationResponse.failure(error)), error.code == .accessDenied)
        }
    }

    static func pemBlock(_ label: String, base64: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(64))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }
}
