import VaultEngine

/// `keys/.ops`: create, import and rotate keys (a `KeyManagementRequest`, answered with the KeyBundle), and
/// backup and restore.
struct KeysControl: ControlHandler {
    let vault: String

    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        if let backup = BackupRequest.parse(request) {
            return try backup.answer(kind: .key, vault: vault, name: backup.name, caller: caller, in: tree)
        }
        guard let parsed = request.decode(KeyManagementRequest.self) else { throw FileSystemError.invalidArgument }
        return try ControlResponse.reporting {
            try .answer(try tree.engine.keys.perform(parsed, vault: vault, as: caller))
        }
    }
}
