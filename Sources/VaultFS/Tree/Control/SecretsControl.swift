import VaultEngine

/// `secrets/.ops`: backup and restore of secrets, nothing else.
struct SecretsControl: ControlHandler {
    let vault: String

    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        guard let backup = BackupRequest.parse(request) else { throw FileSystemError.invalidArgument }
        return try backup.answer(kind: .secret, vault: vault, name: backup.name, caller: caller, in: tree)
    }
}
