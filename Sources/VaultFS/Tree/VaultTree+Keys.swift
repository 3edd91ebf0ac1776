import VaultEngine

/// Keys in the tree. Until the key engine lands, `keys/` is an empty directory: no key nodes exist.
extension VaultTree {
    func keyAttributes(of node: Node, inode: UInt64, caller: Caller) throws -> FileAttributes {
        throw FileSystemError.noSuchEntry
    }

    func keyMetadata(_ vault: String, _ name: String, _ version: String?, caller: Caller) throws -> [String: String] {
        throw FileSystemError.noSuchEntry
    }

    func openKeyFile(_ node: Node, flags: Int32, caller: Caller) throws -> OpenHandle {
        throw FileSystemError.noSuchEntry
    }

    func readControl(_ handle: OpenHandle) throws -> [UInt8] {
        throw FileSystemError.invalidArgument
    }

    func writeControl(_ handle: OpenHandle, _ data: UnsafeRawBufferPointer) throws -> Int {
        throw FileSystemError.invalidArgument
    }
}
