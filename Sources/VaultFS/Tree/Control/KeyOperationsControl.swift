import VaultEngine

/// `keys/<name>/ops` (and each version's): one crypto operation (a `KeyOperationRequest` with Azure's
/// KeyOperationsParameters and `op`) or a batch of them (a JSON array, answered with an array of results);
/// in the key's own directory also `{"op":"backup"}`. A batch fails the write with `EACCES` only when every
/// entry was refused for want of a right, and with `EINTR` when its writer is signalled (killed) while it
/// runs: it stops before the next entry, and the entries not run are neither run nor audited.
struct KeyOperationsControl: ControlHandler {
    let key: ObjectAddress

    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse {
        if key.version == nil, let backup = BackupRequest.parse(request) {
            guard backup.op == .backup, backup.name.map(Names.key) ?? key.name == key.name else {
                throw FileSystemError.invalidArgument
            }
            return try backup.answer(kind: .key, vault: key.vault, name: key.name, caller: caller, in: tree)
        }
        if request.firstNonSpace == UInt8(ascii: "[") {
            guard let batch = request.decode([KeyOperationRequest].self) else { throw FileSystemError.invalidArgument }
            let responses = try tree.engine.keys.perform(batch, vault: key.vault, name: key.name, version: key.version,
                                                         as: caller, unless: { request.interruption.isRequested })
            let allRefused = !responses.isEmpty && responses.allSatisfy {
                if case .failure(let error) = $0 { return error.code == .accessDenied }
                return false
            }
            return ControlResponse(bytes: try Rendering.json(responses), refused: allRefused)
        }
        guard let single = request.decode(KeyOperationRequest.self) else { throw FileSystemError.invalidArgument }
        return try ControlResponse.reporting {
            let result = try tree.engine.keys.perform(single, vault: key.vault, name: key.name,
                                                             version: key.version, as: caller)
            return try .answer(KeyOperationResponse.success(result))
        }
    }
}
