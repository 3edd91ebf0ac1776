import VaultEngine

/// `certificates/.ops`: create, import and merge certificates (a `CertificateManagementRequest`), and backup
/// and restore.
struct CertificatesControl: ControlHandler {
    let vault: String

    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        if let backup = BackupRequest.parse(request) {
            return try backup.answer(kind: .certificate, vault: vault, name: backup.name, caller: caller, in: tree)
        }
        guard let parsed = request.decode(CertificateManagementRequest.self) else { throw FileSystemError.invalidArgument }
        return try ControlResponse.reporting {
            try .answer(try tree.engine.certificates.perform(parsed, vault: vault, as: caller))
        }
    }
}
