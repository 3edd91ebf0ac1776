import CFuse
import Foundation
import Glibc
import Synchronization
import VaultEngine

/// Identifies the workload of a request's calling thread without pid-reuse races: it takes a pidfd for the
/// thread first (`pidfd_open` with `PIDFD_THREAD`, Linux 6.9 and later; the kernel's FUSE header carries the
/// thread id), reads `/proc/<tid>/cgroup` and `/proc/<tid>/exe` (and the executable's content for a digest),
/// then checks that the pidfd's thread is still alive. A live thread's id cannot be reused, so everything read
/// belongs to the thread the pidfd was taken for. Anything doubtful fails closed with a reason.
///
/// On a kernel without `PIDFD_THREAD` the probe falls back to a pidfd for the thread group, and additionally
/// re-reads the thread's start time after the reads, so that a thread that exited and left its id to another
/// thread of the same process is caught too.
///
/// Nothing is cached per process: a process may `exec` another program or be moved to another cgroup while
/// its pid and start time stay the same, so an answer cached under them would not be exact. Only digests are
/// cached, under the identity of the file they were computed from (device, inode, size, change and
/// modification times).
final class WorkloadProbe: Sendable {
    /// Whether this kernel takes `PIDFD_THREAD`.
    let threadPidfds: Bool
    /// Where a pod's namespace and service account come from, when the mount was given a pod map.
    let podMap: PodMap?
    private let digests = Mutex<[FileIdentity: String]>([:])
    /// Executables larger than this are not hashed (a caller cannot make the mount read without end).
    static let digestLimit = 256 << 20
    private static let digestCacheLimit = 512

    /// - Parameter useThreadPidfds: `false` takes the fallback for kernels without `PIDFD_THREAD` (for tests);
    ///   by default the probe asks the kernel once.
    init(useThreadPidfds: Bool? = nil, podMap: PodMap? = nil) {
        self.podMap = podMap
        if let useThreadPidfds {
            threadPidfds = useThreadPidfds
        } else {
            let fd = kvfs_pidfd_open_thread(getpid())
            threadPidfds = fd >= 0
            if fd >= 0 { close(fd) }
        }
    }

    /// A lookup for the request of thread `tid`, which reads nothing until the engine asks.
    func lookup(thread tid: Int32) -> WorkloadLookup {
        WorkloadLookup { [self] withDigest in identify(thread: tid, withDigest: withDigest) }
    }

    /// The workload of thread `tid` now.
    func identify(thread tid: Int32, withDigest: Bool) -> WorkloadIdentification {
        guard tid > 0 else {
            return .unidentified(reason: "the caller is in a pid namespace the mount cannot see (pid 0)")
        }
        let startTime = threadPidfds ? nil : Self.startTime(of: tid)
        let pidfd: Int32
        if threadPidfds {
            pidfd = kvfs_pidfd_open_thread(tid)
        } else if let tgid = Self.threadGroup(of: tid), startTime != nil {
            pidfd = kvfs_pidfd_open_process(tgid)
        } else {
            return .unidentified(reason: "the process exited before it could be identified")
        }
        guard pidfd >= 0 else {
            return .unidentified(reason: errno == ESRCH ? "the process exited before it could be identified"
                                                        : "no pidfd for the caller (\(String(cString: strerror(errno))))")
        }
        defer { close(pidfd) }
        let answer = read(thread: tid, withDigest: withDigest)
        guard kvfs_pidfd_alive(pidfd) == 0, startTime == nil || Self.startTime(of: tid) == startTime else {
            return .unidentified(reason: "the process exited while it was being identified")
        }
        return answer
    }

    private func read(thread tid: Int32, withDigest: Bool) -> WorkloadIdentification {
        guard let cgroups = Self.contents(of: "/proc/\(tid)/cgroup") else {
            return .unidentified(reason: "its cgroup could not be read")
        }
        let unified = cgroups.split(separator: "\n").filter { $0.hasPrefix("0::") }
        guard unified.count == 1 else {
            return .unidentified(reason: unified.isEmpty ? "it has no cgroup v2 membership" : "it lists two cgroup v2 memberships")
        }
        let placement: CgroupPlacement
        switch CgroupPlacement.parse(String(unified[0].dropFirst(3))) {
        case .success(let found): placement = found
        case .failure(let ambiguity): return .unidentified(reason: ambiguity.reason)
        }
        guard let executable = Self.link("/proc/\(tid)/exe") else {
            return .unidentified(reason: "its executable could not be read")
        }
        var workload = Workload(systemdUnit: placement.systemdUnit, containerID: placement.containerID,
                                podUID: placement.podUID, executable: executable)
        if let pod = placement.podUID, let podMap {
            switch podMap.pod(pod) {
            case .success(let listed):
                workload.podNamespace = listed?.namespace
                workload.podServiceAccount = listed?.serviceAccount
            case .failure(let problem): return .unidentified(reason: problem.reason)
            }
        }
        if withDigest {
            switch digest(ofExecutableOf: tid) {
            case .success(let hex): workload.executableSHA256 = hex
            case .failure(let problem): return .unidentified(reason: problem.reason)
            }
        }
        return .identified(workload)
    }

    /// The SHA-256 of the file `/proc/<tid>/exe` opens (the binary the thread runs, even if renamed since).
    private func digest(ofExecutableOf tid: Int32) -> Result<String, CgroupPlacement.Ambiguity> {
        let fd = open("/proc/\(tid)/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.init("its executable could not be opened to hash it")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.init("its executable could not be examined")) }
        let identity = FileIdentity(info)
        if let known = digests.withLock({ $0[identity] }) { return .success(known) }
        guard Int(info.st_size) <= Self.digestLimit,
              let bytes = try? SHA256Digest.hash(readingDescriptor: fd, limit: Self.digestLimit) else {
            return .failure(.init("its executable could not be hashed (larger than \(Self.digestLimit >> 20) MiB or unreadable)"))
        }
        var after = stat()
        guard fstat(fd, &after) == 0, FileIdentity(after) == identity else {
            return .failure(.init("its executable changed while it was hashed"))
        }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        digests.withLock { cache in
            if cache.count >= Self.digestCacheLimit { cache.removeAll() }
            cache[identity] = hex
        }
        return .success(hex)
    }

    /// What tells one file's content from another's without reading it.
    private struct FileIdentity: Hashable {
        let device: UInt64, inode: UInt64, size: Int64
        let modified: Int64, modifiedNanos: Int, changed: Int64, changedNanos: Int
        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec)
            modifiedNanos = info.st_mtim.tv_nsec
            changed = Int64(info.st_ctim.tv_sec)
            changedNanos = info.st_ctim.tv_nsec
        }
    }

    static func contents(of path: String, limit: Int = 65_536) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > limit { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Field 22 of `/proc/<tid>/stat` (after the parenthesised command, which may hold spaces).
    static func startTime(of tid: Int32) -> UInt64? {
        guard let stat = contents(of: "/proc/\(tid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); the start time is field 22.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The `Tgid:` of `/proc/<tid>/status`.
    static func threadGroup(of tid: Int32) -> Int32? {
        guard let status = contents(of: "/proc/\(tid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Tgid:") }) else { return nil }
        return Int32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
    }
}
