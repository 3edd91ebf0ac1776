import Foundation

/// What a workload principal's selectors may say, and their canonical spelling: a workload principal names
/// at least one of unit, container, pod or executable; a digest comes with an executable; ids are compared
/// in lower case, a pod UID with dashes (the systemd cgroup driver writes it with underscores).
public enum WorkloadRules {
    /// The selectors in canonical form.
    /// - Throws: `.invalidArgument` naming the selector that is wrong and how to write it.
    public static func validated(_ selectors: WorkloadSelectors) throws -> WorkloadSelectors {
        var canonical = selectors
        if selectors.executableSHA256 != nil && selectors.executable == nil {
            throw VaultError(.invalidArgument, "An executable SHA-256 needs the executable's path too (--exe).")
        }
        guard selectors.namesWorkload else {
            throw VaultError(.invalidArgument, "A workload principal needs at least one of a systemd unit, a container id, a pod UID, a pod namespace or service account, or an executable.")
        }
        if let unit = selectors.systemdUnit {
            guard isUnitName(unit) else {
                throw VaultError(.invalidArgument, "Systemd unit '\(Names.printable(unit))' is not valid: give a unit a process runs in, such as 'web.service' or 'app.scope'.")
            }
        }
        if let id = selectors.containerID {
            let lower = id.lowercased()
            guard isHex(lower, count: 64) else {
                throw VaultError(.invalidArgument, "Container id '\(Names.printable(id))' is not valid: give the full 64-hex-character id (`docker inspect --format '{{.Id}}'`).")
            }
            canonical.containerID = lower
        }
        if let uid = selectors.podUID {
            guard let pod = canonicalPodUID(uid) else {
                throw VaultError(.invalidArgument, "Pod UID '\(Names.printable(uid))' is not valid: give the pod's metadata.uid, such as 2c48913c-b29f-11e7-9350-020968147796.")
            }
            canonical.podUID = pod
        }
        for (what, name) in [("Namespace", selectors.podNamespace), ("Service account", selectors.podServiceAccount)] {
            if let name, !isKubernetesName(name) {
                throw VaultError(.invalidArgument, "\(what) '\(Names.printable(name))' is not valid: give a Kubernetes name (1-63 lower-case letters, digits and '-', starting and ending with a letter or digit).")
            }
        }
        if let path = selectors.executable {
            guard isCanonicalAbsolutePath(path) else {
                throw VaultError(.invalidArgument, "Executable '\(Names.printable(path))' is not valid: give an absolute path without '.', '..' or repeated '/' (the target /proc/<pid>/exe shows).")
            }
        }
        if let digest = selectors.executableSHA256 {
            let lower = digest.lowercased()
            guard isHex(lower, count: 64) else {
                throw VaultError(.invalidArgument, "Executable SHA-256 '\(Names.printable(digest))' is not valid: give 64 hex characters (`sha256sum <exe>`).")
            }
            canonical.executableSHA256 = lower
        }
        return canonical
    }

    /// A pod UID (a UUID, with dashes or the systemd driver's underscores) in lower case with dashes, or `nil`.
    public static func canonicalPodUID(_ text: String) -> String? {
        let uid = text.lowercased().replacingOccurrences(of: "_", with: "-")
        let groups = uid.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ isHex(String($0), count: $0.count) }) else { return nil }
        return uid
    }

    /// Whether `name` is a Kubernetes DNS label (namespaces; service accounts kvfs accepts in the same form).
    public static func isKubernetesName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        func alnum(_ b: UInt8) -> Bool { (48...57).contains(b) || (97...122).contains(b) }
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// Whether `text` is `count` lower-case hex characters.
    public static func isHex(_ text: String, count: Int) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == count && bytes.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Whether `name` is a systemd unit a process can run in: a `.service` or `.scope` with systemd's name bytes.
    static func isUnitName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count <= 255, name.hasSuffix(".service") || name.hasSuffix(".scope") else { return false }
        let stem = name.hasSuffix(".service") ? bytes.dropLast(8) : bytes.dropLast(6)
        return !stem.isEmpty && stem.allSatisfy {
            Names.isNameByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":")
                || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "\\")
        }
    }

    static func isCanonicalAbsolutePath(_ path: String) -> Bool {
        guard path.hasPrefix("/"), path.count > 1, path.utf8.count < 4096, !path.utf8.contains(0) else { return false }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
