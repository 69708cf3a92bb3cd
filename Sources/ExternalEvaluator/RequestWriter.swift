/// Encodes the requests of the `gradcheck-exec/1` protocol, one line each.
///
/// Numbers are written with the standard library's shortest round-trip digits
/// (`5.0`, `0.1`, `1e-05`, `-0.26710000000000006`), formatted straight into the reused
/// byte buffer (`ByteBufferStream`), so encoding allocates nothing per number.
enum RequestWriter {
  /// The protocol's name, sent in the handshake and expected back.
  static let protocolName = "gradcheck-exec/1"

  /// `{"protocol": "gradcheck-exec/1", "op": "hello"}` and a newline.
  static func hello(into out: ByteBuffer) {
    out.append("{\"protocol\": \"gradcheck-exec/1\", \"op\": \"hello\"}\n" as StaticString)
  }

  /// `{"op": "eval", "id": K, "beta": B, "x": [...], "y": [[[...]]], "grad": G}` and a
  /// newline, for `x.count` points with `y` the row-major `N x N` matrices one after
  /// the other (`y.count == x.count * n * n`). Every number must be finite.
  static func eval(
    id: Int, beta: Double, x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, n: Int,
    grad: Bool, into out: ByteBuffer
  ) {
    var stream = ByteBufferStream(buffer: out)
    out.reserve(64 + 26 * (x.count + y.count) + 4 * x.count * (n + 1))
    out.append("{\"op\": \"eval\", \"id\": " as StaticString)
    out.append(String(id))
    out.append(", \"beta\": " as StaticString)
    beta.write(to: &stream)
    out.append(", \"x\": [" as StaticString)
    for b in 0..<x.count {
      if b > 0 { out.append(UInt8(ascii: ",")) }
      x[b].write(to: &stream)
    }
    out.append("], \"y\": [" as StaticString)
    var k = 0
    for b in 0..<x.count {
      out.append(b > 0 ? ",[" as StaticString : "[" as StaticString)
      for i in 0..<n {
        out.append(i > 0 ? ",[" as StaticString : "[" as StaticString)
        for j in 0..<n {
          if j > 0 { out.append(UInt8(ascii: ",")) }
          y[k].write(to: &stream)
          k += 1
        }
        out.append(UInt8(ascii: "]"))
      }
      out.append(UInt8(ascii: "]"))
    }
    out.append(grad ? "], \"grad\": true}\n" as StaticString : "], \"grad\": false}\n" as StaticString)
  }
}
