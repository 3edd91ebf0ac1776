import Foundation
import Synchronization
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The temporary files of an atomic replace (`sed -i`, Python's `tempfile` + `os.replace`, Go's renameio,
/// editors' swap files): files created exclusively in a `secrets/` folder that are not secrets yet. Each
/// lives in the daemon's memory only (a wiped `ValueBuffer`, never the store), belongs to the uid that made
/// it — no other caller sees it, even by name — and ends in one of three ways: renamed over a secret name it
/// becomes that secret's next version (one `SecretSet`), removed it is wiped, abandoned (no descriptor open
/// for `abandonAfter`, its creator killed by a signal, or the mount ends) it is wiped.
///
/// Lock order: the table's lock before one file's lock; no lock is held across an engine call.
final class TemporaryFiles: Sendable {
    /// How long a temporary file nobody holds open waits to be renamed before it is wiped.
    let abandonAfter: TimeInterval
    /// At most this many temporary files per uid at once; one more is `ENOSPC`.
    static let maxPerCaller = 64

    struct Key: Hashable {
        /// The vault, case-folded.
        var vault: String
        var uid: UInt32
        /// The name exactly as created (temporary names are not Azure names and keep their case).
        var name: String
    }

    private let files = Mutex<[Key: TemporaryFile]>([:])
    private let now: @Sendable () -> Date

    init(abandonAfter: TimeInterval = 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.abandonAfter = abandonAfter
        self.now = now
    }

    /// Whether an `O_CREAT` of `name` with `flags` makes a temporary file: the create is exclusive (`O_EXCL`,
    /// as `mkstemp`, Python's `tempfile`, Go's `os.CreateTemp` and editors' swap files make them), and the
    /// file is opened for reading too or its name cannot be a secret's. An exclusive write-only create of a
    /// valid name (`cp` to a new name, `install`) makes a secret, as every other create does.
    static func isTemporaryCreate(_ name: String, flags: Int32) -> Bool {
        guard flags & O_EXCL != 0 else { return false }
        return flags & O_ACCMODE != O_WRONLY || !Names.isValidObject(name)
    }

    /// The caller's temporary file `name` in `vault`, if it has one (wiping abandoned ones first).
    func find(vault: String, uid: UInt32, name: String) -> TemporaryFile? {
        sweep()
        return files.withLock { $0[Key(vault: Names.key(vault), uid: uid, name: name)] }
    }

    /// A new, empty temporary file. - Throws: `EEXIST` if the caller has one of that name, `ENOSPC` past
    /// `maxPerCaller`.
    func create(vault: String, uid: UInt32, name: String, creator pid: Int32) throws(FileSystemError) -> TemporaryFile {
        sweep()
        let key = Key(vault: Names.key(vault), uid: uid, name: name)
        return try files.withLock { files throws(FileSystemError) -> TemporaryFile in
            guard files[key] == nil else { throw .exists }
            guard files.keys.count(where: { $0.uid == uid }) < Self.maxPerCaller else { throw FileSystemError(ENOSPC) }
            let file = TemporaryFile(key: key, created: now(), creator: pid)
            files[key] = file
            return file
        }
    }

    /// Removes `file` from the table and wipes it (rename done, `rm`, or abandoned).
    func discard(_ file: TemporaryFile) {
        files.withLock { files in
            if files[file.key] === file { files[file.key] = nil }
        }
        file.wipe()
    }

    /// Gives `file` another name in the same folder (a temporary renamed to another temporary name),
    /// replacing (and wiping) a temporary file of that name.
    func move(_ file: TemporaryFile, to name: String) -> TemporaryFile {
        let key = Key(vault: file.key.vault, uid: file.key.uid, name: name)
        let moved = TemporaryFile(key: key, created: file.created, creator: file.creator)
        let replaced: TemporaryFile? = files.withLock { files in
            let old = files[key]
            files[file.key] = nil
            files[key] = moved
            return old
        }
        file.state.withLock { state in
            moved.state.withLock { $0.buffer.replace(with: state.buffer.copy()) }
            state.buffer.wipe()
        }
        replaced?.wipe()
        return moved
    }

    /// Wipes every file no descriptor holds open since `abandonAfter`.
    func sweep() {
        let cutoff = now().addingTimeInterval(-abandonAfter)
        let abandoned: [TemporaryFile] = files.withLock { files in
            let gone = files.values.filter { $0.isAbandoned(before: cutoff) }
            for file in gone { files[file.key] = nil }
            return gone
        }
        for file in abandoned { file.wipe() }
    }

    /// The file was closed for the last time by `handle`; stamps the time its abandonment counts from.
    func closed(_ file: TemporaryFile) {
        let time = now()
        file.state.withLock { state in
            state.openHandles -= 1
            if state.openHandles == 0 { state.lastClosed = time }
        }
    }

    /// How many temporary files exist (for tests).
    var count: Int { files.withLock { $0.count } }
}

/// One temporary file: its bytes and how many handles hold it open.
final class TemporaryFile: Sendable {
    struct State: ~Copyable {
        var buffer = ValueBuffer(capacity: 0)
        var openHandles = 0
        var lastClosed: Date?
        /// A write was refused (too large): renaming it over a secret is refused too.
        var refused = false
    }

    let key: TemporaryFiles.Key
    let created: Date
    /// The process that created it: when it is killed by a signal, the file is wiped with its handle.
    let creator: Int32
    let state = Mutex(State())

    init(key: TemporaryFiles.Key, created: Date, creator: Int32) {
        self.key = key
        self.created = created
        self.creator = creator
    }

    var size: Int { state.withLock { $0.buffer.count } }

    func opened() { state.withLock { $0.openHandles += 1 } }

    func wipe() { state.withLock { $0.buffer.wipe() } }

    func isAbandoned(before cutoff: Date) -> Bool {
        state.withLock { $0.openHandles == 0 && ($0.lastClosed ?? created) < cutoff }
    }
}

/// Secrets a process soft-deleted through the mount a moment ago. `install` (and `cp --remove-destination`)
/// removes the target before it creates it again; when the same process creates the same name within
/// `window`, the secret is recovered and the create writes its next version instead of failing on a name held
/// by a soft-deleted secret.
final class RecentRemovals: Sendable {
    static let window: TimeInterval = 5
    private struct Key: Hashable {
        var vault: String
        var name: String
        var pid: Int32
    }
    private let removed = Mutex<[Key: Date]>([:])

    func record(vault: String, name: String, pid: Int32) {
        let now = Date()
        removed.withLock { removed in
            removed = removed.filter { now.timeIntervalSince($0.value) < Self.window }
            removed[Key(vault: Names.key(vault), name: Names.key(name), pid: pid)] = now
        }
    }

    /// Whether process `pid` removed `name` within the window; forgets it.
    func take(vault: String, name: String, pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        let key = Key(vault: Names.key(vault), name: Names.key(name), pid: pid)
        return removed.withLock { removed in
            guard let when = removed.removeValue(forKey: key) else { return false }
            return Date().timeIntervalSince(when) < Self.window
        }
    }
}
