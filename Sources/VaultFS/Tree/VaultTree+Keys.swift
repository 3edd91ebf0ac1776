import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// Keys in the tree: `keys/<name>/` holds `public.pem`, `key.jwk` and the `ops` control file;
/// `keys/.ops` creates, imports and rotates keys. Private material has no path at all.
extension VaultTree {
    /// The largest request a control file takes in one write (a batch of about a thousand operations).
    /// Direct I/O hands the kernel's pieces of a larger `write(2)` to kvfs one by one: libfuse's `max_write`
    /// (1 MiB) minus up to a page for an unaligned buffer. Every piece of a write bigger than this limit but
    /// the last is at least this long, so the first piece is refused whole and nothing of it runs.
    static let maxControlRequest = (1 << 20) - 4096

    static let cryptoActions: [DataAction] = [DataAction.Keys.read, DataAction.Keys.sign, DataAction.Keys.verify,
                                              DataAction.Keys.encrypt, DataAction.Keys.decrypt, DataAction.Keys.wrap,
                                              DataAction.Keys.unwrap]

    func keyAttributes(of node: Node, inode: UInt64, caller: Caller) throws -> FileAttributes {
        func file(_ permissions: mode_t, _ time: Date) -> FileAttributes {
            FileAttributes(inode: inode, type: .regularFile, permissions: permissions, uid: caller.uid, gid: caller.gid,
                           modificationTime: time)
        }
        switch node {
        case .key(let v, let name, let version):
            let inspection = try inspect(.key, v, name, version, caller: caller)
            guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
            let readable = inspection.rights.contains(DataAction.Keys.read)
            return FileAttributes(inode: inode, type: .directory, permissions: readable ? 0o500 : 0o100, uid: caller.uid,
                                  gid: caller.gid, modificationTime: props.created, changeTime: props.updated)
        case .keyFile(let v, let name, let version, let which):
            let inspection = try inspect(.key, v, name, version, caller: caller)
            guard let props = inspection.properties else { throw FileSystemError.noSuchEntry }
            switch which {
            case .publicPEM, .jwk:
                return file(inspection.rights.contains(DataAction.Keys.read) ? 0o400 : 0, props.created)
            case .ops:
                let usable = !inspection.rights.isDisjoint(with: VaultTree.cryptoActions + [DataAction.Keys.backup])
                return file(usable ? 0o600 : 0, props.updated)
            }
        case .control(let v, let kind):
            let rights = try collectionRights(v, kind, caller: caller)
            let manages = VaultTree.controlActions(kind).contains { rights.contains($0) }
            return file(manages ? 0o600 : 0, started)
        default:
            throw FileSystemError.noSuchEntry
        }
    }

    func keyMetadata(_ vault: String, _ name: String, _ version: String?, caller: Caller) throws -> [String: String] {
        try requireInFilter(vault)
        let bundle = try engine.keys.get(vault: vault, name: name, version: version, as: caller)
        var values = VaultTree.values(bundle.properties, id: bundle.kid)
        values["kty"] = bundle.key.kty
        switch bundle.parameters {
        case .rsa(let bits): values["key_size"] = String(bits)
        case .ec(let curve): values["crv"] = curve.rawValue
        }
        values["key_ops"] = bundle.keyOps.map(\.rawValue).joined(separator: ",")
        return values
    }

    func openKeyFile(_ node: Node, flags: Int32, caller: Caller) throws -> OpenHandle {
        let accessMode = flags & O_ACCMODE
        switch node {
        case .keyFile(let v, let name, let version, .publicPEM), .keyFile(let v, let name, let version, .jwk):
            guard accessMode == O_RDONLY else { throw FileSystemError.accessDenied }
            try requireInFilter(v)
            let bundle = try engine.keys.get(vault: v, name: name, version: version, as: caller)
            let content: [UInt8]
            if case .keyFile(_, _, _, .publicPEM) = node {
                content = Array(bundle.publicKeyPEM.utf8)
            } else {
                content = try VaultTree.json(bundle.key)
            }
            return OpenHandle(node: node, purpose: .staticContent, caller: caller, writable: false, append: false,
                              content: content, dirty: false)
        case .keyFile(let v, _, _, .ops), .control(let v, _):
            _ = try attributes(of: node, caller: caller)
            try requireInFilter(v)
            return OpenHandle(node: node, purpose: .control, caller: caller, writable: accessMode != O_RDONLY,
                              append: false, content: [], dirty: false)
        default:
            throw FileSystemError.isDirectory
        }
    }

    /// The response to the last request written on this handle, from where the last read stopped.
    func readControl(_ handle: OpenHandle, size: Int) -> [UInt8] {
        handle.state.withLock { state in
            let start = min(state.responseCursor, state.buffer.count)
            let end = min(state.buffer.count, start + size)
            state.responseCursor = end
            return Array(state.buffer[start..<end])
        }
    }

    /// One write is one request (a JSON object, or an array for a batch); its response replaces the previous
    /// one and is read back on the same handle. Malformed JSON fails the write with `EINVAL`, a missing right
    /// with `EACCES`; every other failure is reported in the response.
    func writeControl(_ handle: OpenHandle, _ data: UnsafeRawBufferPointer) throws -> Int {
        guard data.count <= VaultTree.maxControlRequest else { throw FileSystemError.fileTooLarge }
        var request = Array(data)
        defer { request.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        let (response, denied): ([UInt8], Bool)
        if let answered = try backupControl(request, node: handle.node, caller: handle.caller) {
            (response, denied) = answered
        } else {
            switch handle.node {
            case .keyFile(let v, let name, let version, .ops):
                (response, denied) = try keyOperation(request, vault: v, name: name, version: version, caller: handle.caller)
            case .control(let v, .key):
                (response, denied) = try keyManagement(request, vault: v, caller: handle.caller)
            case .control(let v, .certificate):
                (response, denied) = try certificateManagement(request, vault: v, caller: handle.caller)
            default:
                throw FileSystemError.notPermitted
            }
        }
        handle.state.withLock { state in
            state.buffer.withUnsafeMutableBytes { $0.initializeMemory(as: UInt8.self, repeating: 0) }
            state.buffer = response
            state.responseCursor = 0
        }
        if denied { throw FileSystemError.accessDenied }
        return data.count
    }

    private func keyOperation(_ request: [UInt8], vault: String, name: String, version: String?,
                              caller: Caller) throws -> ([UInt8], Bool) {
        let decoder = JSONDecoder()
        if VaultTree.firstNonSpace(request) == UInt8(ascii: "[") {
            guard let batch = try? decoder.decode([KeyOperationRequest].self, from: Data(request)) else {
                throw FileSystemError.invalidArgument
            }
            let responses = engine.keys.perform(batch, vault: vault, name: name, version: version, as: caller)
            let allDenied = !responses.isEmpty && responses.allSatisfy {
                if case .failure(let error) = $0 { return error.code == .accessDenied }
                return false
            }
            return (try VaultTree.json(responses), allDenied)
        }
        guard let single = try? decoder.decode(KeyOperationRequest.self, from: Data(request)) else {
            throw FileSystemError.invalidArgument
        }
        do {
            let result = try engine.keys.perform(single, vault: vault, name: name, version: version, as: caller)
            return (try VaultTree.json(KeyOperationResponse.success(result)), false)
        } catch let error as VaultError {
            return (try VaultTree.json(KeyOperationResponse.failure(error)), error.code == .accessDenied)
        }
    }

    private func keyManagement(_ request: [UInt8], vault: String, caller: Caller) throws -> ([UInt8], Bool) {
        guard let parsed = try? JSONDecoder().decode(KeyManagementRequest.self, from: Data(request)) else {
            throw FileSystemError.invalidArgument
        }
        do {
            let bundle = try engine.keys.perform(parsed, vault: vault, as: caller)
            return (try VaultTree.json(bundle), false)
        } catch let error as VaultError {
            return (try VaultTree.json(KeyOperationResponse.failure(error)), error.code == .accessDenied)
        }
    }

    static func firstNonSpace(_ bytes: [UInt8]) -> UInt8? {
        bytes.first { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }
    }

    /// Compact JSON with sorted keys and a final newline, as every generated file and response is written.
    static func json<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0a]
    }
}
