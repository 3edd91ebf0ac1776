import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a running process's writable memory as root (`/proc/PID/smaps` for the regions, `/proc/PID/mem`
/// for their bytes) and finds byte strings in it.
///
/// Every readable and writable private mapping is scanned: the heap, thread stacks, anonymous mappings and
/// the writable data of the program and its libraries. A region marked `dd` in smaps (`MADV_DONTDUMP`) is
/// reported as protected, so a test can tell the one copy of a key kept in such a page from a stray one.
enum DaemonMemoryScan {
    /// One place a needle was found.
    struct Hit: CustomStringConvertible {
        var needle: String
        var address: UInt64
        var region: String
        var isProtected: Bool
        var description: String {
            "\(needle) at 0x\(String(address, radix: 16)) in \(region.isEmpty ? "an anonymous mapping" : region)\(isProtected ? " (MADV_DONTDUMP)" : "")"
        }
    }

    struct Region {
        var start: UInt64
        var end: UInt64
        var name: String
        var isProtected: Bool
    }

    /// The readable, writable, private regions of `pid`, with their `dd` flag.
    static func regions(of pid: Int32) throws -> [Region] {
        // Read to the end: a /proc file has no size, and a whole-file read may stop at its first page.
        guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps") else { throw VaultTestError("cannot open /proc/\(pid)/smaps") }
        defer { try? handle.close() }
        let text = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var regions: [Region] = []
        var current: Region?
        var currentWanted = false
        func close() {
            if let region = current, currentWanted { regions.append(region) }
            current = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), fields.count >= 5, !range.hasSuffix(":") {
                close()
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16) else { continue }
                let perms = fields[1]
                let name = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
                currentWanted = perms.hasPrefix("rw") && perms.hasSuffix("p") && name != "[vvar]" && name != "[vsyscall]"
                    && name != "[vvar_vclock]"
                current = Region(start: start, end: end, name: name, isProtected: false)
            } else if line.hasPrefix("VmFlags:") {
                current?.isProtected = fields.dropFirst().contains("dd")
            }
        }
        close()
        return regions
    }

    /// Where `needle` first starts in `haystack[from..<end]`: `memchr` for its first byte, then `memcmp`.
    private static func index(of needle: [UInt8], in haystack: UnsafeRawBufferPointer, from: Int, to end: Int) -> Int? {
        guard let base = haystack.baseAddress else { return nil }
        var at = from
        return needle.withUnsafeBytes { n -> Int? in
            while at + n.count <= end {
                guard let hit = memchr(base + at, Int32(n[0]), end - n.count + 1 - at) else { return nil }
                let position = UnsafeRawPointer(hit) - base
                if memcmp(base + position, n.baseAddress!, n.count) == 0 { return position }
                at = position + 1
            }
            return nil
        }
    }

    /// Scans `pid` once for every needle (name → bytes).
    static func find(_ needles: [(String, [UInt8])], in pid: Int32) throws -> (hits: [Hit], bytesScanned: Int) {
        let regions = try regions(of: pid)
        let fd = open("/proc/\(pid)/mem", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultTestError("cannot open /proc/\(pid)/mem: errno \(errno)") }
        defer { close(fd) }
        var hits: [Hit] = []
        var scanned = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let longest = needles.map(\.1.count).max() ?? 0
        for region in regions {
            // Read in chunks that overlap by the longest needle, so a needle across a chunk border is found.
            var offset = region.start
            while offset < region.end {
                let want = Int(min(UInt64(buffer.count), region.end - offset))
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
                guard got > 0 else { break }
                scanned += got
                buffer.withUnsafeBytes { chunk in
                    for (name, needle) in needles where !needle.isEmpty {
                        var from = 0
                        while from + needle.count <= got {
                            guard let at = Self.index(of: needle, in: chunk, from: from, to: got) else { break }
                            hits.append(Hit(needle: name, address: offset + UInt64(at), region: region.name, isProtected: region.isProtected))
                            from = at + 1
                        }
                    }
                }
                if got < want { break }
                let step = UInt64(max(got - longest, 1))
                offset += offset + UInt64(got) >= region.end ? UInt64(got) : step
            }
        }
        // Overlapping chunks may report a hit twice.
        var seen = Set<String>()
        hits = hits.filter { seen.insert("\($0.needle)@\($0.address)").inserted }
        return (hits, scanned)
    }
}
