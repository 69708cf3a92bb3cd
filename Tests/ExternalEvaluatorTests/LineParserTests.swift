import EigenCore
import Testing

@testable import ExternalEvaluator

/// The response parser: numbers read back exactly, the special strings, and messages.
@Suite("External evaluator response parsing")
struct LineParserTests {
  func parse(_ text: String, points: Int, n: Int = 1, grad: Bool = false) throws(ResponseProblem) -> EvalResponse {
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: "\n"))  // as in the read buffer: the newline follows the line
    return try bytes.withUnsafeBufferPointer { (all) throws(ResponseProblem) in
      try ResponseDecoder.eval(UnsafeBufferPointer(rebasing: all[..<(all.count - 1)]), id: 1, points: points, n: n, grad: grad)
    }
  }

  func values(_ text: String, points: Int) throws -> [Double] {
    guard case .values(let v) = try parse(text, points: points) else { throw ResponseProblem(message: "not values") }
    return v.xCond
  }

  @Test("seeded random doubles of every magnitude read back bit for bit")
  func roundTrip() throws {
    var rng = SeededRNG(seed: 7)
    var expected: [Double] = []
    for _ in 0..<20000 {
      switch rng.int(below: 4) {
      case 0: expected.append(Double(bitPattern: rng.next() & ~(0x7FF << 52) | (UInt64(rng.int(below: 2046) + 1) << 52)))
      case 1: expected.append(rng.uniform(-1, 1))
      case 2: expected.append(Double(Float(rng.gaussian())))  // float32 values, as a float32 program sends them
      default: expected.append(Double(rng.int(below: 2_000_000) - 1_000_000) / 1000)
      }
    }
    expected += [0, -0.0, 5e-324, -5e-324, .leastNormalMagnitude, .greatestFiniteMagnitude, 1e22, 1e23, 9007199254740993, 0.1, 1 / 3]
    let text = "{\"id\": 1, \"x_cond\": [" + expected.map { "\($0)" }.joined(separator: ", ") + "]}"
    let got = try values(text, points: expected.count)
    for (a, b) in zip(got, expected) where a.bitPattern != b.bitPattern {
      Issue.record("read \(a), expected \(b)")
    }
  }

  @Test("other spellings of numbers: exponents, many digits, Python's repr")
  func spellings() throws {
    let cases: [(String, Double)] = [
      ("1E5", 1e5), ("1e+05", 1e5), ("-2.5e-3", -2.5e-3), ("0.000001", 1e-6), ("123456789012345678901234567890", 123456789012345678901234567890.0),
      ("0.10000000149011612", 0.10000000149011612), ("1e-400", 0), ("-0", -0.0), ("2.2250738585072011e-308", 2.2250738585072011e-308),
      ("0.30000000000000004", 0.30000000000000004), ("\"nan\"", .nan), ("\"inf\"", .infinity), ("\"-inf\"", -.infinity),
    ]
    let text = "{\"x_cond\": [" + cases.map(\.0).joined(separator: ",") + "], \"id\": 1, \"extra\": {\"a\": [1, null, true]}}"
    let got = try values(text, points: cases.count)
    for (value, (literal, expected)) in zip(got, cases) {
      #expect(value.bitPattern == expected.bitPattern || (value.isNaN && expected.isNaN), "\(literal) read as \(value)")
    }
  }

  @Test("invalid numbers and shapes are named with their place", arguments: [
    ("{\"id\": 1, \"x_cond\": [1, 01]}", "x_cond: expected ',' or ']'"),
    ("{\"id\": 1, \"x_cond\": [1, .5]}", "x_cond[1]: expected a number"),
    ("{\"id\": 1, \"x_cond\": [1, 1e400]}", "x_cond[1]: 1e400 is beyond the range of a double"),
    ("{\"id\": 1, \"x_cond\": [1, \"NaN\"]}", "x_cond[1]: expected a number or \"nan\", \"inf\", \"-inf\", found \"NaN\""),
    ("{\"id\": 1, \"x_cond\": [1, Infinity]}", "x_cond[1]: found Infinity, which is not JSON"),
    ("{\"id\": 1, \"x_cond\": [1, null]}", "x_cond[1]: expected a number or \"nan\", \"inf\", \"-inf\", found null"),
    ("{\"id\": 1, \"x_cond\": [1]}", "x_cond: expected 2 numbers, found 1"),
    ("{\"id\": 1, \"x_cond\": [1, 2], \"x_cond\": [1, 2]}", "member \"x_cond\" appears twice"),
    ("{\"id\": 1.5, \"x_cond\": [1, 2]}", "id: expected a non-negative integer"),
    ("{\"id\": 1, \"x_cond\": [1, 2]} x", "unexpected 'x' after the object"),
    ("[1, 2]", "expected a JSON object '{'"),
    ("", "expected a JSON object '{', found the end of the line"),
  ])
  func invalid(text: String, message: String) {
    do {
      _ = try parse(text, points: 2)
      Issue.record("accepted \(text)")
    } catch {
      #expect(error.message.contains(message), "\(error.message)")
    }
  }

  @Test("grad_y is read row-major, matrix by matrix")
  func matrices() throws {
    let text = "{\"id\": 1, \"x_cond\": [0, 0], \"grad_x\": [1, 2], \"grad_y\": [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]}"
    guard case .values(let v) = try parse(text, points: 2, n: 2, grad: true) else {
      Issue.record("expected values")
      return
    }
    #expect(v.gradY == [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(v.gradX == [1, 2])
    #expect(v.lambdaMin == nil)
  }

  @Test("the request is one line of valid JSON with shortest round-trip numbers")
  func request() {
    let out = ByteBuffer(capacity: 16)
    let x = [0.1, -2.0]
    let y = [1, 2, 3, 4, 5e-324, -0.0, 1e300, 0.30000000000000004]
    x.withUnsafeBufferPointer { xs in
      y.withUnsafeBufferPointer { ys in
        RequestWriter.eval(id: 42, beta: 5, x: xs, y: ys, n: 2, grad: true, into: out)
      }
    }
    let text = String(decoding: UnsafeBufferPointer(start: out.base, count: out.count), as: UTF8.self)
    #expect(text == "{\"op\": \"eval\", \"id\": 42, \"beta\": 5.0, \"x\": [0.1,-2.0], \"y\": [[[1.0,2.0],[3.0,4.0]],[[5e-324,-0.0],[1e+300,0.30000000000000004]]], \"grad\": true}\n")
  }
}
