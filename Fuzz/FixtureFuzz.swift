// libFuzzer target A: the fixture reader (docs/fixture-format.md).
//
// Property: for ANY bytes, `parseFixture(_:file:)` returns either a fixture or a
// non-empty list of problems, each with a non-empty message naming the file; it never
// traps, never reads out of bounds (AddressSanitizer) and never hangs (libFuzzer's
// -timeout). A fixture it accepts must survive a round trip through `encodeFixture`:
// the encoded text parses again to an equal fixture (the writer and the reader agree).
// Any violation calls `fatalError`, which libFuzzer records as a crash with the input.
import GradcheckIO
import GradcheckModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
  let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
  let file = "fuzz-input.json"
  switch parseFixture(bytes, file: file) {
  case .failure(let errors):
    guard !errors.problems.isEmpty else { fatalError("parseFixture failed with no problem listed") }
    guard errors.problems.count <= maxProblemsPerFile + 1 else {
      fatalError("parseFixture listed \(errors.problems.count) problems, above its cap \(maxProblemsPerFile) + 1")
    }
    for p in errors.problems where p.message.isEmpty || p.file != file {
      fatalError("problem without a message or with the wrong file: \(p)")
    }
  case .success(let fixture):
    let text = encodeFixture(fixture)
    switch parseFixture(text, file: file) {
    case .failure(let errors):
      fatalError("encodeFixture output does not parse back:\n\(errors)\n--- encoded ---\n\(text)")
    case .success(let again):
      if again != fixture {
        fatalError("round trip changed the fixture:\n\(fixture)\n--- became ---\n\(again)\n--- encoded ---\n\(text)")
      }
    }
  }
  return 0
}
