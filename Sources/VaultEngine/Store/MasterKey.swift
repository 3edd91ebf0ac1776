import Foundation

/// The store's 256-bit master key. It wraps each vault's data key and keys the audit chain; it never
/// encrypts a value directly.
enum MasterKey {
    static let size = 32

    /// Reads a key file: 64 hex characters (a trailing newline is fine) or exactly 32 raw bytes. The key is
    /// held in protected pages (`SecureBytes(protectedCount:fill:)`), its one copy in the process: the file's
    /// bytes are read into a wiped buffer, never into `Data`.
    static func load(from path: String) throws -> SecureBytes {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == EACCES ? "permission denied" : "no such file"
            throw VaultError(.storeFailure, "Cannot read the master key file '\(path)' (\(reason)).")
        }
        defer { close(fd) }
        var length = 0
        let raw = SecureBytes(count: 256) { buffer in
            while length < buffer.count {
                let got = read(fd, buffer.baseAddress! + length, buffer.count - length)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { break }
                length += got
            }
        }
        return try raw.withUnsafeBytes { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all[0..<length])
            if bytes.count == size { return SecureBytes(protectedCount: size) { $0.copyMemory(from: bytes) } }
            var end = bytes.count
            while end > 0, bytes[end - 1] == 0x0a || bytes[end - 1] == 0x0d || bytes[end - 1] == 0x20 { end -= 1 }
            guard end == size * 2, let key = decodeHex(UnsafeRawBufferPointer(rebasing: bytes[0..<end])) else {
                throw VaultError(.wrongMasterKey, "The master key file '\(path)' must hold 64 hexadecimal characters (256 bits).")
            }
            return key
        }
    }

    /// The permission bits of the file at `path`, or nil when there is none.
    /// - Throws: `.storeFailure` when `path` cannot be examined or is not a regular file.
    static func existingFileMode(_ path: String) throws -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw VaultError(.storeFailure, "Cannot examine the master key file '\(path)': \(String(cString: strerror(errno))).")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw VaultError(.storeFailure, "The master key file '\(path)' is not a regular file.")
        }
        return info.st_mode & 0o7777
    }

    /// Refuses a key file that its group or others may read or write: whoever can read it opens the store.
    /// - Throws: `.invalidArgument` with the command that fixes it.
    static func refuseShared(_ path: String, mode: mode_t) throws {
        guard mode & 0o066 == 0 else {
            throw VaultError.invalid("The master key file '\(path)' has mode \(String(mode, radix: 8, uppercase: false).leftPadded(to: 4)): its group or others may read or change it; run `chmod 600 \(path)` (and check who else holds a copy) first.")
        }
    }

    /// Writes a new random key as hex text to `path`, mode 0600, refusing to overwrite. With `makingParent`,
    /// missing parent directories are created 0700.
    static func create(at path: String, makingParent: Bool = false) throws -> SecureBytes {
        if makingParent {
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty && !FileManager.default.fileExists(atPath: parent) {
                do {
                    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                            attributes: [.posixPermissions: 0o700])
                } catch {
                    throw VaultError(.storeFailure, "Cannot create the directory '\(parent)' for the master key file.", cause: error)
                }
            }
        }
        let random = try SecureRandom.secureBytes(size)
        let key = SecureBytes(protectedCount: size) { out in random.withUnsafeBytes { out.copyMemory(from: $0) } }
        let digits = Array("0123456789abcdef".utf8)
        let text = SecureBytes(count: size * 2 + 1) { out in
            key.withUnsafeBytes { bytes in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = digits[Int(byte >> 4)]
                    out[2 * i + 1] = digits[Int(byte & 0x0f)]
                }
            }
            out[size * 2] = 0x0a
        }
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

    private static func decodeHex(_ text: UnsafeRawBufferPointer) -> SecureBytes? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var valid = true
        let key = SecureBytes(protectedCount: text.count / 2) { out in
            for i in 0..<(text.count / 2) {
                guard let hi = nibble(text[2 * i]), let lo = nibble(text[2 * i + 1]) else { valid = false; return }
                out[i] = hi << 4 | lo
            }
        }
        return valid ? key : nil
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
