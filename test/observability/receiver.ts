/**
 * A small OTLP/HTTP receiver for the observability tests: a Node HTTP server
 * on 127.0.0.1 that accepts what an OpenTelemetry exporter posts to
 * `/v1/traces` and `/v1/metrics`, in either encoding OTLP/HTTP specifies —
 * `application/json` (OTLP/JSON) or `application/x-protobuf` (decoded here
 * from the wire format, with the field numbers of opentelemetry-proto) — and
 * keeps the requests in the OTLP/JSON shape. Helpers flatten them into spans
 * and metric points to assert on.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

// -----------------------------------------------------------------------------
// The server
// -----------------------------------------------------------------------------

/** One request received, decoded to the OTLP/JSON shape. */
export interface Received {
  readonly path: string
  readonly contentType: string
  readonly body: any
}

export interface Receiver {
  /** `http://127.0.0.1:PORT`: the exporter's base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly url: string
  readonly received: ReadonlyArray<Received>
  readonly close: () => Promise<void>
}

export const startReceiver = async (): Promise<Receiver> => {
  const received: Array<Received> = []
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const path = request.url ?? "/"
      const contentType = (request.headers["content-type"] ?? "").split(";")[0]!.trim()
      const bytes = Buffer.concat(chunks)
      try {
        if (request.method !== "POST" || (path !== "/v1/traces" && path !== "/v1/metrics" && path !== "/v1/logs")) {
          response.writeHead(404).end()
          return
        }
        let body: unknown
        if (contentType === "application/json") {
          body = JSON.parse(bytes.toString("utf8"))
        } else if (contentType === "application/x-protobuf") {
          body = path === "/v1/traces" ? decodeTraces(bytes) : path === "/v1/metrics" ? decodeMetrics(bytes) : {}
        } else {
          response.writeHead(415).end()
          return
        }
        received.push({ path, contentType, body })
        // An empty Export*ServiceResponse, in the request's encoding.
        if (contentType === "application/json") {
          response.writeHead(200, { "content-type": "application/json" }).end("{}")
        } else {
          response.writeHead(200, { "content-type": "application/x-protobuf" }).end()
        }
      } catch (error) {
        response.writeHead(400).end(String(error))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}

// -----------------------------------------------------------------------------
// Protobuf wire format (just what OTLP uses)
// -----------------------------------------------------------------------------

type Raw =
  | { readonly wire: 0; readonly value: bigint } // varint
  | { readonly wire: 1; readonly value: Buffer } // 64-bit
  | { readonly wire: 2; readonly value: Buffer } // length-delimited
  | { readonly wire: 5; readonly value: Buffer } // 32-bit

/** The fields of one message, by number, in order of appearance. */
const fields = (bytes: Buffer): Map<number, Array<Raw>> => {
  const out = new Map<number, Array<Raw>>()
  let i = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (i >= bytes.length) throw new Error("truncated varint")
      const byte = bytes[i++]!
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (i < bytes.length) {
    const key = Number(varint())
    const field = key >>> 3
    const wire = key & 7
    let raw: Raw
    switch (wire) {
      case 0:
        raw = { wire, value: varint() }
        break
      case 1:
        raw = { wire, value: bytes.subarray(i, i + 8) }
        i += 8
        break
      case 2: {
        const length = Number(varint())
        raw = { wire, value: bytes.subarray(i, i + length) }
        i += length
        break
      }
      case 5:
        raw = { wire, value: bytes.subarray(i, i + 4) }
        i += 4
        break
      default:
        throw new Error(`unsupported wire type ${wire} (field ${field})`)
    }
    if (i > bytes.length) throw new Error("truncated message")
    const list = out.get(field)
    if (list === undefined) out.set(field, [raw])
    else list.push(raw)
  }
  return out
}

class Message {
  readonly f: Map<number, Array<Raw>>
  constructor(bytes: Buffer) {
    this.f = fields(bytes)
  }
  private last(n: number): Raw | undefined {
    const list = this.f.get(n)
    return list === undefined ? undefined : list[list.length - 1]
  }
  has(n: number): boolean {
    return this.f.has(n)
  }
  string(n: number): string | undefined {
    const raw = this.last(n)
    return raw?.wire === 2 ? raw.value.toString("utf8") : undefined
  }
  hex(n: number): string | undefined {
    const raw = this.last(n)
    return raw?.wire === 2 ? raw.value.toString("hex") : undefined
  }
  varint(n: number): bigint | undefined {
    const raw = this.last(n)
    return raw?.wire === 0 ? raw.value : undefined
  }
  /** fixed64 / sfixed64 (wire type 1) as a bigint. */
  fixed64(n: number): bigint | undefined {
    const raw = this.last(n)
    return raw?.wire === 1 ? raw.value.readBigUInt64LE(0) : undefined
  }
  double(n: number): number | undefined {
    const raw = this.last(n)
    return raw?.wire === 1 ? raw.value.readDoubleLE(0) : undefined
  }
  messages(n: number): Array<Message> {
    return (this.f.get(n) ?? []).flatMap((raw) => (raw.wire === 2 ? [new Message(raw.value)] : []))
  }
  message(n: number): Message | undefined {
    const all = this.messages(n)
    return all[all.length - 1]
  }
  /** A repeated 64-bit scalar, packed or not. */
  repeated64(n: number, read: (b: Buffer, offset: number) => number): Array<number> {
    const out: Array<number> = []
    for (const raw of this.f.get(n) ?? []) {
      if (raw.wire === 1) out.push(read(raw.value, 0))
      else if (raw.wire === 2) { for (let o = 0; o + 8 <= raw.value.length; o += 8) out.push(read(raw.value, o)) }
    }
    return out
  }
}

// opentelemetry-proto, common/v1
const anyValue = (m: Message): Record<string, unknown> => {
  if (m.has(1)) return { stringValue: m.string(1) }
  if (m.has(2)) return { boolValue: m.varint(2) !== 0n }
  if (m.has(3)) return { intValue: String(BigInt.asIntN(64, m.varint(3)!)) }
  if (m.has(4)) return { doubleValue: m.double(4) }
  if (m.has(5)) return { arrayValue: { values: m.message(5)!.messages(1).map(anyValue) } }
  if (m.has(6)) return { kvlistValue: { values: m.message(6)!.messages(1).map(keyValue) } }
  if (m.has(7)) return { bytesValue: m.hex(7) }
  return {}
}
const keyValue = (m: Message) => ({ key: m.string(1), value: anyValue(m.message(2) ?? new Message(Buffer.alloc(0))) })
const resource = (m: Message | undefined) => ({ attributes: m === undefined ? [] : m.messages(1).map(keyValue) })
const scope = (m: Message | undefined) => ({ name: m?.string(1) ?? "", version: m?.string(2) })
const nanos = (value: bigint | undefined) => String(value ?? 0n)

// opentelemetry-proto, trace/v1 (ExportTraceServiceRequest has TracesData's layout)
const decodeTraces = (bytes: Buffer) => ({
  resourceSpans: new Message(bytes).messages(1).map((rs) => ({
    resource: resource(rs.message(1)),
    scopeSpans: rs.messages(2).map((ss) => ({
      scope: scope(ss.message(1)),
      spans: ss.messages(2).map((s) => ({
        traceId: s.hex(1),
        spanId: s.hex(2),
        parentSpanId: s.hex(4),
        name: s.string(5),
        kind: Number(s.varint(6) ?? 0n),
        startTimeUnixNano: nanos(s.fixed64(7)),
        endTimeUnixNano: nanos(s.fixed64(8)),
        attributes: s.messages(9).map(keyValue),
        events: s.messages(11).map((e) => ({
          timeUnixNano: nanos(e.fixed64(1)),
          name: e.string(2),
          attributes: e.messages(3).map(keyValue)
        })),
        links: s.messages(13).map((l) => ({
          traceId: l.hex(1),
          spanId: l.hex(2),
          attributes: l.messages(4).map(keyValue)
        })),
        status: { code: Number(s.message(15)?.varint(3) ?? 0n), message: s.message(15)?.string(2) }
      }))
    }))
  }))
})

// opentelemetry-proto, metrics/v1
const numberPoint = (p: Message) => ({
  attributes: p.messages(7).map(keyValue),
  startTimeUnixNano: nanos(p.fixed64(2)),
  timeUnixNano: nanos(p.fixed64(3)),
  ...(p.has(4) ? { asDouble: p.double(4) } : {}),
  ...(p.has(6) ? { asInt: String(BigInt.asIntN(64, p.fixed64(6)!)) } : {})
})
const histogramPoint = (p: Message) => ({
  attributes: p.messages(9).map(keyValue),
  startTimeUnixNano: nanos(p.fixed64(2)),
  timeUnixNano: nanos(p.fixed64(3)),
  count: String(p.fixed64(4) ?? 0n),
  sum: p.double(5),
  bucketCounts: p.repeated64(6, (b, o) => Number(b.readBigUInt64LE(o))),
  explicitBounds: p.repeated64(7, (b, o) => b.readDoubleLE(o)),
  min: p.double(11),
  max: p.double(12)
})
const decodeMetrics = (bytes: Buffer) => ({
  resourceMetrics: new Message(bytes).messages(1).map((rm) => ({
    resource: resource(rm.message(1)),
    scopeMetrics: rm.messages(2).map((sm) => ({
      scope: scope(sm.message(1)),
      metrics: sm.messages(2).map((m) => {
        const base = { name: m.string(1), description: m.string(2), unit: m.string(3) }
        const gauge = m.message(5)
        const sum = m.message(7)
        const histogram = m.message(9)
        if (gauge !== undefined) return { ...base, gauge: { dataPoints: gauge.messages(1).map(numberPoint) } }
        if (sum !== undefined) {
          return {
            ...base,
            sum: {
              dataPoints: sum.messages(1).map(numberPoint),
              aggregationTemporality: Number(sum.varint(2) ?? 0n),
              isMonotonic: sum.varint(3) === 1n
            }
          }
        }
        if (histogram !== undefined) {
          return {
            ...base,
            histogram: {
              dataPoints: histogram.messages(1).map(histogramPoint),
              aggregationTemporality: Number(histogram.varint(2) ?? 0n)
            }
          }
        }
        return base
      })
    }))
  }))
})

// -----------------------------------------------------------------------------
// Flattening, for assertions
// -----------------------------------------------------------------------------

/** An OTLP `AnyValue` as a plain value (int64 as a number). */
export const plain = (value: any): unknown => {
  if (value === undefined || value === null) return undefined
  if ("stringValue" in value) return value.stringValue
  if ("boolValue" in value) return value.boolValue
  if ("intValue" in value) return Number(value.intValue)
  if ("doubleValue" in value) return Number(value.doubleValue)
  if ("arrayValue" in value) return (value.arrayValue.values ?? []).map(plain)
  return value
}

const attributesOf = (list: ReadonlyArray<any> | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((kv: any) => [kv.key, plain(kv.value)]))

export interface Span {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly start: bigint
  readonly end: bigint
  readonly attributes: Record<string, unknown>
  readonly events: ReadonlyArray<{ readonly name: string; readonly attributes: Record<string, unknown> }>
  readonly links: ReadonlyArray<
    { readonly traceId: string; readonly spanId: string; readonly attributes: Record<string, unknown> }
  >
  readonly status: { readonly code: number; readonly message?: string | undefined }
}

/** Every span received on `/v1/traces`. */
export const spansOf = (received: ReadonlyArray<Received>): Array<Span> =>
  received.filter((r) => r.path === "/v1/traces").flatMap((r) =>
    (r.body.resourceSpans ?? []).flatMap((rs: any) =>
      (rs.scopeSpans ?? []).flatMap((ss: any) =>
        (ss.spans ?? []).map((s: any): Span => ({
          name: s.name,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId === undefined || s.parentSpanId === "" ? undefined : s.parentSpanId,
          start: BigInt(s.startTimeUnixNano),
          end: BigInt(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          links: (s.links ?? []).map((l: any) => ({
            traceId: l.traceId,
            spanId: l.spanId,
            attributes: attributesOf(l.attributes)
          })),
          status: { code: Number(s.status?.code ?? 0), message: s.status?.message }
        }))
      )
    )
  )

export interface Point {
  readonly name: string
  readonly kind: "gauge" | "sum" | "histogram"
  readonly unit: string | undefined
  readonly monotonic: boolean | undefined
  readonly attributes: Record<string, unknown>
  readonly time: bigint
  /** gauge / sum */
  readonly value?: number | undefined
  /** histogram */
  readonly count?: number | undefined
  readonly sum?: number | undefined
  readonly bucketCounts?: ReadonlyArray<number> | undefined
  readonly explicitBounds?: ReadonlyArray<number> | undefined
}

/** Every metric point received on `/v1/metrics`, in order of arrival. */
export const pointsOf = (received: ReadonlyArray<Received>): Array<Point> =>
  received.filter((r) => r.path === "/v1/metrics").flatMap((r) =>
    (r.body.resourceMetrics ?? []).flatMap((rm: any) =>
      (rm.scopeMetrics ?? []).flatMap((sm: any) =>
        (sm.metrics ?? []).flatMap((m: any): Array<Point> => {
          const kind = m.gauge !== undefined ? "gauge" : m.sum !== undefined ? "sum" : m.histogram !== undefined
            ? "histogram"
            : undefined
          if (kind === undefined) return []
          const data = m[kind]
          return (data.dataPoints ?? []).map((p: any): Point => ({
            name: m.name,
            kind,
            unit: m.unit,
            monotonic: kind === "sum" ? Boolean(data.isMonotonic) : undefined,
            attributes: attributesOf(p.attributes),
            time: BigInt(p.timeUnixNano),
            ...(kind === "histogram"
              ? {
                count: Number(p.count),
                sum: Number(p.sum),
                bucketCounts: (p.bucketCounts ?? []).map(Number),
                explicitBounds: (p.explicitBounds ?? []).map(Number)
              }
              : { value: p.asDouble !== undefined ? Number(p.asDouble) : Number(p.asInt) })
          }))
        })
      )
    )
  )

/** The last point received of the series `name` whose attributes include `attributes`. */
export const lastPoint = (
  points: ReadonlyArray<Point>,
  name: string,
  attributes: Record<string, unknown> = {}
): Point | undefined => {
  let last: Point | undefined
  for (const p of points) {
    if (p.name !== name) continue
    if (Object.entries(attributes).every(([k, v]) => p.attributes[k] === v)) last = p
  }
  return last
}
