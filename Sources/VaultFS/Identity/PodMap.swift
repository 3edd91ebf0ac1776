import Foundation
import Glibc
import Synchronization
import VaultEngine

/// Pod UID → namespace and service account, from a JSON file a node agent keeps current (the cgroup path
/// carries the pod UID only): `{"<pod uid>": {"namespace": "batch", "serviceAccount": "job-runner"}, …}`.
///
/// The file is trusted only when it is a regular file owned by root or by the mount's own user and writable
/// by no one else; it is read again whenever its device, inode, size or times change. A file that cannot be
/// trusted or read makes every caller in a pod unidentified (fail closed); a pod the file does not list has no
/// namespace or service account, so principals that name one do not match it.
final class PodMap: Sendable {
    let path: String
    private let state = Mutex<(stamp: [Int64], entries: [String: Pod])?>(nil)

    struct Pod: Sendable, Equatable {
        var namespace: String
        var serviceAccount: String
    }

    init(path: String) { self.path = path }

    /// The pod's namespace and service account (`nil` when the file does not list the pod), or why the file
    /// cannot be used.
    func pod(_ uid: String) -> Result<Pod?, CgroupPlacement.Ambiguity> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return .failure(.init("the pod map '\(path)' cannot be opened")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            return .failure(.init("the pod map '\(path)' is not a regular file"))
        }
        guard info.st_uid == 0 || info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            return .failure(.init("the pod map '\(path)' is writable by others or owned by another user"))
        }
        let stamp = [Int64(info.st_dev), Int64(info.st_ino), Int64(info.st_size), Int64(info.st_mtim.tv_sec),
                     Int64(info.st_mtim.tv_nsec), Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec)]
        if let known = state.withLock({ $0 }), known.stamp == stamp { return .success(known.entries[uid]) }
        guard info.st_size <= 16 << 20, let text = WorkloadProbe.contents(of: "/proc/self/fd/\(fd)", limit: 16 << 20),
              let entries = PodMap.parse(Data(text.utf8)) else {
            return .failure(.init("the pod map '\(path)' is not valid JSON of pod UIDs to namespace and serviceAccount"))
        }
        state.withLock { $0 = (stamp, entries) }
        return .success(entries[uid])
    }

    /// The entries of a pod map, keyed by canonical pod UID, or `nil` when anything in it is not valid.
    static func parse(_ data: Data) -> [String: Pod]? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var entries: [String: Pod] = [:]
        for (key, value) in object {
            guard let uid = WorkloadRules.canonicalPodUID(key), let fields = value as? [String: Any],
                  let namespace = fields["namespace"] as? String, let account = fields["serviceAccount"] as? String,
                  WorkloadRules.isKubernetesName(namespace), WorkloadRules.isKubernetesName(account) else { return nil }
            entries[uid] = Pod(namespace: namespace, serviceAccount: account)
        }
        return entries
    }
}
