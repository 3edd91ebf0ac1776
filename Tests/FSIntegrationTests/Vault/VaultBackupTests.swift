import Foundation
import Testing

extension VaultMountTests {
    /// Backup and restore through the control files: `secrets/.ops`, `keys/<name>/ops` and `keys/.ops`, with the
    /// ops protocol's rules (EINVAL for syntax, EACCES for a missing right, other failures in the answer).
    @Suite struct Backup {
        static var setup: VaultMountFixture.Setup {
            TestCaller.setup([.init(name: "src"), .init(name: "dst")], secrets: [("src", "db", "hunter2")])
        }

        /// Writes one request to a control file and prints the answer; a failed write prints its errno name and exits 1.
        static func request(_ file: String, _ json: String) -> String {
            """
            /usr/bin/python3 -c 'import errno, os, sys
            fd = os.open(sys.argv[1], os.O_RDWR)
            try:
                os.write(fd, sys.argv[2].encode())
            except OSError as e:
                print(errno.errorcode[e.errno]); sys.exit(1)
            try:
                sys.stdout.write(os.read(fd, 1 << 20).decode())
            except OSError as e:
                print(errno.errorcode[e.errno]); sys.exit(1)' '\(file)' '\(json)'
            """
        }

        @Test func secretRoundTripThroughSecretsOps() throws {
            try VaultMountFixture.with(Backup.setup) { mount in
                let officer = TestCaller.officer
                #expect(try mount.shell(officer, "printf hunter3 > src/secrets/db").succeeded)
                let listing = try mount.probe(officer, .list("src/secrets"))
                #expect(listing.names.contains(".ops"))

                let script = """
                    set -e
                    exec 3<>src/secrets/.ops
                    printf '%s' '{"op":"backup","name":"db"}' >&3
                    blob=$(cat <&3)
                    exec 3>&-
                    exec 4<>dst/secrets/.ops
                    printf '%s' "$(printf '%s' "$blob" | sed 's/^{/{"op":"restore",/')" >&4
                    cat <&4
                    exec 4>&-
                    """
                let out = try mount.shell(officer, script)
                #expect(out.succeeded, "\(out)")
                #expect(out.stdout.contains("\"id\":\"https://dst.kvfs.localhost/secrets/db/"), "\(out)")
                #expect(!out.stdout.contains("hunter"))
                #expect(try mount.probe(TestCaller.secretsUser, .read("dst/secrets/db")).text == "hunter3")
                #expect(try mount.versionCount(officer, "dst", "db") == 2)

                // Restoring again: the name is taken, reported in the answer.
                let backup = try mount.shell(officer, Backup.request("src/secrets/.ops", #"{"op":"backup","name":"db"}"#))
                let again = try mount.shell(officer, "exec 3<>dst/secrets/.ops && printf '%s' \"$(printf '%s' '\(backup.stdout.trimmingCharacters(in: .whitespacesAndNewlines))' | sed 's/^{/{\"op\":\"restore\",/')\" >&3 && cat <&3")
                #expect(again.succeeded && again.stdout.contains("\"code\":\"Conflict\""), "\(again)")

                // A damaged blob is in the answer too; malformed JSON fails the write (an incomplete request, the read).
                let damaged = try mount.shell(officer, Backup.request("dst/secrets/.ops", #"{"op":"restore","value":"S1ZCSwE"}"#))
                #expect(damaged.stdout.contains("Malformed backup blob"), "\(damaged)")
                let syntax = try mount.shell(officer, Backup.request("src/secrets/.ops", #"{"op":"backup""#))
                #expect(!syntax.succeeded && syntax.stdout.contains("EINVAL"), "\(syntax)")

                // A Secrets User may not back up: the write is EACCES.
                let denied = try mount.shell(TestCaller.secretsUser, Backup.request("src/secrets/.ops", #"{"op":"backup","name":"db"}"#))
                #expect(!denied.succeeded && denied.stdout.contains("EACCES"), "\(denied)")

                let audit = try mount.auditLines()
                #expect(audit.contains { $0["operationName"] as? String == "SecretBackup" && $0["resultType"] as? String == "Success" })
                #expect(audit.contains { $0["operationName"] as? String == "SecretRestore" && $0["resultType"] as? String == "Success" })
            }
        }

        @Test func keyRoundTripThroughKeyOpsFiles() throws {
            try VaultMountFixture.with(Backup.setup) { mount in
                let admin = TestCaller.administrator
                let created = try mount.shell(admin, Backup.request("src/keys/.ops", #"{"op":"create","name":"signer","kty":"EC","crv":"P-256"}"#))
                #expect(created.succeeded, "\(created)")
                let script = """
                    set -e
                    exec 3<>src/keys/signer/ops
                    printf '%s' '{"op":"backup"}' >&3
                    blob=$(cat <&3)
                    exec 3>&-
                    exec 4<>dst/keys/.ops
                    printf '%s' "$(printf '%s' "$blob" | sed 's/^{/{"op":"restore",/')" >&4
                    cat <&4
                    exec 4>&-
                    cmp src/keys/signer/public.pem dst/keys/signer/public.pem
                    """
                let out = try mount.shell(admin, script)
                #expect(out.succeeded, "\(out)")
                #expect(out.stdout.contains("\"kid\":\"https://dst.kvfs.localhost/keys/signer/"), "\(out)")
                #expect(!out.stdout.contains("\"d\""))
            }
        }
    }
}
