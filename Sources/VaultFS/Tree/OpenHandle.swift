import Synchronization
import VaultEngine

/// One open file of the tree. A secret's value is read once at open, so every read through this handle
/// sees one whole version even while another process rotates the secret; writes build the whole new
/// value here and reach the vault as one new version when the file is flushed. A control file's handle
/// holds the response to the last request written on it (see `ControlProtocol`).
final class OpenHandle: Sendable {
    enum Purpose: Sendable {
        /// A secret's value (current version, or a named one for `.versions` files).
        case secretValue
        /// Read-only generated content (a key's public PEM or JWK, a certificate's files).
        case staticContent
        /// A control file: each write is a request, the response is read back on the same handle.
        case control(any ControlHandler)
        /// One of the caller's temporary files (atomic replace): reads and writes go to its bytes.
        case temporary(TemporaryFile)
    }

    struct State: ~Copyable {
        var buffer: ValueBuffer
        /// Something was written or truncated since the value was last stored.
        var dirty: Bool
        /// `write` was called since the value was last stored. A flush stores only then: a shell closes the
        /// descriptor it opened for `>` (after duplicating it) before the command writes anything, and that
        /// early flush must not store an empty version.
        var written: Bool = false
        /// A write was refused (too large): the value is incomplete and must never be stored.
        var refused: Bool = false
        /// The writer was killed by a signal before a clean close: nothing is ever stored from this handle.
        var killed: Bool = false
        /// How much of a control file's response has been read.
        var responseCursor: Int = 0
        /// A control file's request while it is being written (see `ControlProtocol`).
        var request = PendingRequest()
        /// Content type and tags of the version the handle started from, carried to the new version.
        var carried: NewVersionAttributes

        /// What a control file's handle holds: its request being written and its response.
        var controlBytes: Int { request.byteCount + buffer.count }
    }

    let node: any TreeNode
    let purpose: Purpose
    /// The process that opened the file; writes are stored as its requests, and a control file's requests are
    /// decided for it whoever writes them (a control file's opener is pinned: groups and executable as at open).
    let caller: Caller
    let writable: Bool
    let append: Bool
    /// For a secret created under a new name: the name as the caller wrote it, which the new secret keeps.
    let newName: String?
    let state: Mutex<State>

    init(node: any TreeNode, purpose: Purpose, caller: Caller, writable: Bool, append: Bool = false, newName: String? = nil,
         content: consuming ValueBuffer = ValueBuffer(), dirty: Bool = false,
         carried: NewVersionAttributes = NewVersionAttributes()) {
        self.node = node
        self.purpose = purpose
        self.caller = caller
        self.writable = writable
        self.append = append
        self.newName = newName
        self.state = Mutex(State(buffer: content, dirty: dirty, carried: carried))
    }

    var size: Int {
        if let temporary { return temporary.size }
        return state.withLock { $0.buffer.count }
    }

    var temporary: TemporaryFile? {
        if case .temporary(let file) = purpose { return file }
        return nil
    }

    var isSecretValue: Bool {
        if case .secretValue = purpose { return true }
        return false
    }

    var control: (any ControlHandler)? {
        if case .control(let handler) = purpose { return handler }
        return nil
    }

    /// Wipes the buffer; called when the handle is released.
    func wipe() {
        state.withLock { state in
            state.buffer.wipe()
            state.request.reset()
        }
    }
}

/// Open handles by number. Handle 0 is never used.
final class HandleTable: Sendable {
    private let table = Mutex<(handles: [UInt64: OpenHandle], next: UInt64)>(([:], 1))

    func add(_ handle: OpenHandle) -> UInt64 {
        table.withLock { table in
            let number = table.next
            table.next += 1
            table.handles[number] = handle
            return number
        }
    }

    func get(_ number: UInt64) -> OpenHandle? { table.withLock { $0.handles[number] } }

    func remove(_ number: UInt64) -> OpenHandle? { table.withLock { $0.handles.removeValue(forKey: number) } }

    /// A writable secret handle on `node` opened by a process of `uid`: the kernel asks for the attributes of
    /// a file it just created without naming the handle (`fstat`, a lookup by path).
    func writer(of node: any TreeNode, uid: UInt32) -> OpenHandle? {
        table.withLock { table in
            table.handles.values.first { $0.node.isSame(as: node) && $0.writable && $0.isSecretValue && $0.caller.uid == uid }
        }
    }

    /// How many files are open (for tests that look for leaks).
    var count: Int { table.withLock { $0.handles.count } }
}
