/**
 * A loopback OTLP/HTTP trace receiver for tests: accepts `POST /v1/traces` with protobuf or JSON
 * bodies, decodes them (protobuf with a small wire-format reader over the field numbers of
 * opentelemetry-proto's trace.proto, so no generated code is needed) and keeps the spans.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A received span, the same whichever encoding carried it. Ids are lower-case hex. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Record<string, unknown>;
  readonly events: { name: string; timeNs: bigint }[];
  readonly links: { traceId: string; spanId: string }[];
  readonly status: { code: number; message: string };
  readonly resource: Record<string, unknown>;
  /** Which encoding the span arrived in. */
  readonly encoding: 'protobuf' | 'json';
}

/** A running receiver. */
export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Resolves once `predicate` holds for the spans received so far (polls every 20 ms). */
  waitFor(
    predicate: (spans: readonly ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 and a free port. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const json = (req.headers['content-type'] ?? '').includes('json');
      spans.push(
        ...(json
          ? decodeJson(JSON.parse(body.toString('utf8')) as JsonRequest)
          : decodeProtobuf(body)),
      );
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : undefined);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline)
          throw new Error(
            `OTLP receiver: condition not met in ${timeoutMs} ms; got spans ${spans.map(s => s.name).join(', ')}`,
          );
        await new Promise(r => setTimeout(r, 20));
      }
    },
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}

// ---- protobuf ---------------------------------------------------------------------------------

type Field =
  { wire: 0; value: bigint } | { wire: 1 | 5; value: bigint } | { wire: 2; value: Uint8Array };

/** Reads one message into its fields by number, in order. */
function fields(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const fixed = (bytes: number): bigint => {
    let v = 0n;
    for (let i = bytes - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]!);
    pos += bytes;
    return v;
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const no = tag >> 3;
    const wire = tag & 7;
    let f: Field;
    if (wire === 0) f = { wire, value: varint() };
    else if (wire === 1) f = { wire, value: fixed(8) };
    else if (wire === 5) f = { wire, value: fixed(4) };
    else if (wire === 2) {
      const len = Number(varint());
      f = { wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    out.set(no, [...(out.get(no) ?? []), f]);
  }
  return out;
}

const bytesOf = (m: Map<number, Field[]>, no: number): Uint8Array[] =>
  (m.get(no) ?? []).map(f => f.value as Uint8Array);
const oneBytes = (m: Map<number, Field[]>, no: number): Uint8Array =>
  bytesOf(m, no)[0] ?? new Uint8Array();
const str = (m: Map<number, Field[]>, no: number): string =>
  Buffer.from(oneBytes(m, no)).toString('utf8');
const hex = (m: Map<number, Field[]>, no: number): string =>
  Buffer.from(oneBytes(m, no)).toString('hex');
const num = (m: Map<number, Field[]>, no: number): bigint =>
  (m.get(no)?.[0]?.value as bigint | undefined) ?? 0n;

function anyValue(m: Map<number, Field[]>): unknown {
  if (m.has(1)) return str(m, 1);
  if (m.has(2)) return num(m, 2) !== 0n;
  if (m.has(3)) return Number(BigInt.asIntN(64, num(m, 3)));
  if (m.has(4)) return new Float64Array(new BigUint64Array([num(m, 4)]).buffer)[0];
  return undefined;
}

function attributes(list: Uint8Array[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const f = fields(kv);
    out[str(f, 1)] = anyValue(fields(oneBytes(f, 2)));
  }
  return out;
}

function decodeProtobuf(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of bytesOf(fields(body), 1)) {
    const rsf = fields(rs);
    const resource = attributes(bytesOf(fields(oneBytes(rsf, 1)), 1));
    for (const ss of bytesOf(rsf, 2)) {
      for (const raw of bytesOf(fields(ss), 2)) {
        const s = fields(raw);
        const status = fields(oneBytes(s, 15));
        out.push({
          traceId: hex(s, 1),
          spanId: hex(s, 2),
          parentSpanId: hex(s, 4),
          name: str(s, 5),
          kind: Number(num(s, 6)),
          startNs: num(s, 7),
          endNs: num(s, 8),
          attributes: attributes(bytesOf(s, 9)),
          events: bytesOf(s, 11).map(e => ({ name: str(fields(e), 2), timeNs: num(fields(e), 1) })),
          links: bytesOf(s, 13).map(l => ({
            traceId: hex(fields(l), 1),
            spanId: hex(fields(l), 2),
          })),
          status: { code: Number(num(status, 3)), message: str(status, 2) },
          resource,
          encoding: 'protobuf',
        });
      }
    }
  }
  return out;
}

// ---- JSON -------------------------------------------------------------------------------------

interface JsonKeyValue {
  key: string;
  value: {
    stringValue?: string;
    boolValue?: boolean;
    intValue?: string | number;
    doubleValue?: number;
  };
}
interface JsonRequest {
  resourceSpans: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans: {
      spans: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        attributes?: JsonKeyValue[];
        events?: { name: string; timeUnixNano: string | number }[];
        links?: { traceId: string; spanId: string }[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      value.boolValue ??
      (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue);
  }
  return out;
}

function decodeJson(req: JsonRequest): ReceivedSpan[] {
  return req.resourceSpans.flatMap(rs =>
    rs.scopeSpans.flatMap(ss =>
      ss.spans.map(s => ({
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId ?? '',
        name: s.name,
        kind: s.kind,
        startNs: BigInt(s.startTimeUnixNano),
        endNs: BigInt(s.endTimeUnixNano),
        attributes: jsonAttributes(s.attributes),
        events: (s.events ?? []).map(e => ({ name: e.name, timeNs: BigInt(e.timeUnixNano) })),
        links: (s.links ?? []).map(l => ({ traceId: l.traceId, spanId: l.spanId })),
        status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
        resource: jsonAttributes(rs.resource?.attributes),
        encoding: 'json' as const,
      })),
    ),
  );
}
