import Foundation
import Testing
@testable import VaultEngine

/// The engine's fuzz targets in CI, without libFuzzer: every kept input of `fuzz/corpus/<target>/` (seeds and
/// what the fuzzer found, crashes fixed since among them) is fed to the entry point the fuzz binary uses, then a
/// bounded, seeded mutation pass runs over the same entry points. An input that crashes fails the run; one that
/// gets an answer other than a clear error is recorded.
@Suite("Fuzz corpora (engine)")
struct FuzzCorpusTests {
    static let corpus = FuzzCorpus.directory(near: #filePath)
    /// Mutations per target: a few seconds for all targets together.
    static let mutations = 120

    @Test("every kept input gets an answer or a clear error", arguments: EngineFuzzEntryPoints.targets.keys.sorted())
    func replay(_ target: String) throws {
        let inputs = try FuzzCorpus.inputs(of: target, in: Self.corpus)
        #expect(!inputs.isEmpty, "fuzz/corpus/\(target) holds no input")
        let world = try FuzzWorld.shared()
        let run = try #require(EngineFuzzEntryPoints.targets[target])
        for input in inputs {
            do { try run(world, input.bytes) } catch { Issue.record("\(target)/\(input.name): \(error)") }
        }
    }

    @Test("seeded mutations of the corpus get an answer or a clear error", arguments: EngineFuzzEntryPoints.targets.keys.sorted())
    func mutations(_ target: String) throws {
        let inputs = try FuzzCorpus.inputs(of: target, in: Self.corpus).map(\.bytes)
        try #require(!inputs.isEmpty)
        let world = try FuzzWorld.shared()
        let run = try #require(EngineFuzzEntryPoints.targets[target])
        var mutator = FuzzMutator(seed: 0x6b76_6673, name: target)
        for round in 0..<Self.mutations {
            let input = mutator.mutate(inputs[round % inputs.count], other: inputs[(round * 7 + 3) % inputs.count])
            do {
                try run(world, input)
            } catch {
                Issue.record("\(target), mutation \(round) (base64 \(Data(input).base64EncodedString())): \(error)")
            }
        }
    }

    @Test("the entry points reach the engine: a seed request creates its key, a refused one changes nothing")
    func entryPointsReachTheEngine() throws {
        let world = try FuzzWorld()
        defer { world.remove() }
        let run = try #require(EngineFuzzEntryPoints.targets["key-request"])
        try run(world, Array(#"{"op":"create","name":"made","kty":"EC","crv":"P-384"}"#.utf8))
        #expect(try world.engine.keys.get(vault: FuzzWorld.vault, name: "made", as: world.caller).properties.name == "made")
        try run(world, Array(#"{"op":"create","name":"refused","kty":"EC","crv":"P-999"}"#.utf8))
        #expect(throws: VaultError.self) { try world.engine.keys.get(vault: FuzzWorld.vault, name: "refused", as: world.caller) }
    }

    @Test("an answer that is not a clear error is a finding")
    func untypedErrorsAreFindings() throws {
        let world = try FuzzWorld.shared()
        struct Opaque: Error {}
        #expect(throws: FuzzFinding.self) { try world.expectTypedErrors { throw Opaque() } }
        #expect(throws: FuzzFinding.self) { try world.expectTypedErrors { throw VaultError(.storeFailure, "x") } }
        try world.expectTypedErrors { throw VaultError.invalid("a clear refusal") }
    }

    @Test("the mutator is deterministic")
    func deterministic() {
        var a = FuzzMutator(seed: 1, name: "t"), b = FuzzMutator(seed: 1, name: "t")
        let seed = Array(#"{"op":"sign"}"#.utf8)
        for _ in 0..<50 { #expect(a.mutate(seed, other: seed) == b.mutate(seed, other: seed)) }
    }
}
