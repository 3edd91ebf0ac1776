import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A cgroup made for a test under the cgroup v2 hierarchy, shaped like the ones systemd, Docker and the
/// kubelet make. `remove()` moves any process left in it back to the root cgroup and removes it and the
/// parents the test created; `TestCgroup.with` always calls it.
struct TestCgroup {
    /// Where the unified hierarchy is mounted (`/sys/fs/cgroup` on a pure cgroup v2 system,
    /// `/sys/fs/cgroup/unified` on a hybrid one).
    static let root: String = {
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            return String(halves[0].split(separator: " ")[4])
        }
        return "/sys/fs/cgroup"
    }()

    /// The path inside the hierarchy, as `/proc/<pid>/cgroup` shows it (`/system.slice/web.service`).
    let path: String
    /// Directories made for it, deepest first.
    private let made: [String]

    var directory: String { TestCgroup.root + path }
    var procs: String { directory + "/cgroup.procs" }

    /// A launcher for `VaultMountFixture.probe`: a shell that writes its own pid into this cgroup, then execs
    /// the probe, so the probe acts from its first request inside the cgroup.
    var launcher: [String] { ["/bin/sh", "-c", "echo $$ > '\(procs)' && exec \"$0\" \"$@\""] }

    private init(path: String) throws {
        self.path = path
        var made: [String] = []
        var current = TestCgroup.root
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) == 0 {
                made.append(current)
            } else if errno != EEXIST {
                let problem = errno
                for directory in made.reversed() { rmdir(directory) }
                throw VaultTestError("cannot create cgroup \(current): errno \(problem)")
            }
        }
        self.made = made.reversed()
    }

    func remove() {
        for directory in made {
            if let pids = try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8) {
                for pid in pids.split(separator: "\n") {
                    try? (String(pid) + "\n").write(toFile: TestCgroup.root + "/cgroup.procs", atomically: false, encoding: .utf8)
                }
            }
            rmdir(directory)
        }
    }

    /// Makes the cgroups at `paths`, runs `body`, and removes them whether it returns or throws.
    static func with<T>(_ paths: [String], _ body: ([TestCgroup]) throws -> T) throws -> T {
        var groups: [TestCgroup] = []
        defer { for group in groups.reversed() { group.remove() } }
        for path in paths { groups.append(try TestCgroup(path: path)) }
        return try body(groups)
    }

    /// 64 random lower-case hex characters, as a container id.
    static func randomContainerID() -> String {
        (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
    }
}
