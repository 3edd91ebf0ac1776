import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The bytes an open file holds — a secret's value, generated content, a control file's response — kept
/// so that VaultFS leaves no unwiped copy behind: it cannot be copied (`~Copyable`), owns its memory, grows
/// by moving into a larger allocation and wiping the old one, wipes what a truncation cuts off, and wipes
/// itself when dropped. What it hands out (`read`, `copy`) are fresh arrays that their taker wipes.
///
/// `@unchecked Sendable`: it owns its memory alone (it cannot be copied), and handles keep it in a `Mutex`.
struct ValueBuffer: ~Copyable, @unchecked Sendable {
    private var storage: UnsafeMutableRawBufferPointer
    private(set) var count: Int

    /// An empty buffer with room for `capacity` bytes before it needs to grow.
    init(capacity: Int = 0) {
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
        count = 0
    }

    /// A copy of the engine's `value`, with room for `capacity` bytes.
    init(copying value: SecureBytes, capacity: Int = 0) {
        self.init(capacity: max(capacity, value.count))
        value.withUnsafeBytes { append($0) }
    }

    /// A copy of `content`; wipes `content` itself.
    init(taking content: consuming [UInt8]) {
        self.init(capacity: content.count)
        content.withUnsafeBytes { append($0) }
        content.wipe()
    }

    deinit {
        Self.wipe(storage)
        storage.deallocate()
    }

    /// Up to `size` bytes from `offset`, as a fresh array.
    func read(at offset: Int, size: Int) -> [UInt8] {
        guard offset < count, size > 0 else { return [] }
        let end = min(count, offset + min(size, count))
        return Array(UnsafeRawBufferPointer(rebasing: storage[offset..<end]))
    }

    /// Calls `body` with the bytes in place, without a copy.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Appends `data` at the end.
    mutating func append(contentsOf data: UnsafeRawBufferPointer) { append(data) }

    /// All the bytes, as a fresh array for the engine; wipe it once stored.
    func copy() -> [UInt8] { read(at: 0, size: count) }

    /// Writes `data` at `offset`, filling a gap with zeros.
    mutating func write(_ data: UnsafeRawBufferPointer, at offset: Int) {
        let end = offset + data.count
        if end > count { resize(to: end) }
        UnsafeMutableRawBufferPointer(rebasing: storage[offset..<end]).copyMemory(from: data)
    }

    /// Cuts the bytes to `size` (wiping what goes) or extends them with zeros.
    mutating func resize(to size: Int) {
        if size < count {
            Self.wipe(UnsafeMutableRawBufferPointer(rebasing: storage[size..<count]))
        } else if size > count {
            reserve(size)
            UnsafeMutableRawBufferPointer(rebasing: storage[count..<size]).initializeMemory(as: UInt8.self, repeating: 0)
        }
        count = size
    }

    /// Replaces the bytes with a copy of `content`, wiping the old ones and `content` itself.
    mutating func replace(with content: consuming [UInt8]) {
        wipe()
        content.withUnsafeBytes { append($0) }
        content.wipe()
    }

    /// Wipes and empties the buffer.
    mutating func wipe() {
        Self.wipe(storage)
        count = 0
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let start = count
        resize(to: count + bytes.count)
        UnsafeMutableRawBufferPointer(rebasing: storage[start..<count]).copyMemory(from: bytes)
    }

    /// Makes room for `size` bytes; a move to a larger allocation wipes the old one.
    private mutating func reserve(_ size: Int) {
        guard size > storage.count else { return }
        let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, storage.count * 2), alignment: 16)
        UnsafeMutableRawBufferPointer(rebasing: grown[0..<count]).copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<count]))
        Self.wipe(storage)
        storage.deallocate()
        storage = grown
    }

    private static func wipe(_ bytes: UnsafeMutableRawBufferPointer) {
        if let base = bytes.baseAddress, bytes.count > 0 { explicit_bzero(base, bytes.count) }
    }
}
