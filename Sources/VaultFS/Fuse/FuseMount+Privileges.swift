#if canImport(Glibc)
import Glibc
#endif

extension FuseMount {
    /// Where fusermount3 reads whether users may mount with `allow_other`.
    public static let fuseConfigurationPath = "/etc/fuse.conf"

    /// Whether this process mounts through the setuid `fusermount3` rather than by itself: every process but
    /// root's. libfuse does so when the `auto_unmount` option is given (``Options``), which also makes a mount
    /// whose process dies go away instead of staying behind dead.
    static var mountsThroughFusermount: Bool { geteuid() != 0 }

    /// Checks that the system lets this process mount, before anything is started: root needs `/dev/fuse`;
    /// anyone else needs the setuid-root `fusermount3` on `PATH`, a user name for its uid and `/dev/fuse` open to
    /// it (fusermount3 opens the device as the user) and, for `allowOther`, `user_allow_other` in
    /// `/etc/fuse.conf` (fusermount3's rules).
    /// - Throws: ``FuseMountError`` `deviceUnavailable` or `allowOtherNotPermitted`, saying exactly what to change.
    public static func checkPrivileges(allowOther: Bool) throws(FuseMountError) {
        guard mountsThroughFusermount else {
            if access("/dev/fuse", R_OK | W_OK) != 0 {
                throw FuseMountError(.deviceUnavailable,
                                     "Cannot open /dev/fuse (\(String(cString: strerror(errno)))). Load the fuse module "
                                         + "(modprobe fuse); in a container pass --device /dev/fuse --cap-add SYS_ADMIN.",
                                     path: "")
            }
            return
        }
        let uid = getuid()
        guard let helper = fusermountPath() else {
            throw FuseMountError(.deviceUnavailable,
                                 "uid \(uid) is not root, so it mounts through fusermount3, which is not on PATH: install the "
                                     + "fuse3 package (apt-get install fuse3), or mount as root.",
                                 path: "")
        }
        var status = stat()
        guard stat(helper, &status) == 0, status.st_uid == 0, status.st_mode & S_ISUID != 0 else {
            throw FuseMountError(.deviceUnavailable,
                                 "uid \(uid) is not root, so it mounts through \(helper), which is not setuid root: as root, "
                                     + "`chown root \(helper) && chmod u+s \(helper)`, or mount as root.",
                                 path: "")
        }
        guard getpwuid(uid) != nil else {
            throw FuseMountError(.deviceUnavailable,
                                 "uid \(uid) has no user name (no /etc/passwd or NSS entry), which fusermount3 needs to mount: "
                                     + "add the user (useradd), or mount as root.",
                                 path: "")
        }
        if access("/dev/fuse", R_OK | W_OK) != 0 {
            throw FuseMountError(.deviceUnavailable,
                                 "fusermount3 opens /dev/fuse as uid \(uid), which may not (\(String(cString: strerror(errno)))): "
                                     + "as root, `chmod 0666 /dev/fuse` (the mode Debian's udev rule gives it; in a container, "
                                     + "pass --device /dev/fuse), or mount as root.",
                                 path: "")
        }
        if allowOther && !fuseConfigurationAllowsOther() {
            throw FuseMountError(.allowOtherNotPermitted,
                                 "uid \(uid) mounts through fusermount3, which lets other users reach the mount (allow_other) "
                                     + "only when \(fuseConfigurationPath) has the line `user_allow_other`: as root, add it "
                                     + "(`echo user_allow_other >> \(fuseConfigurationPath)`), or mount for uid \(uid) alone "
                                     + "without allow_other.",
                                 path: "")
        }
    }

    /// Whether `/etc/fuse.conf` has `user_allow_other` on a line of its own (fusermount3's rule).
    public static func fuseConfigurationAllowsOther() -> Bool {
        guard let file = fopen(fuseConfigurationPath, "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) >= 0, let line {
            let text = String(cString: line).trimmingWhitespace()
            if text == "user_allow_other" { return true }
        }
        return false
    }

    /// The first `fusermount3` on `PATH` (or in /usr/bin, /bin).
    static func fusermountPath() -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        return directories.map { $0 + "/fusermount3" }.first { access($0, X_OK) == 0 }
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
