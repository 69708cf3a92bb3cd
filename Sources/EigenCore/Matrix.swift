/// A dense real matrix stored row-major. Square in almost every use here
/// (the batch matrices y[b] are N x N).
public struct Matrix: Sendable, Equatable, Hashable {
  public let rows: Int
  public let cols: Int
  /// Row-major entries: `storage[i * cols + j]` is entry (i, j).
  public var storage: [Double]

  /// A zero matrix.
  public init(rows: Int, cols: Int) {
    precondition(rows >= 0 && cols >= 0)
    self.rows = rows
    self.cols = cols
    self.storage = Array(repeating: 0, count: rows * cols)
  }

  /// An n x n zero matrix.
  public init(n: Int) { self.init(rows: n, cols: n) }

  /// From row-major storage.
  public init(rows: Int, cols: Int, storage: [Double]) {
    precondition(storage.count == rows * cols, "storage has \(storage.count) entries, expected \(rows * cols)")
    self.rows = rows
    self.cols = cols
    self.storage = storage
  }

  /// From nested rows (all of equal length).
  public init(_ nested: [[Double]]) {
    let r = nested.count
    let c = nested.first?.count ?? 0
    precondition(nested.allSatisfy { $0.count == c }, "ragged rows")
    self.init(rows: r, cols: c, storage: nested.flatMap { $0 })
  }

  /// The n x n identity.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(n: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  /// A diagonal matrix.
  public static func diagonal(_ d: [Double]) -> Matrix {
    var m = Matrix(n: d.count)
    for i in 0..<d.count { m[i, i] = d[i] }
    return m
  }

  public var isSquare: Bool { rows == cols }
  public var n: Int { rows }

  @inlinable
  public subscript(i: Int, j: Int) -> Double {
    get { storage[i * cols + j] }
    set { storage[i * cols + j] = newValue }
  }

  /// Nested rows, as written in fixtures and results.
  public var nested: [[Double]] {
    (0..<rows).map { i in Array(storage[(i * cols)..<((i + 1) * cols)]) }
  }

  public var transposed: Matrix {
    var t = Matrix(rows: cols, cols: rows)
    for i in 0..<rows { for j in 0..<cols { t[j, i] = self[i, j] } }
    return t
  }

  /// Matrix product.
  public static func * (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.cols == b.rows)
    var c = Matrix(rows: a.rows, cols: b.cols)
    for i in 0..<a.rows {
      for k in 0..<a.cols {
        let aik = a[i, k]
        for j in 0..<b.cols { c.storage[i * c.cols + j] += aik * b.storage[k * b.cols + j] }
      }
    }
    return c
  }

  public static func + (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.cols == b.cols)
    return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map { $0 + $1 })
  }

  public static func - (a: Matrix, b: Matrix) -> Matrix {
    precondition(a.rows == b.rows && a.cols == b.cols)
    return Matrix(rows: a.rows, cols: a.cols, storage: zip(a.storage, b.storage).map { $0 - $1 })
  }

  public static func * (s: Double, a: Matrix) -> Matrix {
    Matrix(rows: a.rows, cols: a.cols, storage: a.storage.map { s * $0 })
  }

  /// Matrix-vector product.
  public func apply(_ v: [Double]) -> [Double] {
    precondition(v.count == cols)
    var out = [Double](repeating: 0, count: rows)
    for i in 0..<rows {
      var s = 0.0
      for j in 0..<cols { s += storage[i * cols + j] * v[j] }
      out[i] = s
    }
    return out
  }

  /// The inverse by Gauss-Jordan elimination with partial pivoting, for the small,
  /// well-conditioned similarities of tests and generators (a singular matrix
  /// gives non-finite entries).
  public var inverse: Matrix {
    precondition(isSquare)
    var m = self
    var inv = Matrix.identity(rows)
    for c in 0..<rows {
      var p = c
      for r in c..<rows where abs(m[r, c]) > abs(m[p, c]) { p = r }
      if p != c {
        for j in 0..<rows {
          m.storage.swapAt(c * cols + j, p * cols + j)
          inv.storage.swapAt(c * cols + j, p * cols + j)
        }
      }
      let d = m[c, c]
      for j in 0..<rows {
        m[c, j] /= d
        inv[c, j] /= d
      }
      for r in 0..<rows where r != c {
        let f = m[r, c]
        if f == 0 { continue }
        for j in 0..<rows {
          m[r, j] -= f * m[c, j]
          inv[r, j] -= f * inv[c, j]
        }
      }
    }
    return inv
  }

  /// 1-norm: the largest column sum of absolute values (LAPACK's DLANGE('1')).
  public var norm1: Double {
    var best = 0.0
    for j in 0..<cols {
      var s = 0.0
      for i in 0..<rows { s += abs(self[i, j]) }
      if s > best || s.isNaN { best = s }
    }
    return best
  }

  /// Frobenius norm, computed with scaling so that it neither overflows nor underflows.
  public var normFrobenius: Double { scaledNorm2(storage) }

  /// Largest absolute entry.
  public var maxAbs: Double { storage.reduce(0) { max($0, abs($1)) } }

  /// The first non-finite entry, if any, as (row, col).
  public var firstNonFinite: (row: Int, col: Int)? {
    for (k, v) in storage.enumerated() where !v.isFinite { return (k / cols, k % cols) }
    return nil
  }
}

/// The scaled sum of squares of LAPACK's DNRM2/DLASSQ: accumulates `sum x_k^2` as
/// `scale^2 * ssq` so that the Euclidean norm neither overflows nor underflows.
public struct ScaledSumOfSquares: Sendable {
  private var scale = 0.0
  private var ssq = 1.0

  public init() {}

  @inline(__always)
  public mutating func add(_ x: Double) {
    if x == 0 { return }
    let ax = abs(x)
    if scale < ax {
      ssq = 1 + ssq * (scale / ax) * (scale / ax)
      scale = ax
    } else {
      ssq += (ax / scale) * (ax / scale)
    }
  }

  /// `sqrt(sum x_k^2)`.
  public var norm: Double { scale * ssq.squareRoot() }
}

/// Euclidean norm of a vector without overflow or underflow (scaled sum of squares).
public func scaledNorm2<C: Collection>(_ v: C) -> Double where C.Element == Double {
  var acc = ScaledSumOfSquares()
  for x in v { acc.add(x) }
  return acc.norm
}
