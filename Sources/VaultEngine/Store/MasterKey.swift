import Foundation

/// The store's 256-bit master key. It wraps each vault's data key and keys the audit chain; it never
/// encrypts a value directly.
enum MasterKey {
    static let size = 32

    /// Reads a key file: 64 hex characters (a trailing newline is fine) or exactly 32 raw bytes.
    static func load(from path: String) throws -> SecureBytes {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = errno == EACCES ? "permission denied" : "no such file"
            throw VaultError(.storeFailure, "Cannot read the master key file '\(path)' (\(reason)).")
        }
        defer { try? handle.close() }
        var raw = [UInt8]((try? handle.read(upToCount: 256)) ?? Data())
        defer { wipe(&raw) }
        if raw.count == size { return SecureBytes(raw) }
        var text = raw
        while let last = text.last, last == 0x0a || last == 0x0d || last == 0x20 { text.removeLast() }
        defer { wipe(&text) }
        guard text.count == size * 2, let key = decodeHex(text) else {
            throw VaultError(.wrongMasterKey, "The master key file '\(path)' must hold 64 hexadecimal characters (256 bits).")
        }
        return key
    }

    /// Writes a new random key as hex text to `path`, mode 0600, refusing to overwrite.
    static func create(at path: String) throws -> SecureBytes {
        let key = try SecureRandom.secureBytes(size)
        var text = Array(key.withUnsafeBytes { $0.hexString }.utf8) + [0x0a]
        defer { wipe(&text) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw VaultError(.storeFailure, "Cannot create the master key file '\(path)': \(String(cString: strerror(errno))).")
        }
        defer { close(fd) }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else {
            throw VaultError(.storeFailure, "Cannot write the master key file '\(path)': \(String(cString: strerror(errno))).")
        }
        return key
    }

    private static func decodeHex(_ text: [UInt8]) -> SecureBytes? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var valid = true
        let key = SecureBytes(count: text.count / 2) { out in
            for i in 0..<(text.count / 2) {
                guard let hi = nibble(text[2 * i]), let lo = nibble(text[2 * i + 1]) else { valid = false; return }
                out[i] = hi << 4 | lo
            }
        }
        return valid ? key : nil
    }
}
