import GradcheckModel

/// The values a program returned for one request of `points` points of size `n`.
public struct EvalValues: Sendable, Equatable {
  public var points: Int
  public var n: Int
  /// `x_cond[b]`.
  public var xCond: [Double]
  /// `d sum(x_cond) / dx[b]`; present exactly when the request asked for gradients.
  public var gradX: [Double]?
  /// `d sum(x_cond) / dy[b]`, row-major `n x n` matrices one after the other
  /// (`points * n * n` numbers); present exactly when the request asked for gradients.
  public var gradY: [Double]?
  /// The program's own `s(y[b])`, when it sends it.
  public var lambdaMin: [Double]?

  public init(
    points: Int, n: Int, xCond: [Double], gradX: [Double]? = nil, gradY: [Double]? = nil,
    lambdaMin: [Double]? = nil
  ) {
    self.points = points
    self.n = n
    self.xCond = xCond
    self.gradX = gradX
    self.gradY = gradY
    self.lambdaMin = lambdaMin
  }
}

/// A program's answer to one request: its values, or the error text it reported for
/// the request (`{"id": K, "error": "text"}`), which fails the `evaluate` check of the
/// request's cases while the run goes on.
public enum EvalResponse: Sendable, Equatable {
  case values(EvalValues)
  case error(String)
}

/// What the handshake told us about the program.
public struct EvaluatorIdentity: Sendable, Equatable {
  /// Stands in case ids where a transform name would (`[A-Za-z0-9._-]+`).
  public var name: String
  /// The precision the program computes in.
  public var dtype: DType
  /// The spectral quantity the program computes as its s.
  public var spectral: SpectralKind
}

/// Decoding of the program's lines.
enum ResponseDecoder {
  /// The handshake reply: `{"protocol": "gradcheck-exec/1", "name": N, "dtype": D,
  /// "spectral": S}`; `protocol` (exactly `gradcheck-exec/1`) and `name` required,
  /// unknown members ignored.
  static func hello(_ line: UnsafeBufferPointer<UInt8>) throws(ResponseProblem) -> EvaluatorIdentity {
    var parser = LineParser(line)
    var name: String?
    var sawProtocol = false
    var dtype = DType.float64
    var spectral = SpectralKind.minRealEigenvalue
    try parser.object { (p, key) throws(ResponseProblem) in
      switch key {
      case "protocol":
        let value = try p.string()
        guard value == RequestWriter.protocolName else {
          throw ResponseProblem(message: "the program speaks protocol \"\(value)\", not \"\(RequestWriter.protocolName)\"")
        }
        sawProtocol = true
      case "name":
        let value = try p.string()
        guard isValidName(value) else {
          throw ResponseProblem(message: "name \"\(value)\" is not made of letters, digits, '.', '_', '-' only (or is empty)")
        }
        name = value
      case "dtype":
        let value = try p.string()
        guard let d = DType(rawValue: value) else {
          throw ResponseProblem(message: "dtype \"\(value)\" is not float64 or float32")
        }
        dtype = d
      case "spectral":
        let value = try p.string()
        guard let s = SpectralKind(rawValue: value) else {
          let names = SpectralKind.allCases.map(\.rawValue).joined(separator: ", ")
          throw ResponseProblem(message: "spectral \"\(value)\" is not one of \(names)")
        }
        spectral = s
      default:
        try p.skipValue()
      }
    }
    try parser.expectEnd()
    guard sawProtocol else {
      throw ResponseProblem(message: "the handshake reply has no \"protocol\" (expected \"\(RequestWriter.protocolName)\")")
    }
    guard let name else { throw ResponseProblem(message: "the handshake reply has no \"name\"") }
    return EvaluatorIdentity(name: name, dtype: dtype, spectral: spectral)
  }

  /// `[A-Za-z0-9._-]+`.
  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty
      && name.utf8.allSatisfy { c in
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
          || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: ".")
          || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
      }
  }

  /// An evaluation response to request `id` for `points` points of size `n`.
  static func eval(
    _ line: UnsafeBufferPointer<UInt8>, id: Int, points: Int, n: Int, grad: Bool
  ) throws(ResponseProblem) -> EvalResponse {
    var parser = LineParser(line)
    var seen = Set<String>()
    var responseID: Int?
    var errorText: String?
    var xCond: [Double]?
    var gradX: [Double]?
    var gradY: [Double]?
    var lambdaMin: [Double]?
    try parser.object { (p, key) throws(ResponseProblem) in
      guard seen.insert(key).inserted else { throw p.problem("member \"\(key)\" appears twice") }
      switch key {
      case "id": responseID = try p.integer("id")
      case "error": errorText = try p.string()
      case "x_cond": xCond = try p.vector(key, count: points)
      case "grad_x": gradX = try p.vector(key, count: points)
      case "grad_y": gradY = try p.matrices(key, count: points, n: n)
      case "lambda_min": lambdaMin = try p.vector(key, count: points)
      default: try p.skipValue()
      }
    }
    try parser.expectEnd()
    guard let responseID else { throw ResponseProblem(message: "the response has no \"id\"") }
    guard responseID == id else {
      throw ResponseProblem(message: "the response's id is \(responseID), expected \(id)")
    }
    if let errorText { return .error(errorText) }
    guard let xCond else { throw ResponseProblem(message: "the response has no \"x_cond\" (and no \"error\")") }
    if grad {
      guard gradX != nil else { throw ResponseProblem(message: "the response has no \"grad_x\" (the request had \"grad\": true)") }
      guard gradY != nil else { throw ResponseProblem(message: "the response has no \"grad_y\" (the request had \"grad\": true)") }
    } else {
      for (key, value) in [("grad_x", gradX), ("grad_y", gradY)] where value != nil {
        throw ResponseProblem(message: "the response has \"\(key)\" but the request had \"grad\": false")
      }
    }
    return .values(
      EvalValues(points: points, n: n, xCond: xCond, gradX: gradX, gradY: gradY, lambdaMin: lambdaMin))
  }
}

extension LineParser {
  /// `[v_0, ..., v_{count-1}]`: exactly `count` numbers.
  mutating func vector(_ name: String, count: Int) throws(ResponseProblem) -> [Double] {
    var out = [Double](repeating: 0, count: count)
    try out.withUnsafeMutableBufferPointer { (buffer) throws(ResponseProblem) in
      try numbers(into: buffer, name, count: count, path: "")
    }
    return out
  }

  /// `[[[...] x n] x count]`: `count` matrices of `n` rows of `n` numbers, row-major.
  mutating func matrices(_ name: String, count: Int, n: Int) throws(ResponseProblem) -> [Double] {
    var out = [Double](repeating: 0, count: count * n * n)
    try out.withUnsafeMutableBufferPointer { (buffer) throws(ResponseProblem) in
      try expect(UInt8(ascii: "["), "'[' (\(name): \(count) matrices)")
      try elements(count, name, path: "", what: "matrices") { (p, b) throws(ResponseProblem) in
        try p.expect(UInt8(ascii: "["), "'[' (\(name)[\(b)]: \(n) rows)")
        try p.elements(n, name, path: "[\(b)]", what: "rows") { (p, r) throws(ResponseProblem) in
          let row = UnsafeMutableBufferPointer(rebasing: buffer[(b * n + r) * n..<(b * n + r + 1) * n])
          try p.numbers(into: row, name, count: n, path: "[\(b)][\(r)]")
        }
      }
    }
    return out
  }

  /// `[...]` of exactly `count` numbers into `out`.
  mutating func numbers(
    into out: UnsafeMutableBufferPointer<Double>, _ name: String, count: Int, path: @autoclosure () -> String
  ) throws(ResponseProblem) {
    try expect(UInt8(ascii: "["), "'[' (\(name)\(path()): \(count) numbers)")
    try elements(count, name, path: path(), what: "numbers") { (p, k) throws(ResponseProblem) in
      out[k] = try p.number("\(name)\(path())[\(k)]")
    }
  }

  /// The elements of an array whose '[' is consumed: exactly `count` of them, each read
  /// by `element(parser, index)`; the message for another count says how many there were.
  mutating func elements(
    _ count: Int, _ name: String, path: @autoclosure () -> String, what: String,
    _ element: (inout LineParser, Int) throws(ResponseProblem) -> Void
  ) throws(ResponseProblem) {
    skipWhitespace()
    var k = 0
    if current == UInt8(ascii: "]") {
      i += 1
    } else {
      repeat {
        if k == count {
          var extra = 1
          try skipValue()
          while try separator(close: UInt8(ascii: "]"), "\(name)\(path())") {
            try skipValue()
            extra += 1
          }
          throw ResponseProblem(message: "\(name)\(path()): expected \(count) \(what), found \(count + extra)")
        }
        try element(&self, k)
        k += 1
      } while try separator(close: UInt8(ascii: "]"), "\(name)\(path())")
    }
    guard k == count else {
      throw ResponseProblem(message: "\(name)\(path()): expected \(count) \(what), found \(k)")
    }
  }
}
