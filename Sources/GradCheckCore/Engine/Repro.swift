import GradcheckModel
import NumberFormat
import Spectral

/// The command that reruns exactly one case: the job's own prefix (the command, its input
/// and the selector of one matrix: `check FILE --index K`, `sweep --family F --n N --index K`),
/// then `--x-case LABEL` for a generated x edge case, the transform (its name), the beta, the spectral
/// quantity and the seed (always, so a fixture's own spectral quantity cannot change the
/// rerun), the sentinel when set, and every parameter that differs from its default
/// (`--margin`, `--slope`, `--floor`, `--max-grad`). Run as printed it yields that one
/// case with the same id and status. An external program's cases carry `--exec 'CMD'`
/// and its non-default options (`options.exec.repro`) and the built-in transform it is
/// compared with, if any (`transform` nil: none); a float32 built-in carries `--dtype`.
func caseRepro(
  jobPrefix: String, xLabel: String?, transform: String?, beta: Double,
  spectral: SpectralKind, options: EngineOptions, dtype: DType = .float64
) -> String {
  var r = jobPrefix
  if let l = xLabel { r += " --x-case \(l)" }
  r += options.exec.repro
  if let transform { r += " --transform \(transform)" }
  r += " --beta \(formatExact(beta))"
  if dtype != .float64 && options.exec.command == nil { r += " --dtype \(dtype.rawValue)" }
  r += " --spectral \(spectral.rawValue) --seed \(options.seed)"
  if let v = options.sentinel { r += " --sentinel \(formatExact(v))" }
  r += nonDefaultParameters(options)
  return r
}

/// ` --margin V --slope V --floor V --max-grad V`, each only where it differs from
/// its default (`TransformParameters(defaultsFor: options.dtype)`, `EngineOptions().maxGrad`).
func nonDefaultParameters(_ options: EngineOptions) -> String {
  let p = options.parameters, d = TransformParameters(defaultsFor: options.dtype), dm = EngineOptions().maxGrad
  var s = ""
  if p.margin != d.margin { s += " --margin \(formatExact(p.margin))" }
  if p.slope != d.slope { s += " --slope \(formatExact(p.slope))" }
  if p.floor != d.floor { s += " --floor \(formatExact(p.floor))" }
  if options.maxGrad != dm { s += " --max-grad \(formatExact(options.maxGrad))" }
  return s
}
